import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsPositive, Max } from 'class-validator';

/** Physiology, fuelling and metric-alert fields: in race_config and changeable mid-race through POST /control. Null clears. */
export class CoachingFieldsDto {
  @ApiPropertyOptional({ description: 'Functional threshold power, W (IF, TSS, power zones)', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(2000)
  ftp_w?: number | null;

  @ApiPropertyOptional({ description: 'Critical power, W (W′ balance)', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(2000)
  cp_w?: number | null;

  @ApiPropertyOptional({ description: 'W′ (work above CP), J', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(100000)
  w_prime_j?: number | null;

  @ApiPropertyOptional({ description: 'Lactate threshold HR on the bike, bpm (HR zones)', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(250)
  lthr_bpm?: number | null;

  @ApiPropertyOptional({ description: 'Lactate threshold HR on the run, bpm (falls back to lthr_bpm)', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(250)
  run_lthr_bpm?: number | null;

  @ApiPropertyOptional({ description: 'Maximum heart rate, bpm', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(250)
  max_hr_bpm?: number | null;

  @ApiPropertyOptional({ description: 'Threshold running pace, s/km', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(1200)
  threshold_pace_s_per_km?: number | null;

  @ApiPropertyOptional({ description: 'Body weight, kg', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(300)
  weight_kg?: number | null;

  @ApiPropertyOptional({ description: 'Moving minutes on bike and run between fuelling reminders; null = off', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(600)
  fuel_every_min?: number | null;

  @ApiPropertyOptional({ description: 'Alert on the bike when W′ balance falls below this share of W′, percent (needs cp_w and w_prime_j); null = off', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(100)
  w_bal_alert_pct?: number | null;

  @ApiPropertyOptional({ description: 'Alert on the run when aerobic decoupling (Pa:HR) rises above this, percent; null = off', nullable: true })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(100)
  decoupling_alert_pct?: number | null;
}
