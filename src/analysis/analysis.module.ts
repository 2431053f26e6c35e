import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { TelegramModule } from '../telegram/telegram.module';
import { TrackingModule } from '../tracking/tracking.module';
import { AlertService } from './alert.service';
import { AnalysisController } from './analysis.controller';
import { AnalysisService } from './analysis.service';
import { ClaudeRunnerClient } from './claude-runner.client';

@Module({
  imports: [HttpModule, TrackingModule, TelegramModule, MetricsModule],
  controllers: [AnalysisController],
  providers: [AnalysisService, ClaudeRunnerClient, AlertService],
  exports: [AnalysisService, AlertService],
})
export class AnalysisModule {}
