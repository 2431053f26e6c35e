import { Controller, Get, HttpCode, Param, Put, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiConsumes, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { InputError } from '../common/errors';
import { SessionIdPipe } from '../tracking/session-id.pipe';
import { CourseService } from './course.service';
import { GPX_MAX_BYTES } from './gpx';

const GPX_TYPES = ['application/gpx+xml', 'application/xml', 'text/xml', 'application/octet-stream', 'text/plain'];
/** Past the limit the rest of an upload is read and dropped (so the client sees our 400), up to this much. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;

@ApiTags('sessions')
@Controller('sessions')
export class CourseController {
  constructor(private readonly courses: CourseService) {}

  @Put(':id/course')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Upload the planned course as a GPX 1.1 file: the track (or route) is the course, waypoints are checkpoints. ' +
      'Replaces any course read from Garmin. Progress, off-course distance and ETAs appear in the status, metrics and prompt.',
  })
  @ApiParam({ name: 'id', description: 'Garmin LiveTrack session id' })
  @ApiConsumes('application/gpx+xml')
  @ApiBody({ description: 'The GPX file itself (≤ 10 MB)', schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ description: '{ distance_m, checkpoints: [{ name, distance_m }] }' })
  @ApiBadRequestResponse({ description: 'Not XML, not GPX, no or one point, bad coordinates, larger than 10 MB, or a JSON body (the reason is named)' })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  async put(@Param('id', SessionIdPipe) id: string, @Req() req: Request) {
    return this.courses.putGpx(id, await readGpxBody(req));
  }

  @Get(':id/course')
  @ApiOperation({ summary: 'The course (name, distance, checkpoints, polyline) and the progress along it' })
  @ApiParam({ name: 'id', description: 'Garmin LiveTrack session id' })
  @ApiOkResponse({ description: '{ session_id, source, name, distance_m, checkpoints: [{ name, distance_m, lat, lon }], points: [[lat, lon]], progress: CourseProgress }' })
  @ApiNotFoundResponse({ description: 'Unknown session id, or the session has no course' })
  get(@Param('id', SessionIdPipe) id: string) {
    return this.courses.view(id);
  }
}

/** The raw upload, never more than 10 MB in memory; a bigger one is a 400 saying so. */
async function readGpxBody(req: Request): Promise<Buffer> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type && !GPX_TYPES.includes(type)) {
    throw new InputError(`send the GPX file itself as the body with Content-Type application/gpx+xml (got ${type})`, ['course']);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > DRAIN_MAX_BYTES) {
      req.destroy();
      break;
    }
    if (size <= GPX_MAX_BYTES + 1) chunks.push(chunk);
  }
  if (size > GPX_MAX_BYTES) throw new InputError(`GPX file: larger than 10 MB (${(size / 1024 / 1024).toFixed(1)} MB${size > DRAIN_MAX_BYTES ? ' or more' : ''})`, ['course']);
  return Buffer.concat(chunks);
}
