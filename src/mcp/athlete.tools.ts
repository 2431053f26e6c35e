import { Injectable, Logger } from '@nestjs/common';
import { Tool } from '@rekog/mcp-nest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Athlete } from '../athletes/athlete.types';
import { AthletesService } from '../athletes/athletes.service';
import { athleteListOutput, setAthleteInput, setAthleteOutput } from './athlete.schemas';
import { noInput } from './schemas';
import { runTool, toolOk } from './tool-result';

function athleteLine(a: Athlete): string {
  const config = Object.entries(a.race_config).map(([k, v]) => `${k}=${String(v)}`).join(', ');
  return `${a.key}: "${a.display_name}"${config ? ` (${config})` : ' (no race_config)'}${a.telegram_chat_id ? `, Telegram ${a.telegram_chat_id}` : ''}`;
}

/** Athlete profiles: thin faces over AthletesService, as PUT/GET /athletes are. */
@Injectable()
export class AthleteTools {
  private readonly logger = new Logger('McpTools');

  constructor(private readonly athletes: AthletesService) {}

  @Tool({
    name: 'list_athletes',
    description:
      "Athlete profiles: each athlete's key, Garmin display name (how their races are recognised), default race_config and Telegram chat.",
    parameters: noInput,
    outputSchema: athleteListOutput,
    annotations: { title: 'List athletes', readOnlyHint: true, openWorldHint: false },
  })
  listAthletes(): Promise<CallToolResult> {
    return runTool('list_athletes', this.logger, async () => {
      const athletes = await this.athletes.list();
      const text = athletes.length ? `${athletes.length} athlete(s):\n${athletes.map(athleteLine).join('\n')}` : 'No athletes yet: add one with set_athlete.';
      return toolOk(text, { count: athletes.length, athletes });
    });
  }

  @Tool({
    name: 'set_athlete',
    description:
      'Create or replace an athlete profile. A race whose Garmin athlete name matches display_name (ignoring case and accents) is ' +
      "linked to this athlete and, when started without its own settings, gets this race_config; their alerts go to telegram_chat_id. " +
      'Example: "Zoë races with HR max 150 and FTP 250" → key "zoe", display_name "Zoë Müller", race_config { hr_max: 150, ftp_w: 250 }. ' +
      'Setting an existing key replaces everything about it (fields left out are cleared).',
    parameters: setAthleteInput,
    outputSchema: setAthleteOutput,
    annotations: { title: 'Set an athlete', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  })
  setAthlete(args: z.infer<typeof setAthleteInput>): Promise<CallToolResult> {
    return runTool('set_athlete', this.logger, async () => {
      const { key, ...input } = args;
      const athlete = await this.athletes.put(key, input);
      return toolOk(`Saved athlete ${athleteLine(athlete)}.`, athlete);
    });
  }
}
