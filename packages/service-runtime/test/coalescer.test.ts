import { Coalescer, GroupCommit } from '../src/coalescer';

/** A batch runner that finishes only when the test says so, to hold batches in flight. */
function controlledBatches() {
  const batches: { items: readonly string[]; finish: () => void; fail: (error: Error) => void }[] = [];
  const run = (items: readonly string[]) =>
    new Promise<string[]>((resolve, reject) => batches.push({ items, finish: () => resolve(items.map((i) => `done ${i}`)), fail: reject }));
  return { batches, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescing calls while a batch is in flight', () => {
  it('runs the first call alone at once, then everything that waited as one batch, in call order', async () => {
    const { batches, run } = controlledBatches();
    const coalescer = new Coalescer(run);
    const first = coalescer.call('a');
    const later = ['b', 'c', 'd'].map((i) => coalescer.call(i));
    await tick();
    expect(batches.map((b) => b.items)).toEqual([['a']]);
    batches[0]!.finish();
    expect(await first).toBe('done a');
    await tick();
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b', 'c', 'd']]);
    batches[1]!.finish();
    expect(await Promise.all(later)).toEqual(['done b', 'done c', 'done d']);
  });

  it('with two in flight, the second call does not wait for the first', async () => {
    const { batches, run } = controlledBatches();
    const coalescer = new Coalescer(run, { concurrency: 2 });
    void coalescer.call('a');
    void coalescer.call('b');
    void coalescer.call('c');
    await tick();
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b']]);
    batches[1]!.finish();
    await tick();
    expect(batches.map((b) => b.items)).toEqual([['a'], ['b'], ['c']]);
  });

  it('fills a batch up to the weight limit; an item heavier than the limit still goes, alone', async () => {
    const { batches, run } = controlledBatches();
    const weights: Record<string, number> = { first: 1, a: 3, b: 2, c: 2, huge: 9, d: 1 };
    const coalescer = new Coalescer(run, { maxBatch: 5, weigh: (item: string) => weights[item]! });
    for (const item of ['first', 'a', 'b', 'c', 'huge', 'd']) void coalescer.call(item);
    for (let i = 0; i < 4; i++) {
      await tick();
      batches[i]!.finish();
    }
    await tick();
    expect(batches.map((b) => b.items)).toEqual([['first'], ['a', 'b'], ['c'], ['huge'], ['d']]);
  });

  it('with a linger, calls of a burst that arrive one by one go in one batch', async () => {
    // The clock is the test's: a loaded machine's real timers made the linger end before the second call.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const { batches, run } = controlledBatches();
      const coalescer = new Coalescer(run, { lingerMs: 30 });
      void coalescer.call('a');
      jest.advanceTimersByTime(5);
      void coalescer.call('b');
      jest.advanceTimersByTime(20);
      await tick();
      expect(batches).toHaveLength(0);
      jest.advanceTimersByTime(5);
      await tick();
      expect(batches.map((b) => b.items)).toEqual([['a', 'b']]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('lingering a turn, calls of the same turn go in one batch and a call of a later turn waits for the next', async () => {
    const { batches, run } = controlledBatches();
    const coalescer = new Coalescer(run, { lingerTurn: true });
    void coalescer.call('a');
    void Promise.resolve().then(() => coalescer.call('b'));
    expect(batches).toHaveLength(0);
    await tick();
    expect(batches.map((b) => b.items)).toEqual([['a', 'b']]);
    void coalescer.call('c');
    await tick();
    expect(batches.map((b) => b.items)).toEqual([['a', 'b']]);
    batches[0]!.finish();
    await tick();
    expect(batches.map((b) => b.items)).toEqual([['a', 'b'], ['c']]);
  });

  it('a flush runs what lingers at once, and settles when it is done', async () => {
    const { batches, run } = controlledBatches();
    const coalescer = new Coalescer(run, { lingerMs: 60_000 });
    const called = coalescer.call('a');
    await tick();
    expect(batches).toHaveLength(0);
    const flushed = coalescer.flush();
    await tick();
    expect(batches.map((b) => b.items)).toEqual([['a']]);
    batches[0]!.finish();
    await flushed;
    await expect(called).resolves.toBe('done a');
  });

  it('a failed batch rejects each of its calls, and the next batch still runs', async () => {
    const { batches, run } = controlledBatches();
    const coalescer = new Coalescer(run);
    const first = coalescer.call('a');
    const second = coalescer.call('b');
    await tick();
    batches[0]!.fail(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    await tick();
    batches[1]!.finish();
    expect(await second).toBe('done b');
  });
});

describe('a group commit', () => {
  it('runs items handed over meanwhile together; when that fails, each alone, and only the failing item\'s caller sees its error', async () => {
    const together: string[][] = [];
    const alone: string[] = [];
    let release!: () => void;
    const firstHeld = new Promise<void>((resolve) => (release = resolve));
    const group = new GroupCommit<string>(
      async (items) => {
        together.push([...items]);
        if (items.includes('bad')) throw new Error('the group failed');
      },
      async (item) => {
        alone.push(item);
        if (item === 'first') await firstHeld;
        if (item === 'bad') throw new Error('bad alone');
      },
    );
    const first = group.call('first');
    const rest = [group.call('a'), group.call('bad'), group.call('b')];
    await tick();
    release();
    await first;
    const settled = await Promise.allSettled(rest);
    expect(together).toEqual([['a', 'bad', 'b']]);
    expect(alone).toEqual(['first', 'a', 'bad', 'b']);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('bad alone'));
  });
});
