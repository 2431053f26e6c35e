import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AnalysisModule } from './analysis/analysis.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { ControlModule } from './control/control.module';
import { HealthModule } from './health/health.module';
import { McpFacadeModule } from './mcp/mcp.module';
import { StorageModule } from './storage/storage.module';
import { TrackingModule } from './tracking/tracking.module';

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.register(config),
        ScheduleModule.forRoot(),
        StorageModule,
        TrackingModule,
        ControlModule,
        AnalysisModule,
        HealthModule,
        McpFacadeModule.register(config),
      ],
    };
  }
}
