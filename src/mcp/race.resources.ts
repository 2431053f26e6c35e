import { Injectable } from '@nestjs/common';
import { Prompt, Resource, ResourceTemplate } from '@rekog/mcp-nest';
import { z } from 'zod';
import { InputError } from '../common/errors';
import { TrackingService } from '../tracking/tracking.service';
import { SESSION_ID_PATTERN } from './schemas';

export const ACTIVE_SESSIONS_URI = 'livetrack://sessions/active';
export const SESSION_STATUS_TEMPLATE = 'livetrack://sessions/{session_id}/status';

const json = (uri: string, data: unknown) => ({ contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(data) }] });

const coachingArgs = z.object({
  session_id: z.string().optional().describe('LiveTrack session id; leave empty when one race is tracked'),
  athlete: z.string().optional().describe('Athlete\'s first name, for the messages'),
  focus: z.string().optional().describe('Race plan or focus, e.g. "hold 160-165 W on the bike, easy first 5 km of the run"'),
  check_every_min: z.string().optional().describe('Minutes between checks (default 10)'),
});

/** MCP resources (active sessions, one race's latest status) and the race-day coaching prompt. */
@Injectable()
export class RaceResources {
  constructor(private readonly tracking: TrackingService) {}

  @Resource({
    uri: ACTIVE_SESSIONS_URI,
    name: 'active_sessions',
    description: 'Races being tracked right now, with their latest status (JSON).',
    mimeType: 'application/json',
  })
  async activeSessions({ uri }: { uri: string }) {
    const active = (await this.tracking.list()).filter((s) => s.active);
    return json(uri, { count: active.length, sessions: active });
  }

  @ResourceTemplate({
    uriTemplate: SESSION_STATUS_TEMPLATE,
    name: 'race_status',
    description: 'Latest status of one race (JSON): state, current leg, points, freshness, thresholds, analyses and alerts.',
    mimeType: 'application/json',
  })
  async raceStatus({ uri, session_id }: { uri: string; session_id: string }) {
    if (!SESSION_ID_PATTERN.test(session_id)) throw new InputError('session_id must be a LiveTrack session id', ['session_id']);
    return json(uri, await this.tracking.status(session_id));
  }

  @Prompt({
    name: 'race_day_coaching',
    description: 'Coach an athlete through a live race: watch the data, compare it to the plan and thresholds, send short Telegram messages.',
    parameters: coachingArgs,
  })
  raceDayCoaching(args: z.infer<typeof coachingArgs> = {}) {
    const who = args.athlete?.trim() || 'the athlete';
    const every = Number(args.check_every_min) > 0 ? Number(args.check_every_min) : 10;
    const session = args.session_id?.trim() ? `session_id "${args.session_id.trim()}"` : 'the race being tracked (call list_races if unsure which)';
    const focus = args.focus?.trim() ? `\nRace plan / focus: ${args.focus.trim()}` : '';
    const text = [
      `You are coaching ${who} live during a race, using the livetrack tools for ${session}.${focus}`,
      '',
      'Routine:',
      `1. Call get_tracking_status: check the race is active, which leg ${who} is on, how fresh the data is (stale_s) and the thresholds in force.`,
      `2. About every ${every} minutes call get_recent_data (minutes: ${every}) and compare heart rate (bpm), power (W) and cadence ` +
        '(rpm on the bike, steps/min on the run) with the thresholds and the plan. Look at trends, not single spikes; ignore swim and transitions for power and cadence.',
      '3. Only when something needs acting on (sustained drift above a ceiling or below a floor, fading pace, cadence dropping), ' +
        'send ONE short, concrete message with send_coaching_message: one or two sentences, a number and an action ' +
        '(e.g. "HR 152 for 8 min, cap is 144: ease to ~150 W until it settles."). No more than one message every few minutes.',
      '4. If the athlete asks to change a limit, use update_thresholds; use trigger_analysis for a full written analysis.',
      '5. When the race ends (state finished), call get_race_summary and give a short per-leg debrief.',
      '',
      'If data is stale for several minutes, say so rather than guessing. Never invent numbers.',
    ].join('\n');
    return {
      description: `Race-day coaching for ${who}`,
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }],
    };
  }
}
