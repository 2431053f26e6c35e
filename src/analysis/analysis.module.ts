import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AthletesModule } from '../athletes/athletes.module';
import { ControlModule } from '../control/control.module';
import { MetricsModule } from '../metrics/metrics.module';
import { TelegramModule } from '../telegram/telegram.module';
import { TrackingModule } from '../tracking/tracking.module';
import { AlertService } from './alert.service';
import { AnalysisController } from './analysis.controller';
import { AnalysisService } from './analysis.service';
import { AnalysisTools } from './analysis-tools';
import { AnalysisBackend } from './backends/analysis-backend';
import { AnthropicBackend } from './anthropic/anthropic.backend';
import { AnthropicClient } from './anthropic/anthropic.client';
import { ClaudeRunnerBackend } from './backends/claude-runner.backend';
import { OffBackend } from './backends/off.backend';
import { ClaudeRunnerClient } from './claude-runner.client';

const BACKENDS = { 'claude-runner': ClaudeRunnerBackend, anthropic: AnthropicBackend, off: OffBackend } as const;

@Module({
  imports: [HttpModule, TrackingModule, TelegramModule, MetricsModule, ControlModule, AthletesModule],
  controllers: [AnalysisController],
  providers: [
    AnalysisService,
    AlertService,
    AnalysisTools,
    ClaudeRunnerClient,
    AnthropicClient,
    ...Object.values(BACKENDS),
    {
      // ANALYSIS_BACKEND picks the one implementation the service talks to.
      provide: AnalysisBackend,
      inject: [AppConfig, ...Object.values(BACKENDS)],
      useFactory: (config: AppConfig, ...backends: AnalysisBackend[]) => backends.find((b) => b.name === config.analysisBackend),
    },
  ],
  exports: [AnalysisService, AlertService],
})
export class AnalysisModule {}
