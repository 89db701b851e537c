import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { topics } from '@cm/schemas';
import { SERVICES } from '@cm/test-harness/service-processes';
import { ingestConfig } from '@cm/ingest';
import { arbiterConfig } from '@cm/booking-arbiter';
import { dispatcherConfig } from '@cm/sync-dispatcher';
import { reconcilerConfig } from '@cm/reconciler';
import { escalationConfig } from '@cm/escalation';
import { simulatorConfig } from '@cm/channel-simulator';
import { TEST_SECRETS_KEYS } from '@cm/test-harness';

/**
 * docker-compose.yml and infra/helm as deployed: the chart passes `helm lint --strict` and renders
 * (helm from scripts/lib/observability.sh), the compose file passes `docker-compose config`
 * (Debian's docker-compose validates without an engine), both pass yamllint, and what they
 * render holds what operations needs of every service.
 */
const root = join(__dirname, '..');
const chart = join(root, 'infra/helm/channel-manager');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const configs: Record<string, z.ZodType> = {
  ingest: ingestConfig,
  'booking-arbiter': arbiterConfig,
  'sync-dispatcher': dispatcherConfig,
  reconciler: reconcilerConfig,
  escalation: escalationConfig,
};
/**
 * The port each service serves besides ops, and the variable that sets it; `operators` marks an
 * API only operators call (published on the host's loopback only), the others are what channels
 * and the PMS call.
 */
const HTTP_PORTS: Record<string, { port: number; variable: string; operators: boolean } | undefined> = {
  ingest: { port: 9411, variable: 'HTTP_PORT', operators: false },
  'booking-arbiter': undefined,
  'sync-dispatcher': { port: 9413, variable: 'FEED_PORT', operators: false },
  reconciler: { port: 9414, variable: 'HTTP_PORT', operators: true },
  escalation: { port: 9415, variable: 'HTTP_PORT', operators: true },
};
/** What a service requires without a default (the key ring), for reading its defaults. */
const REQUIRED_ENV = { SECRETS_KEYS: TEST_SECRETS_KEYS };
const hostVariableOf = (variable: string) => (variable === 'FEED_PORT' ? 'FEED_HOST' : 'HTTP_HOST');

function tool(name: 'ensure_helm' | 'ensure_compose_lint'): string[] {
  try {
    return execFileSync('bash', [join(root, 'scripts/lib/observability.sh'), name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n');
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`scripts/lib/observability.sh ${name} could not provide the tool: ${e.stderr || e.message}`);
  }
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const YAMLLINT = ['-s', '-d', '{extends: relaxed, rules: {line-length: disable, indentation: {indent-sequences: whatever}}}'];

describe('infra/helm/channel-manager', () => {
  const [helm] = tool('ensure_helm');
  const render = (...set: string[]) => run(helm!, ['template', 'rel', chart, ...set.flatMap((s) => ['--set', s])]);
  const rendered = render();
  const manifests = parseAllDocuments(rendered)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => !!m);
  const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
  const values = parse(read('infra/helm/channel-manager/values.yaml')) as { partitions: { bookingCommands: number }; kafkaExporter: { image: string } };

  it('passes helm lint --strict and yamllint on what it renders', () => {
    expect(run(helm!, ['lint', '--strict', chart])).toContain('0 chart(s) failed');
    const [, yamllint] = tool('ensure_compose_lint');
    execFileSync(yamllint!, [...YAMLLINT, '-'], { input: rendered, encoding: 'utf8' });
  });

  it.each(SERVICES.map((s) => s.name))('deploys %s with its ConfigMap, Secret, probes, ports, PodDisruptionBudget and ServiceMonitor', (name) => {
    const deployment = find('Deployment', `rel-${name}`)!;
    expect(deployment).toBeDefined();
    const container = deployment.spec.template.spec.containers[0];
    const opsPort = (configs[name]!.parse(REQUIRED_ENV) as { OPS_PORT: number }).OPS_PORT;
    expect(container.command).toEqual(['node', `services/${name}/dist/main.js`]);
    expect(container.ports).toContainEqual({ name: 'ops', containerPort: opsPort });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'ops' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'ops' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'ops' });

    // Its environment comes from its ConfigMap and the shared Secret, and the service's config accepts it.
    const configMapName = container.envFrom.find((e: { configMapRef?: { name: string } }) => e.configMapRef)?.configMapRef.name;
    const secretName = container.envFrom.find((e: { secretRef?: { name: string } }) => e.secretRef)?.secretRef.name;
    const configMap = find('ConfigMap', configMapName)!;
    const secret = find('Secret', secretName)!;
    expect(configMap.data!.OPS_PORT).toBe(String(opsPort));
    expect(Object.keys(secret.stringData!).sort()).toEqual(['DATABASE_URL', 'REDIS_URL', 'SECRETS_KEYS']);
    for (const key of Object.keys(secret.stringData!)) expect(configMap.data![key]).toBeUndefined();
    const env = { ...configMap.data, ...secret.stringData };
    const parsed = configs[name]!.safeParse(env);
    expect(parsed.success ? 'accepted' : parsed.error.message).toBe('accepted');

    const http = HTTP_PORTS[name];
    if (http) {
      expect(configMap.data![http.variable]).toBe(String(http.port));
      // Loopback is the services' default; in the pod they listen beyond it, behind a ClusterIP Service.
      expect(configMap.data![hostVariableOf(http.variable)]).toBe('0.0.0.0');
      expect(find('Service', `rel-${name}`)!.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(container.ports.map((p: { containerPort: number }) => p.containerPort)).toContain(http.port);
      expect(find('Service', `rel-${name}`)!.spec.ports.map((p: { port: number }) => p.port)).toContain(http.port);
    }

    const selector = deployment.spec.selector.matchLabels;
    const pdb = find('PodDisruptionBudget', `rel-${name}`)!;
    expect(pdb.spec.selector.matchLabels).toEqual(selector);
    expect(pdb.spec.maxUnavailable ?? pdb.spec.minAvailable).toBeDefined();
    const monitor = find('ServiceMonitor', `rel-${name}`)!;
    expect(monitor.spec.selector.matchLabels).toEqual(selector);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'ops', path: '/metrics' })]);
    expect(find('Service', `rel-${name}`)!.spec.ports).toContainEqual({ name: 'ops', port: opsPort, targetPort: 'ops' });
  });

  it("serves escalation's operator console on its own port behind the ClusterIP Service, its cookies Secure (behind the operators' TLS proxy)", () => {
    const container = find('Deployment', 'rel-escalation')!.spec.template.spec.containers[0];
    expect(container.ports).toContainEqual({ name: 'console', containerPort: 9416 });
    expect(find('Service', 'rel-escalation')!.spec.ports).toContainEqual({ name: 'console', port: 9416, targetPort: 'console' });
    const configMap = find('ConfigMap', 'rel-escalation')!;
    expect(configMap.data!.CONSOLE_PORT).toBe('9416');
    expect(configMap.data!.CONSOLE_SECURE_COOKIES).toBeUndefined();
  });

  it("points the console's read pages at the release's ingest, dispatcher console API and reconciler, each a port its Service has", () => {
    const data = find('ConfigMap', 'rel-escalation')!.data!;
    const dispatcher = find('ConfigMap', 'rel-sync-dispatcher')!.data!;
    expect(dispatcher).toMatchObject({ CONSOLE_API_PORT: '9417', CONSOLE_API_HOST: '0.0.0.0' });
    for (const variable of ['CONSOLE_INGEST_URL', 'CONSOLE_DISPATCHER_URL', 'CONSOLE_RECONCILER_URL']) {
      const url = new URL(data[variable]!);
      const ports = find('Service', url.hostname)!.spec.ports.map((p: { port: number }) => p.port);
      expect({ variable, port: ports.includes(Number(url.port)) }).toEqual({ variable, port: true });
    }
  });

  it('caps booking-arbiter replicas at the partition count of booking.commands.v2', () => {
    expect(values.partitions.bookingCommands).toBe(topics.bookingCommands.partitions);
    const max = topics.bookingCommands.partitions;
    expect(find('Deployment', 'rel-booking-arbiter')!.spec.replicas).toBeLessThanOrEqual(max);
    expect(() => render(`services.booking-arbiter.replicas=${max}`)).not.toThrow();
    expect(() => render(`services.booking-arbiter.replicas=${max + 1}`)).toThrow(/booking\.commands\.v2 has 12 partitions/);
  });

  it('ships the rules of infra/prometheus as a PrometheusRule and the dashboards for the Grafana sidecar', () => {
    const rule = find('PrometheusRule', 'rel-rules')!;
    const groups = (parse(read('infra/prometheus/rules/channel-manager.rules.yml')) as { groups: unknown[] }).groups;
    expect(rule.spec.groups).toEqual(groups);
    for (const dashboard of ['overview', 'conflicts', 'sync', 'reconciliation']) {
      const configMap = find('ConfigMap', `rel-dashboard-${dashboard}`)!;
      expect(configMap.metadata.labels!.grafana_dashboard).toBe('1');
      expect(configMap.data![`${dashboard}.json`]).toBe(read(`infra/grafana/dashboards/${dashboard}.json`));
    }
  });

  it('runs kafka-exporter, scraped, for consumer lag (the same image as docker-compose.yml)', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { image?: string }> };
    expect(find('Deployment', 'rel-kafka-exporter')!.spec.template.spec.containers[0].image).toBe(values.kafkaExporter.image);
    expect(compose.services['kafka-exporter']!.image).toBe(values.kafkaExporter.image);
    expect(find('ServiceMonitor', 'rel-kafka-exporter')).toBeDefined();
  });

  it('can use a Secret managed elsewhere and run the simulator when asked', () => {
    const other = parseAllDocuments(render('existingSecret=cm-credentials', 'simulator.enabled=true')).map((d) => d.toJS() as Manifest | null).filter((m): m is Manifest => !!m);
    expect(other.filter((m) => m.kind === 'Secret')).toEqual([]);
    const arbiter = other.find((m) => m.kind === 'Deployment' && m.metadata.name === 'rel-booking-arbiter')!;
    expect(arbiter.spec.template.spec.containers[0].envFrom).toContainEqual({ secretRef: { name: 'cm-credentials' } });
    const simulator = other.find((m) => m.kind === 'Deployment' && m.metadata.name === 'rel-channel-simulator')!;
    const env = Object.fromEntries(simulator.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(simulatorConfig.parse(env)).toMatchObject({ PORT: 9480, INGEST_URL: 'http://rel-ingest:9411' });
  });
});

describe('docker-compose.yml', () => {
  const [compose, yamllint] = tool('ensure_compose_lint');
  const file = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { image?: string; environment?: Record<string, string>; ports?: string[]; volumes?: string[]; command?: string[] }> };

  it('passes docker-compose config and yamllint', () => {
    run(compose!, ['-f', 'docker-compose.yml', 'config', '-q']);
    run(yamllint!, [...YAMLLINT, 'docker-compose.yml', 'infra/prometheus', 'infra/grafana/provisioning', 'infra/helm/channel-manager/values.yaml', 'infra/helm/channel-manager/Chart.yaml']);
  });

  it('runs the local stack, Kafka in KRaft, the five services, the simulator, kafka-exporter, Prometheus and Grafana', () => {
    expect(Object.keys(file.services).sort()).toEqual(
      ['postgres', 'redis', 'kafka', 'registry', 'provision', ...SERVICES.map((s) => s.name), 'channel-simulator', 'kafka-exporter', 'prometheus', 'grafana'].sort(),
    );
    expect(file.services.kafka!.environment!.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(file.services.kafka!.environment).not.toHaveProperty('KAFKA_ZOOKEEPER_CONNECT');
    expect(file.services.prometheus!.volumes).toContain('./infra/prometheus:/etc/prometheus:ro');
    expect(file.services.grafana!.volumes).toEqual(['./infra/grafana/provisioning:/etc/grafana/provisioning:ro', './infra/grafana/dashboards:/var/lib/grafana/dashboards:ro']);
  });

  it.each(SERVICES.map((s) => s.name))('publishes the HTTP port of %s (an operators\' API on the host\'s loopback only), listening beyond loopback in the container', (name) => {
    const http = HTTP_PORTS[name];
    if (!http) return;
    const env = file.services[name]!.environment!;
    expect(env[http.variable]).toBe(String(http.port));
    expect(env[hostVariableOf(http.variable)]).toBe('0.0.0.0');
    const published = http.operators ? `127.0.0.1:${http.port}:${http.port}` : `${http.port}:${http.port}`;
    expect(file.services[name]!.ports!.filter((p) => p.endsWith(`:${http.port}`))).toEqual([published]);
  });

  it("publishes escalation's operator console on the host's loopback only, over plain HTTP there (so its cookies are not Secure)", () => {
    const env = file.services.escalation!.environment!;
    const parsed = configs.escalation!.parse({ ...REQUIRED_ENV, ...env }) as { CONSOLE_PORT?: number; CONSOLE_SECURE_COOKIES: boolean };
    expect(parsed).toMatchObject({ CONSOLE_PORT: 9416, CONSOLE_SECURE_COOKIES: false });
    expect(file.services.escalation!.ports!.filter((p) => p.endsWith(':9416'))).toEqual(['127.0.0.1:9416:9416']);
  });

  it("publishes every ops port, kafka-exporter, Prometheus and Grafana on the host's loopback only", () => {
    for (const name of SERVICES.map((s) => s.name)) {
      const opsPort = (configs[name]!.parse(REQUIRED_ENV) as { OPS_PORT: number }).OPS_PORT;
      expect({ name, ops: file.services[name]!.ports!.filter((p) => p.endsWith(`:${opsPort}`)) }).toEqual({ name, ops: [`127.0.0.1:${opsPort}:${opsPort}`] });
    }
    for (const name of ['kafka-exporter', 'prometheus', 'grafana']) {
      expect({ name, published: file.services[name]!.ports!.every((p) => p.startsWith('127.0.0.1:')) }).toEqual({ name, published: true });
    }
  });

  it('points the services that call channels at the simulator, and the simulator at ingest', () => {
    const simulator = simulatorConfig.parse(file.services['channel-simulator']!.environment);
    expect(file.services['channel-simulator']!.ports).toContain(`${simulator.PORT}:${simulator.PORT}`);
    expect(simulator.INGEST_URL).toBe(`http://ingest:${file.services.ingest!.environment!.HTTP_PORT}`);
    for (const name of ['sync-dispatcher', 'reconciler']) expect(file.services[name]!.environment!.CHANNEL_API_BASE_URL).toBe(`http://channel-simulator:${simulator.PORT}/{channel}/api`);
  });
});
