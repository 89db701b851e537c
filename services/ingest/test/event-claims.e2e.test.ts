import { createRedis, type Redis } from '@cm/service-runtime';
import { stack, uniqueName } from '@cm/test-harness';
import { EventClaims } from '../src/directory/event-claims';
import type { EventRef } from '../src/directory/seen-events';

/** The webhook path's claims on the real Redis: a claim marked done rides with the next claim, or goes a second later. */
describe('event claims', () => {
  let redis: Redis;
  let other: Redis;
  const sent: string[][] = [];
  beforeAll(async () => {
    redis = createRedis(stack.REDIS_URL, { autoPipelining: true });
    other = createRedis(stack.REDIS_URL, { autoPipelining: true });
    await Promise.all([redis.connect(), other.connect()]);
    // What this instance's connection writes to Redis, command by command.
    const write = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, stream) => {
      sent.push([command.name, ...command.args.map(String)]);
      return write(command, stream);
    };
  });
  afterAll(async () => Promise.all([redis?.quit(), other?.quit()]));

  const ref = (): EventRef => ({ channel: 'AIRBNB', connectionId: 'conn-1', externalEventId: uniqueName('evt') });

  it('a twin reaching the same instance after its first was taken in is a duplicate at once: the mark goes before its claim, in one write', async () => {
    const namespace = uniqueName('ns');
    const claims = new EventClaims(redis, namespace);
    const event = ref();
    expect(await claims.claim(event)).toBe('new');
    sent.length = 0;
    claims.done(event);
    // Not sent on its own: it waits for the next claim.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sent).toEqual([]);
    expect(await claims.claim(event)).toBe('duplicate');
    expect(sent.map(([name, , value]) => `${name} ${value}`)).toEqual(['set done', 'set pending']);
  });

  it('a twin reaching another instance meanwhile is told to retry; once the mark went (a second at most), it is a duplicate', async () => {
    const namespace = uniqueName('ns');
    const first = new EventClaims(redis, namespace);
    const second = new EventClaims(other, namespace);
    const event = ref();
    expect(await first.claim(event)).toBe('new');
    first.done(event);
    expect(await second.claim(event)).toBe('in_progress');
    const markedBy = Date.now() + 1_500;
    while ((await other.get(`cm:${namespace}:event:AIRBNB:6:conn-1:${event.externalEventId}`)) !== 'done') {
      expect(Date.now()).toBeLessThan(markedBy);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await second.claim(event)).toBe('duplicate');
  });

  it('a stop marks what waits; a claim released after a failed write is new again', async () => {
    const namespace = uniqueName('ns');
    const claims = new EventClaims(redis, namespace);
    const taken = ref();
    const failed = ref();
    expect(await claims.claim(taken)).toBe('new');
    expect(await claims.claim(failed)).toBe('new');
    claims.done(taken);
    await claims.release(failed);
    await claims.flush();
    const elsewhere = new EventClaims(other, namespace);
    expect(await elsewhere.claim(taken)).toBe('duplicate');
    expect(await elsewhere.claim(failed)).toBe('new');
  });

  it('a mark Redis refuses is told, and the claim stays pending (it expires, as after a crash)', async () => {
    const namespace = uniqueName('ns');
    const refused = createRedis(stack.REDIS_URL, { autoPipelining: true });
    await refused.connect();
    const failures: unknown[] = [];
    const claims = new EventClaims(refused, namespace, (error) => failures.push(error));
    const event = ref();
    expect(await claims.claim(event)).toBe('new');
    claims.done(event);
    await refused.quit();
    await claims.flush();
    expect(failures).toHaveLength(1);
    expect(await new EventClaims(other, namespace).claim(event)).toBe('in_progress');
  });
});
