import { context, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CoalescingSender, type TracedRecords } from '../src/kafka/coalescing-sender';

const record = (key: string) => ({ key, value: Buffer.from(key) });

/** A request that finishes only when the test says so, to hold one in flight. */
function controlledRequests() {
  const requests: { batch: readonly TracedRecords[]; finish: (error?: Error) => void }[] = [];
  const send = (batch: readonly TracedRecords[]) =>
    new Promise<void>((resolve, reject) => requests.push({ batch, finish: (error) => (error ? reject(error) : resolve()) }));
  return { requests, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

const keys = (batch: readonly TracedRecords[]) => batch.map((t) => [t.topic, t.records.map((r) => r.key)]);

describe('coalescing sends: those of one turn, and those made while one is in flight', () => {
  it('sends what one turn sent in one request, then everything that waited in the next, in call order', async () => {
    const { requests, send } = controlledRequests();
    const sender = new CoalescingSender(send);
    // A decision's records for three topics, sent one after the other in the same turn.
    const first = [sender.send('events', [record('e')]), sender.send('changes', [record('c')]), sender.send('actions', [record('a')])];
    await tick();
    const later = [sender.send('a', [record('2')]), sender.send('b', [record('x')]), sender.send('a', [record('3'), record('4')])];
    await tick();
    expect(requests).toHaveLength(1);
    expect(keys(requests[0]!.batch)).toEqual([['events', ['e']], ['changes', ['c']], ['actions', ['a']]]);
    requests[0]!.finish();
    await Promise.all(first);
    await tick();
    expect(requests).toHaveLength(2);
    expect(keys(requests[1]!.batch)).toEqual([['a', ['2']], ['b', ['x']], ['a', ['3', '4']]]);
    requests[1]!.finish();
    await Promise.all(later);
  });

  it('a failed request fails every send in it, and the next request still goes', async () => {
    const { requests, send } = controlledRequests();
    const sender = new CoalescingSender(send);
    const first = sender.send('a', [record('1')]);
    await tick();
    const second = sender.send('a', [record('2')]);
    const third = sender.send('a', [record('3')]);
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
    for (let i = 0; i < 3; i++) {
      await tick();
      requests[i]!.finish();
    }
    await Promise.all(sends);
    expect(requests.map((r) => r.batch.flatMap((t) => t.records.map((x) => x.key)).join(''))).toEqual(['123', '45', '6789']);
  });

  it('sends of different trace contexts share a request, each keeping its own context', async () => {
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

/** Sends of two traces made while one is in flight: one request, each send with its own context. */
async function sendsInTwoContexts(): Promise<void> {
  const { requests, send } = controlledRequests();
  const sender = new CoalescingSender(send);
  const key = createContextKey('request');
  const inContext = (name: string, fn: () => Promise<void>) => context.with(context.active().setValue(key, name), fn);
  const first = sender.send('a', [record('0')]);
  await tick();
  const traced = [inContext('r1', () => sender.send('a', [record('1')])), inContext('r2', () => sender.send('a', [record('2')]))];
  for (let i = 0; i < 2; i++) {
    await tick();
    requests[i]!.finish();
  }
  await Promise.all([first, ...traced]);
  expect(requests.map((r) => r.batch.map((t) => [t.records.map((x) => x.key), t.context.getValue(key) ?? null]))).toEqual([
    [[['0'], null]],
    [
      [['1'], 'r1'],
      [['2'], 'r2'],
    ],
  ]);
}
