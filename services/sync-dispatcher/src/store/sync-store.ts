import type { AvailabilityChange, Channel, Source } from '@cm/schemas';
import { columnsWrite, fixedTextWrite, writeTogether, preparedRaw, type Knex } from '@cm/service-runtime';
import { runRecording, type Recording } from './recording';
import { SettleTogether, type Settling } from './settle-together';
import { FETCH_CARRIES_NIGHT_SQL } from './feed-fetches';

export interface ListingKey {
  readonly channel: Channel;
  readonly listingId: string;
}

export interface ListingWork extends ListingKey {
  readonly propertyId: string;
  readonly attempts: number;
  /** Changes recorded for the listing when it was claimed; a successful push carries them all. */
  readonly changesPending: number;
}

/** A night whose desired state the channel has not acknowledged yet. */
export interface PendingNight {
  readonly date: string;
  readonly available: boolean;
  readonly price: { amount_minor: number; currency: string } | null;
  readonly minStay: number | null;
  readonly version: number;
  readonly source: Source;
  readonly changeEventId: string;
  readonly correlationId: string;
  readonly changedAtMs: number;
  readonly isReconciliation: boolean;
  /** The trace of the change that set this state: its push continues it. */
  readonly traceParent: string | null;
}

const DAY_MS = 86_400_000;
export const listingKeyOf = (l: ListingKey) => `${l.channel}\u0000${l.listingId}`;

interface PendingRow {
  night: string;
  available: boolean;
  price_minor: number | null;
  currency: string | null;
  min_stay: number | null;
  version: number;
  source: Source;
  change_event_id: string;
  correlation_id: string;
  changed_at_ms: number;
  is_reconciliation: boolean;
  trace_parent: string | null;
}

function toPendingNight(r: PendingRow): PendingNight {
  return {
    date: r.night,
    available: r.available,
    price: r.price_minor === null || r.currency === null ? null : { amount_minor: r.price_minor, currency: r.currency.trim() },
    minStay: r.min_stay,
    version: r.version,
    source: r.source,
    changeEventId: r.change_event_id,
    correlationId: r.correlation_id,
    changedAtMs: r.changed_at_ms,
    isReconciliation: r.is_reconciliation,
    traceParent: r.trace_parent ?? null,
  };
}
const isoDay = (epochDay: number) => new Date(epochDay * DAY_MS).toISOString().slice(0, 10);

/** A lease taken while recording changes: `untilMs` is unique to the statement, which is how its rows are told from a lease held before. */
export interface Lease {
  readonly owner: string;
  readonly untilMs: number;
}

export interface Applied {
  /** Every listing the changes went to. */
  readonly touched: ListingKey[];
  /** Listings leased by the same statement, each with the nights it must now show. */
  readonly leased: { work: ListingWork; nights: PendingNight[] }[];
}

/** A lease is offered (`excluded.leased_by`) and the listing had nothing pending and was neither leased nor waiting. */
const LEASABLE = `excluded.leased_by IS NOT NULL AND sync.listing_work.changes_pending = 0 AND sync.listing_work.due_at_ms <= excluded.due_at_ms
         AND (sync.listing_work.leased_until_ms IS NULL OR sync.listing_work.leased_until_ms < excluded.due_at_ms)`;

/** What a listing's night must show (one row per night, lists as arrays), and the version it must carry. */
const NIGHTS_COLUMNS = `?::text[], ?::text[], ?::date[], ?::text[], ?::boolean[], ?::bigint[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::boolean[], ?::text[]`;

/**
 * Records nights (a night only ever takes a newer version), counts each listing's new changes (a
 * listing already waiting, for a backoff or a rate limit, keeps its due time) and, with a lease
 * (`p.owner`), leases each listing that had nothing pending and was neither leased nor waiting;
 * a new listing is leased as it is inserted. Answers the leased listings with the nights recorded.
 */
const RECORD_CHANGES_PARTS = `p AS (SELECT ?::bigint AS now_ms, ?::text AS owner, ?::bigint AS until_ms),
  recorded AS (
    INSERT INTO sync.nights (channel, listing_id, night, property_id, available, price_minor, currency, min_stay, version, source, change_event_id, correlation_id, changed_at_ms, is_reconciliation, trace_parent)
    SELECT v.channel, v.listing_id, v.night, v.property_id, v.available, v.price_minor, v.currency, NULL::int, v.version, v.source, v.change_event_id, v.correlation_id, v.changed_at_ms, v.is_reconciliation, v.trace_parent
      FROM unnest(${NIGHTS_COLUMNS})
        AS v(channel, listing_id, night, property_id, available, price_minor, currency, version, source, change_event_id, correlation_id, changed_at_ms, is_reconciliation, trace_parent)
    ON CONFLICT (channel, listing_id, night) DO UPDATE SET
      property_id = excluded.property_id,
      available = excluded.available, price_minor = excluded.price_minor, currency = excluded.currency, min_stay = excluded.min_stay,
      version = excluded.version, source = excluded.source, change_event_id = excluded.change_event_id,
      correlation_id = excluded.correlation_id, changed_at_ms = excluded.changed_at_ms, is_reconciliation = excluded.is_reconciliation, trace_parent = excluded.trace_parent,
      pushed_version = CASE WHEN sync.nights.property_id <> excluded.property_id THEN 0
                            WHEN excluded.is_reconciliation THEN least(sync.nights.pushed_version, excluded.version - 1)
                            ELSE sync.nights.pushed_version END
    WHERE sync.nights.version < excluded.version
       -- A reconciliation found the channel not showing this very version (a lost update):
       -- the same state is pending again, so it is pushed again.
       OR (excluded.is_reconciliation AND sync.nights.version = excluded.version)
       -- The listing was remapped to another property: versions are each property's own, so
       -- the new property's state replaces the old one's, whatever their numbers, and nothing
       -- of it has been pushed yet.
       OR sync.nights.property_id <> excluded.property_id
    RETURNING *),
  work AS (
    INSERT INTO sync.listing_work (channel, listing_id, property_id, due_at_ms, changes_pending, leased_by, leased_until_ms)
    SELECT w.channel, w.listing_id, w.property_id, p.now_ms, w.changes, p.owner, p.until_ms
      FROM unnest(?::text[], ?::text[], ?::text[], ?::int[]) AS w(channel, listing_id, property_id, changes) CROSS JOIN p
    ON CONFLICT (channel, listing_id) DO UPDATE SET
      property_id = excluded.property_id,
      changes_pending = sync.listing_work.changes_pending + excluded.changes_pending,
      leased_by = CASE WHEN ${LEASABLE} THEN excluded.leased_by ELSE sync.listing_work.leased_by END,
      leased_until_ms = CASE WHEN ${LEASABLE} THEN excluded.leased_until_ms ELSE sync.listing_work.leased_until_ms END
    RETURNING channel, listing_id, property_id, attempts, changes_pending, leased_by, leased_until_ms)`;

/** The answer over RECORD_CHANGES_PARTS: each leased listing's row with each night recorded for it (none: a row of nulls). */
const RECORD_CHANGES_ANSWER = `SELECT w.channel, w.listing_id, w.property_id, w.attempts, w.changes_pending, r.night, r.available, r.price_minor, r.currency, r.min_stay,
       r.version, r.source, r.change_event_id, r.correlation_id, r.changed_at_ms, r.is_reconciliation, r.trace_parent
  FROM work w CROSS JOIN p LEFT JOIN recorded r ON r.channel = w.channel AND r.listing_id = w.listing_id
 WHERE w.leased_by = p.owner AND w.leased_until_ms = p.until_ms`;

/**
 * The listings a recording leased, each with its nights in date order (the answer's rows, as
 * they are alone or as to_jsonb makes them together with another recording: the same values).
 */
function leasedOf(rows: readonly unknown[]): { work: ListingWork; nights: PendingNight[] }[] {
  const leased = new Map<string, { work: ListingWork; nights: PendingNight[] }>();
  for (const r of rows as (Partial<PendingRow> & { channel: Channel; listing_id: string; property_id: string; attempts: number; changes_pending: number })[]) {
    const key = listingKeyOf({ channel: r.channel, listingId: r.listing_id });
    let entry = leased.get(key);
    if (!entry) {
      entry = { work: { channel: r.channel, listingId: r.listing_id, propertyId: r.property_id, attempts: r.attempts, changesPending: r.changes_pending }, nights: [] };
      leased.set(key, entry);
    }
    // A listing whose changes were all older than what it holds records no night: nothing to push.
    if (r.night !== null && r.night !== undefined) entry.nights.push(toPendingNight(r as PendingRow));
  }
  const entries = [...leased.values()];
  for (const { nights } of entries) nights.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
  return entries;
}

/**
 * The sync schema: what each channel listing should show, night by night, and the version it
 * acknowledged. A change only ever replaces a night's state with a newer version, so changes
 * coalesce (5,000 changes of one night are one pending state) and an older version is never
 * pushed after a newer one, whatever order records arrive or are replayed in.
 */
export interface Acknowledgement {
  /**
   * With the property the pushed nights were leased as: a night the listing's new property
   * recorded meanwhile (a remap), at the same version by chance, is not acknowledged by it.
   */
  readonly listing: ListingKey & { readonly propertyId?: string };
  readonly owner: string;
  readonly nights: readonly { date: string; version: number }[];
  readonly nowMs: number;
  /** Changes the push carried: they no longer count as pending. */
  readonly carried: number;
  /** Written in the same statement: the push's outcome in the outbox. */
  readonly writes?: readonly Knex.Sql[];
}

export class SyncStore {
  private readonly settle: SettleTogether;

  /** The claim's statement: a listing of a feed channel is due only with a change the channel has fetched. */
  private readonly claimSql: string;

  /**
   * `feedChannels`: the channels that fetch our iCal feeds instead of taking pushes. `settle`:
   * where acknowledgements are written, with other work's ends that come at the same time (a
   * reservation action's finish).
   */
  constructor(
    private readonly db: Knex,
    feedChannels: readonly Channel[] = [],
    settle?: SettleTogether,
  ) {
    this.claimSql = claimSql(feedChannels);
    this.settle = settle ?? new SettleTogether(db);
  }

  /**
   * Records the desired state of each listing's nights; returns the listings that have new work.
   * With `lease`, the same statement also leases every touched listing that had nothing pending
   * and was neither leased nor waiting, and returns it with the nights it must show: those go out
   * at once, without a claim and a read of their own (the rest wait for the claim loop).
   */
  async applyChanges(changes: readonly { change: AvailabilityChange; listings: readonly ListingKey[]; traceParent?: string | null }[], nowMs: number, lease?: Lease): Promise<Applied> {
    const recording = this.changesRecording(changes, nowMs, lease);
    return recording === null ? { touched: [], leased: [] } : runRecording(this.db, recording);
  }

  /** applyChanges as pieces of a statement (Recording), to go alone or with another recording; null when there is nothing to record. */
  changesRecording(changes: readonly { change: AvailabilityChange; listings: readonly ListingKey[]; traceParent?: string | null }[], nowMs: number, lease?: Lease): Recording<Applied> | null {
    const newest = new Map<string, { change: AvailabilityChange; listing: ListingKey; day: number; traceParent: string | null }>();
    const touched = new Map<string, ListingKey & { propertyId: string; changes: number }>();
    for (const { change, listings, traceParent } of changes) {
      for (const listing of listings) {
        const listingKey = listingKeyOf(listing);
        touched.set(listingKey, { ...listing, propertyId: change.property_id, changes: (touched.get(listingKey)?.changes ?? 0) + 1 });
        for (let day = change.from_date; day < change.to_date; day++) {
          const key = `${listingKey}\u0000${day}`;
          const held = newest.get(key);
          if (!held || held.change.version < change.version) newest.set(key, { change, listing, day, traceParent: traceParent ?? null });
        }
      }
    }
    if (newest.size === 0) return null;
    const nights = [...newest.values()];
    const work = [...touched.values()];
    const keys = work.map(({ channel, listingId }) => ({ channel, listingId }));
    // Fixed text, every list one array: any number of changes is one prepared statement, parsed
    // once per connection (its VALUES text, a row of 15 bindings per night, was parsed anew on
    // every call: 0.35 ms of PostgreSQL's time a booking at 25/s) and never near the bind limit.
    // A data-modifying WITH runs in the same statement, atomically, and each part sees the table
    // as it was before it (so "nothing pending" is judged on the listing's state before these changes).
    const bindings: readonly unknown[] = [
      nowMs,
      lease?.owner ?? null,
      lease?.untilMs ?? null,
      nights.map((n) => n.listing.channel),
      nights.map((n) => n.listing.listingId),
      nights.map((n) => isoDay(n.day)),
      nights.map((n) => n.change.property_id),
      nights.map((n) => n.change.available),
      nights.map((n) => n.change.nightly_price?.amount_minor ?? null),
      nights.map((n) => n.change.nightly_price?.currency ?? null),
      nights.map((n) => n.change.version),
      nights.map((n) => n.change.source),
      nights.map((n) => n.change.event_id),
      nights.map((n) => n.change.correlation_id),
      nights.map((n) => n.change.occurred_at),
      nights.map((n) => n.change.reason === 'RECONCILIATION'),
      nights.map((n) => n.traceParent),
      work.map((w) => w.channel),
      work.map((w) => w.listingId),
      work.map((w) => w.propertyId),
      work.map((w) => w.changes),
    ];
    return { parts: RECORD_CHANGES_PARTS, bindings, answer: RECORD_CHANGES_ANSWER, read: (rows) => ({ touched: keys, leased: leasedOf(rows) }) };
  }

  /**
   * Leases listings that have unacknowledged nights and are due, so one instance pushes a
   * listing at a time; a lease that ran out (its instance died) can be taken again. A feed
   * channel's listing is taken only when the channel fetched one of its changes: until then
   * there is nothing to do but wait (the fetch makes it claimable, and wakes the pusher).
   */
  async claimDue(lease: Lease, nowMs: number, limit: number): Promise<ListingWork[]> {
    const result = await preparedRaw(
      this.db,
      this.claimSql,
      [lease.owner, lease.untilMs, nowMs, nowMs, limit],
    );
    return (result.rows as { channel: Channel; listing_id: string; property_id: string; attempts: number; changes_pending: number }[]).map((r) => ({
      channel: r.channel,
      listingId: r.listing_id,
      propertyId: r.property_id,
      attempts: r.attempts,
      changesPending: r.changes_pending,
    }));
  }

  /** The unacknowledged nights of each listing, in order, for many listings in one query. */
  async pendingNightsOf(listings: readonly ListingKey[]): Promise<Map<string, PendingNight[]>> {
    const byListing = new Map<string, PendingNight[]>(listings.map((l) => [listingKeyOf(l), []]));
    if (listings.length === 0) return byListing;
    const rows: (PendingRow & { channel: Channel; listing_id: string })[] = await this.db('sync.nights')
      .whereIn(['channel', 'listing_id'], listings.map((l) => [l.channel, l.listingId]))
      .whereRaw('version > pushed_version')
      .orderBy(['channel', 'listing_id', 'night'])
      .select('*');
    for (const r of rows) byListing.get(listingKeyOf({ channel: r.channel, listingId: r.listing_id }))?.push(toPendingNight(r));
    return byListing;
  }

  /**
   * The nights a listing must show closed (whatever was pushed), in order; when the newest of its
   * changes happened; and the feed's version, the highest ledger version among its nights: what
   * an exported iCal feed shows, read in one statement so the version is that of the nights.
   */
  async closedNights(listing: ListingKey): Promise<{ nights: string[]; changedAtMs: number; version: number }> {
    const result = await preparedRaw(
      this.db,
      `SELECT coalesce(array_agg(to_char(night, 'YYYY-MM-DD') ORDER BY night) FILTER (WHERE NOT available), '{}') AS nights,
              coalesce(max(changed_at_ms), 0) AS changed_at_ms, coalesce(max(version), 0) AS version
       FROM sync.nights WHERE channel = ? AND listing_id = ?`,
      [listing.channel, listing.listingId],
    );
    const row = result.rows[0] as { nights: string[]; changed_at_ms: string | number; version: string | number };
    return { nights: row.nights, changedAtMs: Number(row.changed_at_ms), version: Number(row.version) };
  }

  /**
   * Pushes the channels took: their nights at these versions are acknowledged (a night changed
   * since stays pending) and their listings given back, due again at once; acknowledgements made
   * at about the same time go together in one statement (SettleTogether). Answers whether the
   * listing has changes the push did not carry (it is due again now).
   */
  acknowledged(ack: Acknowledgement): Promise<boolean> {
    return this.settle.call(this.acknowledging, ack);
  }

  private readonly acknowledging: Settling<Acknowledgement, boolean> = { settle: (acks) => this.acknowledgements(acks) };

  private acknowledgements(acks: readonly Acknowledgement[]): ReturnType<Settling<Acknowledgement, boolean>['settle']> {
    const nights = acks.flatMap((a) => a.nights.map((n) => ({ listing: a.listing, night: n })));
    // Fixed text, lists as arrays: a batch of any size is one prepared statement, its outbox rows
    // and call log one insert each (columnsWrite).
    const marked = columnsWrite(
      this.db,
      `UPDATE sync.nights n SET pushed_version = v.version
       FROM unnest(?::text[], ?::text[], ?::date[], ?::bigint[], ?::text[]) AS v(channel, listing_id, night, version, property_id)
       WHERE n.channel = v.channel AND n.listing_id = v.listing_id AND n.night = v.night AND n.version = v.version
         AND n.property_id = coalesce(v.property_id, n.property_id)
         -- Against v, not n.version: a plan made once then looks each night up by its key,
         -- where the partial index of pending nights would be read whole (dispatcher-plans.test.ts).
         AND n.pushed_version < v.version
       RETURNING 1`,
      [nights.map((n) => n.listing.channel), nights.map((n) => n.listing.listingId), nights.map((n) => n.night.date), nights.map((n) => n.night.version), nights.map((n) => n.listing.propertyId ?? null)],
    );
    const given = fixedTextWrite(
      this.db,
      `UPDATE sync.listing_work w SET due_at_ms = v.now_ms, attempts = 0, last_error = NULL, leased_by = NULL, leased_until_ms = NULL,
         changes_pending = greatest(w.changes_pending - v.carried, 0)
       FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::int[]) AS v(channel, listing_id, owner, now_ms, carried)
       WHERE w.channel = v.channel AND w.listing_id = v.listing_id AND w.leased_by = v.owner
       RETURNING w.channel, w.listing_id, w.changes_pending`,
      [acks.map((a) => a.listing.channel), acks.map((a) => a.listing.listingId), acks.map((a) => a.owner), acks.map((a) => a.nowMs), acks.map((a) => a.carried)],
    );
    // PostgreSQL runs a data-modifying WITH whether or not it is referenced.
    return {
      writes: [marked, ...acks.flatMap((a) => a.writes ?? [])],
      answer: given,
      results: (rows) => {
        const more = new Set((rows as { channel: Channel; listing_id: string; changes_pending: number }[]).filter((r) => r.changes_pending > 0).map((r) => listingKeyOf({ channel: r.channel, listingId: r.listing_id })));
        return acks.map((a) => more.has(listingKeyOf(a.listing)));
      },
    };
  }

  /**
   * Gives the listing back: due again at `dueAtMs`, with the failed attempts so far; `carried`
   * changes went out with an acknowledged push and no longer count as pending.
   */
  async release(listing: ListingKey, owner: string, dueAtMs: number, attempts: number, lastError: string | null, carried = 0, writes: readonly Knex.Sql[] = []): Promise<void> {
    const release = this.db('sync.listing_work')
      .where({ channel: listing.channel, listing_id: listing.listingId, leased_by: owner })
      .update({ due_at_ms: dueAtMs, attempts, last_error: lastError, leased_by: null, leased_until_ms: null, changes_pending: this.db.raw('greatest(changes_pending - ?, 0)', [carried]) });
    // With what it writes (a failure's outcome in the outbox), in one statement.
    await writeTogether(this.db, [release.toSQL(), ...writes]);
  }
}

/**
 * Leases due listings with unacknowledged nights; for a feed channel, only nights at or below
 * the feed version the channel fetched count (the others wait for a fetch).
 */
function claimSql(feedChannels: readonly Channel[]): string {
  // The channels are the configuration's fixed names, not input: written into the statement, so it stays one prepared statement.
  const fetched = feedChannels.length === 0
    ? ''
    : `
             AND (n.channel NOT IN (${feedChannels.map((c) => `'${c}'`).join(', ')})
                  OR EXISTS (SELECT 1 FROM sync.feed_fetches f WHERE f.channel = n.channel AND f.listing_id = n.listing_id AND ${FETCH_CARRIES_NIGHT_SQL}))`;
  return `UPDATE sync.listing_work w SET leased_by = ?, leased_until_ms = ?
       WHERE (w.channel, w.listing_id) IN (
         SELECT w2.channel, w2.listing_id FROM sync.listing_work w2
         WHERE w2.due_at_ms <= ? AND (w2.leased_until_ms IS NULL OR w2.leased_until_ms < ?)
           AND EXISTS (SELECT 1 FROM sync.nights n WHERE n.channel = w2.channel AND n.listing_id = w2.listing_id AND n.version > n.pushed_version${fetched})
         ORDER BY w2.due_at_ms LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING w.channel, w.listing_id, w.property_id, w.attempts, w.changes_pending`;
}
