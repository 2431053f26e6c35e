import { DynamicModule, Module } from '@nestjs/common';
import { McpModule, McpTransportType } from '@rekog/mcp-nest';
import { AppConfig } from '../config/app-config';

/**
 * MCP over Streamable HTTP (MCP_PATH) and SSE (/sse + /messages). Transports are listed
 * explicitly: STDIO must never run inside the server process.
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
          instructions: 'Live race tracking from Garmin LiveTrack: start tracking, read live data, adjust thresholds, coach the athlete.',
          transport: [McpTransportType.SSE, McpTransportType.STREAMABLE_HTTP],
          mcpEndpoint: config.mcpPath,
          sseEndpoint: 'sse',
          messagesEndpoint: 'messages',
          logging: false,
        }),
      ],
    };
  }
}
