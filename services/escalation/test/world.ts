import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { topics, type BookingCommand, type BookingEvent, type Conflict, type SyncResult } from '@cm/schemas';
import { AvroSerde, PartitionFences, produceValues, schemaOutbox, provisionTopics, topicNames, waitFor, type IncomingRecord, type Knex, type TopicNames } from '@cm/service-runtime';
import { readDecoded, scratchDatabase, serviceMain, stack, startTestService, testKafka, testLogger, uniqueName, type RunningHttpService, type Spawned } from '@cm/test-harness';
import { arbiterMigrations } from '@cm/booking-arbiter';
import { addProperty, createTenant, issueApiKey, ingestMigrations } from '@cm/ingest';
import { IssuedCommands } from '../src/store/issued-commands';
import type { TaskRow } from '../src/store/task-store';

const ESCALATION_MAIN = join(__dirname, '..', 'dist', 'main.js');
const ESCALATION_MIGRATE = join(__dirname, '..', 'dist', 'cli', 'migrate.js');
const ARBITER_MAIN = serviceMain('booking-arbiter');

export interface TestTenant {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly propertyId: string;
}

export interface EscalationProcess extends RunningHttpService {
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<number | null>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/**
 * A private world for one escalation test file on the real servers: its own topics, its own
 * database (ledger, ingest's directory, the escalation schema migrated by the service's own
 * migrate command), two tenants with an API key and a property each.
 */
export interface EscalationWorld {
  readonly namespace: string;
  readonly topics: TopicNames;
  readonly db: Knex;
  readonly tenants: readonly [TestTenant, TestTenant];
  /** Commands issued in-process (stores used without the service): written to the outbox, published by no one. */
  readonly issuedCommands: IssuedCommands;
  startEscalation(env?: Record<string, string>): Promise<EscalationProcess>;
  startArbiter(): Promise<Spawned>;
  sendConflicts(conflicts: readonly Conflict[]): Promise<void>;
  sendSyncResults(results: readonly SyncResult[]): Promise<void>;
  sendCommands(commands: readonly BookingCommand[]): Promise<void>;
  /** As the arbiter publishes them: a redelivery, for idempotency tests. */
  sendBookingEvents(events: readonly BookingEvent[]): Promise<void>;
  /** The review API with a tenant's key (the first tenant's unless given; null: no key). */
  api(service: EscalationProcess, method: string, path: string, body?: unknown, options?: { tenant?: TestTenant; apiKey?: string | null; contentType?: string }): Promise<Answer>;
  /** Every task of a property, oldest first. */
  tasks(propertyId: string): Promise<TaskRow[]>;
  /** Waits until `probe` holds on the property's tasks, and returns them. */
  waitForTasks(propertyId: string, probe: (tasks: TaskRow[]) => boolean, what: string, timeoutMs?: number): Promise<TaskRow[]>;
  read<T>(topic: string, until: (records: { value: T; record: IncomingRecord }[]) => boolean, timeoutMs?: number): Promise<{ value: T; record: IncomingRecord }[]>;
  close(): Promise<void>;
}

export async function escalationWorld(): Promise<EscalationWorld> {
  const namespace = uniqueName('te').toLowerCase();
  const names = topicNames(namespace);
  const kafka = testKafka('escalation-tests');
  const admin = await kafka.admin();
  await provisionTopics(admin, testLogger, 30_000, namespace);
  await admin.disconnect();

  const ledger = await scratchDatabase(namespace, [arbiterMigrations, ingestMigrations]);
  const { db } = ledger;
  await promisify(execFile)(process.execPath, [ESCALATION_MIGRATE], { env: { ...process.env, DATABASE_URL: ledger.url } });
  const tenants = [await seedTenant(db, `${namespace}-a`), await seedTenant(db, `${namespace}-b`)] as const;

  const serde = await AvroSerde.connect(stack.SCHEMA_REGISTRY_URL, [names.conflicts, names.syncResults, names.bookingCommands, names.bookingEvents], namespace);
  const producer = await kafka.producer();
  const processes: Spawned[] = [];

  const world: EscalationWorld = {
    namespace,
    topics: names,
    db,
    tenants,
    async startEscalation(env = {}) {
      const service = await startTestService(ESCALATION_MAIN, 'escalation', {
        http: true,
        env: { TOPIC_NAMESPACE: namespace, DATABASE_URL: ledger.url, CONSUMER_GROUP: `cm.escalation.${namespace}`, TIMER_POLL_MS: '100', ...env },
        spawned: (child) => processes.push(child),
      });
      return {
        ...service,
        stop: async () => {
          service.child.kill('SIGTERM');
          return service.exited();
        },
      };
    },
    startArbiter: () =>
      startTestService(ARBITER_MAIN, 'booking-arbiter', {
        env: { TOPIC_NAMESPACE: namespace, DATABASE_URL: ledger.url, CONSUMER_GROUP: `cm.booking-arbiter.${namespace}` },
        spawned: (child) => processes.push(child),
      }),
    issuedCommands: new IssuedCommands(
      schemaOutbox(db, producer, serde, testLogger, { schema: 'escalation', fences: new PartitionFences(db, 'escalation.partition_fences', names.conflicts, 'in-process'), namespace, batchSize: 100 }),
      () => 0,
    ),
    sendConflicts: (conflicts) => produceValues(producer, serde, topics.conflicts, conflicts),
    sendSyncResults: (results) => produceValues(producer, serde, topics.syncResults, results),
    sendCommands: (commands) => produceValues(producer, serde, topics.bookingCommands, commands),
    sendBookingEvents: (events) => produceValues(producer, serde, topics.bookingEvents, events),
    async api(service, method, path, body, options = {}) {
      const headers: Record<string, string> = {};
      const key = options.apiKey === undefined ? (options.tenant ?? tenants[0]).apiKey : options.apiKey;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
      const response = await fetch(`${service.url}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: kept as text for the assertion to show
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    tasks: (propertyId) => db('escalation.review_tasks').where({ property_id: propertyId }).orderBy('opened_at_ms').select('*'),
    async waitForTasks(propertyId, probe, what, timeoutMs = 30_000) {
      return waitFor(what, async () => {
        const tasks = await world.tasks(propertyId);
        return probe(tasks) ? tasks : undefined;
      }, { timeoutMs, intervalMs: 50 });
    },
    read: <T>(topic: string, until: (records: { value: T; record: IncomingRecord }[]) => boolean, timeoutMs = 60_000) => readDecoded<T>(kafka, serde, topic, until, { group: `reader.${namespace}`, timeoutMs }),
    async close() {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited()));
      await producer.disconnect();
      await ledger.drop();
      const cleanup = await kafka.admin();
      await cleanup.deleteTopics(Object.values(names));
      await cleanup.disconnect();
    },
  };
  return world;
}

async function seedTenant(db: Knex, tenantId: string): Promise<TestTenant> {
  await createTenant(db, { tenantId, name: `Tenant ${tenantId}` });
  const apiKey = await issueApiKey(db, tenantId, 'tests');
  const propertyId = `${tenantId}-villa`;
  await addProperty(db, { propertyId, tenantId, timeZone: 'Europe/Paris', currency: 'EUR' });
  return { tenantId, apiKey, propertyId };
}
