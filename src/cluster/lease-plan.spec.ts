import { MAX_RELEASE_PER_ROUND, planLeases } from './lease-plan';

const alive = (...ids: string[]) => ids.map((id) => ({ id }));

describe('planLeases', () => {
  it('alone, takes every session (the single SQLite replica)', () => {
    expect(planLeases({ me: 'a', held: 0, alive: [], leasable: 12 })).toEqual({ fairShare: 12, claim: 12, release: 0 });
    expect(planLeases({ me: 'a', held: 12, alive: alive('a'), leasable: 12 })).toEqual({ fairShare: 12, claim: 0, release: 0 });
  });

  it('spreads 60 sessions over three replicas, none above ceil(60/3)', () => {
    for (const me of ['a', 'b', 'c']) expect(planLeases({ me, held: 0, alive: alive('a', 'b', 'c'), leasable: 60 }).claim).toBe(20);
    expect(planLeases({ me: 'a', held: 20, alive: alive('a', 'b', 'c'), leasable: 61 })).toMatchObject({ fairShare: 21, claim: 1 });
  });

  it('hands sessions back when a replica joins, a bounded number per round', () => {
    // a held all 60; b and c joined: a's share is 20.
    const first = planLeases({ me: 'a', held: 60, alive: alive('a', 'b', 'c'), leasable: 60 });
    expect(first).toEqual({ fairShare: 20, claim: 0, release: MAX_RELEASE_PER_ROUND });
    expect(planLeases({ me: 'a', held: 60 - MAX_RELEASE_PER_ROUND, alive: alive('a', 'b', 'c'), leasable: 60 }).release).toBe(40 - MAX_RELEASE_PER_ROUND);
  });

  it('takes over the share of a replica that died (it is no longer seen alive)', () => {
    expect(planLeases({ me: 'a', held: 20, alive: alive('a', 'b'), leasable: 60 })).toEqual({ fairShare: 30, claim: 10, release: 0 });
  });

  it('with nothing to poll, claims and releases nothing', () => {
    expect(planLeases({ me: 'a', held: 0, alive: alive('a', 'b'), leasable: 0 })).toEqual({ fairShare: 0, claim: 0, release: 0 });
  });
});
