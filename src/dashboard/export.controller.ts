import { Controller, Get, Logger, Param, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SessionIdPipe } from '../tracking/session-id.pipe';
import { TrackingService } from '../tracking/tracking.service';
import { ExportService } from './export.service';

@ApiTags('sessions')
@Controller('sessions')
export class ExportController {
  private readonly logger = new Logger(ExportController.name);

  constructor(
    private readonly tracking: TrackingService,
    private readonly exports: ExportService,
  ) {}

  @Get(':id/export.gpx')
  @ApiOperation({
    summary: 'GPX 1.1 of the stored track: one segment per leg; heart rate and cadence in gpxtpx:TrackPointExtension, power in gpxpx:PowerInWatts. Points without a position are left out (export.csv keeps them)',
  })
  @ApiParam({ name: 'id', description: 'Garmin LiveTrack session id' })
  @ApiProduces('application/gpx+xml')
  @ApiOkResponse({ description: 'GPX file (attachment)', schema: { type: 'string' } })
  @ApiBadRequestResponse({ description: 'Malformed session id' })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  async gpx(@Param('id', SessionIdPipe) id: string, @Res() res: Response): Promise<void> {
    const session = await this.tracking.requireSession(id);
    await this.send(res, id, 'gpx', 'application/gpx+xml; charset=utf-8', this.exports.gpx(session));
  }

  @Get(':id/export.csv')
  @ApiOperation({ summary: 'CSV of every stored trackpoint; the header row holds the API field names, absent values are empty cells' })
  @ApiParam({ name: 'id', description: 'Garmin LiveTrack session id' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV file (attachment)', schema: { type: 'string' } })
  @ApiBadRequestResponse({ description: 'Malformed session id' })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  async csv(@Param('id', SessionIdPipe) id: string, @Res() res: Response): Promise<void> {
    await this.tracking.requireSession(id);
    await this.send(res, id, 'csv', 'text/csv; charset=utf-8', this.exports.csv(id));
  }

  private async send(res: Response, id: string, ext: string, type: string, chunks: AsyncGenerator<string>): Promise<void> {
    res.set({ 'Content-Type': type, 'Content-Disposition': `attachment; filename="livetrack-${id}.${ext}"`, 'Cache-Control': 'no-store' });
    try {
      await pipeline(Readable.from(chunks), res);
    } catch (error) {
      // Headers are out: no error body can follow. A client that left is not an error.
      const left = (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
      if (!left) this.logger.error({ msg: `export failed: ${(error as Error).message}`, sessionId: id, format: ext });
      res.destroy();
    }
  }
}
