import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SessionIdPipe } from '../tracking/session-id.pipe';
import { CreateViewerLinkDto, ViewerLinkDto } from './dto/access.dto';
import { ViewerLinksService } from './viewer-links.service';

const ID_PARAM = { name: 'id', description: 'Garmin LiveTrack session id' };

@ApiTags('sessions')
@Controller('sessions')
export class ViewerLinksController {
  constructor(private readonly links: ViewerLinksService) {}

  @Post(':id/viewer-links')
  @ApiOperation({ summary: "Creates a read-only link to this race's live view (/watch/<token>) for family and crew: no API key needed, nothing but this race, until it expires or is revoked" })
  @ApiParam(ID_PARAM)
  @ApiCreatedResponse({ type: ViewerLinkDto })
  @ApiBadRequestResponse({ description: 'Malformed id or expires_in_h' })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  create(@Param('id', SessionIdPipe) id: string, @Body() body: CreateViewerLinkDto): Promise<ViewerLinkDto> {
    return this.links.create(id, body.expires_in_h);
  }

  @Delete(':id/viewer-links')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revokes every viewer link of this race; open views end' })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ description: 'Unknown session id' })
  async revoke(@Param('id', SessionIdPipe) id: string): Promise<void> {
    await this.links.revokeAll(id);
  }
}
