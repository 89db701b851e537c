import { join } from 'node:path';
import { NO_GUEST_DETAILS, samples, topics, type BookingCommand, type BookingStatus, type CreateBooking, type GuestDetails, type Money } from '@cm/schemas';
import {
  AvroSerde,
  provisionTopics,
  topicNames,
  type Knex,
  type TopicNames,
} from '@cm/service-runtime';
import { startTestService, type RunningService, type Spawned, readDecoded, stack, testKafka, testLogger, uniqueName } from '@cm/test-harness';
import { scratchLedger } from '../src/ledger/migrations';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

/**
 * A private world for one test file: its own topic namespace on the real broker and its own
 * ledger database on the real PostgreSQL, both removed afterwards.
 */
export interface ArbiterWorld {
  readonly namespace: string;
  readonly topics: TopicNames;
  readonly databaseUrl: string;
  readonly db: Knex;
  readonly serde: AvroSerde;
  send(commands: readonly BookingCommand[]): Promise<void>;
  startArbiter(name: string, env?: Record<string, string>): Promise<ArbiterProcess>;
  /** Kills every arbiter still running (after a failed test, so the next starts clean). */
  killArbiters(): Promise<void>;
  /** Every decoded record on a topic of the namespace so far (read from the beginning). */
  read<T>(topic: string, until: (records: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  close(): Promise<void>;
}

export type ArbiterProcess = RunningService;

export async function arbiterWorld(): Promise<ArbiterWorld> {
  const namespace = uniqueName('t').toLowerCase();
  const names = topicNames(namespace);
  const kafka = testKafka('arbiter-tests');
  const admin = await kafka.admin();
  await provisionTopics(admin, testLogger, 30_000, namespace);
  await admin.disconnect();

  const ledger = await scratchLedger(stack.DATABASE_URL, namespace);
  const { url: databaseUrl, db } = ledger;

  const serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [names.bookingCommands, names.bookingEvents, names.conflicts, names.availabilityChanges, names.reservationActions, names.channelDlq], namespace);
  const producer = await kafka.producer();
  const processes: Spawned[] = [];

  return {
    namespace,
    topics: names,
    databaseUrl,
    db,
    serde,
    async send(commands) {
      const records = await Promise.all(commands.map(async (c) => ({ key: c.property_id, value: await serde.encode(topics.bookingCommands, c) })));
      for (let i = 0; i < records.length; i += 500) await producer.send(names.bookingCommands, records.slice(i, i + 500));
    },
    startArbiter: (name, env = {}) =>
      startTestService(MAIN, name, {
        env: { TOPIC_NAMESPACE: namespace, DATABASE_URL: databaseUrl, CONSUMER_GROUP: `cm.booking-arbiter.${namespace}`, INSTANCE_ID: name, SHUTDOWN_TIMEOUT_MS: '15000', ...env },
        spawned: (child) => processes.push(child),
      }),
    async killArbiters() {
      const running = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      for (const p of running) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      }
      await Promise.all(running.map((p) => p.exited()));
    },
    async read<T>(topic: string, until: (records: T[]) => boolean, timeoutMs = 60_000) {
      const read = await readDecoded<T>(kafka, serde, topic, (records) => until(records.map((r) => r.value)), { group: `reader.${namespace}`, timeoutMs });
      return read.map((r) => r.value);
    },
    async close() {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await producer.disconnect();
      await ledger.drop();
      const cleanup = await kafka.admin();
      await cleanup.deleteTopics(Object.values(names));
      await cleanup.disconnect();
    },
  };
}

let commandSequence = 0;

/**
 * What a test says of a command: the envelope's fields, the variant's kind (CREATE_BOOKING by
 * default) and any fields of it, flat, as the rule tables read.
 */
export type CommandSpec = Partial<Omit<BookingCommand, 'command'>> & { property_id: string; command_type?: BookingCommand['command']['kind'] } & Partial<{
  status: BookingStatus;
  check_in: number;
  check_out: number;
  price: Money | null;
  pms_quote: Money | null;
  rate_plan: string | null;
  guest: GuestDetails | null;
  reason: string | null;
  property_currency: string | null;
  guest_count: number | null;
  cancels_stay: string;
  alteration_request: boolean;
}>;

/** A booking.commands.v2 record: a CREATE_BOOKING of the sample's stay by default, without prices. */
export function command(spec: CommandSpec): BookingCommand {
  const id = `c${++commandSequence}-${Math.random().toString(36).slice(2, 8)}`;
  const sample = samples['booking.commands.v2']({ id, propertyId: spec.property_id, at: Date.now() });
  const { command_type: kind = 'CREATE_BOOKING', status, check_in, check_out, price, pms_quote, rate_plan, guest, reason, property_currency, guest_count, cancels_stay, alteration_request, ...envelope } = spec;
  const create = sample.command as CreateBooking;
  const dates = { check_in: check_in ?? create.check_in, check_out: check_out ?? create.check_out };
  const variant = ((): BookingCommand['command'] => {
    switch (kind) {
      case 'CREATE_BOOKING':
        return { ...create, ...dates, status: status ?? create.status, price: price ?? null, pms_quote: pms_quote ?? null, rate_plan: rate_plan ?? null, guest: guest ?? null, property_currency: property_currency === undefined ? create.property_currency : property_currency, guest_count: guest_count === undefined ? create.guest_count : guest_count, reason: reason ?? null };
      case 'MODIFY_DATES':
        return { kind, ...dates, alteration_request: alteration_request ?? false };
      case 'CHANGE_STATUS':
        return { kind, status: status ?? 'CANCELLED', keeps: cancels_stay === undefined ? null : { cancels_stay, ...dates }, reason: reason ?? null };
      case 'BLOCK_NIGHTS':
        return { kind, ...dates, reason: reason ?? null };
      case 'UNBLOCK_NIGHTS':
        return { kind };
      case 'UPDATE_GUEST':
        return { kind, guest: guest ?? NO_GUEST_DETAILS };
      case 'REPORT_PRICE':
        return { kind, price: price ?? create.price!, rate_plan: rate_plan ?? null, pms_quote: pms_quote ?? null };
      case 'FLAG_DISPUTE':
        return { kind, reason: reason ?? null };
    }
  })();
  return { ...sample, ...envelope, command: variant };
}
