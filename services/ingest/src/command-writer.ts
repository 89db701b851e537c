import { topics, type BookingCommand, type ChannelInboundEvent, type RateChange } from '@cm/schemas';
import { produceValues, type AvroSerde, type RecordProducer } from '@cm/service-runtime';

/** Writes commands to booking.commands keyed by property, so each property's commands stay in order. */
export class CommandWriter {
  constructor(
    private readonly producer: RecordProducer,
    private readonly serde: AvroSerde,
  ) {}

  async write(commands: readonly BookingCommand[]): Promise<void> {
    await produceValues(this.producer, this.serde, topics.bookingCommands, commands);
  }

  /** The PMS's rates and restrictions, as kept after a request, for the dispatcher. */
  async writeRateChange(change: RateChange): Promise<void> {
    await produceValues(this.producer, this.serde, topics.rateChanges, [change]);
  }

  /** A webhook's calendar report goes where the connectors' reports go, for the reconciler. */
  async writeCalendarReport(event: ChannelInboundEvent): Promise<void> {
    await produceValues(this.producer, this.serde, topics.channelInbound, [event]);
  }
}
