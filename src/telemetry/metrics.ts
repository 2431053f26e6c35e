// Every instrument, span name and attribute key the service emits, in one place, so dashboards
// and alerts have a single list to follow. Names follow OpenTelemetry conventions (dot-separated,
// units in `unit`, no unit suffix in the name); Prometheus turns them into e.g.
// livetrack_polls_total and livetrack_poll_duration_seconds.

export interface InstrumentSpec {
  name: string;
  description: string;
  unit: string;
}

export const METRICS = {
  /** Attributes: outcome (ok, or the failure kind: rate_limited, server, timeout, network, forbidden, malformed, gone, error). */
  polls: { name: 'livetrack.polls', description: 'Garmin polls by outcome', unit: '{poll}' },
  /** Newly stored trackpoints (duplicates re-sent by Garmin are not counted). */
  pointsIngested: { name: 'livetrack.points.ingested', description: 'Trackpoints newly stored', unit: '{point}' },
  /** Attributes: outcome. One poll = optional metadata call + track-points call + store. */
  pollDuration: { name: 'livetrack.poll.duration', description: 'Duration of one poll of one session', unit: 's' },
  activeSessions: { name: 'livetrack.sessions.active', description: 'Sessions being polled now', unit: '{session}' },
  /** Attributes: outcome (sent, runner_down, error, cancelled). */
  analysisRuns: { name: 'livetrack.analysis.runs', description: 'Analysis cycles by outcome', unit: '{run}' },
  /** Attributes: field (the threshold, e.g. hr_max), outcome (delivered, failed, disabled). */
  alerts: { name: 'livetrack.alerts', description: 'Alerts raised (threshold field, or fuel / w_bal / decoupling), by delivery outcome', unit: '{alert}' },
  /** Attributes: tool, outcome (ok, error). */
  toolCalls: { name: 'livetrack.mcp.tool.calls', description: 'MCP tool calls by tool and outcome', unit: '{call}' },
} as const satisfies Record<string, InstrumentSpec>;

/** Poll latency buckets (seconds): polls are one or two small HTTP calls plus one SQLite write. */
export const POLL_DURATION_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

export const SPANS = {
  /** One poll of one session (root span: polls are timer-driven). */
  poll: 'livetrack.poll',
  /** One HTTP call to Garmin (share page, short link, metadata or track points); child of the poll. */
  garminCall: 'garmin.request',
  /** One analysis cycle (prompt built from the store, handed to the runner). */
  analysis: 'livetrack.analysis',
  /** One Telegram sendMessage, retries included. */
  telegramSend: 'telegram.send_message',
  /** Prefix of MCP tool-call spans: `tools/call <tool>` (MCP semantic conventions). */
  toolCall: 'tools/call',
} as const;

export const ATTRS = {
  sessionId: 'livetrack.session_id',
  outcome: 'livetrack.outcome',
  pointsReceived: 'livetrack.points.received',
  pointsInserted: 'livetrack.points.inserted',
  pointsRejected: 'livetrack.points.rejected',
  garminCall: 'garmin.call',
  analysisOrigin: 'livetrack.analysis.origin',
  analysisBackend: 'livetrack.analysis.backend',
  /** GenAI semantic conventions: tokens a cycle spent. */
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  urlFull: 'url.full',
  mcpMethod: 'mcp.method.name',
  toolName: 'gen_ai.tool.name',
} as const;

/** Metric attribute keys: short, low-cardinality (never a session id: sessions come and go). */
export const METRIC_ATTRS = {
  outcome: 'outcome',
  tool: 'tool',
  field: 'field',
} as const;

/** The tracer and meter scope name. */
export const INSTRUMENTATION_SCOPE = 'livetrack-mcp';
