import { DynamicModule, Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { OpenTelemetryModule } from 'nestjs-otel';
import { AppConfig } from '../config/app-config';
import { AppMetrics } from './app-metrics.service';
import { shutdownTelemetry } from './telemetry';

/** Flushes spans and metrics last, after the tracker and analysis have finished their work. */
@Injectable()
class TelemetryFlush implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return shutdownTelemetry();
  }
}

/**
 * nestjs-otel (MetricService, TraceService) plus the app's own instruments (AppMetrics), for
 * every module. The SDK itself is started by main.ts before any module loads (see telemetry.ts);
 * without it all of this records into the API's no-op providers.
 */
@Global()
@Module({})
export class TelemetryModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: TelemetryModule,
      imports: [
        OpenTelemetryModule.forRoot({
          // Process and host CPU/memory, only worth collecting when something receives them.
          metrics: { hostMetrics: config.otelEndpoint !== null },
        }),
      ],
      providers: [AppMetrics, TelemetryFlush],
      exports: [AppMetrics],
    };
  }
}
