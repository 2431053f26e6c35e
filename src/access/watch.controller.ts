import { Controller, Get, MessageEvent, NotFoundException, Param, Query, Res, Sse } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { filter, from, interval, merge, Observable, switchMap, takeUntil, timer } from 'rxjs';
import { DashboardLive } from '../dashboard/dashboard-live.service';
import { AppConfig } from '../config/app-config';
import { CourseService } from '../course/course.service';
import { sendAsset } from '../dashboard/dashboard.controller';
import { MapSettings, mapSettingsOf, pageHeaders, renderRacePage } from '../dashboard/dashboard-pages';
import { PointsQueryDto, PointsResponseDto } from '../tracking/dto/trackpoint.dto';
import { TrackingService } from '../tracking/tracking.service';
import { Public } from './api-key.guard';
import { renderViewerGonePage, SIGN_IN_PAGE_HEADERS } from './sign-in-page';
import { ViewerGrant, ViewerLinksService, WATCH_PATH } from './viewer-links.service';

/** An open view re-checks its link this often, so a revoke on another replica ends it too. */
export const RECHECK_MS = 15_000;

const TOKEN_PARAM = { name: 'token', description: 'The viewer link token (from POST /sessions/:id/viewer-links)' };

/**
 * A viewer link's face: its race's live view and the two feeds that page reads (points, events),
 * and the page's own files. No API key: the token in the path is the credential, and it opens this
 * one race and nothing else (the page links nowhere into the API). Tokens are redacted from every
 * log line and span (redactSecrets).
 */
@ApiTags('dashboard')
@Public()
@Controller('watch')
export class WatchController {
  /** The same map as the dashboard's race page (MAP_TILE_URL), or null. */
  private readonly map: MapSettings | null;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly links: ViewerLinksService,
    private readonly tracking: TrackingService,
    private readonly live: DashboardLive,
    private readonly courses: CourseService,
    config: AppConfig,
  ) {
    this.map = mapSettingsOf(config);
    this.headers = pageHeaders(this.map);
  }

  private async grant(token: string): Promise<ViewerGrant> {
    const grant = await this.links.resolve(token);
    if (!grant) throw new NotFoundException('no such viewer link: it may have expired or been revoked');
    return grant;
  }

  @Get(':token')
  @ApiOperation({ summary: "Live view of one race through a viewer link (HTML): no API key; 404 once the link is revoked or expired" })
  @ApiParam(TOKEN_PARAM)
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'HTML page' })
  @ApiNotFoundResponse({ description: 'Unknown, revoked or expired link (HTML page)' })
  async page(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const grant = await this.links.resolve(token);
    if (!grant) {
      res.status(404).set(SIGN_IN_PAGE_HEADERS).type('html').send(renderViewerGonePage());
      return;
    }
    const status = await this.tracking.status(grant.sessionId);
    const title = [status.athlete, status.race_name].filter(Boolean).join(' · ') || 'Live race';
    res.set(this.headers).type('html').send(renderRacePage(grant.sessionId, title, { base: `${WATCH_PATH}/${token}` }, this.map));
  }

  @Get(':token/points')
  @ApiOperation({ summary: "The linked race's stored trackpoints (as GET /sessions/:id/points)" })
  @ApiParam(TOKEN_PARAM)
  @ApiOkResponse({ type: PointsResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown, revoked or expired link' })
  async points(@Param('token') token: string, @Query() query: PointsQueryDto) {
    const grant = await this.grant(token);
    return this.tracking.points(grant.sessionId, query);
  }

  @Get(':token/course')
  @ApiOperation({ summary: "The linked race's course and its progress (as GET /sessions/:id/course), for the map" })
  @ApiParam(TOKEN_PARAM)
  @ApiOkResponse({ description: 'Course and progress' })
  @ApiNotFoundResponse({ description: 'Unknown, revoked or expired link, or no course' })
  async course(@Param('token') token: string) {
    const grant = await this.grant(token);
    return this.courses.view(grant.sessionId);
  }

  @Sse(':token/events')
  @ApiOperation({ summary: "Server-Sent Events of the linked race (as /dashboard/:id/events, without the coach's analyses); ends when the link is revoked or expires" })
  @ApiParam(TOKEN_PARAM)
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'Event stream' })
  @ApiNotFoundResponse({ description: 'Unknown, revoked or expired link' })
  async events(@Param('token') token: string): Promise<Observable<MessageEvent>> {
    const grant = await this.grant(token);
    const gone$ = merge(
      this.links.revocations(grant.sessionId),
      timer(Math.max(0, grant.expiresAt - Date.now())),
      interval(RECHECK_MS).pipe(
        switchMap(() => from(this.links.resolve(token))),
        filter((still) => still === null),
      ),
    );
    return this.live.stream(grant.sessionId, 'viewer').pipe(takeUntil(gone$));
  }

  @Get(':token/assets/:name')
  @ApiExcludeEndpoint()
  async asset(@Param('token') token: string, @Param('name') name: string, @Res() res: Response): Promise<void> {
    await this.grant(token);
    sendAsset(name, res);
  }
}
