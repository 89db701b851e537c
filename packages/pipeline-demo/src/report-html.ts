import type { DayReport } from './day';
import { barChartData, DRAW_CHARTS, lagChartData, scriptJson, vendoredUplot, type ChartData } from './report-charts';

/** What identifies the run the report is of. */
export interface RunFacts {
  readonly run: string;
  readonly startedAt: Date;
  /** The commit the run was built from, or 'unknown' outside a git checkout. */
  readonly commit: string;
  readonly durationMs: number;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return `<table><tr>${headers.map((h) => `<th>${escape(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${escape(String(c))}</td>`).join('')}</tr>`).join('')}</table>`;
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The day's report as one self-contained HTML page: uPlot is inlined, so it opens from the file without a network. */
export function renderDayReport(facts: RunFacts, report: DayReport, lines: readonly string[]): string {
  const conflictsByType = new Map<string, number>();
  for (const c of report.conflicts) conflictsByType.set(c.type, (conflictsByType.get(c.type) ?? 0) + c.count);
  const outage = report.outage;
  const charts: ChartData[] = [
    lagChartData('push-lag', 'Sync lag of the channels we push to, per channel', report.lag.byChannel, { label: `${outage.channel} outage (${outage.seconds} s)`, from: outage.fromSecond, to: outage.toSecond }),
    lagChartData('ical-lag', 'Sync lag of Vrbo by iCal', report.icalLag.byChannel),
    barChartData('conflicts', 'Conflicts by type', 'conflicts', [...conflictsByType.entries()].map(([label, value]) => ({ label, value }))),
  ];
  const uplot = vendoredUplot();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Channel Manager demo ${escape(facts.run)}</title>
<style>${uplot.css}</style>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}h2{margin-top:2rem}pre{background:#f6f6f6;padding:1rem}.chart{margin:1rem 0}.uplot .u-over .band-label{position:absolute;top:4px;color:#991b1b;font-size:12px;pointer-events:none}dl.run{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dl.run dt{font-weight:600}dl.run dd{margin:0}</style>
</head><body>
<h1>Channel Manager: a day on simulated channels (run ${escape(facts.run)})</h1>
<dl class="run">
<dt>date</dt><dd><time datetime="${facts.startedAt.toISOString()}">${facts.startedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC</time></dd>
<dt>commit</dt><dd><code>${escape(facts.commit)}</code></dd>
<dt>duration</dt><dd>${duration(facts.durationMs)} (${facts.durationMs} ms)</dd>
</dl>
<h2>Double bookings</h2>
${table(
  ['in the ledger', 'nights held on two channels at once', 'nights a platform holds for a reservation while the ledger gives them to another stay', 'nights a channel sells while the ledger holds them'],
  [[report.doubleBookings.ledger, report.doubleBookings.acrossChannels, report.doubleBookings.heldForAnother, report.doubleBookings.openWhileBooked]],
)}
<h2>On the reservations' own channels</h2>
<p>What the system did to reservations on their platforms, as the sync-dispatcher recorded it and as the platforms' own reservation states show it${report.channelActions.settled ? `; every action carried out ${report.channelActions.settledInMs} ms after the operator's resolutions` : `; ${report.channelActions.pending} actions still not carried out`}.</p>
${table(
  ['', 'sync-dispatcher', 'platforms'],
  [
    ['losing requests to book declined', report.channelActions.declinedLosers.dispatcher, report.channelActions.declinedLosers.platforms],
    ['losing instant bookings cancelled as host', report.channelActions.cancelledLosers.dispatcher, report.channelActions.cancelledLosers.platforms],
    ['winning stays cancelled as host to keep a channel guest', report.channelActions.cancelledWinners.dispatcher, report.channelActions.cancelledWinners.platforms],
    ['reservations acknowledged (Booking.com, Expedia)', report.channelActions.acknowledged.dispatcher, report.channelActions.acknowledged.platforms],
  ],
)}
${table(
  ['PMS changes that reached the booking\'s own channel', 'of them date changes', 'did not reach it', 'revisions still waiting for an acknowledgement', 'nothing to acknowledge (Airbnb, Vrbo)'],
  [[report.channelActions.pmsChanges.reached, report.channelActions.pmsChanges.dateChanges, report.channelActions.pmsChanges.notReached, report.channelActions.acknowledged.waiting, report.channelActions.acknowledged.notNeeded]],
)}
<h2>Sync lag over the day</h2>
<p>The channels we push to: from a change in the ledger to the channel's acknowledgement, mean per second and channel (the dispatcher's <code>channel_sync_lag_seconds</code>); p50 ${report.lag.p50Ms} ms, p99 ${report.lag.p99Ms} ms over ${report.lag.pushes} acknowledged changes (histogram bucket bounds). A gap in a line is a second in which that channel acknowledged nothing; the shaded band is the ${escape(outage.channel)} outage (seconds ${outage.fromSecond} to ${outage.toSecond}).</p>
<div class="chart" id="push-lag"></div>
<p>Vrbo by iCal, apart: a change counts as synced when Vrbo fetched a version of our feed that holds it (<code>channel_ical_sync_lag_seconds</code>, its poll interval included); p50 ${report.icalLag.p50Ms} ms, p99 ${report.icalLag.p99Ms} ms over ${report.icalLag.pushes} fetched changes (histogram bucket bounds).</p>
<div class="chart" id="ical-lag"></div>
<h2>Conflicts by type</h2>
<div class="chart" id="conflicts"></div>
${table(['type', 'resolution', 'count'], report.conflicts.map((c) => [c.type, c.resolution, c.count]))}
<h2>Review tasks (escalation)</h2>
${table(['type', 'severity', 'opened', 'resolved by the operator', 'resolved by the system'], report.reviewTasks.map((t) => [t.type, t.severity, t.opened, t.resolvedByOperator, t.resolvedBySystem]))}
<p>Overbookings, through the review API: ${report.operator.cancelStay} <code>cancel_stay</code>, ${report.operator.keepChannelGuest} <code>keep_channel_guest</code>${report.operator.unresolved ? `, ${report.operator.unresolved} left open (no action their platforms offer)` : ''}, of ${report.operator.tasks} tasks.</p>
<h2>The printed report</h2>
<pre>${escape(lines.join('\n'))}</pre>
<script>${uplot.script}</script>
<script type="application/json" id="report-charts">${scriptJson(charts)}</script>
<script>${DRAW_CHARTS}</script>
</body></html>
`;
}
