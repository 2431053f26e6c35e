import { Logger } from '@nestjs/common';
import { LeaseKeeper } from './lease-keeper.service';

/** The keeper over in-memory fakes of the lease store and the tracker. */
function keeper(opts: { held: string[]; others: Array<{ id: string; sessions: number }> }) {
  const claimed: string[] = [];
  const leases = {
    aliveReplicas: async () => [{ id: 'me', sessions: opts.held.length, startedAt: 0, seenAt: 0 }, ...opts.others.map((o) => ({ ...o, startedAt: 0, seenAt: 0 }))],
    claimSession: async (id: string) => (claimed.push(id), true),
  };
  const tracker = { heldSessionIds: () => opts.held };
  const config = { replicaId: 'me', leaseTtlS: 30, databaseUrl: 'postgres://x@h/db' };
  return { keeper: new LeaseKeeper(leases as never, {} as never, tracker as never, config as never), claimed };
}

describe('LeaseKeeper.placeNew', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('polls a new session here when this replica is the least loaded (ties included) or alone', async () => {
    const alone = keeper({ held: ['a', 'b'], others: [] });
    expect(await alone.keeper.placeNew('new')).toBe(true);
    expect(alone.claimed).toEqual(['new']);
    const tie = keeper({ held: ['a'], others: [{ id: 'r2', sessions: 1 }, { id: 'r3', sessions: 4 }] });
    expect(await tie.keeper.placeNew('new')).toBe(true);
  });

  it('leaves it to a less loaded replica otherwise', async () => {
    const busy = keeper({ held: ['a', 'b', 'c'], others: [{ id: 'r2', sessions: 1 }] });
    expect(await busy.keeper.placeNew('new')).toBe(false);
    expect(busy.claimed).toEqual([]);
  });
});
