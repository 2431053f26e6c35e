import { Controller, Get, HttpCode, Optional, ServiceUnavailableException } from '@nestjs/common';
import { Public } from '../access/api-key.guard';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { TrackStore } from '../storage/track-store.service';
import { TelegramCommandsService } from '../telegram/telegram-commands.service';
import { TelegramClient } from '../telegram/telegram.client';
import { Tracker } from '../tracking/tracker.service';
import { LeaseKeeper } from '../cluster/lease-keeper.service';
import { ClusterEvents } from '../cluster/cluster-events';
import { InvitationsService } from '../invitations/invitations.service';

@ApiTags('health')
// Open with API_KEY set too: probes and monitors carry no key (contract).
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly store: TrackStore,
    private readonly tracker: Tracker,
    private readonly leases: LeaseKeeper,
    @Optional() private readonly clusterEvents: ClusterEvents | null,
    private readonly config: AppConfig,
    private readonly telegram: TelegramClient,
    private readonly telegramCommands: TelegramCommandsService,
    private readonly invitations: InvitationsService,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Database, tracker and integrations (Terminus report)' })
  check() {
    return this.health.check([
      () => this.databaseIndicator(),
      () => this.trackerIndicator(),
      () => this.integrations(),
    ]);
  }

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: 200 while the process serves' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 200 when the database answers and migrations are applied' })
  @ApiOkResponse({ schema: { example: { status: 'ok', database: 'migrations applied' } } })
  @ApiServiceUnavailableResponse({ description: 'Database not reachable or migrations pending' })
  async ready() {
    const { ok, detail } = await this.store.isReady();
    if (!ok) throw new ServiceUnavailableException(`not ready: ${detail}`);
    return { status: 'ok', database: detail };
  }

  /** The database answers (1.5 s bound); `kind` says which one (never its URL: it holds a password). */
  private async databaseIndicator() {
    const indicator = this.indicators.check('database');
    const kind = this.config.databaseUrl ? 'postgres' : 'sqlite';
    try {
      await this.db.pingCheck('database', { timeout: 1500 });
      return indicator.up({ kind });
    } catch {
      return indicator.down({ kind, message: 'the database does not answer' });
    }
  }

  private async trackerIndicator() {
    const indicator = this.indicators.check('tracker');
    try {
      const stats = await this.store.stats();
      const mem = process.memoryUsage();
      const mb = (bytes: number) => Math.round(bytes / 1048576);
      return indicator.up({
        ...this.tracker.pollerStats(),
        // Which replica this is, the sessions it holds and the replicas it sees alive.
        cluster: { ...this.leases.stats(), live_events: this.clusterEvents?.stats() ?? null },
        store: stats,
        memory: { rss_mb: mb(mem.rss), heap_used_mb: mb(mem.heapUsed), heap_total_mb: mb(mem.heapTotal), external_mb: mb(mem.external) },
      });
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }

  /** Optional integrations report what they are doing; being switched off is not a failure. */
  private integrations() {
    const indicator = this.indicators.check('integrations');
    return indicator.up({
      telegram: this.config.telegramBotToken
        ? {
            enabled: true,
            api_base: this.config.telegramApiBase,
            default_chat: Boolean(this.config.telegramChatId),
            delivery: this.telegram.stats(),
            // Bot commands: answered / ignored (strangers, plain text, edits) / errors, and whether this replica polls.
            commands: this.telegramCommands.stats(),
          }
        : { enabled: false, message: 'TELEGRAM_BOT_TOKEN is not set: Telegram delivery is off' },
      claude_runner: { url: this.config.claudeRunnerUrl },
      analysis: {
        backend: this.config.analysisBackend,
        ...(this.config.analysisBackend === 'anthropic' ? { base_url: this.config.anthropicBaseUrl, model: this.config.anthropicModel } : {}),
        timeout_s: this.config.analysisTimeoutS,
        max_tokens_per_race: this.config.analysisMaxTokensPerRace,
      },
      telemetry: this.config.otelEndpoint
        ? { enabled: true, endpoint: this.config.otelEndpoint }
        : { enabled: false, message: 'OTEL_EXPORTER_OTLP_ENDPOINT is not set: telemetry is off' },
      auth: { api_key: Boolean(this.config.apiKey) },
      // Invitations by e-mail: connected, started, skipped by reason, last error (never the password).
      invitations: this.invitations.stats(),
    });
  }
}
