import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SERVICES, startServiceProcess, waitUntilReady, type ServiceProcess, freePort, uniqueName } from '@cm/test-harness';

/**
 * infra/prometheus and infra/grafana: the rules pass promtool's check and their unit tests, every
 * alert has a test that fires and one that must not, and every metric a rule or a dashboard panel
 * queries is one the running services export (or one of the few from a named exporter below).
 */
const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const filesIn = (dir: string, ext: string) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => `${dir}/${f}`);

/** Metrics the services do not export, each with where it comes from. Nothing else is allowed. */
const FROM_EXPORTERS: Record<string, string> = {
  up: 'Prometheus itself: 1 when a scrape of the target succeeded',
  kafka_consumergroup_lag: 'kafka-exporter (docker-compose.yml kafka-exporter, Helm kafkaExporter): consumer lag, which no service exports',
  kafka_topic_partition_current_offset: 'kafka-exporter: the offsets of channel.dlq, for dead letters from every writer',
};

/** Seed section 7's metrics: the services must export every one. */
const SEED_METRICS = ['channel_conflicts_total', 'channel_conflict_resolution_seconds', 'channel_conflicts_requiring_review_total', 'channel_conflicts_resolved_total', 'channel_availability_drift_days'];

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects (not functions, labels, keywords or durations). */
function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    const word = match[1]!;
    if (!PROMQL_WORDS.has(word.toLowerCase())) names.add(word);
  }
  return [...names];
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}
const ruleFiles = filesIn('infra/prometheus/rules', '.yml');
const rules: Rule[] = ruleFiles.flatMap((f) => (parse(read(f)) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules));
const alerts = rules.flatMap((r) => (r.alert ? [r.alert] : []));

interface Panel {
  title: string;
  type: string;
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}
const dashboardFiles = filesIn('infra/grafana/dashboards', '.json');
const dashboards = dashboardFiles.map((f) => ({ file: f, json: JSON.parse(read(f)) as { uid: string; title: string; panels: Panel[] } }));
const panelsOf = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
const queries = [
  ...rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })),
  ...dashboards.flatMap((d) => panelsOf(d.json.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${d.file}: ${p.title}`, expr: t.expr })))),
];

/** promtool from Debian's prometheus package, installed by the project's bootstrap when missing. */
function promtool(): string {
  try {
    return execFileSync('bash', [join(root, 'scripts/lib/observability.sh'), 'ensure_promtool'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`promtool is needed and scripts/lib/observability.sh could not install it: ${e.stderr || e.message}`);
  }
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('PromQL metric names', () => {
  it.each([
    ['sum by (channel, le) (rate(channel_sync_lag_seconds_bucket[10m]))', ['channel_sync_lag_seconds_bucket']],
    ['time() - max(cm_reconcile_last_pass_finished_timestamp_seconds{trigger="schedule"}) > 26 * 3600', ['cm_reconcile_last_pass_finished_timestamp_seconds']],
    ['sum(a_total{outcome!~"ok|rate_limited"}[$__rate_interval]) / sum(b_total) or vector(0)', ['a_total', 'b_total']],
    ['count(cm_sync_circuit_state == 2) or vector(0)', ['cm_sync_circuit_state']],
    ['sum by (consumergroup) (kafka_consumergroup_lag{consumergroup=~"cm\\\\..+"}) > 1000', ['kafka_consumergroup_lag']],
  ])('%s selects %j', (expr, names) => {
    expect(metricNamesOf(expr).sort()).toEqual([...names].sort());
  });
});

describe('infra/prometheus', () => {
  const tool = promtool();
  const dir = join(root, 'infra/prometheus');

  it('passes promtool check rules and check config', () => {
    expect(run(tool, ['check', 'rules', ...ruleFiles.map((f) => join(root, f))], dir)).toContain('SUCCESS');
    expect(run(tool, ['check', 'config', 'prometheus.yml'], dir)).toContain('is valid prometheus config file syntax');
  });

  it('passes its promtool unit tests', () => {
    const tests = filesIn('infra/prometheus/tests', '.yml').map((f) => join(root, f));
    expect(tests.length).toBeGreaterThan(0);
    const output = run(tool, ['test', 'rules', ...tests], dir);
    expect(output).not.toContain('FAILED');
  });

  it('has, for every alert, a unit test where it fires and one where it must not', () => {
    const cases = filesIn('infra/prometheus/tests', '.yml').flatMap((f) =>
      (parse(read(f)) as { tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] }).tests.flatMap((t) => t.alert_rule_test ?? []),
    );
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect({ alert, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0), staysSilent: mine.some((c) => (c.exp_alerts ?? []).length === 0) }).toEqual({ alert, fires: true, staysSilent: true });
    }
  });

  it("keeps the seed's alerts, with UnresolvedConflicts on the open_review_tasks gauge, and the SRE's", () => {
    for (const name of ['HighConflictRate', 'UnresolvedConflicts', 'AvailabilityDriftHigh', 'SyncFailureRateHigh', 'DeadLettersGrowing', 'DeadLetterTopicGrowing', 'ConsumerLagHigh', 'DriftCorrectionsFailing']) expect(alerts).toContain(name);
    const unresolved = rules.find((r) => r.alert === 'UnresolvedConflicts')!;
    expect(metricNamesOf(unresolved.expr)).toEqual(['open_review_tasks']);
  });

  it('scrapes the five services on their ops ports and the exporter its rules name', () => {
    const config = parse(read('infra/prometheus/prometheus.yml')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { environment?: Record<string, string>; image?: string }> };
    for (const s of SERVICES) {
      const job = config.scrape_configs.find((j) => j.job_name === s.name);
      expect(job?.static_configs[0]?.targets).toEqual([`${s.name}:${compose.services[s.name]!.environment!.OPS_PORT}`]);
    }
    expect(config.scrape_configs.map((j) => j.job_name)).toContain('kafka-exporter');
    expect(compose.services['kafka-exporter']?.image).toMatch(/^danielqsj\/kafka-exporter:v/);
  });
});

describe('infra/grafana', () => {
  it('provisions the overview, conflicts, sync and reconciliation dashboards from the Prometheus data source', () => {
    expect(dashboardFiles.map((f) => f.replace(/^.*\//, ''))).toEqual(['conflicts.json', 'overview.json', 'reconciliation.json', 'sync.json']);
    const datasource = (parse(read('infra/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; type: string }[] }).datasources[0]!;
    expect(datasource.type).toBe('prometheus');
    const uids = new Set<string>();
    expect(datasource.uid).toBe('prometheus');
    for (const { file, json } of dashboards) {
      expect({ file, uid: typeof json.uid, title: typeof json.title }).toEqual({ file, uid: 'string', title: 'string' });
      uids.add(json.uid);
      for (const panel of panelsOf(json.panels).filter((p) => p.type !== 'row')) {
        expect({ file, panel: panel.title, queries: (panel.targets ?? []).length > 0 }).toEqual({ file, panel: panel.title, queries: true });
        // Through the dashboard's data source variable, whose default is the provisioned one (tests/alerting.test.ts).
        for (const target of panel.targets ?? []) expect({ file, panel: panel.title, datasource: target.datasource?.uid ?? panel.datasource?.uid }).toEqual({ file, panel: panel.title, datasource: '${datasource}' });
      }
    }
    expect(uids.size).toBe(dashboards.length);
  });
});

describe('every metric a rule or a panel queries exists', () => {
  let services: ServiceProcess[] = [];
  const exported = new Map<string, string>();

  beforeAll(async () => {
    services = await Promise.all(
      SERVICES.map(async (s) =>
        startServiceProcess(s.name, {
          opsPort: await freePort(),
          env: {
            CONSUMER_GROUP: uniqueName(`test.observability.${s.name}`),
            LOG_LEVEL: 'warn',
            ...(['ingest', 'reconciler', 'escalation'].includes(s.name) ? { HTTP_PORT: String(await freePort()) } : {}),
            ...(s.name === 'sync-dispatcher' ? { FEED_PORT: String(await freePort()) } : {}),
            ...(s.name === 'reconciler' ? { RECONCILE_EVERY_MINUTES: '0' } : {}),
          },
        }),
      ),
    );
    await waitUntilReady(services, 90_000);
    for (const s of services) {
      const text = await (await fetch(`http://127.0.0.1:${s.opsPort}/metrics`)).text();
      // A labelled metric with no observations yet prints only its # HELP and # TYPE lines.
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) exported.set(name!, type!);
    }
  }, 150_000);

  afterAll(async () => {
    const codes = await Promise.all(services.map((s) => s.stop()));
    expect(codes.every((c) => c === 0)).toBe(true);
  });

  /** Exported as such, or the _bucket/_sum/_count series of an exported histogram, or from a named exporter. */
  const exists = (name: string): boolean => {
    if (exported.has(name) || name in FROM_EXPORTERS) return true;
    const series = /^(.+)_(bucket|sum|count)$/.exec(name);
    return !!series && ['histogram', 'summary'].includes(exported.get(series[1]!) ?? '') && (series[2] !== 'bucket' || exported.get(series[1]!) === 'histogram');
  };

  it('exports every metric of the seed (section 7.1)', () => {
    for (const name of SEED_METRICS) expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
  });

  it('finds every metric of every dashboard query and alert rule in a service scrape or a named exporter', () => {
    expect(queries.length).toBeGreaterThan(40);
    const missing = queries.flatMap((q) => metricNamesOf(q.expr).filter((name) => !exists(name)).map((name) => `${q.where}: ${name}`));
    expect(missing).toEqual([]);
  });

  it('uses every exporter metric it allows (the list stays honest)', () => {
    const used = new Set(queries.flatMap((q) => metricNamesOf(q.expr)));
    for (const name of Object.keys(FROM_EXPORTERS)) expect({ name, used: used.has(name) }).toEqual({ name, used: true });
  });
});
