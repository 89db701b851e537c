import { readFileSync } from 'node:fs';
import type { LagPoint } from './lag-sampler';

/** A lag chart's data as uPlot takes it: the seconds, then one series per channel, null where the channel acknowledged nothing. */
export interface LagChartData {
  readonly kind: 'lines';
  readonly id: string;
  readonly title: string;
  readonly channels: readonly string[];
  readonly data: readonly (readonly (number | null)[])[];
  /** A window to shade (the outage), on the same seconds; absent when nothing failed in this chart. */
  readonly band?: { readonly label: string; readonly from: number; readonly to: number };
}

/**
 * The channels' series on one shared x axis: every second any channel was sampled, each channel's
 * mean there or null. A null draws a gap, so a quiet second reads as "nothing happened", not as a
 * zero lag.
 */
export function lagChartData(id: string, title: string, byChannel: Readonly<Record<string, readonly LagPoint[]>>, band?: LagChartData['band']): LagChartData {
  const channels = Object.keys(byChannel).sort();
  const seconds = [...new Set(channels.flatMap((c) => byChannel[c]!.map((p) => p.second)))].sort((a, b) => a - b);
  const series = channels.map((c) => {
    const at = new Map(byChannel[c]!.map((p) => [p.second, p.meanMs]));
    return seconds.map((s) => at.get(s) ?? null);
  });
  return { kind: 'lines', id, title, channels, data: [seconds, ...series], ...(band ? { band } : {}) };
}

/** A bar chart's data: a bar per label, at x = its index (uPlot has no category axis: the axis prints the labels). */
export interface BarChartData {
  readonly kind: 'bars';
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly labels: readonly string[];
  readonly data: readonly [readonly number[], readonly number[]];
}

export function barChartData(id: string, title: string, yLabel: string, bars: readonly { label: string; value: number }[]): BarChartData {
  return { kind: 'bars', id, title, yLabel, labels: bars.map((b) => b.label), data: [bars.map((_, i) => i), bars.map((b) => b.value)] };
}

export type ChartData = LagChartData | BarChartData;

/** uPlot's script and stylesheet, read from its package so the report carries them and opens without a network. */
export function vendoredUplot(): { script: string; css: string } {
  const dist = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
  return { script: dist('uPlot.iife.min.js'), css: dist('uPlot.min.css') };
}

/** JSON placed inside a <script> element: '<' escaped so no value can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * Draws each chart whose data the page carries (script#report-charts), after uPlot: axes with
 * ticks and labels; for lag, a line per channel with gaps at nulls and the band (the outage)
 * shaded behind the lines and named over them; for counts, a bar per label.
 */
export const DRAW_CHARTS = `(() => {
  const palette = ['#1f4e9c', '#b3401b', '#2a7a2a', '#7b3294', '#8a6d00', '#00707a'];
  const axis = (label, extra) => ({ label, stroke: '#222', grid: { stroke: '#e5e5e5' }, ticks: { show: true, stroke: '#888' }, ...extra });
  const widthOf = (target) => Math.min(900, target.clientWidth || 900);

  const lines = (chart, target) => {
    const band = chart.band;
    const shadeBand = (u) => {
      if (!band) return;
      const left = u.valToPos(band.from, 'x', true);
      const right = u.valToPos(band.to, 'x', true);
      u.ctx.save();
      u.ctx.fillStyle = 'rgba(220, 38, 38, 0.15)';
      u.ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
      u.ctx.restore();
    };
    // The band's name as text over the plot (readable, selectable, never crossed by a grid line).
    const nameBand = (u) => {
      if (!band) return;
      const label = document.createElement('span');
      label.className = 'band-label';
      label.textContent = band.label;
      label.style.left = (u.valToPos(band.from, 'x') + 4) + 'px';
      u.over.appendChild(label);
    };
    new uPlot({
      title: chart.title,
      width: widthOf(target),
      height: 320,
      scales: { x: { time: false } },
      axes: [axis('seconds into the day'), axis('mean lag, ms', { size: 60 })],
      series: [
        { label: 'second' },
        ...chart.channels.map((channel, i) => ({ label: channel, stroke: palette[i % palette.length], width: 2, spanGaps: false, points: { show: true, size: 5 }, value: (_u, v, _s, at) => (at == null ? '--' : v == null ? 'nothing acknowledged' : v + ' ms') })),
      ],
      hooks: { drawClear: [shadeBand], ready: [nameBand] },
    }, chart.data, target);
  };

  const bars = (chart, target) => {
    const n = chart.labels.length;
    new uPlot({
      title: chart.title,
      width: widthOf(target),
      height: 280,
      scales: { x: { time: false, range: [-0.5, Math.max(0, n - 0.5)] }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
      axes: [
        axis('', { splits: () => chart.labels.map((_, i) => i), values: () => chart.labels, grid: { show: false } }),
        axis(chart.yLabel, { size: 60 }),
      ],
      legend: { show: false },
      series: [{}, { label: chart.yLabel, fill: '#e8590c', stroke: '#b3401b', paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
    }, chart.data, target);
  };

  for (const chart of JSON.parse(document.getElementById('report-charts').textContent)) {
    const target = document.getElementById(chart.id);
    if (chart.kind === 'bars') bars(chart, target);
    else lines(chart, target);
  }
})();`;
