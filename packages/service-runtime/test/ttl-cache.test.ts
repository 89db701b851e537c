import { TtlCache } from '../src/ttl-cache';

/** The services' read caches: kept for their time, forgotten when told of a change. */
describe('TtlCache', () => {
  let nowMs = 1_000;
  const now = () => nowMs;

  it('keeps a found value for its time, and does not keep a miss', async () => {
    const cache = new TtlCache<string>(100, now);
    let loads = 0;
    const load = async () => `value ${++loads}`;
    expect(await cache.get('k', load)).toBe('value 1');
    nowMs += 99;
    expect(await cache.get('k', load)).toBe('value 1');
    nowMs += 1;
    expect(await cache.get('k', load)).toBe('value 2');
    expect(await cache.get('absent', async () => undefined)).toBeUndefined();
    expect(cache.peek('absent')).toBeUndefined();
  });

  it('reads its time when it stores an entry, so a cache that stops hearing of changes keeps new entries less long', async () => {
    let ttlMs = 1_000;
    const cache = new TtlCache<string>(() => ttlMs, now);
    cache.put('long', 'a');
    ttlMs = 10;
    cache.put('short', 'b');
    nowMs += 10;
    expect(cache.peek('short')).toBeUndefined();
    expect(cache.peek('long')).toBe('a');
  });

  it('clear forgets every entry', async () => {
    const cache = new TtlCache<string>(60_000, now);
    cache.put('a', '1');
    await cache.get('b', async () => '2');
    cache.clear();
    expect([cache.peek('a'), cache.peek('b')]).toEqual([undefined, undefined]);
    expect(await cache.get('a', async () => 'fresh')).toBe('fresh');
  });

  it('a value read by its caller is stored only if no clear came since the mark taken before the read', () => {
    const cache = new TtlCache<string>(60_000, now);
    const before = cache.mark();
    cache.put('fresh', 'stored', before);
    expect(cache.peek('fresh')).toBe('stored');
    cache.clear();
    cache.put('stale', 'read before the clear', before);
    expect(cache.peek('stale')).toBeUndefined();
    cache.put('told', 'stored without a mark');
    expect(cache.peek('told')).toBe('stored without a mark');
  });

  it('a load under way when the cache is cleared gives its value to its caller but does not keep it: it may have read before the change', async () => {
    const cache = new TtlCache<string>(60_000, now);
    let finish!: (value: string) => void;
    const loading = cache.get('k', () => new Promise<string>((resolve) => (finish = resolve)));
    cache.clear();
    finish('read before the change');
    expect(await loading).toBe('read before the change');
    expect(cache.peek('k')).toBeUndefined();
    expect(await cache.get('k', async () => 'read after')).toBe('read after');
    expect(cache.peek('k')).toBe('read after');
  });
});
