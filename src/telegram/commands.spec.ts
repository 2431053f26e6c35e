import { EMPTY_THRESHOLDS } from '../control/thresholds';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { RACE_CONFIG_DEFAULTS } from '../tracking/race-config';
import {
  chooseRace, helpReply, hoursMinutes, minutesText, muteReply, muteText, parseCommand, parseMute, statusReply, StatusReplyInput,
  thresholdsReply, unknownReply, unmuteReply,
} from './commands';

const NOW = Date.UTC(2026, 5, 1, 9, 30, 0);

describe('parseCommand', () => {
  it('reads the command word case-insensitively, drops @BotName and keeps the rest as the argument', () => {
    expect(parseCommand('/status')).toEqual({ name: 'status', arg: '' });
    expect(parseCommand('  /STATUS@LiveTrackCoachBot  Ironman 70.3 ')).toEqual({ name: 'status', arg: 'Ironman 70.3' });
    expect(parseCommand('/mute 0.1')).toEqual({ name: 'mute', arg: '0.1' });
    expect(parseCommand('/Thresholds')).toEqual({ name: 'thresholds', arg: '' });
    expect(parseCommand('/unmute\nironman')).toEqual({ name: 'unmute', arg: 'ironman' });
  });

  it('answers /start (a user opening the bot) with the help, and marks other words unknown', () => {
    expect(parseCommand('/start')).toEqual({ name: 'help', arg: '' });
    expect(parseCommand('/foo bar')).toEqual({ name: 'unknown', command: '/foo', arg: 'bar' });
    expect(unknownReply('/foo')).toBe('Unknown command /foo. Send /help for the commands.');
  });

  it('is null for plain text and malformed slashes', () => {
    for (const text of ['hello', '', ' ', '/', '/ status', 'status /status', '/sta-tus']) expect(parseCommand(text)).toBeNull();
  });
});

describe('parseMute', () => {
  it('takes positive minutes, decimals included, up to a day, and the rest as the race', () => {
    expect(parseMute('15')).toEqual({ minutes: 15, race: '' });
    expect(parseMute('0.1')).toEqual({ minutes: 0.1, race: '' });
    expect(parseMute('.5 Ironman 70.3')).toEqual({ minutes: 0.5, race: 'Ironman 70.3' });
    expect(parseMute('1440')).toEqual({ minutes: 1440, race: '' });
  });

  it('says what is wrong with a bad N', () => {
    expect(parseMute('')).toEqual({ error: expect.stringMatching(/^How long\? Usage: \/mute N \[race\]/) });
    expect(parseMute('soon')).toEqual({ error: expect.stringMatching(/^"soon" is not a number of minutes/) });
    expect(parseMute('-5')).toEqual({ error: expect.stringMatching(/not a number/) });
    expect(parseMute('0')).toEqual({ error: expect.stringMatching(/more than 0/) });
    expect(parseMute('1441')).toEqual({ error: expect.stringMatching(/At most 1440 minutes/) });
    expect(parseMute('1e3')).toEqual({ error: expect.stringMatching(/not a number/) });
  });
});

describe('chooseRace', () => {
  const im = { session_id: 'abc123', race_name: 'Ironman 70.3 Nice', athlete: 'Jane Doe' };
  const mara = { session_id: 'def456', race_name: 'Berlin Marathon', athlete: 'John Roe' };
  const im2 = { session_id: 'ghi789', race_name: 'Ironman Frankfurt', athlete: null };

  it('takes the only active race without an argument, and says so when none is active', () => {
    expect(chooseRace([im], '', '/status')).toEqual({ race: im });
    expect(chooseRace([], '', '/status')).toEqual({ reply: 'No race is being tracked right now.' });
    expect(chooseRace([], 'ironman', '/status')).toEqual({ reply: 'No race is being tracked right now.' });
  });

  it('lists several races (name + id) with how to name one', () => {
    const choice = chooseRace([im, mara], '', '/status');
    expect(choice).toEqual({
      reply: '2 races are active:\n• Ironman 70.3 Nice — Jane Doe (abc123)\n• Berlin Marathon — John Roe (def456)\nName one by its name or id, e.g. /status Ironman',
    });
  });

  it('matches id, race name or athlete, case-insensitively: exact, then prefix, then substring', () => {
    expect(chooseRace([im, mara], 'DEF456', '/status')).toEqual({ race: mara });
    expect(chooseRace([im, mara], 'berlin', '/status')).toEqual({ race: mara });
    expect(chooseRace([im, mara], 'jane', '/status')).toEqual({ race: im });
    expect(chooseRace([im, mara], 'marathon', '/status')).toEqual({ race: mara });
    // "ironman" prefixes two names: ambiguous, listed with ids; "frank" is unique.
    const both = chooseRace([im, mara, im2], 'ironman', '/mute 10');
    expect('reply' in both && both.reply).toBe(
      '"ironman" matches 2 races:\n• Ironman 70.3 Nice — Jane Doe (abc123)\n• Ironman Frankfurt (ghi789)\nName one by its id, e.g. /mute 10 abc123',
    );
    expect(chooseRace([im, mara, im2], 'frank', '/status')).toEqual({ race: im2 });
    // An exact field beats prefixes of others.
    const exact = { session_id: 'x1', race_name: 'Ironman', athlete: null };
    expect(chooseRace([im, exact], 'ironman', '/status')).toEqual({ race: exact });
  });

  it('says when nothing matches, even with one race active', () => {
    const choice = chooseRace([im], 'zurich', '/status');
    expect('reply' in choice && choice.reply).toMatch(/^No active race matches "zurich"\. Active:\n• Ironman 70\.3 Nice — Jane Doe \(abc123\)/);
  });

  it('names a race without a name by its session id', () => {
    const bare = { session_id: 's-1', race_name: null, athlete: null };
    const choice = chooseRace([bare, mara], '', '/status');
    expect('reply' in choice && choice.reply).toContain('• Session s-1\n');
  });
});

const point = (extra: Partial<TrackpointRecord>): TrackpointRecord => ({
  time: NOW - 5000, lat: 43.7, lon: 7.26, altitudeM: 12, speedMps: null, distanceM: null, durationS: null,
  heartRate: null, cadence: null, power: null, activityType: null, leg: 'bike', status: null, ...extra,
});

const base: StatusReplyInput = {
  session_id: 'abc123', race_name: 'Ironman 70.3 Nice', athlete: null, state: 'active', current_leg: 'bike',
  elapsed_s: 100, stale_s: 4, course: null, last: null, mutedUntil: null, now: NOW,
};

describe('statusReply', () => {
  it('shows leg, Garmin elapsed h:mm, distance, HR, power and km/h on the bike', () => {
    const text = statusReply({ ...base, last: point({ leg: 'bike', durationS: 3 * 3600 + 25 * 60 + 59, distanceM: 92_345, heartRate: 141, power: 212, speedMps: 9.5 }) });
    expect(text).toBe('Ironman 70.3 Nice (abc123) — Bike\nElapsed 3:25 · 92.3 km\nNow: HR 141 bpm · 212 W · 34.2 km/h\nAlerts on.');
  });

  it('shows pace per km on the run, tracking time when Garmin sends none, and the mute state', () => {
    const text = statusReply({
      ...base, elapsed_s: 3720, mutedUntil: NOW + 12 * 60_000,
      last: point({ leg: 'run', distanceM: 5060, heartRate: 158, speedMps: 1000 / 295 }),
    });
    expect(text).toBe(
      'Ironman 70.3 Nice (abc123) — Run\nElapsed 1:02 · 5.1 km\nNow: HR 158 bpm · pace 4:55 /km\n' +
        'Alerts muted: 12 min left (until 09:42 UTC). /unmute to resume.',
    );
  });

  it('adds finish and next checkpoint ETAs when the course gives them, and says when data is stale', () => {
    const text = statusReply({
      ...base, stale_s: 300,
      last: point({ leg: 'bike', distanceM: 50_000, speedMps: 10 }),
      course: {
        distance_m: 90_000, distance_done_m: 50_000, distance_to_go_m: 40_000, progress_pct: 55.6, off_course_m: 3,
        eta: new Date(NOW + 65 * 60_000).toISOString(),
        next_checkpoint: { name: 'Aid 3', distance_to_go_m: 3100, eta: new Date(NOW + 5 * 60_000).toISOString() },
      },
    });
    expect(text.split('\n')).toEqual([
      'Ironman 70.3 Nice (abc123) — Bike',
      'Elapsed 0:01 · 50.0 km',
      'Now: 36.0 km/h',
      '(no new data for 5 min)',
      'Finish: 40.0 km to go, ETA 10:35 UTC (in 1:05)',
      'Next: Aid 3 in 3.1 km, ETA 09:35 UTC (in 0:05)',
      'Alerts on.',
    ]);
  });

  it('says when no point has arrived yet, and leaves out a course not yet located', () => {
    const text = statusReply({
      ...base, current_leg: null,
      course: { distance_m: 90_000, distance_done_m: null, distance_to_go_m: null, progress_pct: null, off_course_m: null, eta: null, next_checkpoint: null },
    });
    expect(text).toBe('Ironman 70.3 Nice (abc123) — Race\nNo data yet (tracking for 0:01).\nAlerts on.');
  });

  it('uses pace per 100 m in the swim', () => {
    expect(statusReply({ ...base, last: point({ leg: 'swim', speedMps: 100 / 105 }) })).toContain('Now: pace 1:45 /100 m');
  });
});

describe('thresholdsReply', () => {
  const race = { session_id: 'abc123', race_name: 'Ironman 70.3 Nice', athlete: null };

  it('lists the thresholds that are set, then fuelling, metric alerts and physiology when set', () => {
    const text = thresholdsReply(
      race,
      { ...EMPTY_THRESHOLDS, hr_max: 150, power_max: 250, run_cadence_min: 170 },
      { ...RACE_CONFIG_DEFAULTS, fuel_every_min: 30, w_bal_alert_pct: 25, ftp_w: 250, threshold_pace_s_per_km: 270 },
    );
    expect(text.split('\n')).toEqual([
      'Ironman 70.3 Nice (abc123) — thresholds',
      'Bike HR max 150 bpm',
      'Bike power max 250 W',
      'Run cadence min 170 spm',
      'Fuel reminder every 30 moving min',
      'W′ balance alert below 25 %',
      'Physiology: FTP 250 W · threshold pace 4:30 /km',
      'Change them with POST /control or the update_thresholds tool.',
    ]);
  });

  it('says when none is set', () => {
    expect(thresholdsReply(race, EMPTY_THRESHOLDS, RACE_CONFIG_DEFAULTS)).toBe(
      'Ironman 70.3 Nice (abc123) — thresholds\nNo alert thresholds set.\nChange them with POST /control or the update_thresholds tool.',
    );
  });
});

describe('mute texts and help', () => {
  const race = { session_id: 'abc123', race_name: 'Ironman 70.3 Nice', athlete: null };

  it('words durations people read', () => {
    expect(minutesText(0.15)).toBe('9 s');
    expect(minutesText(15)).toBe('15 min');
    expect(minutesText(1.5)).toBe('1.5 min');
    expect(hoursMinutes(3599)).toBe('0:59');
    expect(hoursMinutes(36_000)).toBe('10:00');
  });

  it('confirms /mute and /unmute', () => {
    expect(muteReply(race, 15, NOW + 15 * 60_000)).toBe(
      'Alerts and fuelling reminders for Ironman 70.3 Nice (abc123) muted for 15 min (until 09:45 UTC). /unmute to resume.',
    );
    expect(unmuteReply(race, true)).toBe('Alerts for Ironman 70.3 Nice (abc123) are back on.');
    expect(unmuteReply(race, false)).toMatch(/were not muted/);
    expect(muteText(NOW - 1, NOW)).toBe('Alerts on.');
  });

  it('lists every command', () => {
    const help = helpReply();
    for (const c of ['/status', '/mute N', '/unmute', '/thresholds', '/help']) expect(help).toContain(c);
  });
});
