import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ControlService } from './control.service';
import { ControlDto, ControlResultDto } from './dto/control.dto';

@ApiTags('control')
@Controller('control')
export class ControlController {
  constructor(private readonly control: ControlService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Update thresholds (seed-compatible); applies from the next poll' })
  @ApiOkResponse({ type: ControlResultDto, description: 'The effective thresholds' })
  @ApiBadRequestResponse({ description: 'Unknown field, wrong type, non-positive value, min > max, or session_id missing while several (or no) sessions are active (fields named)' })
  @ApiNotFoundResponse({ description: 'Unknown session_id' })
  update(@Body() body: ControlDto) {
    const { session_id, ...thresholds } = body;
    return this.control.updateThresholds(session_id, thresholds, 'rest');
  }
}
