/**
 * Errors of the runtime. Each has a stable code and says whether trying again can help, so a
 * caller decides between retrying, dead-lettering and stopping without reading messages.
 */
export abstract class RuntimeError extends Error {
  abstract readonly code: string;
  abstract readonly retriable: boolean;
}

/** One or more environment variables are missing or wrong; the process cannot start. */
export class ConfigError extends RuntimeError {
  readonly code = 'CONFIG_INVALID';
  readonly retriable = false;
  constructor(
    readonly service: string,
    readonly problems: readonly { variable: string; problem: string }[],
  ) {
    super(
      `${service}: invalid configuration\n` +
        problems.map((p) => `  ${p.variable}: ${p.problem}`).join('\n'),
    );
  }
}

/**
 * A send to Kafka failed after the client's own retries (a broker down, no leader): the same
 * records can be sent again shortly. The library's failures are wrapped in it, so callers need
 * not know which library runs.
 */
export class KafkaSendError extends RuntimeError {
  readonly code = 'KAFKA_SEND_FAILED';
  readonly retriable = true;
  constructor(topics: readonly string[], options: { cause: unknown }) {
    super(`sending to ${topics.join(', ')} failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
  }
}

/** A record's bytes are not a value of its topic's schema (or not Confluent-framed at all). */
export class UndecodableRecordError extends RuntimeError {
  readonly code = 'RECORD_UNDECODABLE';
  readonly retriable = false;
  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, options);
  }
}

/**
 * A record decodes, but a string in it was not well-formed UTF-8 on the wire: the decoder put
 * U+FFFD where its bytes were, so taking it would store text its writer never sent.
 */
export class IllFormedTextError extends UndecodableRecordError {
  constructor(readonly paths: readonly string[]) {
    super(`not well-formed UTF-8 in ${paths.slice(0, 10).join(', ')}`);
  }
}

/** The schema registry has no schema for a subject the service needs: provisioning did not run. */
export class SchemaNotRegisteredError extends RuntimeError {
  readonly code = 'SCHEMA_NOT_REGISTERED';
  readonly retriable = true;
  constructor(readonly subject: string, options?: { cause?: unknown }) {
    super(`no schema registered under subject '${subject}' (run: scripts/stack up)`, options);
  }
}

/** The registry refused a schema, usually because it breaks the subject's compatibility rule. */
export class SchemaRejectedError extends RuntimeError {
  readonly code = 'SCHEMA_REJECTED';
  readonly retriable = false;
  constructor(readonly subject: string, readonly status: number, readonly body: string) {
    super(`registry refused the schema of '${subject}' (HTTP ${status}): ${body}`);
  }
}

/** A dependency (broker, registry, database) did not become ready before a deadline. */
export class NotReadyError extends RuntimeError {
  readonly code = 'DEPENDENCY_NOT_READY';
  readonly retriable = true;
  constructor(readonly dependency: string, readonly lastError: unknown) {
    super(`${dependency} was not ready in time: ${describe(lastError)}`);
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** This instance no longer owns the partition: another was assigned it since. Nothing may be committed or published for it. */
export class FencedError extends RuntimeError {
  readonly code = 'PARTITION_FENCED';
  readonly retriable = false;
  constructor(readonly topic: string, readonly partition: number, readonly mine: number, readonly current: number) {
    super(`fenced: ${topic}[${partition}] is at generation ${current}, this instance holds ${mine}`);
  }
}
