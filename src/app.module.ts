import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AnalysisModule } from './analysis/analysis.module';
import { AthletesModule } from './athletes/athletes.module';
import { AccessModule } from './access/access.module';
import { ApiKeyGuard } from './access/api-key.guard';
import { ClusterEventsModule } from './cluster/cluster-events.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { ControlModule } from './control/control.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { HealthModule } from './health/health.module';
import { InvitationsModule } from './invitations/invitations.module';
import { McpFacadeModule } from './mcp/mcp.module';
import { CourseModule } from './course/course.module';
import { MetricsModule } from './metrics/metrics.module';
import { StorageModule } from './storage/storage.module';
import { SummaryModule } from './summary/summary.module';
import { TelegramCommandsModule } from './telegram/telegram-commands.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { TrackingModule } from './tracking/tracking.module';

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.register(config),
        TelemetryModule.register(config),
        ScheduleModule.forRoot(),
        StorageModule,
        TrackingModule,
        AthletesModule,
        ClusterEventsModule,
        ControlModule,
        AnalysisModule,
        SummaryModule,
        MetricsModule,
        CourseModule,
        // Before DashboardModule: /dashboard/sign-in must be routed before /dashboard/:id.
        AccessModule,
        DashboardModule,
        HealthModule,
        TelegramCommandsModule,
        InvitationsModule,
        McpFacadeModule.register(config),
      ],
      // API_KEY (when set) on every route not marked @Public(); see ApiKeyGuard.
      providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }],
    };
  }
}
