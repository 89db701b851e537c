import { requireOk } from '../src/client';
import { registerListing, startTestSimulator } from './support/simulator';
import { waitUntil } from './support/wait';
import { WebhookReceiver } from '@cm/test-harness';

describe('close() is bounded', () => {
  it('ends an injected delay at once: the call in hand is answered 503', async () => {
    // The fault clock is read when a call reaches the fault gate: that is how we know it is in hand.
    let clockReads = 0;
    const t = await startTestSimulator({ clock: () => (clockReads++, Date.now()) });
    await registerListing(t.client, 'expedia', 'L1');
    requireOk(await t.client.setFaults('expedia', { latency: { fixed_ms: 60_000 } }));
    const readsBefore = clockReads;
    const inFlight = t.client.readCalendar('expedia', 'L1', '2026-07-01', '2026-07-02');
    await waitUntil('the call to reach the fault gate', () => clockReads > readsBefore);
    const started = Date.now();
    await Promise.all([t.simulator.close(), inFlight.then((r) => expect(r).toMatchObject({ status: 503, error: { error: 'stopping' } }))]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops retrying a webhook: the booking answers with the delivery failed', async () => {
    const ingest = new WebhookReceiver();
    ingest.answerWith({ status: 503 });
    const t = await startTestSimulator({ ingestUrl: await ingest.start(), webhookRetry: { maxAttempts: 10, firstBackoffMs: 30_000, maxBackoffMs: 30_000 } });
    try {
      await registerListing(t.client, 'expedia', 'L1');
      const booking = t.client.createBooking('expedia', 'L1', { check_in: '2026-07-01', check_out: '2026-07-02' });
      await waitUntil('the first delivery', () => ingest.received.length === 1);
      const started = Date.now();
      await t.simulator.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      // Closing may catch the first attempt's answer in flight or the wait before the second: either way one attempt, failed, and why.
      expect(requireOk(await booking).webhook).toMatchObject({ outcome: 'failed', attempts: 1, error: 'simulator stopping' });
    } finally {
      await t.simulator.close();
      await ingest.stop();
    }
  });
});
