import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '@cm/service-runtime';
import { readSimulatorConfig } from '../src/config';
import { spawnSimulator } from './support/process';

describe('configuration and the process', () => {
  it('takes the local defaults when nothing is set', () => {
    expect(readSimulatorConfig({})).toEqual({
      PORT: 9480,
      HOST: '127.0.0.1',
      INGEST_URL: 'http://127.0.0.1:9411',
      SEED: 1,
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 1_048_576,
      SHUTDOWN_TIMEOUT_MS: 10_000,
      WEBHOOK_MAX_ATTEMPTS: 5,
      WEBHOOK_FIRST_BACKOFF_MS: 200,
      WEBHOOK_TIMEOUT_MS: 5_000,
      REQUEST_WINDOW_MS: 86_400_000,
      ACK_REDELIVERY_MS: 0,
      ACK_MAX_REDELIVERIES: 10,
    });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      readSimulatorConfig({ PORT: 'eighty', INGEST_URL: 'ftp://ingest', SEED: '-1', BODY_LIMIT_BYTES: '10' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['BODY_LIMIT_BYTES', 'INGEST_URL', 'PORT', 'SEED']);
  });

  it('a bad variable stops the process with exit code 78 and a message naming it', async () => {
    const simulator = spawnSimulator({ INGEST_URL: 'not a url', LOG_LEVEL: 'fatal' });
    expect(await simulator.exited()).toBe(78);
    expect(simulator.output()).toContain('channel-simulator: invalid configuration');
    expect(simulator.output()).toContain('INGEST_URL');
  });

  it('serves until SIGTERM, then stops cleanly with exit code 0', async () => {
    const simulator = spawnSimulator({ PORT: '0', LOG_LEVEL: 'info' });
    let url: string | undefined;
    for (let waited = 0; url === undefined && waited < 10_000; waited += 50) {
      url = /"url":"(http:\/\/[^"]+)"/.exec(simulator.output())?.[1];
      if (url === undefined) await sleep(50);
    }
    expect(url).toBeDefined();
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    simulator.child.kill('SIGTERM');
    expect(await simulator.exited()).toBe(0);
    expect(simulator.output()).toContain('stopped cleanly');
  });
});
