import type { BookingCommand, ChannelInboundEvent } from '@cm/schemas';
import type { AvroSerde, RecordProducer } from '@cm/service-runtime';

/** Writes commands to booking.commands keyed by property, so each property's commands stay in order. */
export class CommandWriter {
  constructor(
    private readonly producer: RecordProducer,
    private readonly serde: AvroSerde,
    private readonly topics: { readonly bookingCommands: string; readonly channelInbound: string },
  ) {}

  async write(commands: readonly BookingCommand[]): Promise<void> {
    if (commands.length === 0) return;
    const records = await Promise.all(commands.map(async (c) => ({ key: c.property_id, value: await this.serde.encode(this.topics.bookingCommands, c) })));
    await this.producer.send(this.topics.bookingCommands, records);
  }

  /** A webhook's calendar report goes where the connectors' reports go, for the reconciler. */
  async writeCalendarReport(event: ChannelInboundEvent): Promise<void> {
    await this.producer.send(this.topics.channelInbound, [{ key: event.listing_id, value: await this.serde.encode(this.topics.channelInbound, event) }]);
  }
}
