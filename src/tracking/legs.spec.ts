import type { Leg, RaceType } from '../storage/trackpoint.types';
import { activityKind, assignLeg, createLegState, legOfRaceType, sportOfActivityType, type LegState } from './legs';

type Pt = [activityType: string | null, status?: string | null];

/** Feeds points in order and returns the leg of each. */
function legs(raceType: RaceType, pts: Pt[], start?: LegState): Leg[] {
  let state = start ?? createLegState(raceType);
  return pts.map(([type, status]) => {
    const r = assignLeg(state, type, status ?? 'MOVING');
    state = r.state;
    return r.leg;
  });
}

describe('activityKind', () => {
  it.each([
    ['SWIMMING', 'swim'],
    ['OPEN_WATER_SWIMMING', 'swim'],
    ['LAP_SWIMMING', 'swim'],
    ['CYCLING', 'bike'],
    ['ROAD_BIKING', 'bike'],
    ['MOUNTAIN_BIKING', 'bike'],
    ['INDOOR_CYCLING', 'bike'],
    ['GRAVEL_CYCLING', 'bike'],
    ['road_biking', 'bike'],
    ['RUNNING', 'run'],
    ['TRAIL_RUNNING', 'run'],
    ['TREADMILL_RUNNING', 'run'],
    ['STREET_RUNNING', 'run'],
    ['TRANSITION', 'transition'],
    ['MULTISPORT', null],
    ['STATIONARY', null],
    ['BIKE_COMMUTE_NOT_A_REAL_TYPE_RUNWAY', 'bike'],
    ['', null],
    [null, null],
  ])('%p → %p', (type, kind) => {
    expect(activityKind(type)).toBe(kind);
  });

  it('sportOfActivityType drops transitions', () => {
    expect(sportOfActivityType('TRANSITION')).toBeNull();
    expect(sportOfActivityType('RUNNING')).toBe('run');
  });
});

describe('legOfRaceType', () => {
  it('fixes single-sport legs only', () => {
    expect(legOfRaceType('bike')).toBe('bike');
    expect(legOfRaceType('run')).toBe('run');
    expect(legOfRaceType('triathlon')).toBeNull();
    expect(legOfRaceType('other')).toBeNull();
  });
});

describe('triathlon', () => {
  it('starts in swim, including typeless STATIONARY points before any classified point', () => {
    expect(createLegState('triathlon').leg).toBe('swim');
    expect(legs('triathlon', [[null, 'STATIONARY'], ['MULTISPORT', 'STATIONARY'], [null, 'MOVING']])).toEqual([
      'swim',
      'swim',
      'swim',
    ]);
  });

  it('follows swim → bike → run by activityType', () => {
    expect(
      legs('triathlon', [['OPEN_WATER_SWIMMING'], ['SWIMMING'], ['ROAD_BIKING'], ['CYCLING'], ['TRAIL_RUNNING'], ['RUNNING']]),
    ).toEqual(['swim', 'swim', 'bike', 'bike', 'run', 'run']);
  });

  it('maps TRANSITION to t1 before the bike and t2 after it', () => {
    expect(
      legs('triathlon', [['SWIMMING'], ['TRANSITION'], ['TRANSITION'], ['CYCLING'], ['TRANSITION'], ['RUNNING'], ['TRANSITION']]),
    ).toEqual(['swim', 't1', 't1', 'bike', 't2', 'run', 'run']);
  });

  it('TRANSITION as the very first point is t1', () => {
    expect(legs('triathlon', [['TRANSITION'], ['CYCLING']])).toEqual(['t1', 'bike']);
  });

  it('a STATIONARY stretch with MULTISPORT/unknown type between swim and bike is t1, between bike and run t2', () => {
    expect(
      legs('triathlon', [
        ['SWIMMING'],
        ['MULTISPORT', 'STATIONARY'],
        [null, 'STATIONARY'],
        ['MULTISPORT', 'MOVING'], // still in transition: unknown keeps the leg
        ['CYCLING'],
        ['CYCLING', 'STATIONARY'], // typed stationary point (red light) stays bike
        ['MULTISPORT', 'STATIONARY'],
        [null, 'STATIONARY'],
        ['RUNNING'],
      ]),
    ).toEqual(['swim', 't1', 't1', 't1', 'bike', 'bike', 't2', 't2', 'run']);
  });

  it('an inferred transition reverts when the same sport resumes (a pause, not T2)', () => {
    expect(
      legs('triathlon', [['CYCLING'], [null, 'STATIONARY'], [null, 'STATIONARY'], ['CYCLING'], ['CYCLING'], [null, 'STATIONARY'], ['RUNNING']]),
    ).toEqual(['bike', 't2', 't2', 'bike', 'bike', 't2', 'run']);
  });

  it('an explicit TRANSITION does not revert on a stray earlier sport', () => {
    expect(legs('triathlon', [['CYCLING'], ['TRANSITION'], ['CYCLING'], ['RUNNING']])).toEqual(['bike', 't2', 't2', 'run']);
  });

  it('never goes backwards on stray earlier types', () => {
    expect(legs('triathlon', [['SWIMMING'], ['CYCLING'], ['SWIMMING'], ['RUNNING'], ['SWIMMING'], ['CYCLING'], ['TRANSITION']])).toEqual([
      'swim',
      'bike',
      'bike',
      'run',
      'run',
      'run',
      'run',
    ]);
  });

  it('STATIONARY during the run stays run', () => {
    expect(legs('triathlon', [['RUNNING'], [null, 'STATIONARY'], ['MULTISPORT', 'STATIONARY']])).toEqual(['run', 'run', 'run']);
  });

  it('no t1 is inferred from early STATIONARY points before any swim point', () => {
    expect(legs('triathlon', [[null, 'STATIONARY'], ['CYCLING']])).toEqual(['swim', 'bike']);
  });

  it('tracking started mid-race: first classified point decides', () => {
    expect(legs('triathlon', [['RUNNING'], ['CYCLING']])).toEqual(['run', 'run']);
  });

  it('is pure: the input state is not changed and can be replayed', () => {
    const s0 = createLegState('triathlon');
    const r1 = assignLeg(s0, 'CYCLING', 'MOVING');
    expect(s0.leg).toBe('swim');
    expect(r1.state.leg).toBe('bike');
    expect(assignLeg(s0, 'RUNNING', null).leg).toBe('run');
    expect(s0).toEqual({ raceType: 'triathlon', leg: 'swim', sport: null, inferredTransition: false });
  });

  it('continues across batches from a carried state', () => {
    let state = createLegState('triathlon');
    state = assignLeg(state, 'SWIMMING', null).state;
    state = assignLeg(state, 'CYCLING', null).state;
    expect(legs('triathlon', [['SWIMMING'], ['RUNNING']], state)).toEqual(['bike', 'run']);
  });
});

describe('single-sport and other races', () => {
  it('bike is always bike, run always run', () => {
    expect(legs('bike', [['RUNNING'], [null, 'STATIONARY'], ['SWIMMING'], ['TRANSITION']])).toEqual(['bike', 'bike', 'bike', 'bike']);
    expect(legs('run', [['CYCLING'], [null], ['TRAIL_RUNNING']])).toEqual(['run', 'run', 'run']);
    expect(createLegState('run').leg).toBe('run');
  });

  it('other maps clear sports and keeps the current leg for unclear points (duathlon may go back)', () => {
    expect(createLegState('other').leg).toBe('other');
    expect(
      legs('other', [[null, 'STATIONARY'], ['MULTISPORT'], ['RUNNING'], [null, 'STATIONARY'], ['CYCLING'], ['TRANSITION'], ['RUNNING'], ['SWIMMING']]),
    ).toEqual(['other', 'other', 'run', 'run', 'bike', 'bike', 'run', 'swim']);
  });
});
