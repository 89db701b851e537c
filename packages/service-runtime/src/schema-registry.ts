import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Type, type Resolver } from 'avsc';
import { allTopics, readValueSchema, topicByName, valueSubject, wireCodec, type AnyTopicHandle, type TopicHandle, type TopicSpec } from '@cm/schemas';
import { baseTopicName, namespaced } from './topic-names';
import { IllFormedTextError, SchemaNotRegisteredError, SchemaRejectedError, UndecodableRecordError, describe } from './errors';

export type Compatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'FULL_TRANSITIVE' | 'NONE';

/**
 * The few calls of the Confluent-compatible registry API we make ourselves. Schemas are
 * registered here at provisioning time; services only resolve ids (see AvroSerde), which
 * sidesteps Apicurio's ccompat `/config/{subject}` answers the Confluent client trips over.
 */
export class RegistryAdmin {
  constructor(private readonly baseUrl: string) {}

  /** Registers a schema (a no-op if the same text is already a version) and returns its id. */
  async register(subject: string, schema: string): Promise<number> {
    const res = await this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema, schemaType: 'AVRO' });
    if (!res.ok) throw new SchemaRejectedError(subject, res.status, await res.text());
    return ((await res.json()) as { id: number }).id;
  }

  async setCompatibility(subject: string, compatibility: Compatibility): Promise<void> {
    const res = await this.call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility });
    if (!res.ok) throw new Error(`registry refused compatibility ${compatibility} for '${subject}': HTTP ${res.status} ${await res.text()}`);
  }

  async compatibility(subject: string): Promise<string | undefined> {
    const res = await this.call('GET', `/config/${encodeURIComponent(subject)}`);
    if (!res.ok) return undefined;
    const body = (await res.json()) as { compatibilityLevel?: string; compatibility?: string };
    return body.compatibilityLevel ?? body.compatibility;
  }

  /** The id of the newest version of a subject. */
  async latestId(subject: string): Promise<number> {
    const res = await this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
    if (res.status === 404) throw new SchemaNotRegisteredError(subject);
    if (!res.ok) throw new Error(`registry lookup of '${subject}' failed: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: number }).id;
  }

  async deleteSubject(subject: string): Promise<void> {
    for (const permanent of [false, true]) {
      const res = await this.call('DELETE', `/subjects/${encodeURIComponent(subject)}${permanent ? '?permanent=true' : ''}`);
      if (!res.ok && res.status !== 404) throw new Error(`registry refused to delete '${subject}': HTTP ${res.status}`);
    }
  }

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }
}

/**
 * Avro in the Confluent wire format (magic byte, 4-byte schema id, Avro body). Writers use the
 * newest schema of each topic's value subject, resolved once at start; readers decode with the
 * id each record carries.
 */
export class AvroSerde {
  /** Each topic's value type as this build reads it (its .avsc), and how to read each writer's records into it. */
  private readonly readers = new Map<string, Type | null>();
  private readonly resolvers = new Map<string, Resolver | null>();

  private constructor(
    private readonly registry: SchemaRegistry,
    private readonly writerIds: ReadonlyMap<string, number>,
    private readonly namespace = '',
  ) {}

  /**
   * Resolves the writer schema of each topic (names as the deployment sees them, namespaced or
   * not); fails with SchemaNotRegisteredError if one is missing.
   */
  static async connect(registryUrl: string, topicNames: readonly string[], namespace = ''): Promise<AvroSerde> {
    const admin = new RegistryAdmin(registryUrl);
    // At once, not one after another: a restarted instance waits for these before it joins its group.
    const ids = new Map(await Promise.all(topicNames.map(async (name) => [name, await admin.latestId(valueSubject(topicByName(baseTopicName(name, namespace)).name))] as const)));
    const registry = new SchemaRegistry({ host: registryUrl });
    // Fetch each schema once now, so the first record is not slowed by registry round trips.
    await Promise.all([...new Set(ids.values())].map((id) => registry.getSchema(id)));
    return new AvroSerde(registry, ids, namespace);
  }

  /** For tests and tools that write to a subject outside the topic list. */
  static withIds(registryUrl: string, ids: ReadonlyMap<string, number>): AvroSerde {
    return new AvroSerde(new SchemaRegistry({ host: registryUrl }), ids);
  }

  writerId(topic: string): number {
    const id = this.writerIds.get(topic);
    if (id === undefined) throw new Error(`no writer schema resolved for topic '${topic}'`);
    return id;
  }

  /** A topic's name in this deployment (its namespace added). */
  topicName(topic: AnyTopicHandle): string {
    return namespaced(topic.name, this.namespace);
  }

  /** Encodes a value of a topic, its unions of records wrapped as avsc writes them. */
  async encode<V>(topic: TopicHandle<V>, value: NoInfer<V>): Promise<Buffer> {
    return this.encodeRaw(this.topicName(topic), wireCodec(topic).toWire(value));
  }

  /**
   * Encodes a value as avsc writes it (unions of records wrapped) to a topic by its name in this
   * deployment: for values stored in that form (the outbox), subjects outside the topic list and tools.
   */
  async encodeRaw(topic: string, wire: unknown): Promise<Buffer> {
    return this.registry.encode(this.writerId(topic), wire);
  }

  /** Decodes a record of a topic into this build's type of it (see `decode`). */
  async decodeValue<V>(topic: TopicHandle<V>, bytes: Buffer | null): Promise<V> {
    return (await this.decode(bytes, this.topicName(topic))) as V;
  }

  /**
   * Decodes a record. Given its topic, the value is read into this build's schema of the topic
   * (Avro schema resolution): a record written before a field was added gets the field's default,
   * as every reader of ours expects, instead of lacking it; and its unions of records come unwrapped,
   * as the topic's TypeScript type has them. Without a topic, the value is as its writer wrote it.
   */
  async decode(bytes: Buffer | null, topic?: string): Promise<unknown> {
    if (bytes === null) throw new UndecodableRecordError('record has no value (tombstone)');
    if (bytes.length < 5 || bytes[0] !== 0) {
      throw new UndecodableRecordError('value is not in the Confluent wire format (magic byte 0 and a schema id)');
    }
    let value: unknown;
    try {
      value = topic === undefined ? await this.registry.decode(bytes) : await this.decodeAs(topic, bytes);
    } catch (error) {
      if (isRegistryUnavailable(error)) throw error; // not the record's fault: retry, don't dead-letter
      throw new UndecodableRecordError(`value does not decode with schema id ${bytes.readInt32BE(1)}: ${describe(error)}`, {
        cause: error,
      });
    }
    await this.refuseReplacedText(bytes, value);
    const spec = topic === undefined ? undefined : this.specOf(topic);
    return spec ? wireCodec(spec).fromWire(value) : value;
  }

  private async decodeAs(topic: string, bytes: Buffer): Promise<unknown> {
    const writerId = bytes.readInt32BE(1);
    const key = `${topic}\u0000${writerId}`;
    const reader = this.readerOf(topic);
    if (!reader) return this.registry.decode(bytes);
    let resolver = this.resolvers.get(key);
    if (resolver === undefined) {
      const writer = (await this.registry.getSchema(writerId)) as unknown as Type;
      resolver = reader.equals(writer) ? null : reader.createResolver(writer);
      this.resolvers.set(key, resolver);
    }
    return resolver ? reader.fromBuffer(bytes.subarray(5), resolver) : reader.fromBuffer(bytes.subarray(5));
  }

  /** The topic's value type from its .avsc, or null for a topic outside the topic list (tests' own subjects). */
  private readerOf(topic: string): Type | null {
    if (!this.readers.has(topic)) {
      const spec = this.specOf(topic);
      this.readers.set(topic, spec ? Type.forSchema(JSON.parse(readValueSchema(spec).schema)) : null);
    }
    return this.readers.get(topic) ?? null;
  }

  /** The topic-list entry of a topic by its name in this deployment, if it has one. */
  private specOf(topic: string): TopicSpec | undefined {
    const name = baseTopicName(topic, this.namespace);
    return allTopics.find((t) => t.name === name);
  }

  /**
   * The decoder turns bytes that are not UTF-8 into U+FFFD without a word. A value holding one is
   * encoded again: our encoding of a real U+FFFD gives the bytes back, a replaced byte does not.
   */
  private async refuseReplacedText(bytes: Buffer, value: unknown): Promise<void> {
    // Almost no record holds one: look without building paths first (building them for every field of every record was most of a decode's cost).
    if (!holdsString(value, '\uFFFD')) return;
    const suspects = stringsWith(value, '\uFFFD');
    // Compared in the writer's own schema: a value read into ours (fields added or dropped since) encodes otherwise.
    const asWritten = await this.registry.decode(bytes);
    const again = await this.registry.encode(bytes.readInt32BE(1), asWritten);
    if (!again.equals(bytes)) throw new IllFormedTextError(suspects);
  }
}

/** Whether a string of a decoded value, or a key of one of its maps, contains `needle`. */
function holdsString(value: unknown, needle: string): boolean {
  if (typeof value === 'string') return value.includes(needle);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsString(item, needle)) return true;
    return false;
  }
  for (const key of Object.keys(value)) if (key.includes(needle) || holdsString((value as Record<string, unknown>)[key], needle)) return true;
  return false;
}

/** The dotted paths of the strings in a decoded value that contain `needle`. */
function stringsWith(value: unknown, needle: string, path = ''): string[] {
  if (typeof value === 'string') return value.includes(needle) ? [path || '(value)'] : [];
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return [];
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsWith(item, needle, at(i)));
  return Object.entries(value).flatMap(([key, item]) => [...(key.includes(needle) ? [at(key)] : []), ...stringsWith(item, needle, at(key))]);
}

function isRegistryUnavailable(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return status >= 500;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|fetch failed|socket hang up/i.test(describe(error));
}
