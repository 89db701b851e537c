import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { SERVICES } from '@cm/test-harness/service-processes';

/**
 * What an on-call engineer gets: every alert routes by its labels and links its runbook in
 * docs/runbooks, every runbook belongs to an alert, and every dashboard can be narrowed to a data
 * source, an instance (a service on the overview, a channel where there are channels), colours its
 * stat panels by thresholds and explains each panel.
 */
const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const filesIn = (dir: string, ext: string) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => `${dir}/${f}`);

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules: Rule[] = filesIn('infra/prometheus/rules', '.yml').flatMap((f) => (parse(read(f)) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules));
const alerts = rules.filter((r): r is Rule & { alert: string } => !!r.alert);
/** What the service label may name: a service, or the Kafka side it watches. */
const COMPONENTS = [...SERVICES.map((s) => s.name), 'kafka', 'kafka-exporter'];
const SEVERITIES = ['page', 'critical', 'warning'];

/** Whether an alert's series carry a service label of their own: grouped by it, or set by label_replace. */
const serviceFromExpr = (expr: string) => /\bby \([^)]*\bservice\b[^)]*\)/.test(expr) || /label_replace\([\s\S]*"service"/.test(expr);

describe('alert rules', () => {
  it.each(alerts.map((a) => [a.alert, a] as const))('%s routes by severity, team and service', (_name, alert) => {
    expect(SEVERITIES).toContain(alert.labels?.severity);
    expect(alert.labels?.team).toBe('channel-manager');
    if (alert.labels?.service !== undefined) expect(COMPONENTS).toContain(alert.labels.service);
    // A static service label would overwrite the one the series carry.
    expect({ static: alert.labels?.service !== undefined, fromSeries: serviceFromExpr(alert.expr) }).toEqual({ static: !serviceFromExpr(alert.expr), fromSeries: serviceFromExpr(alert.expr) });
  });

  it.each(alerts.map((a) => [a.alert, a] as const))('%s links its runbook in the repository', (name, alert) => {
    const url = alert.annotations?.runbook_url;
    expect(url).toBe(`docs/runbooks/${name}.md`);
    expect(existsSync(join(root, url!))).toBe(true);
    const runbook = read(url!);
    expect(runbook.split('\n')[0]).toBe(`# ${name}`);
    for (const section of ['## What it means', '## Diagnose']) expect({ name, section, present: runbook.includes(section) }).toEqual({ name, section, present: true });
  });

  it('has no runbook without its alert, and no runbook or index linking outside the repository', () => {
    const pages = filesIn('docs/runbooks', '.md');
    const names = new Set(alerts.map((a) => a.alert));
    expect(pages.filter((p) => !p.endsWith('/README.md') && !names.has(p.replace(/^.*\/(.+)\.md$/, '$1')))).toEqual([]);
    for (const page of pages) expect({ page, links: read(page).match(/https?:\/\/\S+/g) ?? [] }).toEqual({ page, links: [] });
  });

  it('watches ingest\'s 5xx share and latency, failing notifications, and targets or metrics that stop being scraped', () => {
    const exprOf = (name: string) => alerts.find((a) => a.alert === name)?.expr ?? '';
    expect(exprOf('IngestServerErrorRateHigh')).toMatch(/cm_ingest_http_requests_total\{status=~"5\.\."\}/);
    expect(exprOf('IngestLatencyHigh')).toMatch(/histogram_quantile\(0\.99, .*cm_ingest_http_request_duration_seconds_bucket/);
    expect(exprOf('NotificationsFailing')).toMatch(/review_notifications_total\{outcome="failed"\}/);
    expect(exprOf('ScrapeTargetMissing')).toMatch(/\bup\{[^}]*\} offset 1h\)\s+unless group by \(job\) \(up\)/);
    expect(exprOf('KafkaMetricsAbsent')).toMatch(/^absent\(/);
  });
});

interface Panel {
  title: string;
  type: string;
  description?: string;
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
  fieldConfig?: { defaults?: { thresholds?: { mode: string; steps: { color: string; value: number | null }[] } } };
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
  current?: { value: string | string[] };
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Variable[] };
}
const panelsOf = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
const dashboards = filesIn('infra/grafana/dashboards', '.json').map((file) => ({ file, json: JSON.parse(read(file)) as Dashboard }));
/** The dashboards whose panels are about channels, and so can be narrowed to one. */
const WITH_CHANNELS = ['conflicts.json', 'reconciliation.json', 'sync.json'];
const queryOf = (v: Variable) => (typeof v.query === 'string' ? v.query : v.query.query);

describe.each(dashboards.map((d) => [d.file, d.json] as const))('%s', (file, dashboard) => {
  const panels = panelsOf(dashboard.panels).filter((p) => p.type !== 'row');
  const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  const base = file.replace(/^.*\//, '');

  it('picks its Prometheus data source, instances, and a service or channel where it has them', () => {
    const provisioned = (parse(read('infra/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string }[] }).datasources[0]!.uid;
    expect(variables.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus', current: { value: provisioned } });
    for (const panel of panels) {
      expect({ panel: panel.title, datasource: panel.datasource?.uid }).toEqual({ panel: panel.title, datasource: '${datasource}' });
      for (const target of panel.targets ?? []) expect({ panel: panel.title, datasource: target.datasource?.uid }).toEqual({ panel: panel.title, datasource: '${datasource}' });
    }
    expect(queryOf(variables.get('instance')!)).toMatch(/^label_values\(.+, instance\)$/);
    if (base === 'overview.json') expect(queryOf(variables.get('service')!)).toMatch(/^label_values\(.+, service\)$/);
    if (WITH_CHANNELS.includes(base)) expect(queryOf(variables.get('channel')!)).toMatch(/^label_values\(.+, channel(_type)?\)$/);
  });

  it('narrows every query of a service metric to the chosen instances (and services, and channels)', () => {
    for (const panel of panels) {
      for (const { expr } of panel.targets ?? []) {
        // kafka-exporter's series belong to no instance of ours (no query mixes them with a service's).
        if (expr.includes('kafka_')) continue;
        expect({ panel: panel.title, expr, instance: expr.includes('instance=~"$instance"') }).toEqual({ panel: panel.title, expr, instance: true });
        if (base === 'overview.json' && !/^sum\(up\{/.test(expr)) expect({ panel: panel.title, expr, service: expr.includes('service=~"$service"') }).toEqual({ panel: panel.title, expr, service: true });
      }
    }
    if (WITH_CHANNELS.includes(base)) expect(panels.some((p) => (p.targets ?? []).some((t) => /channel(_type)?=~"\$channel"/.test(t.expr)))).toBe(true);
  });

  it('explains every panel and colours every stat panel by thresholds', () => {
    for (const panel of panels) expect({ panel: panel.title, described: (panel.description ?? '').length > 20 }).toEqual({ panel: panel.title, described: true });
    for (const panel of panels.filter((p) => p.type === 'stat')) {
      const thresholds = panel.fieldConfig?.defaults?.thresholds;
      expect({ panel: panel.title, mode: thresholds?.mode, base: thresholds?.steps[0]?.value }).toEqual({ panel: panel.title, mode: 'absolute', base: null });
      const values = (thresholds?.steps ?? []).slice(1).map((s) => s.value!);
      expect({ panel: panel.title, steps: values.length > 0, ascending: values.every((v, i) => i === 0 || v > values[i - 1]!) }).toEqual({ panel: panel.title, steps: true, ascending: true });
    }
  });
});

describe('dashboard queries', () => {
  it('parse as PromQL once Grafana has filled in their variables (promtool)', () => {
    const promtool = execFileSync('bash', [join(root, 'scripts/lib/observability.sh'), 'ensure_promtool'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const fill = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replace(/\$(instance|service|channel)\b/g, '.*');
    const exprs = dashboards.flatMap(({ file, json }) => panelsOf(json.panels).flatMap((p) => (p.targets ?? []).map((t, i) => ({ record: `dashboard:${file.replace(/^.*\/|\.json$/g, '')}:${p.title.replace(/[^a-zA-Z0-9]+/g, '_')}:${i}`, expr: fill(t.expr) }))));
    const dir = mkdtempSync(join(tmpdir(), 'cm-dashboard-queries-'));
    try {
      writeFileSync(join(dir, 'queries.yml'), stringify({ groups: [{ name: 'dashboards', rules: exprs.map(({ record, expr }) => ({ record: record.replace(/:+$/, ''), expr })) }] }));
      expect(execFileSync(promtool, ['check', 'rules', join(dir, 'queries.yml')], { encoding: 'utf8' })).toContain(`SUCCESS: ${exprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
