import { DynamicModule, Module } from '@nestjs/common';
import { McpModule, McpTransportType } from '@rekog/mcp-nest';
import { AnalysisModule } from '../analysis/analysis.module';
import { AthletesModule } from '../athletes/athletes.module';
import { AppConfig } from '../config/app-config';
import { ControlModule } from '../control/control.module';
import { MetricsModule } from '../metrics/metrics.module';
import { SummaryModule } from '../summary/summary.module';
import { TelegramModule } from '../telegram/telegram.module';
import { TrackingModule } from '../tracking/tracking.module';
import { AthleteTools } from './athlete.tools';
import { CoachingTools } from './coaching.tools';
import { RaceResources } from './race.resources';
import { RaceTools } from './race.tools';

const INSTRUCTIONS = [
  'Live race tracking from Garmin LiveTrack. Typical flow: start_tracking with the athlete\'s share link and thresholds',
  '(heart rate in bpm, power in watts, cadence in rpm on the bike / steps per minute on the run), then get_tracking_status and',
  'get_recent_data to follow the race, update_thresholds when the athlete asks, send_coaching_message for short Telegram',
  'messages, trigger_analysis for a full written analysis, get_race_metrics for coaching figures (NP, IF, TSS, decoupling,',
  'W′ balance, zones), and get_race_summary afterwards (list_races finds past races).',
  'session_id may be left out while exactly one race is tracked.',
  'set_athlete and list_athletes keep athlete profiles: a race whose Garmin athlete name matches one gets its default race_config and Telegram chat.',
].join(' ');

/**
 * Streamable HTTP sessions. mcp-nest keeps a stateful session (its McpServer and transport) in
 * the memory of the process that answered `initialize`: behind a load balancer spreading requests
 * over several replicas, the next request of that client lands elsewhere and gets "Session not
 * found". With DATABASE_URL (several replicas may share the database) the transport is stateless:
 * every POST is complete in itself and any replica answers it; the tools keep no per-client state
 * (everything is in the database), so nothing is lost. The price: mcp-nest builds a new McpServer
 * (and its JSON-schema validator) plus request-scoped handlers for every request, about twice the
 * latency of a bare SDK server (bench/mcp.js), and there is no GET stream (405; no tool sends
 * server-initiated messages). With SQLite there is one process, so stateful sessions build them
 * once per client. SSE (/sse + /messages) is stateful by nature: the GET stream and its POSTs must
 * reach the same process, which needs sticky sessions at the load balancer.
 */
export function streamableHttpMode(config: Pick<AppConfig, 'databaseUrl'>): 'stateless' | 'stateful' {
  return config.databaseUrl ? 'stateless' : 'stateful';
}

/**
 * MCP over Streamable HTTP (MCP_PATH) and SSE (/sse + /messages). Transports are listed
 * explicitly: STDIO must never run inside the server process. The API key (when set) is enforced
 * by the app-wide ApiKeyGuard on every route of the transport controllers, marked here.
 */
@Module({})
export class McpFacadeModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: McpFacadeModule,
      imports: [
        McpModule.forRoot({
          name: 'livetrack-mcp',
          version: '0.1.0',
          instructions: INSTRUCTIONS,
          transport: [McpTransportType.SSE, McpTransportType.STREAMABLE_HTTP],
          mcpEndpoint: config.mcpPath,
          sseEndpoint: 'sse',
          messagesEndpoint: 'messages',
          // Answers are plain JSON (no SSE framing) since no tool streams progress. See streamableHttpMode.
          streamableHttp: { statelessMode: streamableHttpMode(config) === 'stateless', enableJsonResponse: true },
          logging: false,
        }),
        TrackingModule,
        ControlModule,
        SummaryModule,
        MetricsModule,
        AnalysisModule,
        TelegramModule,
        AthletesModule,
      ],
      providers: [RaceTools, CoachingTools, RaceResources, AthleteTools],
    };
  }
}
