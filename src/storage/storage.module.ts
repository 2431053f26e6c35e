import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { TrackStore } from './track-store.service';
import { AnalysisStore } from './analysis-store.service';
import { StateStore } from './state-store.service';
import { SessionLeaseStore } from './session-lease-store.service';
import { AthleteStore } from './athlete-store.service';
import { ViewerLinkStore } from './viewer-link-store.service';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ ...dataSourceOptions(config), retryAttempts: 0 }),
    }),
  ],
  providers: [TrackStore, AnalysisStore, StateStore, SessionLeaseStore, AthleteStore, ViewerLinkStore],
  exports: [TrackStore, AnalysisStore, StateStore, SessionLeaseStore, AthleteStore, ViewerLinkStore],
})
export class StorageModule {}
