import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiConflictResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags,
} from '@nestjs/swagger';
import { AthletesService } from './athletes.service';
import { AthleteDto, AthleteListDto, PutAthleteDto } from './dto/put-athlete.dto';

const KEY_PARAM = { name: 'key', description: 'Athlete key: 1-64 letters, digits, ".", "_" or "-"', example: 'zoe' };

@ApiTags('athletes')
@Controller('athletes')
export class AthletesController {
  constructor(private readonly athletes: AthletesService) {}

  @Get()
  @ApiOperation({ summary: 'List athlete profiles, by key' })
  @ApiOkResponse({ type: AthleteListDto })
  async list() {
    return { athletes: await this.athletes.list() };
  }

  @Get(':key')
  @ApiOperation({ summary: 'One athlete profile' })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: AthleteDto })
  @ApiBadRequestResponse({ description: 'Bad key' })
  @ApiNotFoundResponse({ description: 'Unknown athlete' })
  get(@Param('key') key: string) {
    return this.athletes.get(key);
  }

  @Put(':key')
  @HttpCode(200)
  @ApiOperation({
    summary: "Create or replace an athlete: display_name is matched to Garmin's athlete name (ignoring case and accents); " +
      'race_config is the default of their sessions started without one; telegram_chat_id receives their alerts',
  })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: AthleteDto })
  @ApiBadRequestResponse({ description: 'Invalid key or body (fields named)' })
  @ApiConflictResponse({ description: 'Another athlete already has this display_name' })
  put(@Param('key') key: string, @Body() body: PutAthleteDto) {
    return this.athletes.put(key, body);
  }

  @Delete(':key')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an athlete profile (sessions already matched keep their athlete_key)' })
  @ApiParam(KEY_PARAM)
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ description: 'Unknown athlete' })
  async remove(@Param('key') key: string): Promise<void> {
    await this.athletes.remove(key);
  }
}
