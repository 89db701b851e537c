import { Registry } from 'prom-client';
import { createMetricsRegistry, recordsConsumedCounter } from '../src/metrics';
import { z } from 'zod';
import { baseConfig } from '../src/config';
import { startOpsServer, type OpsServer } from '../src/ops-server';
import { startService } from '../src/service';
import { waitFor } from '../src/wait';
import { freePort } from '@cm/test-harness';

describe('the ops server', () => {
  let server: OpsServer;
  let brokerJoined = false;
  const metrics = createMetricsRegistry('ops-test');

  beforeAll(async () => {
    recordsConsumedCounter(metrics).inc({ topic: 'booking.commands', outcome: 'processed' }, 3);
    server = await startOpsServer({
      port: 0,
      metrics,
      readiness: [
        { name: 'consumer:cm.test', check: () => brokerJoined },
        { name: 'postgres', check: async () => true },
      ],
    });
  });
  afterAll(() => server.close());

  const get = (path: string, method = 'GET') => fetch(`http://127.0.0.1:${server.port}${path}`, { method });

  it('is live as soon as it listens', async () => {
    const res = await get('/health/live');
    expect(res.status).toBe(200);
  });

  it('is not ready while a check fails, and names it', async () => {
    brokerJoined = false;
    const res = await get('/health/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not_ready', checks: { 'consumer:cm.test': 'not_ready', postgres: 'ok' } });
  });

  it('is ready once every check passes', async () => {
    brokerJoined = true;
    const res = await get('/health/ready');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready' });
  });

  it('a throwing check is not ready, with its error', async () => {
    const failing = await startOpsServer({
      port: 0,
      metrics: new Registry(),
      readiness: [{ name: 'redis', check: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) }],
    });
    try {
      const res = await fetch(`http://127.0.0.1:${failing.port}/health/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'not_ready', checks: { redis: 'failed: connect ECONNREFUSED 127.0.0.1:6379' } });
    } finally {
      await failing.close();
    }
  });

  it('serves Prometheus text with default metrics and the service label', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('cm_records_consumed_total{topic="booking.commands",outcome="processed",service="ops-test"} 3');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/health/ready', 'POST')).status).toBe(405);
  });
});

describe('a service starting', () => {
  it('is not ready until its start() has finished, though the ops server already answers', async () => {
    const opsPort = await freePort();
    let finishStart: () => void = () => undefined;
    const starting = startService(
      { name: 'slow-starter', configSchema: baseConfig.extend({ OPS_PORT: z.coerce.number() }), start: () => new Promise<void>((resolve) => (finishStart = resolve)) },
      { OPS_PORT: String(opsPort), LOG_LEVEL: 'silent' },
    );
    const ready = async () => (await fetch(`http://127.0.0.1:${opsPort}/health/ready`).catch(() => undefined))?.status;
    await waitFor('ops server answering', async () => (await ready()) !== undefined, { timeoutMs: 10_000, intervalMs: 20 });
    // Before the fix, this answered 200: the checks start() adds did not exist yet.
    expect(await ready()).toBe(503);
    finishStart();
    const service = await starting;
    expect(await ready()).toBe(200);
    await service.stop();
  });
});
