import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { StartSessionDto } from './dto/start-session.dto';
import { SessionListDto, SessionStatusDto } from './dto/session-status.dto';
import { PointsQueryDto, PointsResponseDto } from './dto/trackpoint.dto';
import { SessionIdPipe } from './session-id.pipe';
import { TrackingService } from './tracking.service';

@ApiTags('sessions')
@Controller('sessions')
export class SessionsController {
  constructor(private readonly tracking: TrackingService) {}

  @Post()
  @ApiOperation({ summary: 'Start tracking a LiveTrack share URL (returns the existing session if already tracked)' })
  @ApiCreatedResponse({ type: SessionStatusDto, description: 'Tracking started' })
  @ApiOkResponse({ type: SessionStatusDto, description: 'Already tracked: the existing session' })
  @ApiBadRequestResponse({ description: 'Invalid body or URL (fields named)' })
  async start(@Body() body: StartSessionDto, @Res({ passthrough: true }) res: Response) {
    const { created, status } = await this.tracking.start(body.url, { ...(body.race_config ?? {}) });
    res.status(created ? 201 : 200);
    return status;
  }

  @Get()
  @ApiOperation({ summary: 'List sessions: active first, then recent' })
  @ApiOkResponse({ type: SessionListDto })
  async list() {
    return { sessions: await this.tracking.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status of one session' })
  @ApiParam({ name: 'id', description: 'Garmin LiveTrack session id' })
  @ApiOkResponse({ type: SessionStatusDto })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  status(@Param('id', SessionIdPipe) id: string) {
    return this.tracking.status(id);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop tracking; returns the final status' })
  @ApiParam({ name: 'id' })
  @ApiOkResponse({ type: SessionStatusDto })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  stop(@Param('id', SessionIdPipe) id: string) {
    return this.tracking.stop(id);
  }

  @Get(':id/points')
  @ApiOperation({ summary: 'Stored trackpoints of the last N minutes (before the newest point) or since an ISO time, oldest first' })
  @ApiParam({ name: 'id' })
  @ApiOkResponse({ type: PointsResponseDto })
  @ApiBadRequestResponse({ description: 'Bad minutes / since' })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  points(@Param('id', SessionIdPipe) id: string, @Query() query: PointsQueryDto) {
    return this.tracking.points(id, query);
  }
}
