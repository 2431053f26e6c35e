import { Logger } from '@nestjs/common';
import { RaceSessionEntity } from '../storage/race-session.entity';
import { PollerDeps, SessionPoller } from './session-poller';

const NOW = Date.parse('2026-06-01T08:00:00Z');
const share = { sessionId: 's1', token: 'T', origin: 'https://livetrack.garmin.com', shareUrl: 'https://livetrack.garmin.com/session/s1/token/T' };

function poller(over: Partial<RaceSessionEntity>, raceConfig: Record<string, unknown> = {}, mode: 'active' | 'watching' = 'active'): SessionPoller {
  const session = Object.assign(new RaceSessionEntity(), {
    id: 's1', raceConfig, startedAt: NOW - 3600_000, lastPointAt: null, lastNewPointReceivedAt: null, garminStart: null, garminEnd: null,
    postFrequencyS: null, watchingUntil: null, pointsSource: 'api', ...over,
  });
  const deps = { config: { watchIntervalS: 300, backoffScale: 1 }, logger: new Logger('test') } as unknown as PollerDeps;
  return new SessionPoller(session, share, null, null, deps, mode, 'polling');
}

describe('SessionPoller.nextDelay', () => {
  it('polls at last point + postTrackPointFrequency + 2 s when the device clock is plausible', () => {
    // Batches every 30 s; the newest point is 5 s old: the next batch lands in 25 s, poll 2 s after.
    expect(poller({ postFrequencyS: 30, lastPointAt: NOW - 5000 }, { poll_interval_secs: 10 }).nextDelay(NOW)).toBe(27_000);
    // A missed batch: the following one, still on the batch clock.
    expect(poller({ postFrequencyS: 30, lastPointAt: NOW - 40_000 }, { poll_interval_secs: 10 }).nextDelay(NOW)).toBe(22_000);
  });

  it('a device clock ahead of ours does not push the poll past the next batch slot', () => {
    const d = poller({ postFrequencyS: 2, lastPointAt: NOW + 90_000 }, { poll_interval_secs: 2 }).nextDelay(NOW);
    expect(d).toBeGreaterThanOrEqual(1000);
    expect(d).toBeLessThanOrEqual(3000);
  });

  it('never polls sooner than poll_interval_secs allows (aligned to a later batch)', () => {
    const d = poller({ postFrequencyS: 15, lastPointAt: NOW - 1000 }, { poll_interval_secs: 60 }).nextDelay(NOW);
    expect(d).toBeGreaterThanOrEqual(45_000);
    expect(d).toBeLessThanOrEqual(60_000);
    expect((NOW + d - (NOW - 1000) - 2000) % 15_000).toBe(0);
  });

  it('falls back to the plain interval (± 5 %) when the device clock is far from ours (a replay)', () => {
    const d = poller({ postFrequencyS: 30, lastPointAt: NOW - 86_400_000 }, { poll_interval_secs: 10 }).nextDelay(NOW);
    expect(d).toBeGreaterThanOrEqual(28_500);
    expect(d).toBeLessThanOrEqual(31_500);
  });

  it('counts the interval from the start of the poll just made: a slow answer does not stretch it', async () => {
    const p = poller({ postFrequencyS: 30, lastPointAt: NOW - 86_400_000 }, { poll_interval_secs: 10 });
    (p as unknown as { tickStartedAt: number }).tickStartedAt = NOW - 4_000;
    const d = p.nextDelay(NOW);
    expect(d).toBeGreaterThanOrEqual(24_500);
    expect(d).toBeLessThanOrEqual(27_500);
  });

  it('while watching: the watch interval, but wakes for the expiry', () => {
    expect(poller({ watchingUntil: NOW + 3600_000 }, {}, 'watching').nextDelay(NOW)).toBe(300_000);
    expect(poller({ watchingUntil: NOW + 10_000 }, {}, 'watching').nextDelay(NOW)).toBe(10_000);
  });
});
