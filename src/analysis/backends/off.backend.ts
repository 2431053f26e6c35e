import { Injectable } from '@nestjs/common';
import { AnalysisBackend, CycleResult, emptyResult } from './analysis-backend';

/** ANALYSIS_BACKEND=off: no cycles are scheduled and nothing leaves the server. */
@Injectable()
export class OffBackend extends AnalysisBackend {
  readonly name = 'off' as const;

  async run(): Promise<CycleResult> {
    return emptyResult('error', 'analysis is off on this server (ANALYSIS_BACKEND=off)');
  }
}
