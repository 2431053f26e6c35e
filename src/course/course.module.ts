import { Module } from '@nestjs/common';
import { TrackingModule } from '../tracking/tracking.module';
import { CourseController } from './course.controller';
import { CourseService } from './course.service';

@Module({
  imports: [TrackingModule],
  controllers: [CourseController],
  providers: [CourseService],
  exports: [CourseService],
})
export class CourseModule {}
