import type { TrackpointRecord } from '../storage/trackpoint.types';
import { createLegState } from './legs';
import { MalformedResponseError, mapGarminPoints, mapSessionMeta, parseIsoTime, toFiniteNumber } from './point-mapper';

const T = (s: string) => Date.parse(`2025-06-01T${s}Z`);

const full = {
  dateTime: '2025-06-01T08:00:00.000Z',
  reportedTime: '2025-06-01T08:00:05.000Z',
  position: { lat: 47.5, lon: 8.25 },
  altitude: 412.4,
  speed: 9.5,
  speedMetersPerSec: 9.75,
  totalDistanceMeters: 12_345.6,
  totalDurationSecs: 1800,
  heartRateBeatsPerMin: 151.6,
  cadenceCyclesPerMin: 88.4,
  powerWatts: 231.5,
  pointStatus: 'MOVING',
  activityType: 'CYCLING',
  eventTypes: [],
  elevationSource: 'BAROMETRIC',
};

function one(point: Record<string, unknown>, raceType: 'triathlon' | 'bike' | 'run' | 'other' = 'bike'): TrackpointRecord {
  const r = mapGarminPoints({ trackPoints: [point] }, raceType, createLegState(raceType));
  expect(r.rejected).toBe(0);
  expect(r.points).toHaveLength(1);
  return r.points[0];
}

describe('mapGarminPoints', () => {
  it('maps a full bike point', () => {
    const r = mapGarminPoints({ trackPoints: [full] }, 'bike', createLegState('bike'));
    expect(r).toEqual({
      points: [
        {
          time: T('08:00:00.000'),
          lat: 47.5,
          lon: 8.25,
          altitudeM: 412.4,
          speedMps: 9.75, // speedMetersPerSec preferred over speed
          distanceM: 12_345.6,
          durationS: 1800,
          heartRate: 152,
          cadence: 88,
          power: 232,
          activityType: 'CYCLING',
          leg: 'bike',
          status: 'MOVING',
        },
      ],
      rejected: 0,
      duplicates: 0,
      endEvent: false,
      legState: { raceType: 'bike', leg: 'bike', sport: null, inferredTransition: false },
    });
  });

  it('keeps absent sensors null, never 0 (early STATIONARY point)', () => {
    expect(one({ dateTime: '2025-06-01T07:00:00Z', pointStatus: 'STATIONARY' }, 'triathlon')).toEqual({
      time: T('07:00:00'),
      lat: null,
      lon: null,
      altitudeM: null,
      speedMps: null,
      distanceM: null,
      durationS: null,
      heartRate: null,
      cadence: null,
      power: null,
      activityType: null,
      leg: 'swim',
      status: 'STATIONARY',
    });
  });

  it('falls back to speed when speedMetersPerSec is missing or invalid', () => {
    expect(one({ ...full, speedMetersPerSec: undefined }).speedMps).toBe(9.5);
    expect(one({ ...full, speedMetersPerSec: 'fast' }).speedMps).toBe(9.5);
  });

  it('accepts numeric strings and nulls wrong types instead of zeroing them', () => {
    const p = one({
      ...full,
      heartRateBeatsPerMin: ' 140 ',
      powerWatts: '250.4',
      altitude: '',
      totalDistanceMeters: true,
      totalDurationSecs: { s: 1 },
      speedMetersPerSec: null,
      speed: 'NaN',
      cadenceCyclesPerMin: '0x50',
    });
    expect(p.heartRate).toBe(140);
    expect(p.power).toBe(250);
    expect(p.altitudeM).toBeNull();
    expect(p.distanceM).toBeNull();
    expect(p.durationS).toBeNull();
    expect(p.speedMps).toBeNull();
    expect(p.cadence).toBeNull();
  });

  it('keeps real zeros for power, cadence and speed (coasting, standing)', () => {
    const p = one({ ...full, powerWatts: 0, cadenceCyclesPerMin: 0, speedMetersPerSec: 0 });
    expect([p.power, p.cadence, p.speedMps]).toEqual([0, 0, 0]);
  });

  it('nulls negative and absurd values', () => {
    const p = one({ ...full, heartRateBeatsPerMin: 251, powerWatts: 3001, cadenceCyclesPerMin: 301, speedMetersPerSec: -1, totalDistanceMeters: -5 });
    expect([p.heartRate, p.power, p.cadence, p.distanceM]).toEqual([null, null, null, null]);
    expect(p.speedMps).toBe(9.5); // falls back to `speed`
    expect(one({ ...full, heartRateBeatsPerMin: 0, powerWatts: -10, cadenceCyclesPerMin: -1 })).toMatchObject({
      heartRate: null,
      power: null,
      cadence: null,
    });
    expect(one({ ...full, heartRateBeatsPerMin: 250, powerWatts: 3000, cadenceCyclesPerMin: 300 })).toMatchObject({
      heartRate: 250,
      power: 3000,
      cadence: 300,
    });
    expect(one({ ...full, heartRateBeatsPerMin: Infinity }).heartRate).toBeNull();
  });

  it('doubles running cadence from strides to steps per minute', () => {
    expect(one({ ...full, activityType: 'RUNNING', cadenceCyclesPerMin: 88.4 }, 'run').cadence).toBe(177);
    expect(one({ ...full, activityType: 'TRAIL_RUNNING', cadenceCyclesPerMin: 85 }, 'other').cadence).toBe(170);
    // Run race, no activityType: the leg says run.
    expect(one({ ...full, activityType: null, cadenceCyclesPerMin: 90 }, 'run').cadence).toBe(180);
    // Bike cadence untouched.
    expect(one({ ...full, activityType: 'CYCLING', cadenceCyclesPerMin: 90 }, 'triathlon').cadence).toBe(90);
    // 160 cannot be strides (320 steps/min): the device already sent steps, keep it as is.
    expect(one({ ...full, activityType: 'RUNNING', cadenceCyclesPerMin: 160 }, 'run').cadence).toBe(160);
    expect(one({ ...full, activityType: 'RUNNING', cadenceCyclesPerMin: 119 }, 'run').cadence).toBe(238);
    expect(one({ ...full, activityType: 'RUNNING', cadenceCyclesPerMin: 120 }, 'run').cadence).toBe(120);
  });

  it('reads fitness values nested in fitnessPointData (older builds); flat fields win', () => {
    const { heartRateBeatsPerMin, powerWatts, cadenceCyclesPerMin, activityType, ...rest } = full;
    void heartRateBeatsPerMin; void powerWatts; void cadenceCyclesPerMin; void activityType;
    const nested = one({ ...rest, fitnessPointData: { heartRateBeatsPerMin: 141, powerWatts: 201, cadenceCyclesPerMin: 87, activityType: 'CYCLING' } }, 'bike');
    expect(nested).toMatchObject({ heartRate: 141, power: 201, cadence: 87, activityType: 'CYCLING' });
    const both = one({ ...full, heartRateBeatsPerMin: 150, fitnessPointData: { heartRateBeatsPerMin: 99, powerWatts: 'x' } }, 'bike');
    expect(both.heartRate).toBe(150);
    expect(one({ ...rest, fitnessPointData: 'junk' }, 'bike').heartRate).toBeNull();
  });

  it('accepts a bare array and an empty body (nothing new)', () => {
    const bare = mapGarminPoints([{ dateTime: '2025-06-01T08:00:00Z', heartRateBeatsPerMin: 140 }], 'bike', createLegState('bike'));
    expect(bare.points).toHaveLength(1);
    expect(mapGarminPoints(undefined, 'bike', createLegState('bike')).points).toEqual([]);
  });

  it('takes lat/lon only when both are valid and in range', () => {
    expect(one({ ...full, position: { lat: 47.5 } })).toMatchObject({ lat: null, lon: null });
    expect(one({ ...full, position: { lat: 91, lon: 8 } })).toMatchObject({ lat: null, lon: null });
    expect(one({ ...full, position: { lat: 47, lon: -181 } })).toMatchObject({ lat: null, lon: null });
    expect(one({ ...full, position: { lat: '47.25', lon: '-8.5' } })).toMatchObject({ lat: 47.25, lon: -8.5 });
    expect(one({ ...full, position: { lat: 0, lon: 0 } })).toMatchObject({ lat: null, lon: null });
    expect(one({ ...full, position: null })).toMatchObject({ lat: null, lon: null });
    expect(one({ ...full, position: 'here' })).toMatchObject({ lat: null, lon: null });
  });

  it('rejects and counts points without a usable dateTime', () => {
    const r = mapGarminPoints(
      {
        trackPoints: [
          { ...full, dateTime: undefined },
          { ...full, dateTime: 'yesterday' },
          { ...full, dateTime: 1748764800000 },
          { ...full, dateTime: '2025-13-45T99:00:00Z' },
          null,
          'point',
          [],
          { ...full, dateTime: '2025-06-01T08:00:01Z' },
        ],
      },
      'bike',
      createLegState('bike'),
    );
    expect(r.rejected).toBe(7);
    expect(r.points.map((p) => p.time)).toEqual([T('08:00:01')]);
  });

  it('sorts out-of-order points and assigns legs in time order', () => {
    const r = mapGarminPoints(
      {
        trackPoints: [
          { dateTime: '2025-06-01T08:00:20Z', activityType: 'RUNNING', cadenceCyclesPerMin: 90 },
          { dateTime: '2025-06-01T08:00:00Z', activityType: 'CYCLING', cadenceCyclesPerMin: 90 },
          { dateTime: '2025-06-01T08:00:10Z', activityType: 'TRANSITION' },
        ],
      },
      'triathlon',
      createLegState('triathlon'),
    );
    expect(r.points.map((p) => [p.time, p.leg, p.cadence])).toEqual([
      [T('08:00:00'), 'bike', 90],
      [T('08:00:10'), 't2', null],
      [T('08:00:20'), 'run', 180],
    ]);
    expect(r.legState.leg).toBe('run');
  });

  it('de-duplicates by time within the batch, keeping the fuller point', () => {
    const r = mapGarminPoints(
      {
        trackPoints: [
          { dateTime: '2025-06-01T08:00:00Z', heartRateBeatsPerMin: 140, powerWatts: 200 },
          { dateTime: '2025-06-01T08:00:00.000Z', heartRateBeatsPerMin: 141 },
          { dateTime: '2025-06-01T10:00:00+02:00', heartRateBeatsPerMin: 142 }, // same instant
          { dateTime: '2025-06-01T08:00:05Z', heartRateBeatsPerMin: 150 },
        ],
      },
      'bike',
      createLegState('bike'),
    );
    expect(r.points.map((p) => [p.time, p.heartRate, p.power])).toEqual([
      [T('08:00:00'), 140, 200],
      [T('08:00:05'), 150, null],
    ]);
    expect(r.duplicates).toBe(2);
    expect(r.rejected).toBe(0);
  });

  it('on equally full duplicates keeps the later one in the body', () => {
    const r = mapGarminPoints(
      { trackPoints: [{ dateTime: '2025-06-01T08:00:00Z', heartRateBeatsPerMin: 140 }, { dateTime: '2025-06-01T08:00:00Z', heartRateBeatsPerMin: 145 }] },
      'bike',
      createLegState('bike'),
    );
    expect(r.points.map((p) => p.heartRate)).toEqual([145]);
  });

  it('treats zone-less ISO times as UTC', () => {
    expect(one({ dateTime: '2025-06-01T08:00:00' }).time).toBe(T('08:00:00'));
  });

  it('flags END events', () => {
    const r = mapGarminPoints(
      { trackPoints: [{ dateTime: '2025-06-01T09:00:00Z', eventTypes: ['LAP', 'END'] }, { dateTime: '2025-06-01T08:59:00Z', eventTypes: ['START'] }] },
      'run',
      createLegState('run'),
    );
    expect(r.endEvent).toBe(true);
    expect(mapGarminPoints({ trackPoints: [{ ...full, eventTypes: ['LAP'] }] }, 'bike', createLegState('bike')).endEvent).toBe(false);
    expect(mapGarminPoints({ trackPoints: [{ ...full, eventTypes: 'END' }] }, 'bike', createLegState('bike')).endEvent).toBe(true);
    // A rejected point's END does not count.
    expect(mapGarminPoints({ trackPoints: [{ eventTypes: ['END'] }] }, 'bike', createLegState('bike')).endEvent).toBe(false);
  });

  it('carries the leg state across batches', () => {
    const first = mapGarminPoints({ trackPoints: [{ dateTime: '2025-06-01T08:00:00Z', activityType: 'CYCLING' }] }, 'triathlon', createLegState('triathlon'));
    const second = mapGarminPoints(
      { trackPoints: [{ dateTime: '2025-06-01T08:01:00Z', activityType: 'SWIMMING' }, { dateTime: '2025-06-01T08:02:00Z', activityType: null, pointStatus: 'STATIONARY' }] },
      'triathlon',
      first.legState,
    );
    expect(second.points.map((p) => p.leg)).toEqual(['bike', 't2']);
  });

  it('returns an empty result for an empty array', () => {
    const state = createLegState('run');
    expect(mapGarminPoints({ trackPoints: [] }, 'run', state)).toEqual({ points: [], rejected: 0, duplicates: 0, endEvent: false, legState: state });
  });

  it.each([
    [null, 'track-points body is neither an object nor an array (got null)'],
    ['<html>', 'track-points body is neither an object nor an array (got string)'],
    [42, 'track-points body is neither an object nor an array (got number)'],
    [{}, 'track-points body has no trackPoints field'],
    [{ trackPoints: null }, 'trackPoints is not an array (got null)'],
    [{ trackPoints: {} }, 'trackPoints is not an array (got object)'],
    [{ trackPoints: 'none' }, 'trackPoints is not an array (got string)'],
  ])('throws MalformedResponseError for %p', (body, message) => {
    expect(() => mapGarminPoints(body, 'bike', createLegState('bike'))).toThrow(new MalformedResponseError(message));
    expect(() => mapGarminPoints(body, 'bike', createLegState('bike'))).toThrow(MalformedResponseError);
  });
});

describe('mapSessionMeta', () => {
  it('maps the session object', () => {
    expect(
      mapSessionMeta({
        sessionId: 'abc',
        sessionName: 'Ironman Zürich',
        userDisplayName: 'Jane',
        start: '2025-06-01T07:00:00.000Z',
        end: '2025-06-02T07:00:00.000Z',
        postTrackPointFrequency: 30,
        viewable: true,
        privacyLevel: 'PUBLIC',
      }),
    ).toEqual({
      sessionName: 'Ironman Zürich',
      athlete: 'Jane',
      start: T('07:00:00'),
      end: Date.parse('2025-06-02T07:00:00Z'),
      postTrackPointFrequencyS: 30,
      viewable: true,
    });
  });

  it('accepts epoch milliseconds and seconds, and string booleans/numbers', () => {
    expect(mapSessionMeta({ start: 1748761200000, end: 1748761200, postTrackPointFrequency: '15', viewable: 'false' })).toEqual({
      sessionName: null,
      athlete: null,
      start: 1748761200000,
      end: 1748761200000,
      postTrackPointFrequencyS: 15,
      viewable: false,
    });
  });

  it('nulls missing and wrong-typed fields', () => {
    expect(mapSessionMeta({ sessionName: '  ', userDisplayName: 42, start: 'soon', end: -1, postTrackPointFrequency: 0, viewable: 'yes' })).toEqual({
      sessionName: null,
      athlete: null,
      start: null,
      end: null,
      postTrackPointFrequencyS: null,
      viewable: null,
    });
  });

  it.each([[null], [undefined], ['x'], [[]], [5]])('throws MalformedResponseError for %p', (body) => {
    expect(() => mapSessionMeta(body)).toThrow(MalformedResponseError);
    expect(() => mapSessionMeta(body)).toThrow(/session body is not a JSON object/);
  });
});

describe('helpers', () => {
  it('toFiniteNumber', () => {
    expect([toFiniteNumber(1.5), toFiniteNumber('2'), toFiniteNumber('-3e2'), toFiniteNumber(''), toFiniteNumber(NaN), toFiniteNumber(false), toFiniteNumber('1,5')]).toEqual([
      1.5, 2, -300, null, null, null, null,
    ]);
  });

  it('parseIsoTime', () => {
    expect(parseIsoTime('2025-06-01T08:00:00.123Z')).toBe(T('08:00:00.123'));
    expect(parseIsoTime('2025-06-01T10:00:00+0200')).toBe(T('08:00:00'));
    expect(parseIsoTime('June 1, 2025')).toBeNull();
    expect(parseIsoTime(0)).toBeNull();
  });
});
