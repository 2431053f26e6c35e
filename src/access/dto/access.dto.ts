import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** The sign-in form's fields (application/x-www-form-urlencoded). */
export class SignInDto {
  @ApiProperty({ description: 'The API key (sent in the form body, never in a URL)', format: 'password' })
  @IsString()
  @MaxLength(1000)
  key!: string;

  @ApiPropertyOptional({ description: 'Path on this site to go back to once signed in', example: '/dashboard' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}

/** Longest life of a viewer link: a week covers a multi-day event and its replay afterwards. */
export const VIEWER_LINK_MAX_H = 168;
export const VIEWER_LINK_DEFAULT_H = 24;

export class CreateViewerLinkDto {
  @ApiPropertyOptional({ description: `Hours until the link stops working (default ${VIEWER_LINK_DEFAULT_H}, at most ${VIEWER_LINK_MAX_H})`, example: 12, minimum: 0.05, maximum: VIEWER_LINK_MAX_H })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.05)
  @Max(VIEWER_LINK_MAX_H)
  expires_in_h?: number;
}

export class ViewerLinkDto {
  @ApiProperty({ description: 'Path of the read-only live view (give it to family and crew); shown once, only its hash is stored', example: '/watch/3q2-7wEMyx0q…' })
  url!: string;

  @ApiProperty({ description: 'When the link stops working (ISO)', example: '2026-06-01T18:00:00.000Z' })
  expires_at!: string;
}
