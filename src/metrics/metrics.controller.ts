import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SessionIdPipe } from '../tracking/session-id.pipe';
import { MetricsService } from './metrics.service';

@ApiTags('sessions')
@Controller('sessions')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get(':id/metrics')
  @ApiOperation({
    summary:
      'Coaching metrics for the race and each leg (NP, VI, IF, TSS, HR and power zones, decoupling, W′ balance, moving time, pace); ' +
      'null where the data or the physiology in race_config is missing. Definitions: coaching-metrics.md.',
  })
  @ApiParam({ name: 'id', description: 'Garmin LiveTrack session id' })
  @ApiOkResponse({ description: '{ session_id, computed_at, race: Metrics, legs: [{ leg, ...Metrics }], course: CourseProgress or null }' })
  @ApiBadRequestResponse({ description: 'Malformed session id' })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  get(@Param('id', SessionIdPipe) id: string) {
    return this.metrics.metrics(id);
  }
}
