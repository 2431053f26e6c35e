// How many sessions a replica should take or hand back in one lease round. Plain: every replica
// runs the same rule on the same figures (alive replicas and their loads from the heartbeats, the
// number of sessions that need a poller), so shares converge without talking to each other.

export interface LeasePlanInput {
  /** This replica. */
  me: string;
  /** Sessions this replica holds now. */
  held: number;
  /** Replicas seen alive (may or may not include this one). */
  alive: ReadonlyArray<{ id: string }>;
  /** Sessions that need a poller, held or not. */
  leasable: number;
}

export interface LeasePlan {
  /** ceil(leasable / replicas): no replica should hold more. */
  fairShare: number;
  /** Sessions to claim from those nobody holds (never more than the free ones: the claim query decides). */
  claim: number;
  /** Sessions to hand back for others to take (a replica joined, or this one is over its share). */
  release: number;
}

/** A joining replica takes its share within a few rounds, not in one burst that restarts many polls at once. */
export const MAX_RELEASE_PER_ROUND = 25;

export function planLeases(input: LeasePlanInput): LeasePlan {
  const replicas = new Set(input.alive.map((r) => r.id));
  replicas.add(input.me);
  const fairShare = Math.ceil(Math.max(0, input.leasable) / replicas.size);
  const over = input.held - fairShare;
  return {
    fairShare,
    claim: Math.max(0, fairShare - input.held),
    release: over > 0 ? Math.min(over, MAX_RELEASE_PER_ROUND) : 0,
  };
}
