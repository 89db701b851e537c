import { topics, type AvailabilityChange, type Conflict, type RateChange } from '@cm/schemas';
import { topicValueRecord, writeTogether, type Knex, type Outbox, type OutboxRecord } from '@cm/service-runtime';

/**
 * What a comparison with a channel publishes: availability corrections to availability.changes,
 * rate corrections to rate.changes (both for that channel only), the drift they fix to conflicts.
 */
export interface Found {
  readonly changes: readonly AvailabilityChange[];
  readonly rateChanges: readonly RateChange[];
  readonly conflicts: readonly Conflict[];
}

/**
 * Writes what a comparison found to the outbox in ONE transaction with the rows that record it (a
 * pass's listings, a calendar report's pass), so a crash leaves both or neither: no row says a
 * correction was sent that never goes out. Once committed, this instance publishes the records
 * of the partitions it owns and tells the owners of the others; the conflicts are counted then.
 */
export class CorrectionsOutbox {
  constructor(
    private readonly db: Knex,
    private readonly outbox: Pick<Outbox, 'insert' | 'committedAnywhere' | 'inDoubt'>,
    /** The Kafka partition of a property's records (`partitionOfKey`): every property-keyed topic has the same partitions. */
    private readonly partitionOf: (propertyId: string) => number,
    /** Drift committed to be published: counted once, here. */
    private readonly raised: (conflicts: readonly Conflict[]) => void,
  ) {}

  /** `record` writes the rows in the transaction; without it and with nothing found, there is nothing to write. */
  async commit(found: Found, record?: (tx: Knex.Transaction) => Promise<void>, traceParent: string | null = null): Promise<void> {
    const records = this.records(found, traceParent);
    if (records.length === 0 && !record) return;
    try {
      await this.db.transaction(async (tx) => {
        await record?.(tx);
        await writeTogether(tx, this.outbox.insert(records));
      });
    } catch (error) {
      // The commit may have happened unseen: this instance sweeps what it owns, the other owners' safety sweeps the rest.
      this.outbox.inDoubt();
      throw error;
    }
    await this.outbox.committedAnywhere(records);
    this.raised(found.conflicts);
  }

  /** Each value under its event id (stable: consumers take a record published twice once), in the partition of its property. */
  private records(found: Found, traceParent: string | null): OutboxRecord[] {
    return [
      ...found.changes.map((change) => ({ ...topicValueRecord(topics.availabilityChanges, change, change.event_id), traceParent, partition: this.partitionOf(change.property_id) })),
      ...found.rateChanges.map((change) => ({ ...topicValueRecord(topics.rateChanges, change, change.event_id), traceParent, partition: this.partitionOf(change.property_id) })),
      ...found.conflicts.map((conflict) => ({ ...topicValueRecord(topics.conflicts, conflict, conflict.event_id), traceParent, partition: this.partitionOf(conflict.property_id) })),
    ];
  }
}
