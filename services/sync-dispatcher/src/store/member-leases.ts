import type { Knex } from '@cm/service-runtime';

/** Who this process is: the member it runs as, and what its leases are held by. */
export interface Incarnation {
  /** The group instance id: one process at a time runs under it. */
  readonly member: string;
  /** The owner of its leases: a name of this process alone, never of an earlier one. */
  readonly owner: string;
}

/**
 * A member's session lock is named this and the member: its process holds it for as long as it
 * lives (SessionLock), and statements here try it to tell whether that process is dead.
 */
export const MEMBER_LOCK_PREFIX = 'sync-dispatcher member ';
export const memberLockName = (member: string): string => `${MEMBER_LOCK_PREFIX}${member}`;

/** How much of a dead process's work was given back. */
export interface GivenBack {
  readonly listings: number;
  readonly actions: number;
  readonly rates: number;
}

export const gaveAnyBack = (back: GivenBack): boolean => back.listings + back.actions + back.rates > 0;

/**
 * The leases of the owners in `gone` (a CTE with an `owner` column), given back due as they
 * were: listings, reservation actions and rate pushes, each claimable at once. Answers the
 * counts as `listings`, `actions` and `rates`.
 */
const GIVE_BACK_PARTS = (gone: string) => `
     listings AS (UPDATE sync.listing_work w SET leased_by = NULL, leased_until_ms = NULL FROM ${gone} g WHERE w.leased_by = g.owner RETURNING 1),
     actions AS (UPDATE sync.reservation_actions a SET leased_by = NULL, leased_until_ms = NULL FROM ${gone} g WHERE a.status = 'pending' AND a.leased_by = g.owner RETURNING 1),
     rates AS (UPDATE sync.rate_work r SET leased_by = NULL, leased_until_ms = NULL FROM ${gone} g WHERE r.leased_by = g.owner RETURNING 1)`;
const GIVEN_BACK_COUNTS = '(SELECT count(*) FROM listings)::int AS listings, (SELECT count(*) FROM actions)::int AS actions, (SELECT count(*) FROM rates)::int AS rates';

export interface Entered extends GivenBack {
  /** The process this one replaced, if one was recorded. */
  readonly predecessor: string | null;
  /** Whether the member was recorded before (false: its first process, or it had been taken for dead and forgotten). */
  readonly recorded: boolean;
}

/**
 * Records this process as its member's and gives back the leases of the process it replaces: a
 * SIGKILLed process's are taken at once instead of when they lapse. Only for the holder of the
 * member's session lock, which its predecessor lost when it died: the same as a lapse, sooner.
 * Answers whom it replaced (null: nobody was recorded).
 */
export async function enterReleasingPredecessor(db: Knex, me: Incarnation, nowMs: number): Promise<Entered> {
  // Fixed text: prepared once. The answer's reads see the table as it was before the statement.
  const { rows } = await db.raw<{ rows: Entered[] }>(
    `WITH me AS (SELECT ?::text AS member, ?::text AS owner, ?::bigint AS now_ms),
     predecessor AS (SELECT m.owner FROM sync.members m JOIN me ON m.member = me.member AND m.owner <> me.owner),
     entered AS (
       INSERT INTO sync.members (member, owner, entered_at_ms) SELECT member, owner, now_ms FROM me
       ON CONFLICT (member) DO UPDATE SET owner = excluded.owner, entered_at_ms = excluded.entered_at_ms),
     ${GIVE_BACK_PARTS('predecessor')}
     SELECT (SELECT owner FROM predecessor) AS predecessor, EXISTS (SELECT 1 FROM sync.members m JOIN me ON m.member = me.member) AS recorded, ${GIVEN_BACK_COUNTS}`,
    [me.member, me.owner, nowMs],
  );
  return rows[0]!;
}

/**
 * Gives back the leases of every other member's process that is dead, and forgets those
 * members (a restart records itself again): no session holds its member's lock, tried for this
 * statement's transaction only, so a restart of it takes the lock a moment later. Run when
 * partitions move to this process: a member that died and does not come back has its partitions
 * taken over after its session timeout, and what it had leased goes with them rather than
 * LEASE_MS after. Forgetting matters: every rollout replaces pods, each a lock tried at every
 * rebalance otherwise. Answers the dead processes' owners.
 */
export async function releaseDeadMembers(db: Knex, me: Incarnation): Promise<GivenBack & { deadOwners: string[] }> {
  // CASE: this process's own member is never tried (its lock is held by another session of this process).
  const { rows } = await db.raw<{ rows: (GivenBack & { deadOwners: string[] })[] }>(
    `WITH dead AS MATERIALIZED (
       SELECT m.member, m.owner FROM sync.members m
        WHERE CASE WHEN m.member <> ? THEN pg_try_advisory_xact_lock(hashtextextended(? || m.member, 0)) ELSE false END),
     forgotten AS (DELETE FROM sync.members m USING dead d WHERE m.member = d.member),
     ${GIVE_BACK_PARTS('dead')}
     SELECT array(SELECT owner FROM dead) AS "deadOwners", ${GIVEN_BACK_COUNTS}`,
    [me.member, MEMBER_LOCK_PREFIX],
  );
  return rows[0]!;
}
