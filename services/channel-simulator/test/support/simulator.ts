import { requireOk, SimulatorClient, type ChannelName } from '../../src/client';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator';
import type { WebhookReceiver } from '@cm/test-harness';

/** A fault clock tests move by hand, so windows of a minute pass in no time. */
export class ManualClock {
  constructor(public nowMs = Date.parse('2026-06-01T12:00:00Z')) {}
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

export interface TestSimulator {
  readonly simulator: RunningSimulator;
  readonly client: SimulatorClient;
  readonly clock: ManualClock;
}

/** A simulator in this process on a free port, with a manual fault clock and quick webhook retries. */
export async function startTestSimulator(options: SimulatorOptions = {}): Promise<TestSimulator> {
  const clock = new ManualClock();
  const simulator = await startSimulator({
    port: 0,
    clock: clock.now,
    webhookRetry: { maxAttempts: 4, firstBackoffMs: 10, maxBackoffMs: 40, timeoutMs: 2_000 },
    ...options,
  });
  return { simulator, client: new SimulatorClient(simulator.url), clock };
}

export const SECRET = 'test-secret-of-the-connection';

/** Registers a EUR listing whose webhooks go to `webhookUrl` (or nowhere useful when not given). */
export async function registerListing(client: SimulatorClient, channel: ChannelName, listingId: string, webhookUrl?: string): Promise<void> {
  requireOk(
    await client.registerListing(channel, listingId, {
      connection_id: `conn-${channel}-${listingId}`,
      secret: SECRET,
      currency: 'EUR',
      time_zone: 'Europe/Lisbon',
      ...(webhookUrl ? { webhook_url: webhookUrl } : {}),
    }),
  );
}

/**
 * A test simulator for one describe block whose webhooks go to `receiver`: started before its
 * tests, reset (and the receiver emptied) before each, stopped after. The object is filled in
 * when the block starts, so tests read `t.client` as usual.
 */
export function useTestSimulator(receiver: WebhookReceiver, options: SimulatorOptions = {}): TestSimulator & { readonly ingestUrl: string } {
  const t = {} as { -readonly [K in keyof TestSimulator]: TestSimulator[K] } & { ingestUrl: string };
  beforeAll(async () => {
    t.ingestUrl = await receiver.start();
    Object.assign(t, await startTestSimulator({ ingestUrl: t.ingestUrl, ...options }));
  });
  afterAll(async () => {
    await t.simulator?.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    requireOk(await t.client.reset());
    receiver.received.length = 0;
  });
  return t;
}
