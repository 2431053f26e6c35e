import { Module } from '@nestjs/common';
import { CourseModule } from '../course/course.module';
import { DashboardModule } from '../dashboard/dashboard.module';
import { TrackingModule } from '../tracking/tracking.module';
import { SignInController } from './sign-in.controller';
import { ViewerLinksController } from './viewer-links.controller';
import { ViewerLinksService } from './viewer-links.service';
import { WatchController } from './watch.controller';

/**
 * Who may see what: the dashboard's sign-in (API_KEY as a cookie) and viewer links (/watch/<token>).
 * The guard itself (ApiKeyGuard) is registered app-wide by AppModule.
 */
@Module({
  imports: [TrackingModule, DashboardModule, CourseModule],
  controllers: [SignInController, ViewerLinksController, WatchController],
  providers: [ViewerLinksService],
})
export class AccessModule {}
