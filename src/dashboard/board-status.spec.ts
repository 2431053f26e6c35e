import { pt, pts } from '../metrics/test-points';
import {
  advanceMotion, boardStatus, BoardStatusInput, compareCards, INITIAL_MOTION, isMoving, stillForS, STOPPED_AFTER_S,
} from './board-status';

const riding = (from: number, to: number) => pts(from, to, 5, (s) => ({ speedMps: 9, distanceM: 1000 + s * 9 }));
const standing = (from: number, to: number, extra = {}) => pts(from, to, 5, () => ({ speedMps: 0, distanceM: 5000, ...extra }));

describe('motion: how long the athlete has stood still (race time)', () => {
  it('counts from the first still point after moving, by point timestamps, and resets when moving again', () => {
    let m = advanceMotion(INITIAL_MOTION, riding(0, 100));
    expect(stillForS(m)).toBeNull();
    m = advanceMotion(m, standing(105, 300));
    expect(stillForS(m)).toBe(195);
    m = advanceMotion(m, standing(305, 420));
    expect(stillForS(m)).toBe(315);
    expect(stillForS(m)! > STOPPED_AFTER_S).toBe(true);
    m = advanceMotion(m, riding(425, 430));
    expect(stillForS(m)).toBeNull();
  });

  it('treats a crawl under 0.5 m/s as still, a walk as moving', () => {
    const m = advanceMotion(advanceMotion(INITIAL_MOTION, riding(0, 10)), pts(15, 400, 5, () => ({ speedMps: 0.3, distanceM: 100 })));
    expect(stillForS(m)).toBe(385);
    expect(isMoving(pt(0, { speedMps: 1.3 }), null)).toBe(true);
  });

  it('without a speed, judges by the position change since the previous point', () => {
    const moving = pts(0, 50, 10, (s) => ({ lat: 46.5 + s * 0.00005, lon: 6.6 })); // ~0.56 m/s
    const still = pts(60, 500, 10, () => ({ lat: 46.5025, lon: 6.6 }));
    let m = advanceMotion(INITIAL_MOTION, moving);
    expect(stillForS(m)).toBeNull();
    m = advanceMotion(m, still);
    // The last moving point is already at the stop: standing from the first point after it.
    expect(stillForS(m)).toBe(440);
    // Neither speed nor positions: says nothing, the state carries on.
    expect(isMoving(pt(600), m.last)).toBeNull();
    expect(stillForS(advanceMotion(m, [pt(600), pt(610)]))).toBe(550);
  });

  it('does not count standing in a transition, nor waiting at the start before moving at all', () => {
    const t1 = standing(105, 900, { leg: 't1' });
    expect(stillForS(advanceMotion(advanceMotion(INITIAL_MOTION, riding(0, 100)), t1))).toBeNull();
    const start = pts(0, 900, 5, () => ({ speedMps: 0, distanceM: 0, leg: 'swim' }));
    expect(stillForS(advanceMotion(INITIAL_MOTION, start))).toBeNull();
    // First seen mid-race (a board opened late, a restart): distance covered says the race is under way.
    expect(stillForS(advanceMotion(INITIAL_MOTION, standing(0, 400)))).toBe(400);
  });

  it('ignores points older than or equal to the newest one seen (repeats, late batches)', () => {
    const m = advanceMotion(advanceMotion(INITIAL_MOTION, riding(0, 100)), standing(105, 400));
    expect(advanceMotion(m, riding(50, 400))).toEqual(m);
  });
});

describe('boardStatus: worst first', () => {
  const base: BoardStatusInput = { active: true, watching: false, staleS: 2, pollIntervalS: 60, stillForS: null, outsideThreshold: false };

  it('ok, over threshold, stopped moving', () => {
    expect(boardStatus(base)).toBe('ok');
    expect(boardStatus({ ...base, outsideThreshold: true })).toBe('over threshold');
    expect(boardStatus({ ...base, stillForS: 300 })).toBe('ok');
    expect(boardStatus({ ...base, stillForS: 301, outsideThreshold: true })).toBe('stopped moving');
  });

  it('no data after 3 poll intervals without a new point, or while watching after a stale stop', () => {
    expect(boardStatus({ ...base, staleS: 180 })).toBe('ok');
    expect(boardStatus({ ...base, staleS: 181, outsideThreshold: true })).toBe('no data');
    // Points no longer arrive: that is "no data", whatever the last ones showed.
    expect(boardStatus({ ...base, staleS: 181, stillForS: 900 })).toBe('no data');
    expect(boardStatus({ ...base, pollIntervalS: 1, staleS: 4 })).toBe('no data');
    expect(boardStatus({ ...base, active: false, watching: true, staleS: null })).toBe('no data');
  });

  it('finished once the race is over and not watched', () => {
    expect(boardStatus({ ...base, active: false, staleS: null, stillForS: 900, outsideThreshold: true })).toBe('finished');
  });

  it('sorts by status rank, then name (case-insensitive), then id', () => {
    const cards = [
      { status: 'ok' as const, name: 'bea', session_id: '1' },
      { status: 'finished' as const, name: 'Ann', session_id: '2' },
      { status: 'stopped moving' as const, name: 'Zoe', session_id: '3' },
      { status: 'ok' as const, name: 'Ann', session_id: '5' },
      { status: 'ok' as const, name: 'ann', session_id: '4' },
      { status: 'over threshold' as const, name: 'Cem', session_id: '6' },
      { status: 'no data' as const, name: 'Dan', session_id: '7' },
    ];
    expect(cards.sort(compareCards).map((c) => c.session_id)).toEqual(['3', '7', '6', '4', '5', '1', '2']);
  });
});
