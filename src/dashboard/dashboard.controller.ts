import { Controller, Get, Logger, MessageEvent, NotFoundException, OnModuleInit, Param, Query, Res, Sse } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiExcludeEndpoint, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Observable } from 'rxjs';
import { NotFoundError } from '../common/errors';
import { SessionIdPipe } from '../tracking/session-id.pipe';
import { TrackingService } from '../tracking/tracking.service';
import { DashboardLive } from './dashboard-live.service';
import { AppConfig } from '../config/app-config';
import { MapSettings, mapSettingsOf, pageHeaders, renderBoardPage, renderNotFoundPage, renderRacePage } from './dashboard-pages';

/**
 * The files the pages load, by the name they use. Our own sit in ./public (copied into dist by
 * nest-cli.json's assets); the chart library is served straight from node_modules, so the page works
 * with no internet and no front-end build.
 */
const ASSETS: Record<string, string> = {
  'dashboard.js': join(__dirname, 'public', 'dashboard.js'),
  'dashboard.css': join(__dirname, 'public', 'dashboard.css'),
  'board.js': join(__dirname, 'public', 'board.js'),
  'format.js': join(__dirname, 'public', 'format.js'),
  'uPlot.iife.min.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
  'uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
  // Maps (MAP_TILE_URL set): Leaflet and its marker images; map.js points Leaflet's imagePath here.
  'map.js': join(__dirname, 'public', 'map.js'),
  'leaflet.js': require.resolve('leaflet/dist/leaflet.js'),
  'leaflet.css': require.resolve('leaflet/dist/leaflet.css'),
  'marker-icon.png': require.resolve('leaflet/dist/images/marker-icon.png'),
  'marker-icon-2x.png': require.resolve('leaflet/dist/images/marker-icon-2x.png'),
  'marker-shadow.png': require.resolve('leaflet/dist/images/marker-shadow.png'),
};

/** Sends one of ASSETS by the name the pages use (the dashboard's and a viewer link's alike). */
export function sendAsset(name: string, res: Response): void {
  const file = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!file) throw new NotFoundException(`no dashboard asset ${name}`);
  res.sendFile(file, { headers: { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' } });
}

/** The board and error pages show no map: same-origin images only. */
const PAGE_HEADERS = pageHeaders(null);

@ApiTags('dashboard')
@Controller('dashboard')
export class DashboardController implements OnModuleInit {
  private readonly logger = new Logger(DashboardController.name);
  /** Null unless MAP_TILE_URL is set; the race page's CSP then also lets in images from the tile server. */
  private readonly map: MapSettings | null;
  private readonly raceHeaders: Record<string, string>;

  constructor(
    private readonly tracking: TrackingService,
    private readonly live: DashboardLive,
    config: AppConfig,
  ) {
    this.map = mapSettingsOf(config);
    this.raceHeaders = pageHeaders(this.map);
  }

  onModuleInit(): void {
    const missing = Object.values(ASSETS).filter((file) => !existsSync(file));
    if (missing.length) this.logger.error({ msg: 'dashboard assets missing: the pages will not work (was dist built with nest build?)', missing });
  }

  @Get()
  @ApiOperation({ summary: 'Coach board (HTML): every athlete followed live on one page, those who need attention first, finished races below; ?session=<id> opens one race' })
  @ApiQuery({ name: 'session', required: false, description: 'Garmin LiveTrack session id: redirects to /dashboard/<id>' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'HTML page' })
  list(@Query('session') session: string | undefined, @Res() res: Response): void {
    if (session !== undefined) {
      const id = new SessionIdPipe().transform(session);
      res.redirect(302, `/dashboard/${encodeURIComponent(id)}`);
      return;
    }
    res.set(PAGE_HEADERS).type('html').send(renderBoardPage());
  }

  @Get('assets/:name')
  @ApiExcludeEndpoint()
  asset(@Param('name') name: string, @Res() res: Response): void {
    sendAsset(name, res);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Dashboard of one race (HTML): track, charts with threshold bands, current figures, timeline; updates live' })
  @ApiParam({ name: 'id', description: 'Garmin LiveTrack session id' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'HTML page' })
  @ApiNotFoundResponse({ description: 'Unknown session id (HTML page)' })
  async race(@Param('id', SessionIdPipe) id: string, @Res() res: Response): Promise<void> {
    res.set(this.raceHeaders).type('html');
    try {
      const status = await this.tracking.status(id);
      res.send(renderRacePage(id, status.race_name ?? id, undefined, this.map));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      res.status(404).send(renderNotFoundPage(`No race ${id} is stored here.`));
    }
  }

  @Sse(':id/events')
  @ApiOperation({
    summary: 'Server-Sent Events of one race: `points` (newly stored trackpoints) as they arrive, `status` (session status and the thresholds per leg) after each batch and every 5 s',
  })
  @ApiParam({ name: 'id', description: 'Garmin LiveTrack session id' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'Event stream' })
  @ApiBadRequestResponse({ description: 'Malformed session id' })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  async events(@Param('id', SessionIdPipe) id: string): Promise<Observable<MessageEvent>> {
    await this.tracking.requireSession(id);
    return this.live.stream(id);
  }
}
