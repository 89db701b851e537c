import { lagChartData, type ChartData } from '../src/report-charts';
import { lagTotalsByChannel } from '../src/lag-sampler';
import { renderDayReport } from '../src/report-html';
import { day, facts } from './day-fixture';

/** The charts' data as the page carries it for its script. */
function chartsOf(html: string): ChartData[] {
  const json = /<script type="application\/json" id="report-charts">([^<]*)<\/script>/.exec(html)?.[1];
  if (json === undefined) throw new Error('the page carries no chart data');
  return JSON.parse(json) as ChartData[];
}

/** The lag charts of the page (the line charts). */
const lagChartsOf = (html: string) => chartsOf(html).flatMap((c) => (c.kind === 'lines' ? [c] : []));

describe("the main job's HTML report", () => {
  const html = renderDayReport(facts, day, ['a printed line', '<b>escaped</b>']);

  it('carries uPlot and its stylesheet inline, and loads nothing from a network', () => {
    expect(html).toContain('/*! https://github.com/leeoniya/uPlot (v1.6.32) */');
    expect(html).toContain('.uplot');
    expect(html).toContain('new uPlot(');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    // The vendored script must not end its element early.
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('shows the run: its date, commit and duration', () => {
    expect(html).toContain('<time datetime="2026-12-05T03:30:00.000Z">2026-12-05 03:30:00 UTC</time>');
    expect(html).toContain('<code>411874d967b7</code>');
    expect(html).toContain('1 min 23 s (83400 ms)');
  });

  it('draws a series per channel on one axis of seconds, with the outage as a band', () => {
    const [push, ical] = lagChartsOf(html);
    expect(push!.channels).toEqual(['AIRBNB', 'EXPEDIA']);
    expect(push!.data[0]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(push!.band).toEqual({ label: 'EXPEDIA outage (3 s)', from: 3, to: 6 });
    expect(ical!.channels).toEqual(['VRBO']);
    expect(ical!.band).toBeUndefined();
    expect(html).toContain('<div class="chart" id="push-lag"></div>');
    expect(html).toContain('hooks: { drawClear: [shadeBand], ready: [nameBand] }');
  });

  it('leaves gaps (nulls, drawn unjoined) where a channel acknowledged nothing, not zeros', () => {
    const [push] = lagChartsOf(html);
    expect(push!.data[1]).toEqual([30, null, 30, 30, 30, 30]);
    expect(push!.data[2]).toEqual([40, 80, null, null, null, 240]);
    expect(html).toContain('spanGaps: false');
  });

  it('draws the conflicts by type as bars, one per type, by uPlot too', () => {
    const bars = chartsOf(html).find((c) => c.kind === 'bars');
    expect(bars).toEqual({ kind: 'bars', id: 'conflicts', title: 'Conflicts by type', yLabel: 'conflicts', labels: ['OVERBOOKING'], data: [[0], [4]] });
    expect(html).toContain('<div class="chart" id="conflicts"></div>');
    expect(html).toContain('uPlot.paths.bars(');
    expect(html).not.toContain('<svg');
  });

  it('escapes what it prints', () => {
    expect(html).toContain('&lt;b&gt;escaped&lt;/b&gt;');
  });
});

describe('lag series', () => {
  it("a channel first sampled late has gaps where only the others were sampled", () => {
    const chart = lagChartData('c', 'lag', { AIRBNB: [{ second: 1, meanMs: 5, pushes: 1 }, { second: 2, meanMs: 6, pushes: 1 }], VRBO: [{ second: 2, meanMs: 9, pushes: 1 }] });
    expect(chart.data).toEqual([[1, 2], [5, 6], [null, 9]]);
  });

  it("reads each channel's running sum and count from the dispatcher's metrics", () => {
    const scrape = [
      '# TYPE channel_sync_lag_seconds histogram',
      'channel_sync_lag_seconds_bucket{le="0.1",channel="EXPEDIA"} 3',
      'channel_sync_lag_seconds_sum{channel="EXPEDIA"} 0.25',
      'channel_sync_lag_seconds_count{channel="EXPEDIA"} 3',
      'channel_sync_lag_seconds_sum{channel="AIRBNB"} 1.5',
      'channel_sync_lag_seconds_count{channel="AIRBNB"} 2',
      'channel_ical_sync_lag_seconds_sum{channel="VRBO"} 40',
      'channel_ical_sync_lag_seconds_count{channel="VRBO"} 1',
    ].join('\n');
    expect(Object.fromEntries(lagTotalsByChannel(scrape, 'channel_sync_lag_seconds'))).toEqual({ EXPEDIA: { sum: 0.25, count: 3 }, AIRBNB: { sum: 1.5, count: 2 } });
    expect(Object.fromEntries(lagTotalsByChannel(scrape, 'channel_ical_sync_lag_seconds'))).toEqual({ VRBO: { sum: 40, count: 1 } });
  });
});
