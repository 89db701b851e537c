import { topics, type BookingCommand } from '@cm/schemas';
import { topicValueRecord, type Knex, type Outbox } from '@cm/service-runtime';

/**
 * The commands tasks issue (resolutions, relocations, their withdrawals): each recorded as its
 * task's and written to the outbox, in the caller's transaction; the outbox publishes it to
 * booking.commands once that commits, keyed by the command's property.
 */
export class IssuedCommands {
  constructor(
    /** Where the commands go; also the outbox escalation's inbox steps hand their records to. */
    readonly outbox: Pick<Outbox, 'write' | 'insert' | 'committed' | 'inDoubt'>,
    /** The partition of booking.commands a property's commands go to (`partitionOfKey`). */
    private readonly partitionOf: (propertyId: string) => number,
  ) {}

  async issue(trx: Knex.Transaction, taskId: string, command: BookingCommand, now: number): Promise<void> {
    await trx('escalation.issued_commands').insert({ command_id: command.command_id, task_id: taskId, property_id: command.property_id, command: JSON.stringify(command), created_at_ms: now });
    await this.outbox.write(trx, [{ ...topicValueRecord(topics.bookingCommands, command, command.command_id), partition: this.partitionOf(command.property_id) }]);
  }
}
