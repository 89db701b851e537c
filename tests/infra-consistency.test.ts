import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { allTopics } from '@cm/schemas';
import { baseConfig, databaseConfig, redisConfig } from '@cm/service-runtime';
import { secretsConfig } from '@cm/secrets';
import { TEST_SECRETS_KEYS } from '@cm/test-harness';
import { SERVICES } from '@cm/test-harness/service-processes';
import { ingestConfig } from '@cm/ingest';
import { arbiterConfig } from '@cm/booking-arbiter';
import { dispatcherConfig, DISPATCHER_NODE_OPTIONS } from '@cm/sync-dispatcher';
import { reconcilerConfig, RECONCILER_NODE_OPTIONS } from '@cm/reconciler';
import { escalationConfig } from '@cm/escalation';
import { composeServices } from './compose-config';

/** docker-compose.yml and the Helm chart serve users with Docker or Kubernetes; they must not drift from the local stack. */
const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const versions = Object.fromEntries(
  read('infra/stack/versions.env')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => {
      const [key, ...rest] = line.split('=');
      return [key!, rest.join('=').replace(/^"|"$/g, '')];
    }),
);
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { image?: string; environment?: Record<string, unknown>; ports?: string[] }> };
/** Credentials the chart has no default for (an operator gives them), to read its configuration as a service would. */
const HELM_CREDENTIALS = { DATABASE_URL: 'postgres://cm:password@postgres:5432/channel_manager', REDIS_URL: 'redis://:password@redis:6379/0', SECRETS_KEYS: TEST_SECRETS_KEYS };
const helm = parse(read('infra/helm/channel-manager/values.yaml')) as { env: Record<string, string>; secretEnv: Record<string, string>; services: Record<string, { opsPort: number; env?: Record<string, string>; secretEnv?: string[] }> };
const defaultOpsPort = {
  ingest: ingestConfig,
  'booking-arbiter': arbiterConfig,
  'sync-dispatcher': dispatcherConfig,
  reconciler: reconcilerConfig,
  escalation: escalationConfig,
};
const knownVariables = new Set([
  ...Object.keys(baseConfig.shape),
  ...Object.keys(databaseConfig.shape),
  ...Object.keys(redisConfig.shape),
  // The key ring, in the Secret every service gets (those that hold secrets read it).
  ...Object.keys(secretsConfig.shape),
  'CONSUMER_GROUP',
  'SCHEMA_REGISTRY_HEALTH_URL',
  // Read by Node itself (the reconciler's heap limit).
  'NODE_OPTIONS',
]);

describe('docker-compose.yml and infra/helm follow the local stack', () => {
  it('run the same Kafka, registry, Node and pnpm versions', () => {
    expect(compose.services.kafka!.image).toBe(`apache/kafka:${versions.KAFKA_VERSION}`);
    expect(compose.services.registry!.image).toBe(`apicurio/apicurio-registry:${versions.APICURIO_VERSION}`);
    expect(read('Dockerfile')).toContain(`FROM node:${versions.NODE_VERSION}-`);
    expect(read('Dockerfile')).toContain(`pnpm@${versions.PNPM_VERSION}`);
    expect(JSON.parse(read('package.json')).packageManager).toBe(`pnpm@${versions.PNPM_VERSION}`);
    expect(read('infra/helm/channel-manager/values.yaml')).toContain(`Kafka ${versions.KAFKA_VERSION}`);
    expect(read('infra/helm/channel-manager/values.yaml')).toContain(`Apicurio Registry ${versions.APICURIO_VERSION}`);
  });

  it('publish the same ports', () => {
    // On the host's loopback only, as scripts/stack listens.
    expect(compose.services.kafka!.ports).toEqual([`127.0.0.1:${versions.KAFKA_PORT}:9092`]);
    expect(compose.services.registry!.ports).toEqual([`127.0.0.1:${versions.REGISTRY_PORT}:${versions.REGISTRY_PORT}`]);
    expect(compose.services.registry!.environment!.QUARKUS_HTTP_PORT).toBe(Number(versions.REGISTRY_PORT));
  });

  it.each(SERVICES.map((s) => s.name))('run %s on the ops port its config defaults to', (name) => {
    const port = defaultOpsPort[name].parse({ SECRETS_KEYS: TEST_SECRETS_KEYS }).OPS_PORT;
    expect(compose.services[name]!.environment!.OPS_PORT).toBe(String(port));
    // Published on the host's loopback only: the ops endpoints are operators'.
    expect(compose.services[name]!.ports).toContain(`127.0.0.1:${port}:${port}`);
    expect(helm.services[name]!.opsPort).toBe(port);
  });

  it('deploy exactly the five services', () => {
    expect(Object.keys(helm.services).sort()).toEqual(SERVICES.map((s) => s.name).sort());
    expect(Object.keys(compose.services).filter((s) => s in defaultOpsPort).sort()).toEqual(SERVICES.map((s) => s.name).sort());
  });

  it('set only variables the services read, with values their config accepts', () => {
    const composed = composeServices();
    for (const [name, service] of Object.entries(compose.services).filter(([n]) => n in defaultOpsPort || n === 'provision')) {
      const own = new Set(Object.keys((defaultOpsPort as unknown as Record<string, { shape?: object } | undefined>)[name]?.shape ?? {}));
      for (const key of Object.keys(service.environment ?? {})) expect({ service: name, key, known: knownVariables.has(key) || own.has(key) }).toEqual({ service: name, key, known: true });
    }
    for (const key of Object.keys({ ...helm.env, ...helm.secretEnv })) expect({ key, known: knownVariables.has(key) }).toEqual({ key, known: true });
    for (const [name, service] of Object.entries(helm.services)) {
      // A service's own values may be its own variables (escalation's console sources), as in compose.
      const own = new Set(Object.keys((defaultOpsPort as unknown as Record<string, { shape?: object } | undefined>)[name]?.shape ?? {}));
      for (const key of [...Object.keys(service.env ?? {}), ...(service.secretEnv ?? [])]) expect({ service: name, key, known: knownVariables.has(key) || own.has(key) }).toEqual({ service: name, key, known: true });
    }
    // A service's values may name the release's other services (`{{ .Release.Name }}-ingest`), as the chart renders them for a release 'rel'.
    const rendered = (env: Record<string, string> = {}) => Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value).replace(/\{\{\s*\.Release\.Name\s*\}\}/g, 'rel')]));
    for (const [name, config] of Object.entries(defaultOpsPort)) {
      expect(() => config.parse({ ...helm.env, ...rendered(helm.services[name]!.env), ...HELM_CREDENTIALS, OPS_PORT: String(helm.services[name]!.opsPort) })).not.toThrow();
      expect(() => config.parse({ ...composed[name]!.environment })).not.toThrow();
    }
  });

  it("start the dispatcher and the reconciler with the Node options their benchmarks measure, keeping the image's", () => {
    const image = /^ENV NODE_OPTIONS=(.*)$/m.exec(read('Dockerfile'))![1]!;
    for (const [name, options] of [['sync-dispatcher', DISPATCHER_NODE_OPTIONS], ['reconciler', RECONCILER_NODE_OPTIONS]] as const) {
      expect({ name, compose: compose.services[name]!.environment!.NODE_OPTIONS, helm: helm.services[name]!.env!.NODE_OPTIONS }).toEqual({ name, compose: options, helm: options });
      expect(options.split(' ')).toEqual(expect.arrayContaining(image.split(' ')));
    }
  });

  it('wait the same time before re-reading a connection\'s credentials', () => {
    for (const name of ['sync-dispatcher', 'reconciler']) {
      expect({ name, compose: compose.services[name]!.environment!.CONNECTIONS_CACHE_MS }).toEqual({ name, compose: helm.services[name]!.env!.CONNECTIONS_CACHE_MS });
    }
  });

  it('provision topics from the same topic list (the provisioning command, not a copy of the list)', () => {
    expect((compose.services.provision as { command: string[] }).command.join('\n')).toContain('node packages/service-runtime/dist/cli/provision.js');
    expect(read('infra/helm/channel-manager/templates/provision-job.yaml')).toContain('packages/service-runtime/dist/cli/provision.js');
    for (const topic of allTopics) expect(read('docker-compose.yml')).not.toContain(topic.name);
  });
});
