import { TrackpointRecord } from '../storage/trackpoint.types';
import { AnalysisPromptInput, buildAnalysisPrompt } from './prompt';

const T0 = Date.UTC(2026, 5, 1, 9, 0, 0);

function point(sec: number, leg: TrackpointRecord['leg'], extra: Partial<TrackpointRecord> = {}): TrackpointRecord {
  return {
    time: T0 + sec * 1000, lat: null, lon: null, altitudeM: null, speedMps: null, distanceM: null, durationS: null,
    heartRate: null, cadence: null, power: null, activityType: null, leg, status: 'MOVING', ...extra,
  };
}

/** A deterministic stretch: bike, a gap, T2, then the run, 10 s between points. */
function window(fromSec: number, hrBase: number): TrackpointRecord[] {
  const pts: TrackpointRecord[] = [];
  let distance = 80_000 + fromSec * 9;
  for (let i = 0; i < 30; i++) {
    const sec = fromSec + i * 10;
    if (i >= 12 && i < 19) continue; // 80 s silence inside the bike: a data gap (> 60 s)
    distance += 95;
    pts.push(point(sec, 'bike', {
      distanceM: distance, durationS: 9000 + sec, altitudeM: 300 + (i % 5) * 2, speedMps: 9.5 + (i % 3) * 0.1,
      heartRate: hrBase + (i % 7), power: 190 + (i % 4) * 15, cadence: i === 20 ? null : 86 + (i % 3),
    }));
  }
  return pts;
}

function baseInput(): AnalysisPromptInput {
  const previous = window(0, 140);
  const bike = window(600, 146);
  const lastBike = bike[bike.length - 1];
  // After the bike: a 90 s gap, T2 without sensors, then the run.
  const t2 = [point(990, 't2', { distanceM: lastBike.distanceM, durationS: 9990, status: 'STATIONARY' })];
  const run = Array.from({ length: 12 }, (_, i) => point(1010 + i * 10, 'run', {
    distanceM: lastBike.distanceM! + 30 + i * 32, durationS: 10_010 + i * 10, altitudeM: 301 - i, speedMps: 3.2,
    heartRate: 150 + i, cadence: 172 - (i % 4) * 2,
  }));
  return {
    session: {
      id: 'abc-123', raceName: 'Lake 70.3', raceType: 'triathlon', athlete: 'Sim Athlete',
      thresholdsUpdatedAt: T0 + 120_000, thresholdsUpdatedBy: 'rest',
    },
    windowMin: 10,
    current: [...bike, ...t2, ...run],
    previous,
    firstPoint: point(-9000, 'swim'),
    thresholds: { hr_max: 150, power_max: 220, cadence_min: 85, run_hr_max: 155, run_cadence_min: 170 },
    baseUrl: 'http://127.0.0.1:38100',
    mcpPath: '/mcp',
    authRequired: false,
    now: T0 + 1150_000,
  };
}

describe('buildAnalysisPrompt', () => {
  it('renders a known window (snapshot)', () => {
    expect(buildAnalysisPrompt(baseInput())).toMatchSnapshot();
  });

  it('carries the real figures, per leg, with trends, time outside thresholds and gaps', () => {
    const text = buildAnalysisPrompt(baseInput());
    expect(text).toContain('- Race: Lake 70.3 (triathlon)');
    expect(text).toContain('- Current leg: run');
    expect(text).toContain('- Elapsed race time: 2:48:40'); // Garmin duration of the last point
    expect(text).toMatch(/### bike: .*\n.*\n- Heart rate \(bpm\): avg [\d.]+, min 146, max 152, last \d+; trend vs previous window: \+6 \(rising\)/);
    expect(text).toMatch(/- Time outside thresholds: hr_max 150: \d+ s above; power_max 220: \d+ s above; cadence_min 85: 0 s below/);
    expect(text).toMatch(/### run: .*\n- Pace: avg 5:13 \/km/);
    expect(text).toContain('trend vs previous window: no previous data');
    expect(text).toMatch(/### bike:[^#]*- Data gaps \(> 60 s without a point\): 1, 80 s in total/);
    expect(text).toMatch(/### run:[^#]*- Data gaps \(> 60 s without a point\): none/);
    expect(text).toContain('- No thresholds apply to this leg'); // T2
    expect(text).toContain('- Bike: hr_max 150, hr_min not set, power_max 220, power_min not set, cadence_min 85');
  });

  it('tells Claude how to act, with the real address and session id', () => {
    const text = buildAnalysisPrompt(baseInput());
    expect(text).toContain(
      `curl -s -X POST http://127.0.0.1:38100/control -H 'Content-Type: application/json' -d '{"session_id":"abc-123","hr_max":150}'`,
    );
    expect(text).toContain('send_coaching_message');
    expect(text).toContain('http://127.0.0.1:38100/mcp');
    expect(text).not.toContain('Authorization');
    const withAuth = buildAnalysisPrompt({ ...baseInput(), authRequired: true });
    expect(withAuth).toContain('-H "Authorization: Bearer $API_KEY"');
  });

  it("names the athlete's own Telegram chat for send_coaching_message when their profile has one", () => {
    const text = buildAnalysisPrompt({ ...baseInput(), telegramChatId: '-100777' });
    expect(text).toContain('{"text": "...", "chat_id": "-100777"}');
    expect(text).not.toContain('do not pass a chat_id');
    expect(buildAnalysisPrompt(baseInput())).toContain('do not pass a chat_id');
  });

  it('for the tools backend, the same figures with the tools in place of REST and MCP', () => {
    const http = buildAnalysisPrompt(baseInput());
    const tools = buildAnalysisPrompt({ ...baseInput(), actions: 'tools' });
    const head = (t: string) => t.slice(0, t.indexOf('## What you can do'));
    expect(head(tools)).toBe(head(http));
    expect(tools).toContain('call update_thresholds');
    expect(tools).toContain('call send_coaching_message');
    expect(tools).not.toContain('curl');
    expect(tools).not.toContain('127.0.0.1');
  });

  it('says so when the window holds no data', () => {
    const text = buildAnalysisPrompt({ ...baseInput(), current: [], previous: [] });
    expect(text).toContain('No data in the last 10 minutes');
    expect(text).toContain('## What you can do');
  });
});
