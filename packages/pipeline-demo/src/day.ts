import { waitFor, type Knex } from '@cm/service-runtime';
import { ALL_CHANNELS, ARI_CHANNELS, type DemoChannel, type DemoProperty, type Portfolio, type Simulator } from './channels';
import { doubleBookedStays, heldNights } from './ledger-checks';
import { nextDay, type VrboPoller } from './vrbo-poller';

/** Where the day's services answer (their default ports). */
export interface DayEndpoints {
  readonly dispatcherMetrics: string;
  readonly reconciler: string;
  readonly reviewApi: string;
}

export interface DayReport {
  readonly bookings: { made: number; refusedByChannel: number; accepted: number; rejected: number };
  readonly modifications: number;
  readonly cancellations: number;
  readonly guestUpdates: number;
  readonly priceEdits: number;
  readonly conflicts: { type: string; resolution: string; count: number }[];
  readonly reviewTasks: { type: string; severity: string; opened: number; resolvedByOperator: number }[];
  readonly doubleBookings: { ledger: number; acrossChannels: number; openWhileBooked: number };
  readonly lag: { p50Ms: number; p99Ms: number; pushes: number; overTime: { second: number; meanMs: number; pushes: number }[] };
  readonly outage: { channel: DemoChannel; seconds: number; failedCalls: number };
  readonly drift: { found: number; nights: number; corrected: number; failed: number };
  readonly vrboPolls: { changed: number; unchanged: number };
  readonly convergedInMs: number;
}

/**
 * A compressed day of a property manager's portfolio, on the simulated platforms: bursts of
 * near-simultaneous bookings of the same nights on different channels, a steady flow of
 * bookings, date changes, cancellations, guest updates and price edits, an Expedia outage in the
 * middle, updates a platform silently lost and nights closed behind our back; then the operator
 * handles the overbookings the bursts made, a reconciliation pass fixes the drift, and every
 * channel is checked against the ledger.
 */
export async function playDay(input: {
  db: Knex;
  simulator: Simulator;
  portfolio: Portfolio;
  poller: VrboPoller;
  endpoints: DayEndpoints;
  window: { from: string; to: string };
  log: (line: string) => void;
}): Promise<DayReport> {
  const { db, simulator, portfolio, poller, endpoints, log } = input;
  const properties = portfolio.properties;
  const propertyIds = properties.map((p) => p.propertyId);
  const lag = new LagSampler(endpoints.dispatcherMetrics);
  lag.start();
  const made: { property: DemoProperty; channel: DemoChannel; reservationId: string; commandId: string; checkIn: string; checkOut: string }[] = [];
  let refusedByChannel = 0;
  const book = async (property: DemoProperty, channel: DemoChannel, checkIn: string, checkOut: string, guest: string) => {
    const { status, body } = await simulator.call<{ reservation: { id: string }; webhook: { response: { body: { command_id?: string } } | null } }>('POST', `${simulator.listing(channel, property.listings[channel])}/bookings`, {
      check_in: checkIn,
      check_out: checkOut,
      guest: { name: guest, email: `${guest.toLowerCase().replace(/\W+/g, '.')}@guest.example` },
      total: { amount: String(180 * nightsBetween(checkIn, checkOut)), currency: 'EUR' },
    });
    // The command id is ingest's, from its answer to the platform's webhook.
    const commandId = body.webhook?.response?.body.command_id;
    if ((status === 201 || status === 200) && commandId) made.push({ property, channel, reservationId: body.reservation.id, commandId, checkIn, checkOut });
    else refusedByChannel++;
  };

  // Morning: bursts. Three guests book the same nights of one villa on three platforms at once.
  log('  bursts: the same nights booked at once on Airbnb, Booking.com and Expedia, for 4 villas');
  await Promise.all(properties.slice(0, 4).map((p, i) => Promise.all(ARI_CHANNELS.map((c, j) => book(p, c, day(input.window.from, 10 + i), day(input.window.from, 13 + i), `Burst Guest ${i}-${j}`)))));

  // The day's flow: bookings on every channel, Vrbo's included, each villa on its own dates.
  log('  steady bookings: 4 a second for 6 s across every channel, with Booking.com losing 3 updates silently');
  await simulator.call('PUT', '/admin/booking_com/faults', { lost_updates: { next: 3 } });
  const flow: Promise<void>[] = [];
  for (let n = 0; n < 24; n++) {
    const property = properties[4 + (n % (properties.length - 4))]!;
    const channel = ALL_CHANNELS[n % ALL_CHANNELS.length]!;
    const start = 20 + Math.floor(n / (properties.length - 4)) * 5;
    flow.push(book(property, channel, day(input.window.from, start), day(input.window.from, start + 2 + (n % 3)), `Guest ${n}`));
    await sleep(250);
  }
  await Promise.all(flow);

  // Midday: Expedia goes down while guests keep changing things.
  const outageSeconds = 8;
  log(`  Expedia down for ${outageSeconds} s (503) while guests change dates, cancel, update details and prices change`);
  const outageStarted = Date.now();
  await simulator.call('PUT', '/admin/expedia/faults', { outage: { for_seconds: outageSeconds, mode: 'status_503' } });
  const accepted = made.filter((m) => m.property.propertyId !== properties[0]!.propertyId);
  let modifications = 0;
  let cancellations = 0;
  let guestUpdates = 0;
  let priceEdits = 0;
  for (const [i, m] of accepted.slice(0, 12).entries()) {
    const path = `${simulator.listing(m.channel, m.property.listings[m.channel])}/bookings/${encodeURIComponent(m.reservationId)}`;
    if (i % 4 === 0) {
      const moved = { check_in: nextDay(m.checkIn), check_out: nextDay(m.checkOut) };
      if ((await simulator.call('PATCH', path, moved)).status === 200) {
        modifications++;
        Object.assign(m, { checkIn: moved.check_in, checkOut: moved.check_out });
      }
    } else if (i % 4 === 1) {
      if ((await simulator.call('POST', `${path}/cancel`)).status === 200) cancellations++;
    } else if (i % 4 === 2) {
      if ((await simulator.call('PATCH', `${path}/guest`, { phone: '+351 21 000 0000' })).status === 200) guestUpdates++;
    } else if ((await simulator.call('PATCH', path, { total: { amount: String(260 * nightsBetween(m.checkIn, m.checkOut)), currency: 'EUR' } })).status === 200) {
      priceEdits++;
    }
    await sleep(200);
  }
  // Someone closes two free nights on Airbnb's extranet.
  const extranet = properties[properties.length - 1]!;
  await simulator.call('POST', `/airbnb/api/listings/${encodeURIComponent(extranet.listings.AIRBNB)}/availability`, {
    request_id: `extranet-${extranet.propertyId}`,
    updates: [{ from: day(input.window.from, 60), to: day(input.window.from, 62), available: false }],
  });
  await sleep(Math.max(0, outageStarted + outageSeconds * 1000 - Date.now()));
  await simulator.call('DELETE', '/admin/expedia/faults');
  await simulator.call('DELETE', '/admin/booking_com/faults');

  // Afternoon: the operator handles the overbookings the bursts made. Each losing guest is
  // relocated: their reservation is cancelled on its platform, and the task resolved.
  log('  the operator relocates the guests of the overbookings and resolves their review tasks');
  const review = (path: string, method = 'GET', body?: unknown) =>
    fetch(`${endpoints.reviewApi}${path}`, { method, headers: { authorization: `Bearer ${portfolio.apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) }).then(async (r) => ({ status: r.status, body: (await r.json()) as never }));
  const burstLosers = 4 * (ARI_CHANNELS.length - 1);
  await waitFor('escalation to open the overbooking tasks', async () => ((await review('/v1/review-tasks?type=OVERBOOKING&status=open')) as { body: { tasks?: unknown[] } }).body.tasks?.length === burstLosers, { timeoutMs: 30_000, intervalMs: 250 }).catch(() => undefined);
  const open = (await review('/v1/review-tasks?type=OVERBOOKING&status=open&limit=100')) as { body: { tasks: { task_id: string; details: Record<string, string> }[] } };
  let resolvedByOperator = 0;
  for (const task of open.body.tasks ?? []) {
    const losing = made.find((m) => task.details.losingKey === `${m.channel}:${m.reservationId}`);
    if (losing) await simulator.call('POST', `${simulator.listing(losing.channel, losing.property.listings[losing.channel])}/bookings/${encodeURIComponent(losing.reservationId)}/cancel`);
    const resolved = (await review(`/v1/review-tasks/${task.task_id}/resolve`, 'POST', { operator: 'ana@villas.example', action: 'dismiss', note: losing ? `guest relocated; reservation ${losing.reservationId} cancelled on ${losing.channel}` : 'no losing reservation found' })) as { status: number };
    if (resolved.status === 200) resolvedByOperator++;
  }

  // Evening: a reconciliation pass finds what the platforms lost or were changed behind our back.
  log('  reconciliation: every channel listing read and compared with the ledger');
  await poller.pollAll();
  // The tenant's key: a pass over all is over the tenant's properties.
  const reconcilerAuth = { authorization: `Bearer ${portfolio.apiKey}` };
  const started = (await (await fetch(`${endpoints.reconciler}/v1/reconciliations`, { method: 'POST', headers: { ...reconcilerAuth, 'content-type': 'application/json' }, body: '{}' })).json()) as { pass_id: string };
  let pass = { status: 'running', pending: 1, found: { listings: 0, nights: 0 }, corrected: 0, failed: 0 };
  await waitFor('the reconciliation pass to finish and its corrections to settle', async () => {
    pass = (await (await fetch(`${endpoints.reconciler}/v1/reconciliations/${started.pass_id}`, { headers: reconcilerAuth })).json()) as typeof pass;
    return pass.status !== 'running' && pass.pending === 0;
  }, { timeoutMs: 60_000, intervalMs: 250 }).catch(() => undefined);

  // Night: every channel must show what the ledger holds.
  const convergeStarted = Date.now();
  let openWhileBooked = 0;
  await waitFor('every channel to show what the ledger holds', async () => {
    await poller.pollAll();
    openWhileBooked = 0;
    let equal = true;
    for (const property of properties) {
      const held = await heldNights(db, property.propertyId, input.window);
      for (const channel of ALL_CHANNELS) {
        const nights = await simulator.calendar(channel, property.listings[channel], input.window.from, input.window.to);
        const closed = nights.filter((n) => !n.available).map((n) => n.date);
        openWhileBooked += held.filter((h) => !closed.includes(h)).length;
        if (closed.join() !== held.join()) equal = false;
      }
    }
    return equal;
  }, { timeoutMs: 60_000, intervalMs: 500 }).catch(() => undefined);
  const convergedInMs = Date.now() - convergeStarted;
  lag.stop();

  // What happened, from the ledger, the escalation tables and the simulated platforms.
  const decisions: { outcome: string; n: string }[] = await db('processed_commands').whereIn('command_id', made.map((m) => m.commandId)).groupBy('outcome').select('outcome', db.raw('count(*) as n'));
  const count = (outcome: string) => Number(decisions.find((d) => d.outcome === outcome)?.n ?? 0);
  const conflicts: { type: string; resolution: string; count: string }[] = await db('audit_log').whereIn('property_id', propertyIds).whereNotNull('conflict_type').groupBy('conflict_type', 'resolution').select('conflict_type as type', 'resolution', db.raw('count(*) as count')).orderBy('conflict_type');
  const tasks: { type: string; severity: string; opened: string; resolved: string }[] = await db('escalation.review_tasks')
    .whereIn('property_id', propertyIds)
    .groupBy('conflict_type', 'severity')
    .select('conflict_type as type', 'severity', db.raw('count(*) as opened'), db.raw(`count(*) filter (where resolved_by = 'ana@villas.example') as resolved`))
    .orderBy('conflict_type');
  const ledgerOverlaps = (await doubleBookedStays(db, propertyIds)).length;
  let acrossChannels = 0;
  for (const property of properties) {
    const byNight = new Map<string, number>();
    for (const channel of ALL_CHANNELS) {
      for (const n of await simulator.calendar(channel, property.listings[channel], input.window.from, input.window.to)) if (n.reservation_id) byNight.set(n.date, (byNight.get(n.date) ?? 0) + 1);
    }
    acrossChannels += [...byNight.values()].filter((v) => v > 1).length;
  }
  const dispatcherMetrics = await (await fetch(endpoints.dispatcherMetrics)).text();
  const failedCalls = dispatcherMetrics
    .split('\n')
    .filter((l) => l.startsWith('cm_sync_pushes_total{') && l.includes('channel="EXPEDIA"') && !l.includes('outcome="ok"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

  return {
    bookings: { made: made.length, refusedByChannel, accepted: count('applied'), rejected: count('rejected') },
    modifications,
    cancellations,
    guestUpdates,
    priceEdits,
    conflicts: conflicts.map((c) => ({ type: c.type, resolution: c.resolution, count: Number(c.count) })),
    reviewTasks: tasks.map((t) => ({ type: t.type, severity: t.severity, opened: Number(t.opened), resolvedByOperator: Number(t.resolved) })),
    doubleBookings: { ledger: ledgerOverlaps, acrossChannels, openWhileBooked },
    lag: lag.summary(),
    outage: { channel: 'EXPEDIA', seconds: outageSeconds, failedCalls },
    drift: { found: pass.found.listings, nights: pass.found.nights, corrected: pass.corrected, failed: pass.failed },
    vrboPolls: { changed: poller.counts.changed, unchanged: poller.counts.unchanged },
    convergedInMs,
  };
}

/**
 * The sync lag as the dispatcher measures it (`channel_sync_lag_seconds`: from the change in the
 * ledger to the channel's acknowledgement), sampled every second for the chart, and p50/p99 read
 * off the histogram's buckets at the end (upper bounds, as Prometheus's histogram_quantile would).
 */
class LagSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();
  private last = { sum: 0, count: 0 };
  private readonly points: { second: number; meanMs: number; pushes: number }[] = [];
  private buckets: { le: number; count: number }[] = [];

  constructor(private readonly metricsUrl: string) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), 1_000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    const text = await (await fetch(this.metricsUrl).catch(() => undefined))?.text().catch(() => undefined);
    if (!text) return;
    const total = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`)).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const sum = total('channel_sync_lag_seconds_sum');
    const count = total('channel_sync_lag_seconds_count');
    const pushes = count - this.last.count;
    this.points.push({ second: Math.round((Date.now() - this.started) / 1000), meanMs: pushes > 0 ? Math.round(((sum - this.last.sum) / pushes) * 1000) : 0, pushes });
    this.last = { sum, count };
    const byLe = new Map<number, number>();
    for (const line of text.split('\n').filter((l) => l.startsWith('channel_sync_lag_seconds_bucket{'))) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      if (le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      byLe.set(bound, (byLe.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    this.buckets = [...byLe.entries()].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  }

  summary(): DayReport['lag'] {
    const total = this.buckets[this.buckets.length - 1]?.count ?? 0;
    const quantile = (q: number) => Math.round((this.buckets.find((b) => b.count >= q * total)?.le ?? NaN) * 1000);
    return { p50Ms: quantile(0.5), p99Ms: quantile(0.99), pushes: total, overTime: this.points };
  }
}

function day(from: string, offset: number): string {
  return new Date(Date.parse(`${from}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
}

function nightsBetween(checkIn: string, checkOut: string): number {
  return Math.round((Date.parse(checkOut) - Date.parse(checkIn)) / 86_400_000);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
