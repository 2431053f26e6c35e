import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AnalysisAcceptedDto } from '../tracking/dto/session-status.dto';
import { SessionIdPipe } from '../tracking/session-id.pipe';
import { AnalysisService } from './analysis.service';

@ApiTags('analysis')
@Controller('sessions')
export class AnalysisController {
  constructor(private readonly analysis: AnalysisService) {}

  @Post(':id/analysis')
  @HttpCode(202)
  @ApiOperation({ summary: 'Trigger an analysis now; answers at once with a job id (the outcome shows in the session status)' })
  @ApiParam({ name: 'id' })
  @ApiAcceptedResponse({ type: AnalysisAcceptedDto })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  trigger(@Param('id', SessionIdPipe) id: string): Promise<AnalysisAcceptedDto> {
    return this.analysis.trigger(id);
  }
}
