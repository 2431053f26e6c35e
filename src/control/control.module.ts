import { Module } from '@nestjs/common';
import { TrackingModule } from '../tracking/tracking.module';
import { ControlController } from './control.controller';
import { ControlService } from './control.service';

@Module({
  imports: [TrackingModule],
  controllers: [ControlController],
  providers: [ControlService],
  exports: [ControlService],
})
export class ControlModule {}
