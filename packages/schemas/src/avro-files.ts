import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTopics, valueSubject, type TopicSpec } from './topics';

/** The folder of the .avsc files, which are the source of truth for record types. */
export const AVRO_DIR = join(__dirname, '..', 'avro');

export interface SubjectSchema {
  readonly subject: string;
  readonly topic: TopicSpec;
  /** The schema text as written in its .avsc file. */
  readonly schema: string;
}

export function readValueSchema(topic: TopicSpec): SubjectSchema {
  const schema = readFileSync(join(AVRO_DIR, `${topic.valueSchema}.avsc`), 'utf8');
  JSON.parse(schema); // a broken file fails here with its name in the stack, not in the registry
  return { subject: valueSubject(topic.name), topic, schema };
}

export function allValueSchemas(): SubjectSchema[] {
  return allTopics.map(readValueSchema);
}
