import { murmur2, partitionOfKey } from '../src/kafka/partition-of-key';
// Made with kafkajs 2.2.4's DefaultPartitioner (its Java-compatible murmur2) before kafkajs left
// the project: 300 keys (unicode, empty, whitespace, long) and the partition each gets by count.
import fixture from './fixtures/kafkajs-default-partitioner.json';

describe('partitionOfKey', () => {
  it.each(fixture.partitionCounts)('gives every key the partition the Java-compatible partitioner gives it, with %i partitions', (count) => {
    const expected = fixture.keys.map(({ key, partitions }) => ({ key, partition: partitions[String(count) as keyof typeof partitions] }));
    expect(fixture.keys.map(({ key }) => ({ key, partition: partitionOfKey(key, count) }))).toEqual(expected);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOfKey('a', 0)).toThrow(RangeError);
    expect(() => partitionOfKey('a', 1.5)).toThrow(RangeError);
  });
});

describe('murmur2', () => {
  // Kafka's own vectors (Java's UtilsTest.testMurmur2); kafkajs 2.2.4 gave the same.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %j as Kafka does: %i', (key, hash) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash);
  });
});
