import { topics, type TopicKey } from '@cm/schemas';

/**
 * Topic names as one deployment sees them. A namespace (TOPIC_NAMESPACE) prefixes every topic,
 * so tests and parallel environments share a broker without sharing records; schemas stay those
 * of the un-prefixed topic, so subjects are shared.
 */
export type TopicNames = Readonly<Record<TopicKey, string>>;

export function topicNames(namespace: string): TopicNames {
  return Object.fromEntries(Object.entries(topics).map(([key, spec]) => [key, namespaced(spec.name, namespace)])) as Record<TopicKey, string>;
}

export function namespaced(baseName: string, namespace: string): string {
  return namespace ? `${namespace}.${baseName}` : baseName;
}

/** The topic-list name of a possibly namespaced topic. */
export function baseTopicName(name: string, namespace: string): string {
  if (!namespace) return name;
  if (!name.startsWith(`${namespace}.`)) throw new Error(`topic '${name}' is not in namespace '${namespace}'`);
  return name.slice(namespace.length + 1);
}
