import { context, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CoalescingSender, type TopicRecords } from '../src/kafka/coalescing-sender';

const record = (key: string) => ({ key, value: Buffer.from(key) });

/** A request that finishes only when the test says so, to hold one in flight. */
function controlledRequests() {
  const requests: { batch: readonly TopicRecords[]; finish: (error?: Error) => void }[] = [];
  const send = (batch: readonly TopicRecords[]) =>
    new Promise<void>((resolve, reject) => requests.push({ batch, finish: (error) => (error ? reject(error) : resolve()) }));
  return { requests, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescing sends while one is in flight', () => {
  it('sends the first alone at once, then everything that waited in one request, in call order per topic', async () => {
    const { requests, send } = controlledRequests();
    const sender = new CoalescingSender(send);
    const first = sender.send('a', [record('1')]);
    const later = [sender.send('a', [record('2')]), sender.send('b', [record('x')]), sender.send('a', [record('3'), record('4')])];
    await tick();
    expect(requests).toHaveLength(1);
    requests[0]!.finish();
    await first;
    await tick();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.batch.map((t) => [t.topic, t.records.map((r) => r.key)])).toEqual([
      ['a', ['2', '3', '4']],
      ['b', ['x']],
    ]);
    requests[1]!.finish();
    await Promise.all(later);
  });

  it('a failed request fails every send in it, and the next request still goes', async () => {
    const { requests, send } = controlledRequests();
    const sender = new CoalescingSender(send);
    const first = sender.send('a', [record('1')]);
    const second = sender.send('a', [record('2')]);
    const third = sender.send('a', [record('3')]);
    await tick();
    requests[0]!.finish(new Error('broker gone'));
    await expect(first).rejects.toThrow('broker gone');
    await tick();
    requests[1]!.finish(new Error('still gone'));
    await expect(second).rejects.toThrow('still gone');
    await expect(third).rejects.toThrow('still gone');
    const fourth = sender.send('a', [record('4')]);
    await tick();
    requests[2]!.finish();
    await fourth;
  });

  it('keeps requests under the record limit, never splitting one send', async () => {
    const { requests, send } = controlledRequests();
    const sender = new CoalescingSender(send, 3);
    const sends = [sender.send('a', [record('1')]), sender.send('a', [record('2'), record('3')]), sender.send('a', [record('4'), record('5')]), sender.send('a', [record('6'), record('7'), record('8'), record('9')])];
    for (let i = 0; i < 4; i++) {
      await tick();
      requests[i]!.finish();
    }
    await Promise.all(sends);
    expect(requests.map((r) => r.batch[0]!.records.map((x) => x.key).join(''))).toEqual(['1', '23', '45', '6789']);
  });

  it('coalesces only sends made in the same trace context', async () => {
    // As the tracing SDK does when tracing is on: contexts follow async calls.
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      await sendsInTwoContexts();
    } finally {
      context.disable();
    }
  });
});

/** Two requests' sends while one is in flight: each keeps its own trace context. */
async function sendsInTwoContexts(): Promise<void> {
  const { requests, send } = controlledRequests();
  const sender = new CoalescingSender(send);
  const key = createContextKey('request');
  const inContext = (name: string, fn: () => Promise<void>) => context.with(context.active().setValue(key, name), fn);
  const first = sender.send('a', [record('0')]);
  const traced = [inContext('r1', () => sender.send('a', [record('1')])), inContext('r2', () => sender.send('a', [record('2')]))];
  for (let i = 0; i < 3; i++) {
    await tick();
    requests[i]!.finish();
  }
  await Promise.all([first, ...traced]);
  expect(requests.map((r) => r.batch[0]!.records.map((x) => x.key))).toEqual([['0'], ['1'], ['2']]);
}
