import { join } from 'node:path';
import { z } from 'zod';
import { baseConfig, ConfigError, parseConfig } from '@cm/service-runtime';
import { spawnNode } from '@cm/test-harness';

describe('configuration errors', () => {
  it('name every wrong or missing variable', () => {
    const schema = baseConfig.extend({ CHANNEL_SECRET: z.string().min(16) });
    let error: unknown;
    try {
      parseConfig('ingest', schema, { OPS_PORT: 'eighty', KAFKA_BROKERS: 'no-port-here', SCHEMA_REGISTRY_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/^ingest: invalid configuration/);
    expect(message).toMatch(/OPS_PORT: /);
    expect(message).toMatch(/KAFKA_BROKERS\.0: expected host:port/);
    expect(message).toMatch(/SCHEMA_REGISTRY_URL: /);
    expect(message).toMatch(/CHANNEL_SECRET: is required but not set/);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('take defaults for the local stack when nothing is set', () => {
    const config = parseConfig('x', baseConfig, { OPS_PORT: '9401' });
    expect(config).toMatchObject({ KAFKA_BROKERS: ['127.0.0.1:9092'], OPS_PORT: 9401, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: 10_000 });
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  it('stop a service at start with exit code 78 and a message naming the variable', async () => {
    const service = spawnNode(join(__dirname, '..', 'services', 'booking-arbiter', 'dist', 'main.js'), {
      DATABASE_URL: 'mysql-ish:nonsense',
      LOG_LEVEL: 'loud',
    });
    expect(await service.exited()).toBe(78);
    expect(service.output()).toContain('booking-arbiter: invalid configuration');
    expect(service.output()).toContain('DATABASE_URL: expected a postgres:// URL');
    expect(service.output()).toContain('LOG_LEVEL');
  });
});
