import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AnalysisAcceptedDto } from '../tracking/dto/session-status.dto';
import { SessionIdPipe } from '../tracking/session-id.pipe';
import { AnalysisService } from './analysis.service';
import { toAnalysisView } from './analysis-view';
import { AnalysesPageDto, AnalysesQueryDto } from './dto/analyses.dto';

@ApiTags('analysis')
@Controller('sessions')
export class AnalysisController {
  constructor(private readonly analysis: AnalysisService) {}

  @Post(':id/analysis')
  @HttpCode(202)
  @ApiOperation({ summary: 'Trigger an analysis now; answers at once with a job id (the outcome shows in GET /sessions/:id/analyses)' })
  @ApiParam({ name: 'id' })
  @ApiAcceptedResponse({ type: AnalysisAcceptedDto })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  @ApiConflictResponse({ description: 'Analysis is off on this server (ANALYSIS_BACKEND=off)' })
  trigger(@Param('id', SessionIdPipe) id: string): Promise<AnalysisAcceptedDto> {
    return this.analysis.trigger(id);
  }

  @Get(':id/analyses')
  @ApiOperation({ summary: 'Analysis cycles of a race, newest first: outcome, text, tool calls and tokens of each' })
  @ApiParam({ name: 'id' })
  @ApiOkResponse({ type: AnalysesPageDto })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  async list(@Param('id', SessionIdPipe) id: string, @Query() query: AnalysesQueryDto): Promise<AnalysesPageDto> {
    const limit = query.limit ?? 20;
    const offset = query.offset ?? 0;
    const page = await this.analysis.listAnalyses(id, limit, offset);
    return { session_id: id, total: page.total, limit, offset, analyses: page.items.map(toAnalysisView) };
  }
}
