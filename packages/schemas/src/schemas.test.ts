import { Type } from 'avsc';
import { allTopics, allValueSchemas, topicByName, valueSubject } from './index';
import { samples, type SampledTopic } from './samples';

describe('the .avsc files', () => {
  it.each(allValueSchemas().map((s) => [s.subject, s] as const))('%s parses as Avro, with a namespace and documented record', (_, { schema }) => {
    const parsed = JSON.parse(schema) as { namespace?: string; doc?: string };
    expect(parsed.namespace).toMatch(/^io\.channelmanager\./);
    expect(parsed.doc).toBeTruthy();
    expect(() => Type.forSchema(JSON.parse(schema))).not.toThrow();
  });

  it.each(Object.keys(samples) as SampledTopic[])('the sample of %s is a valid value of its schema', (topic) => {
    const type = Type.forSchema(JSON.parse(allValueSchemas().find((s) => s.topic.name === topic)!.schema));
    const value = samples[topic]({ id: 'x1', propertyId: 'property-1', at: Date.UTC(2026, 10, 25) });
    const errors: string[] = [];
    expect(type.isValid(value, { errorHook: (path) => errors.push(path.join('.')) })).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe('the topic list', () => {
  it('keys everything about a property by property_id on 12 partitions', () => {
    for (const t of allTopics.filter((t) => t.keyedBy === 'property_id')) expect({ [t.name]: t.partitions }).toEqual({ [t.name]: 12 });
  });

  it('has unique names and subjects by the TopicNameStrategy', () => {
    expect(new Set(allTopics.map((t) => t.name)).size).toBe(allTopics.length);
    expect(valueSubject('booking.commands')).toBe('booking.commands-value');
  });

  it('refuses an unknown topic with a message saying where topics live', () => {
    expect(() => topicByName('booking.comands')).toThrow(/packages\/schemas\/src\/topics.ts/);
  });
});
