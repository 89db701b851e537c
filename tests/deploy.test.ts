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
import { COMPOSE_CREDENTIALS, composeConfig, composeServices } from './compose-config';
import { restrictedViolations, type PodSpec } from './pod-security';

/**
 * docker-compose.yml and infra/helm as deployed: the chart passes `helm lint --strict` and renders
 * (helm from scripts/lib/observability.sh) manifests the Kubernetes schemas accept
 * (tests/kubernetes-schemas.mjs), the compose file passes `docker-compose config` (Debian's
 * docker-compose validates without an engine), both pass yamllint, and what they render holds
 * what operations needs of every service: migrations before the services, the restricted Pod
 * Security Standard, resources, credentials from a Secret only.
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
/** An operator's credentials: the chart has no defaults for them. */
const CREDENTIALS = {
  DATABASE_URL: 'postgres://cm:test-password@postgres:5432/channel_manager',
  REDIS_URL: 'redis://:test-password@redis:6379/0',
  SECRETS_KEYS: TEST_SECRETS_KEYS,
  OPERATOR_API_TOKEN: 'test-operator-token-of-32-characters!',
};
const credentialValues = Object.entries(CREDENTIALS).map(([key, value]) => `secretEnv.${key}=${value}`);
/** The credentials every service reads; OPERATOR_API_TOKEN is ingest's alone, NOTIFY_WEBHOOK_SECRET escalation's. */
const SHARED_SECRET_KEYS = ['DATABASE_URL', 'REDIS_URL', 'SECRETS_KEYS'];

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
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const YAMLLINT = ['-s', '-d', '{extends: relaxed, rules: {line-length: disable, indentation: {indent-sequences: whatever}}}'];

const manifestsOf = (rendered: string) =>
  parseAllDocuments(rendered)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => !!m);
/** Every pod a manifest runs (a Deployment's or a Job's template), with where it comes from. */
const podsOf = (manifests: Manifest[]) => manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'Job').map((m) => ({ where: `${m.kind} ${m.metadata.name}`, pod: m.spec.template.spec as PodSpec & { containers: Container[]; initContainers?: Container[] } }));
interface Container {
  name: string;
  command: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
}

describe('infra/helm/channel-manager', () => {
  const [helm] = tool('ensure_helm');
  const renderWithout = (...set: string[]) => run(helm!, ['template', 'rel', chart, ...set.flatMap((s) => ['--set', s])]);
  const render = (...set: string[]) => renderWithout(...credentialValues, ...set);
  const rendered = render('ingress.enabled=true');
  const manifests = manifestsOf(rendered);
  const find = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
  const values = parse(read('infra/helm/channel-manager/values.yaml')) as { partitions: { bookingCommands: number }; kafkaExporter: { image: string } };

  it('passes helm lint --strict and yamllint on what it renders', () => {
    expect(run(helm!, ['lint', '--strict', chart, ...credentialValues.flatMap((s) => ['--set', s])])).toContain('0 chart(s) failed');
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

    // Its environment comes from its ConfigMap and, credential by credential, from the Secret; the service's config accepts it.
    expect(container.envFrom).toEqual([{ configMapRef: { name: `rel-${name}` } }]);
    const configMap = find('ConfigMap', `rel-${name}`)!;
    const secret = find('Secret', 'rel-env')!;
    expect(configMap.data!.OPS_PORT).toBe(String(opsPort));
    expect(Object.keys(secret.stringData!).sort()).toEqual(Object.keys(CREDENTIALS).sort());
    for (const key of Object.keys(secret.stringData!)) expect(configMap.data![key]).toBeUndefined();
    const fromSecret = (container as Container).env!.map((e) => ({ name: e.name, secret: e.valueFrom?.secretKeyRef?.name, key: e.valueFrom?.secretKeyRef?.key }));
    const ownKeys = ({ ingest: ['OPERATOR_API_TOKEN'], escalation: ['NOTIFY_WEBHOOK_SECRET'] } as Record<string, string[]>)[name] ?? [];
    expect(fromSecret).toEqual([...SHARED_SECRET_KEYS, ...ownKeys].map((key) => ({ name: key, secret: 'rel-env', key })));
    const env = { ...configMap.data, ...Object.fromEntries(fromSecret.map((e) => [e.name, secret.stringData![e.key!]])) };
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

  it("serves the dispatcher's console reads on their own port behind the ClusterIP Service, listening on every interface of the pod", () => {
    const container = find('Deployment', 'rel-sync-dispatcher')!.spec.template.spec.containers[0];
    expect(container.ports).toContainEqual({ name: 'console-api', containerPort: 9417 });
    expect(find('Service', 'rel-sync-dispatcher')!.spec.ports).toContainEqual({ name: 'console-api', port: 9417, targetPort: 'console-api' });
    const configMap = find('ConfigMap', 'rel-sync-dispatcher')!;
    expect(configMap.data).toMatchObject({ CONSOLE_API_PORT: '9417', CONSOLE_API_HOST: '0.0.0.0' });
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

  it('can use a Secret managed elsewhere (no credential in the values) and run the simulator when asked', () => {
    const other = manifestsOf(renderWithout('existingSecret=cm-credentials', 'simulator.enabled=true'));
    expect(other.filter((m) => m.kind === 'Secret')).toEqual([]);
    for (const { where, pod } of podsOf(other)) {
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        for (const e of container.env ?? []) if (e.valueFrom?.secretKeyRef) expect({ where, variable: e.name, secret: e.valueFrom.secretKeyRef.name }).toEqual({ where, variable: e.name, secret: 'cm-credentials' });
      }
    }
    const arbiter = other.find((m) => m.kind === 'Deployment' && m.metadata.name === 'rel-booking-arbiter')!;
    expect(arbiter.spec.template.spec.containers[0].env).toContainEqual({ name: 'SECRETS_KEYS', valueFrom: { secretKeyRef: { name: 'cm-credentials', key: 'SECRETS_KEYS' } } });
    const simulator = other.find((m) => m.kind === 'Deployment' && m.metadata.name === 'rel-channel-simulator')!;
    const env = Object.fromEntries(simulator.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(simulatorConfig.parse(env)).toMatchObject({ PORT: 9480, INGEST_URL: 'http://rel-ingest:9411' });
  });

  it('has no default credential: it refuses to render without each one, naming it', () => {
    for (const key of SHARED_SECRET_KEYS) {
      const without = credentialValues.filter((value) => !value.startsWith(`secretEnv.${key}=`));
      expect(() => renderWithout(...without)).toThrow(new RegExp(`secretEnv\\.${key} is required \\(or set existingSecret`));
    }
    // The operator token is optional: without it ingest's operator routes are off.
    expect(() => renderWithout(...credentialValues.filter((value) => !value.startsWith('secretEnv.OPERATOR_API_TOKEN=')))).not.toThrow();
  });

  describe('runs the migrations before the services', () => {
    const hook = (m: Manifest) => m.metadata.annotations?.['helm.sh/hook'];
    const weight = (m: Manifest) => Number(m.metadata.annotations?.['helm.sh/hook-weight'] ?? 0);
    const migrate = find('Job', 'rel-migrate')!;

    it("as a pre-install/pre-upgrade hook Job with one step per service's migrate command, after the Secret it reads", () => {
      expect(hook(migrate)).toBe('pre-install,pre-upgrade');
      const pod = migrate.spec.template.spec as { initContainers: Container[]; containers: Container[] };
      expect(pod.initContainers.map((c) => c.command)).toEqual(SERVICES.map((s) => ['node', `services/${s.name}/dist/cli/migrate.js`]).sort((a, b) => a[1]!.localeCompare(b[1]!)));
      // Hooks run before the release's own Secret exists: the migrations read a hook Secret made before them.
      const secretRefs = new Set(pod.initContainers.flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.name)));
      expect([...secretRefs]).toEqual(['rel-migrate-env']);
      const secret = find('Secret', 'rel-migrate-env')!;
      expect(hook(secret)).toBe('pre-install,pre-upgrade');
      expect(secret.stringData).toEqual({ DATABASE_URL: CREDENTIALS.DATABASE_URL });
      expect(weight(secret)).toBeLessThan(weight(migrate));
      expect(migrate.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    });

    it('provisions topics and schemas in a hook too, and leaves every service to the release, which Helm applies once the hooks completed', () => {
      const provision = find('Job', 'rel-provision')!;
      expect(hook(provision)).toBe('pre-install,pre-upgrade');
      expect(provision.spec.template.spec.containers[0].command).toEqual(['node', 'packages/service-runtime/dist/cli/provision.js']);
      // Helm waits for each hook Job, in weight order, to complete before it creates or updates the release's resources.
      for (const m of manifests.filter((m) => m.kind !== 'Job' && m.metadata.name !== 'rel-migrate-env')) expect({ resource: `${m.kind} ${m.metadata.name}`, hook: hook(m) }).toEqual({ resource: `${m.kind} ${m.metadata.name}`, hook: undefined });
      for (const name of SERVICES.map((s) => s.name)) expect(hook(find('Deployment', `rel-${name}`)!)).toBeUndefined();
    });

    it('has each service wait for its schema, live and not ready, where it starts beside the migrations anyway', () => {
      for (const name of SERVICES.map((s) => s.name)) {
        const config = configs[name]!.parse({ ...find('ConfigMap', `rel-${name}`)!.data, ...REQUIRED_ENV }) as { MIGRATIONS_WAIT_MS: number };
        // Within it the startup probe (liveness) passes: the ops server answers while start() waits.
        expect({ name, waitMs: config.MIGRATIONS_WAIT_MS }).toEqual({ name, waitMs: 300_000 });
      }
    });

    it('reads the migrations\' database URL from a Secret managed elsewhere when there is one', () => {
      const other = manifestsOf(renderWithout('existingSecret=cm-credentials'));
      const job = other.find((m) => m.kind === 'Job' && m.metadata.name === 'rel-migrate')!;
      expect(job.spec.template.spec.initContainers[0].env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'cm-credentials', key: 'DATABASE_URL' } } }]);
    });
  });

  it('routes webhooks, the PMS API and the iCal feeds through one Ingress, and by default nothing else', () => {
    const ingress = find('Ingress', 'rel')!;
    const routes = Object.fromEntries(ingress.spec.rules[0].http.paths.map((p: { path: string; backend: { service: { name: string; port: { name: string } } } }) => [p.path, `${p.backend.service.name}:${p.backend.service.port.name}`]));
    expect(routes).toEqual({ '/webhooks': 'rel-ingest:api', '/v1': 'rel-ingest:api', '/openapi.json': 'rel-ingest:api', '/ical': 'rel-sync-dispatcher:feeds' });
    expect(manifestsOf(render()).filter((m) => m.kind === 'Ingress')).toEqual([]);
  });

  it("routes the tenants' review APIs too when asked, each to the service that answers it", () => {
    const ingress = manifestsOf(render('ingress.enabled=true', 'ingress.reviewApis=true')).find((m) => m.kind === 'Ingress')!;
    const routes = Object.fromEntries(ingress.spec.rules[0].http.paths.map((p: { path: string; backend: { service: { name: string; port: { name: string } } } }) => [p.path, `${p.backend.service.name}:${p.backend.service.port.name}`]));
    expect(routes).toMatchObject({ '/v1': 'rel-ingest:api', '/v1/review-tasks': 'rel-escalation:review', '/v1/settings': 'rel-escalation:review', '/v1/reconciliations': 'rel-reconciler:passes' });
  });

  it('passes the restricted Pod Security Standard in every pod it runs', () => {
    const pods = podsOf(manifestsOf(render('ingress.enabled=true', 'simulator.enabled=true')));
    expect(pods.map((p) => p.where).sort()).toEqual(['Deployment rel-channel-simulator', 'Deployment rel-kafka-exporter', 'Job rel-migrate', 'Job rel-provision', ...SERVICES.map((s) => `Deployment rel-${s.name}`)].sort());
    for (const { where, pod } of pods) expect({ where, violations: restrictedViolations(pod) }).toEqual({ where, violations: [] });
  });

  it('gives every container CPU and memory requests and limits', () => {
    for (const { where, pod } of podsOf(manifestsOf(render('simulator.enabled=true')))) {
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        const { requests = {}, limits = {} } = container.resources ?? {};
        expect({ where, container: container.name, requests: Object.keys(requests).sort(), limits: Object.keys(limits).sort() }).toEqual({ where, container: container.name, requests: ['cpu', 'memory'], limits: ['cpu', 'memory'] });
      }
    }
  });

  it('renders manifests the Kubernetes (and Prometheus Operator) schemas accept', () => {
    for (const variant of [render('ingress.enabled=true', 'ingress.host=cm.example.test', 'ingress.reviewApis=true', 'simulator.enabled=true'), renderWithout('existingSecret=cm-credentials')]) {
      const checked = JSON.parse(execFileSync(process.execPath, [join(__dirname, 'kubernetes-schemas.mjs')], { input: variant, encoding: 'utf8' })) as { manifest: string; problems: string[] }[];
      expect(checked.length).toBe(manifestsOf(variant).length);
      expect(checked.filter((c) => c.problems.length > 0)).toEqual([]);
    }
  });

  it('a schema check that finds a wrong field type (the validator is not vacuous)', () => {
    const broken = rendered.replace('containerPort: 9401', 'containerPort: "ops"');
    const checked = JSON.parse(execFileSync(process.execPath, [join(__dirname, 'kubernetes-schemas.mjs')], { input: broken, encoding: 'utf8' })) as { manifest: string; problems: string[] }[];
    expect(checked.filter((c) => c.problems.length > 0)).toEqual([{ manifest: 'Deployment rel-ingest', problems: ['/spec/template/spec/containers/0/ports/0/containerPort must be integer'] }]);
  });
});

describe('the restricted Pod Security Standard check', () => {
  const passing: PodSpec = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  };
  const app = passing.containers[0]!;
  it.each<[string, PodSpec, string]>([
    ['host namespaces', { ...passing, hostNetwork: true }, 'spec.hostNetwork/hostPID/hostIPC must be unset or false'],
    ['hostPath volumes', { ...passing, volumes: [{ name: 'root', hostPath: { path: '/' } }] }, 'spec.volumes[root]: hostPath volumes are not allowed'],
    ['root user', { ...passing, securityContext: { ...passing.securityContext, runAsUser: 0 } }, 'spec.securityContext.runAsUser must not be 0'],
    ['no runAsNonRoot', { ...passing, securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, 'container app: securityContext.runAsNonRoot (or the pod\'s) must be true'],
    ['no seccomp profile', { ...passing, securityContext: { runAsNonRoot: true } }, 'container app: securityContext.seccompProfile.type (or the pod\'s) must be RuntimeDefault or Localhost'],
    ['privilege escalation', { ...passing, containers: [{ ...app, securityContext: { ...app.securityContext, allowPrivilegeEscalation: true } }] }, 'container app: securityContext.allowPrivilegeEscalation must be false'],
    ['capabilities kept', { ...passing, containers: [{ ...app, securityContext: { ...app.securityContext, capabilities: { drop: ['NET_RAW'] } } }] }, 'container app: securityContext.capabilities.drop must include ALL'],
    ['capabilities added', { ...passing, containers: [{ ...app, securityContext: { ...app.securityContext, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } } }] }, 'container app: securityContext.capabilities.add may hold only NET_BIND_SERVICE, not SYS_ADMIN'],
    ['privileged', { ...passing, containers: [{ ...app, securityContext: { ...app.securityContext, privileged: true } }] }, 'container app: securityContext.privileged must be unset or false'],
    ['host ports', { ...passing, containers: [{ ...app, ports: [{ hostPort: 80 }] }] }, 'container app: hostPort must be unset'],
    ['a writable root filesystem', { ...passing, containers: [{ ...app, securityContext: { ...app.securityContext, readOnlyRootFilesystem: false } }] }, 'container app: securityContext.readOnlyRootFilesystem must be true'],
    ['an init container too', { ...passing, initContainers: [{ name: 'init' }] }, 'container init: securityContext.allowPrivilegeEscalation must be false'],
  ])('refuses %s', (_rule, pod, violation) => {
    expect(restrictedViolations(passing)).toEqual([]);
    expect(restrictedViolations(pod)).toContain(violation);
  });
});

describe('docker-compose.yml', () => {
  const [, yamllint] = tool('ensure_compose_lint');
  const file = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { image?: string; environment?: Record<string, string>; ports?: string[]; volumes?: string[]; command?: string[] }> };
  /** As compose runs it: the operator's credentials filled in. */
  const composed = composeServices();

  it('passes docker-compose config and yamllint', () => {
    expect(composeConfig()).toContain('services:');
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
    const parsed = configs.escalation!.parse(composed.escalation!.environment) as { CONSOLE_PORT?: number; CONSOLE_SECURE_COOKIES: boolean };
    expect(parsed).toMatchObject({ CONSOLE_PORT: 9416, CONSOLE_SECURE_COOKIES: false });
    expect(file.services.escalation!.ports!.filter((p) => p.endsWith(':9416'))).toEqual(['127.0.0.1:9416:9416']);
  });

  it("publishes the dispatcher's console reads on the host's loopback only", () => {
    const parsed = configs['sync-dispatcher']!.parse(composed['sync-dispatcher']!.environment) as { CONSOLE_API_PORT?: number; CONSOLE_API_HOST: string };
    expect(parsed).toMatchObject({ CONSOLE_API_PORT: 9417, CONSOLE_API_HOST: '0.0.0.0' });
    expect(file.services['sync-dispatcher']!.ports!.filter((p) => p.endsWith(':9417'))).toEqual(['127.0.0.1:9417:9417']);
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

  it('has no default password or key: compose refuses to start without each, naming it', () => {
    for (const variable of ['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'SECRETS_KEYS', 'GRAFANA_ADMIN_PASSWORD']) {
      const { [variable as keyof typeof COMPOSE_CREDENTIALS]: _left, ...others } = COMPOSE_CREDENTIALS;
      expect(() => composeConfig(others)).toThrow(new RegExp(`set ${variable} \\(see the top of docker-compose.yml\\)`));
    }
    // Without the operator token ingest's operator routes are off; compose still starts.
    const { OPERATOR_API_TOKEN: _token, ...required } = COMPOSE_CREDENTIALS;
    expect(composeServices(required).ingest!.environment!.OPERATOR_API_TOKEN ?? '').toBe('');
  });

  it('puts the credentials where each server and service reads them', () => {
    const { POSTGRES_PASSWORD, REDIS_PASSWORD, GRAFANA_ADMIN_PASSWORD, SECRETS_KEYS, OPERATOR_API_TOKEN } = COMPOSE_CREDENTIALS;
    expect(composed.postgres!.environment!.POSTGRES_PASSWORD).toBe(POSTGRES_PASSWORD);
    expect(composed.registry!.environment!.APICURIO_DATASOURCE_PASSWORD).toBe(POSTGRES_PASSWORD);
    expect(composed.redis!.command!.join(' ')).toContain(`--requirepass ${REDIS_PASSWORD}`);
    expect(composed.grafana!.environment!.GF_SECURITY_ADMIN_PASSWORD).toBe(GRAFANA_ADMIN_PASSWORD);
    for (const name of ['provision', ...SERVICES.map((s) => s.name)]) {
      const env = composed[name]!.environment!;
      expect({ name, DATABASE_URL: env.DATABASE_URL, REDIS_URL: env.REDIS_URL, SECRETS_KEYS: env.SECRETS_KEYS }).toEqual({ name, DATABASE_URL: `postgres://postgres:${POSTGRES_PASSWORD}@postgres:5432/channel_manager`, REDIS_URL: `redis://:${REDIS_PASSWORD}@redis:6379/0`, SECRETS_KEYS });
    }
    expect(composed.ingest!.environment!.OPERATOR_API_TOKEN).toBe(OPERATOR_API_TOKEN);
    expect(ingestConfig.parse(composed.ingest!.environment)).toMatchObject({ OPERATOR_API_TOKEN });
    for (const name of SERVICES.map((s) => s.name).filter((n) => n !== 'ingest')) expect(composed[name]!.environment!.OPERATOR_API_TOKEN).toBeUndefined();
  });

  it("publishes PostgreSQL, Redis, Kafka and the registry on the host's loopback only", () => {
    expect(file.services.postgres!.ports).toEqual(['127.0.0.1:5432:5432']);
    expect(file.services.redis!.ports).toEqual(['127.0.0.1:6379:6379']);
    expect(file.services.kafka!.ports).toEqual(['127.0.0.1:9092:9092']);
    expect(file.services.registry!.ports).toEqual(['127.0.0.1:8081:8081']);
  });

  it('provisions and runs every service\'s migrations before any service starts', () => {
    // As the shell gets it: compose turns $$ into $.
    const script = file.services.provision!.command!.join('\n').replaceAll('$$', '$');
    expect(script).toContain('node packages/service-runtime/dist/cli/provision.js');
    expect(script).toContain('node services/$service/dist/cli/migrate.js');
    expect(/for service in ([^;]+);/.exec(script)![1]!.trim().split(/\s+/).sort()).toEqual(SERVICES.map((s) => s.name).sort());
    expect(composed.provision!.depends_on!.postgres).toEqual({ condition: 'service_healthy' });
    for (const name of SERVICES.map((s) => s.name)) expect({ name, dependsOn: composed[name]!.depends_on }).toEqual({ name, dependsOn: { provision: { condition: 'service_completed_successfully' } } });
    // A service started on its own (`docker compose up ingest`) waits for the migrations instead of exiting.
    for (const name of SERVICES.map((s) => s.name)) expect({ name, waitMs: (configs[name]!.parse(composed[name]!.environment) as { MIGRATIONS_WAIT_MS: number }).MIGRATIONS_WAIT_MS }).toEqual({ name, waitMs: 300_000 });
  });

  it('points the services that call channels at the simulator, and the simulator at ingest', () => {
    const simulator = simulatorConfig.parse(file.services['channel-simulator']!.environment);
    expect(file.services['channel-simulator']!.ports).toContain(`${simulator.PORT}:${simulator.PORT}`);
    expect(simulator.INGEST_URL).toBe(`http://ingest:${file.services.ingest!.environment!.HTTP_PORT}`);
    for (const name of ['sync-dispatcher', 'reconciler']) expect(file.services[name]!.environment!.CHANNEL_API_BASE_URL).toBe(`http://channel-simulator:${simulator.PORT}/{channel}/api`);
  });
});
