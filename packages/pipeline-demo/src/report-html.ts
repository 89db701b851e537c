import type { DayReport } from './day';

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A line chart as inline SVG: no script, no server, opens from the file. */
function lineChart(points: readonly { x: number; y: number }[], xLabel: string, yLabel: string): string {
  const width = 640;
  const height = 220;
  const pad = 40;
  const maxX = Math.max(1, ...points.map((p) => p.x));
  const maxY = Math.max(1, ...points.map((p) => p.y));
  const px = (x: number) => pad + (x / maxX) * (width - 2 * pad);
  const py = (y: number) => height - pad - (y / maxY) * (height - 2 * pad);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">
  <line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#888"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#888"/>
  <text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escape(xLabel)}</text>
  <text x="12" y="${pad - 12}" font-size="12">${escape(yLabel)} (max ${maxY})</text>
  <path d="${path}" fill="none" stroke="#2463eb" stroke-width="2"/>
  ${points.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="2.5" fill="#2463eb"><title>${p.x} s: ${p.y}</title></circle>`).join('')}
</svg>`;
}

function barChart(bars: readonly { label: string; value: number }[]): string {
  const width = 640;
  const row = 26;
  const height = Math.max(row, bars.length * row) + 10;
  const max = Math.max(1, ...bars.map((b) => b.value));
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">
${bars.map((b, i) => `  <text x="0" y="${i * row + 17}" font-size="12">${escape(b.label)}</text><rect x="260" y="${i * row + 4}" width="${((b.value / max) * 320).toFixed(1)}" height="18" fill="#e8590c"/><text x="${266 + (b.value / max) * 320}" y="${i * row + 17}" font-size="12">${b.value}</text>`).join('\n')}
</svg>`;
}

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return `<table><tr>${headers.map((h) => `<th>${escape(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${escape(String(c))}</td>`).join('')}</tr>`).join('')}</table>`;
}

/** The day's report as one self-contained HTML page. */
export function renderDayReport(run: string, report: DayReport, lines: readonly string[]): string {
  const conflictsByType = new Map<string, number>();
  for (const c of report.conflicts) conflictsByType.set(c.type, (conflictsByType.get(c.type) ?? 0) + c.count);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Channel Manager demo ${escape(run)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}h2{margin-top:2rem}pre{background:#f6f6f6;padding:1rem}</style>
</head><body>
<h1>Channel Manager: a day on simulated channels (run ${escape(run)})</h1>
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
<p>The channels we push to: from a change in the ledger to the channel's acknowledgement, mean per second (the dispatcher's <code>channel_sync_lag_seconds</code>); p50 ${report.lag.p50Ms} ms, p99 ${report.lag.p99Ms} ms over ${report.lag.pushes} acknowledged changes (histogram bucket bounds).</p>
<p>Vrbo by iCal, apart: a change counts as synced when Vrbo fetched a version of our feed that holds it (<code>channel_ical_sync_lag_seconds</code>, its poll interval included); p50 ${report.icalLag.p50Ms} ms, p99 ${report.icalLag.p99Ms} ms over ${report.icalLag.pushes} fetched changes (histogram bucket bounds).</p>
${lineChart(report.lag.overTime.map((p) => ({ x: p.second, y: p.meanMs })), 'seconds into the day', 'mean lag, ms')}
<h2>Conflicts by type</h2>
${barChart([...conflictsByType.entries()].map(([label, value]) => ({ label, value })))}
${table(['type', 'resolution', 'count'], report.conflicts.map((c) => [c.type, c.resolution, c.count]))}
<h2>Review tasks (escalation)</h2>
${table(['type', 'severity', 'opened', 'resolved by the operator', 'resolved by the system'], report.reviewTasks.map((t) => [t.type, t.severity, t.opened, t.resolvedByOperator, t.resolvedBySystem]))}
<p>Overbookings, through the review API: ${report.operator.cancelStay} <code>cancel_stay</code>, ${report.operator.keepChannelGuest} <code>keep_channel_guest</code>${report.operator.unresolved ? `, ${report.operator.unresolved} left open (no action their platforms offer)` : ''}, of ${report.operator.tasks} tasks.</p>
<h2>The printed report</h2>
<pre>${escape(lines.join('\n'))}</pre>
</body></html>
`;
}
