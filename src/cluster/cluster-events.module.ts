import { Global, Module } from '@nestjs/common';
import { TrackingModule } from '../tracking/tracking.module';
import { ClusterEvents } from './cluster-events';

/**
 * Live events across replicas (PostgreSQL LISTEN/NOTIFY; inert on SQLite). Global so the faces
 * that stream live data (the dashboard) can take ClusterEvents without importing this module.
 */
@Global()
@Module({
  imports: [TrackingModule],
  providers: [ClusterEvents],
  exports: [ClusterEvents],
})
export class ClusterEventsModule {}
