import type { Knex } from '@cm/service-runtime';

/** Who this process is: the member it runs as, and what its leases are held by. */
export interface Incarnation {
  /** The group instance id: one process at a time runs under it. */
  readonly member: string;
  /** Its INSTANCE_ID, the owner of its leases. */
  readonly owner: string;
  /**
   * No lease this process takes ends before it: its start plus LEASE_MS. A predecessor of the
   * same INSTANCE_ID (a container's pid 1, every time) is told apart by leases that end sooner.
   */
  readonly firstLeaseUntilMs: number;
}

/**
 * The name of a member's session lock: its process holds it for as long as it lives (the
 * takeover's SessionLock), and statements here try it to tell whether that process is dead.
 */
export const memberLockName = (member: string): string => `sync-dispatcher member ${member}`;

/** What entering gave back: whom this process replaced (null: nobody), and how much of its work. */
export interface PredecessorReleased {
  readonly predecessor: string | null;
  readonly listings: number;
  readonly actions: number;
  readonly rates: number;
}

/**
 * Records this process as its member's and gives back, due as they were, the leases of the
 * process it replaces: listings, reservation actions and rate pushes that a SIGKILLed process
 * held are taken at once instead of when their leases lapse. Only for the holder of the member's
 * session lock, which its predecessor lost when it died; the same as a lapse, sooner.
 */
export async function enterReleasingPredecessor(db: Knex, me: Incarnation, nowMs: number): Promise<PredecessorReleased> {
  // Fixed text: prepared once. A lease of the predecessor's is one it holds under its name and,
  // if that is this process's name too, one that ends before any of this process's can.
  const { rows } = await db.raw<{ rows: { predecessor: string | null; listings: number; actions: number; rates: number }[] }>(
    `WITH me AS (SELECT ?::text AS member, ?::text AS owner, ?::bigint AS first_until, ?::bigint AS now_ms),
     theirs AS (SELECT m.owner, m.owner <> me.owner AS other_name, me.first_until FROM sync.members m JOIN me ON m.member = me.member),
     entered AS (
       INSERT INTO sync.members (member, owner, entered_at_ms) SELECT member, owner, now_ms FROM me
       ON CONFLICT (member) DO UPDATE SET owner = excluded.owner, entered_at_ms = excluded.entered_at_ms),
     listings AS (
       UPDATE sync.listing_work w SET leased_by = NULL, leased_until_ms = NULL FROM theirs t
        WHERE w.leased_by = t.owner AND (t.other_name OR w.leased_until_ms < t.first_until) RETURNING 1),
     actions AS (
       UPDATE sync.reservation_actions a SET leased_by = NULL, leased_until_ms = NULL FROM theirs t
        WHERE a.status = 'pending' AND a.leased_by = t.owner AND (t.other_name OR a.leased_until_ms < t.first_until) RETURNING 1),
     rates AS (
       UPDATE sync.rate_work r SET leased_by = NULL, leased_until_ms = NULL FROM theirs t
        WHERE r.leased_by = t.owner AND (t.other_name OR r.leased_until_ms < t.first_until) RETURNING 1)
     SELECT (SELECT owner FROM theirs) AS predecessor, (SELECT count(*) FROM listings)::int AS listings,
            (SELECT count(*) FROM actions)::int AS actions, (SELECT count(*) FROM rates)::int AS rates`,
    [me.member, me.owner, me.firstLeaseUntilMs, nowMs],
  );
  return rows[0]!;
}

/** What was given back of other members' processes found dead. */
export interface DeadReleased {
  readonly dead: string[];
  readonly listings: number;
  readonly actions: number;
  readonly rates: number;
}

/**
 * Gives back, due as they were, the leases of every other member's newest process that is dead:
 * no session holds its member's lock (tried for this statement's transaction only, so a restart
 * of it takes the lock a moment later). Run when partitions move to this process: a member that
 * died and does not come back has its partitions taken over after its session timeout, and the
 * listings it had leased go with them rather than LEASE_MS after. A dead member is forgotten
 * (a restart records itself again): pods replaced by every rollout would otherwise pile up, each
 * a lock tried at every rebalance.
 */
export async function releaseDeadMembers(db: Knex, me: Incarnation): Promise<DeadReleased> {
  // CASE: this process's own member is never tried (its lock is held by another session of this process).
  const { rows } = await db.raw<{ rows: DeadReleased[] }>(
    `WITH dead AS MATERIALIZED (
       SELECT m.member, m.owner FROM sync.members m
        WHERE CASE WHEN m.member <> ? AND m.owner <> ? THEN pg_try_advisory_xact_lock(hashtextextended(? || m.member, 0)) ELSE false END),
     forgotten AS (DELETE FROM sync.members m USING dead d WHERE m.member = d.member),
     listings AS (UPDATE sync.listing_work w SET leased_by = NULL, leased_until_ms = NULL FROM dead d WHERE w.leased_by = d.owner RETURNING 1),
     actions AS (UPDATE sync.reservation_actions a SET leased_by = NULL, leased_until_ms = NULL FROM dead d WHERE a.status = 'pending' AND a.leased_by = d.owner RETURNING 1),
     rates AS (UPDATE sync.rate_work r SET leased_by = NULL, leased_until_ms = NULL FROM dead d WHERE r.leased_by = d.owner RETURNING 1)
     SELECT array(SELECT owner FROM dead) AS dead, (SELECT count(*) FROM listings)::int AS listings,
            (SELECT count(*) FROM actions)::int AS actions, (SELECT count(*) FROM rates)::int AS rates`,
    [me.member, me.owner, memberLockName('')],
  );
  return rows[0]!;
}
