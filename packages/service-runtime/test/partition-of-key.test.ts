import { Partitioners } from 'kafkajs';
import { partitionOfKey } from '../src/kafka/partition-of-key';

describe('partitionOfKey', () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  const keys = ['', 'a', 'ab', 'abc', 'abcd', 'villa-12', 'tenant:property/élan', '日本の別荘', '\u{1F3E0} house', 'x'.repeat(257)];

  it.each([1, 3, 12, 64])('gives every key the partition the producer sends it to, with %i partitions', (count) => {
    const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    for (const key of keys) {
      expect({ key, partition: partitionOfKey(key, count) }).toEqual({ key, partition: kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }) });
    }
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOfKey('a', 0)).toThrow(RangeError);
    expect(() => partitionOfKey('a', 1.5)).toThrow(RangeError);
  });
});
