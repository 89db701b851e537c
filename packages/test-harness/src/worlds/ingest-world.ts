import { signedHeaders } from '@cm/channel-webhooks';
import { topics, type BookingCommand, type Channel, type ChannelInboundEvent } from '@cm/schemas';
import {
  AvroSerde,
  provisionTopics,
  topicNames,
  type IncomingRecord,
  type Knex,
  type OutgoingRecord,
  type TopicNames,
} from '@cm/service-runtime';
import { arbiterMigrations } from '@cm/booking-arbiter';
import { addConnection, addProperty, createTenant, issueApiKey, ingestMigrations, mapListing } from '@cm/ingest';
import { reconcileMigrations } from '@cm/reconciler';
import { syncMigrations } from '@cm/sync-dispatcher';
import type { Spawned } from '../processes';
import { scratchDatabase } from '../scratch-database';
import { serviceMain } from '../service-processes';
import { startTestService, type RunningHttpService, type RunningService } from '../service-under-test';
import { deleteTopics, readDecoded, stack, testKafka, testLogger, uniqueName } from '../stack';
import { testKeyRing } from '../test-secrets';

const INGEST_MAIN = serviceMain('ingest');
const ARBITER_MAIN = serviceMain('booking-arbiter');
const DISPATCHER_MAIN = serviceMain('sync-dispatcher');
const RECONCILER_MAIN = serviceMain('reconciler');

/** A tenant as tests use it: its key, and per channel a connection with its secret and one listing (with its export feed token). */
export interface TestTenant {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly propertyId: string;
  readonly timeZone: string;
  readonly connections: Readonly<Record<Channel, { connectionId: string; secret: string; listingId: string; exportToken: string }>>;
}

export type ServiceProcess = RunningService;
export type IngestProcess = RunningHttpService;

/**
 * A private world for one ingest test file: its own topics and its own database (ledger and
 * ingest schema) on the real servers, two tenants with a property and a listing per channel.
 */
export interface IngestWorld {
  readonly namespace: string;
  readonly topics: TopicNames;
  readonly db: Knex;
  readonly serde: AvroSerde;
  readonly tenants: readonly [TestTenant, TestTenant];
  startIngest(env?: Record<string, string>): Promise<IngestProcess>;
  startArbiter(env?: Record<string, string>): Promise<ServiceProcess>;
  /** A sync-dispatcher on this world's topics and database; `env` sets its channel API and limits. */
  startDispatcher(env?: Record<string, string>): Promise<ServiceProcess>;
  startReconciler(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Posts a webhook signed with the tenant's connection secret (or the overrides given). */
  webhook(ingest: IngestProcess, channel: Channel, body: unknown, options?: { tenant?: TestTenant; secret?: string; connectionId?: string; nowMs?: number; headers?: Record<string, string> }): Promise<Answer>;
  /** Calls the PMS API with the tenant's key. */
  pms(ingest: IngestProcess, method: string, path: string, body?: unknown, options?: { tenant?: TestTenant; apiKey?: string | null; idempotencyKey?: string }): Promise<Answer>;
  sendInbound(records: readonly OutgoingRecord[]): Promise<void>;
  encodeInbound(event: ChannelInboundEvent): Promise<Buffer>;
  /** Every decoded record on a topic of this world so far, read until `until` holds. */
  read<T>(topic: string, until: (records: { value: T; record: IncomingRecord }[]) => boolean, timeoutMs?: number): Promise<{ value: T; record: IncomingRecord }[]>;
  close(): Promise<void>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

const CHANNELS: readonly Channel[] = ['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'];

export async function ingestWorld(): Promise<IngestWorld> {
  const namespace = uniqueName('ti').toLowerCase();
  const names = topicNames(namespace);
  const kafka = testKafka('ingest-tests');
  const admin = await kafka.admin();
  await provisionTopics(admin, testLogger, 30_000, namespace);
  await admin.disconnect();

  const ledger = await scratchDatabase(namespace, [arbiterMigrations, ingestMigrations, syncMigrations, reconcileMigrations]);
  const { db } = ledger;
  const tenants = [await seedTenant(db, `${namespace}-a`, 'Europe/Paris'), await seedTenant(db, `${namespace}-b`, 'America/New_York')] as const;

  const serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [names.channelInbound, names.bookingCommands, names.availabilityChanges, names.channelDlq], namespace);
  const producer = await kafka.producer();
  const processes: Spawned[] = [];

  const spawned = (child: Spawned) => processes.push(child);
  const startService = (main: string, name: string, env: Record<string, string>): Promise<ServiceProcess> =>
    startTestService(main, name, { env: { TOPIC_NAMESPACE: namespace, DATABASE_URL: ledger.url, CONSUMER_GROUP: `cm.${name}.${namespace}`, ...env }, spawned });

  const answer = async (response: Response): Promise<Answer> => {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the assertion to show
    }
    return { status: response.status, headers: response.headers, body };
  };

  return {
    namespace,
    topics: names,
    db,
    serde,
    tenants,
    startIngest: (env = {}) =>
      startTestService(INGEST_MAIN, 'ingest', { http: true, env: { TOPIC_NAMESPACE: namespace, DATABASE_URL: ledger.url, CONSUMER_GROUP: `cm.ingest.${namespace}`, DIRECTORY_CACHE_MS: '0', ...env }, spawned }),
    startArbiter: (env = {}) => startService(ARBITER_MAIN, 'booking-arbiter', env),
    startDispatcher: (env = {}) => startService(DISPATCHER_MAIN, 'sync-dispatcher', env),
    startReconciler: (env = {}) => startService(RECONCILER_MAIN, 'reconciler', env),
    async webhook(ingest, channel, body, options = {}) {
      const tenant = options.tenant ?? tenants[0];
      const connection = tenant.connections[channel];
      const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const headers = {
        'content-type': 'application/json',
        ...signedHeaders(options.connectionId ?? connection.connectionId, options.secret ?? connection.secret, raw, options.nowMs ?? Date.now()),
        ...options.headers,
      };
      return answer(await fetch(`${ingest.url}/webhooks/${channel.toLowerCase()}`, { method: 'POST', headers, body: raw }));
    },
    async pms(ingest, method, path, body, options = {}) {
      const tenant = options.tenant ?? tenants[0];
      const headers: Record<string, string> = {};
      const key = options.apiKey === undefined ? tenant.apiKey : options.apiKey;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return answer(await fetch(`${ingest.url}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}) }));
    },
    async sendInbound(records) {
      await producer.send(names.channelInbound, records);
    },
    encodeInbound: (event) => serde.encode(topics.channelInbound, event),
    read: <T>(topic: string, until: (records: { value: T; record: IncomingRecord }[]) => boolean, timeoutMs = 60_000) => readDecoded<T>(kafka, serde, topic, until, { group: `reader.${namespace}`, timeoutMs }),
    async close() {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited()));
      await producer.disconnect();
      await ledger.drop();
      await deleteTopics(kafka, Object.values(names));
    },
  };
}

async function seedTenant(db: Knex, tenantId: string, timeZone: string): Promise<TestTenant> {
  await createTenant(db, { tenantId, name: `Tenant ${tenantId}`, ratePerSecond: 100_000 });
  const apiKey = await issueApiKey(db, tenantId, 'tests');
  const propertyId = `${tenantId}-villa`;
  await addProperty(db, { propertyId, tenantId, timeZone, currency: 'EUR' });
  const connections = {} as Record<Channel, { connectionId: string; secret: string; listingId: string; exportToken: string }>;
  for (const channel of CHANNELS) {
    const { connectionId, secret } = await addConnection(db, testKeyRing, { connectionId: `${tenantId}-${channel.toLowerCase()}`, tenantId, channel });
    const listingId = `${tenantId}-${channel.toLowerCase()}-listing`;
    const { exportToken } = await mapListing(db, { channel, listingId, propertyId, connectionId });
    connections[channel] = { connectionId, secret: secret!, listingId, exportToken: exportToken! };
  }
  return { tenantId, apiKey, propertyId, timeZone, connections };
}

/** A valid webhook body for a tenant's listing on a channel; override what a test is about. */
export function reservationCreated(tenant: TestTenant, channel: Channel, overrides: Record<string, unknown> = {}, reservation: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: uniqueName('evt'),
    type: 'reservation.created',
    listing_id: tenant.connections[channel].listingId,
    occurred_at: new Date().toISOString(),
    reservation: {
      id: uniqueName('res'),
      revision: 1,
      status: { AIRBNB: 'accepted', BOOKING_COM: 'new', VRBO: 'booked', EXPEDIA: 'Booked' }[channel],
      check_in: '2027-03-10',
      check_out: '2027-03-14',
      total: { amount: '612.50', currency: 'EUR' },
      guest: { name: 'Ana Souza', email: 'ana@example.com' },
      ...reservation,
    },
    ...overrides,
  };
}

export type { BookingCommand };
