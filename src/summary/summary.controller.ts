import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SessionIdPipe } from '../tracking/session-id.pipe';
import { RaceSummaryDto } from './dto/race-summary.dto';
import { RaceSummaryService } from './race-summary.service';

@ApiTags('sessions')
@Controller('sessions')
export class SummaryController {
  constructor(private readonly summaries: RaceSummaryService) {}

  @Get(':id/summary')
  @ApiOperation({ summary: 'Race summary: per-leg distance, time, HR/power/cadence, time over thresholds, alerts and analysis cycles (live or finished races)' })
  @ApiParam({ name: 'id', description: 'Garmin LiveTrack session id' })
  @ApiOkResponse({ type: RaceSummaryDto })
  @ApiBadRequestResponse({ description: 'Malformed session id' })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  summary(@Param('id', SessionIdPipe) id: string) {
    return this.summaries.summary(id);
  }
}
