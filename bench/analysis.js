// analysis: what one anthropic analysis cycle sends on the demo race (npm run demo's triathlon and
// race_config), mid-bike and mid-run. The request is built from the real pieces (prompt builder,
// system prompt, tool schemas, coaching metrics); its size is measured in characters and turned
// into an estimate of input tokens at 3.5 characters per token (no tokenizer runs offline: the
// real count is in each cycle's input_tokens in GET /sessions/:id/analyses). A cycle that acts
// (one tool call, then the closing text) sends the conversation twice.
const { round } = require('./support');
const { generateTriathlon } = require('../dist/simulator/race-generator');
const { mapGarminPoints } = require('../dist/tracking/point-mapper');
const { createLegState } = require('../dist/tracking/legs');
const { RaceMetrics } = require('../dist/metrics/race-metrics');
const { buildAnalysisPrompt } = require('../dist/analysis/prompt');
const { AnalysisTools } = require('../dist/analysis/analysis-tools');
const { ANALYSIS_SYSTEM_PROMPT } = require('../dist/analysis/anthropic/system-prompt');
const { MAX_TOKENS_PER_REQUEST } = require('../dist/analysis/anthropic/anthropic.backend');

const CHARS_PER_TOKEN = 3.5;
/** What Claude writes back: a short analysis, or a tool call plus a sentence (observed sizes in the e2e). */
const OUTPUT_TOKENS = 150;
const RACE_CONFIG = { hr_max: 150, power_max: 230, run_hr_max: 165 };
const PHYSIOLOGY = { ftp_w: 250, cp_w: 260, w_prime_j: 20000, lthr_bpm: 160, run_lthr_bpm: 165 };
const WINDOW_MIN = 10;
const ANALYZE_INTERVAL_S = 600;
const BUDGET = 200000;

const race = generateTriathlon({ seed: 2026, start: new Date(Date.UTC(2026, 5, 1, 7)) });
const { points } = mapGarminPoints(race.points, 'triathlon', createLegState('triathlon'));
const tools = new AnalysisTools(null, null).definitions();
const fixed = ANALYSIS_SYSTEM_PROMPT.length + JSON.stringify(tools).length;

function requestAt(leg) {
  const onLeg = points.filter((p) => p.leg === leg);
  const anchor = onLeg[Math.floor(onLeg.length / 2)].time;
  const windowMs = WINDOW_MIN * 60_000;
  const upTo = points.filter((p) => p.time <= anchor);
  const metrics = new RaceMetrics();
  metrics.add(upTo);
  const prompt = buildAnalysisPrompt({
    session: { id: 'demo-session', raceName: 'Demo 70.3', raceType: 'triathlon', athlete: 'Demo Athlete', thresholdsUpdatedAt: null, thresholdsUpdatedBy: null },
    windowMin: WINDOW_MIN,
    current: upTo.filter((p) => p.time > anchor - windowMs),
    previous: upTo.filter((p) => p.time > anchor - 2 * windowMs && p.time <= anchor - windowMs),
    firstPoint: points[0],
    thresholds: RACE_CONFIG,
    baseUrl: 'http://127.0.0.1:38100',
    mcpPath: '/mcp',
    authRequired: false,
    now: anchor + 5_000,
    metrics: { snapshot: metrics.snapshot(PHYSIOLOGY), physiology: PHYSIOLOGY },
    course: null,
    actions: 'tools',
  });
  const chars = fixed + prompt.length;
  const input = Math.round(chars / CHARS_PER_TOKEN);
  // Acting: the second request carries the first plus Claude's tool call and the tool result (~100 tokens).
  const quiet = input + OUTPUT_TOKENS;
  const acting = input + (input + OUTPUT_TOKENS + 100) + 2 * OUTPUT_TOKENS;
  return { leg, prompt_chars: prompt.length, request_chars: chars, est_input_tokens: input, est_cycle_tokens_quiet: quiet, est_cycle_tokens_acting: acting };
}

const at = [requestAt('bike'), requestAt('run')];
const raceHours = (race.end.getTime() - race.start.getTime()) / 3_600_000;
const cycles = Math.floor((raceHours * 3600) / ANALYZE_INTERVAL_S);
const worst = Math.max(...at.map((a) => a.est_cycle_tokens_acting));
console.log(JSON.stringify({
  bench: 'analysis',
  note: `estimate at ${CHARS_PER_TOKEN} chars/token; real counts are stored per cycle (input_tokens, output_tokens)`,
  system_and_tools_chars: fixed,
  max_tokens_per_request: MAX_TOKENS_PER_REQUEST,
  at,
  race_hours: round(raceHours, 2),
  cycles_at_default_interval: cycles,
  est_race_tokens_quiet: cycles * Math.max(...at.map((a) => a.est_cycle_tokens_quiet)),
  est_race_tokens_all_acting: cycles * worst,
  cycles_within_default_budget_all_acting: Math.floor(BUDGET / worst),
}));
