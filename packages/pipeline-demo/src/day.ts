import { waitFor, type Knex } from '@cm/service-runtime';
import { bookDirect, bookOnChannel, BURSTS, nightsBetween, type ChannelBooking, type DirectBooking } from './bursts';
import { channelActions, nightsHeldForAnother, waitForReservationActions, type ChannelActionsReport } from './channel-outcomes';
import { ALL_CHANNELS, ICAL_CHANNEL, type DemoChannel, type DemoProperty, type Portfolio, type Simulator } from './channels';
import { doubleBookedStays, heldNights } from './ledger-checks';
import { resolveOverbookings, reviewApi } from './operator';
import { LagSampler, type LagSummary } from './lag-sampler';
import { nextDay, type VrboFeeds } from './vrbo-feeds';

/** Where the day's services answer (their default ports). */
export interface DayEndpoints {
  readonly dispatcherMetrics: string;
  readonly reconciler: string;
  readonly reviewApi: string;
  readonly pmsApi: string;
}

export interface DayReport {
  readonly bookings: { made: number; refusedByChannel: number; accepted: number; rejected: number };
  readonly directBookings: { made: number; accepted: number; refused: number };
  readonly modifications: number;
  /** Of the date changes and cancellations, those made on Vrbo, which reached the ledger through its feed. */
  readonly vrboChanges: number;
  readonly cancellations: number;
  readonly guestUpdates: number;
  readonly priceEdits: number;
  readonly conflicts: { type: string; resolution: string; count: number }[];
  readonly reviewTasks: { type: string; severity: string; opened: number; resolvedByOperator: number; resolvedBySystem: number }[];
  /** The overbooking tasks the operator resolved through the review API, by action, and those no action the platforms offer could resolve. */
  readonly operator: { tasks: number; cancelStay: number; keepChannelGuest: number; unresolved: number };
  readonly channelActions: ChannelActionsReport & { settledInMs: number; settled: boolean };
  readonly doubleBookings: { ledger: number; acrossChannels: number; openWhileBooked: number; heldForAnother: number };
  /** The channels we push to: from the change to the channel's answer. */
  readonly lag: LagSummary;
  /** Vrbo by iCal: from the change to Vrbo's fetch of a feed version holding it (its poll interval, mostly). */
  readonly icalLag: LagSummary;
  /** The outage, placed on the lag charts' axis (seconds since sampling began). */
  readonly outage: { channel: DemoChannel; seconds: number; failedCalls: number; fromSecond: number; toSecond: number };
  readonly drift: { found: number; nights: number; corrected: number; failed: number };
  /** Vrbo guests' bookings, which reached the ledger through Vrbo's feed (no webhook). */
  readonly vrboBookings: number;
  /** Vrbo's polls of our export feeds. */
  readonly vrboPolls: { changed: number; unchanged: number; failed: number };
  readonly convergedInMs: number;
}

/**
 * A compressed day of a property manager's portfolio, on the simulated platforms: bursts of
 * near-simultaneous bookings of the same nights on different channels and the PMS, a steady flow
 * of bookings, date changes, cancellations, guest updates and price edits, an Expedia outage in
 * the middle, updates a platform silently lost and nights closed behind our back; then the
 * operator resolves the overbookings the bursts made through the review API alone (the system
 * acts on the platforms), a reconciliation pass fixes the drift, and every channel is checked
 * against the ledger, reservation by reservation. Guests act on the platforms as guests do;
 * nothing in this script acts on a platform for the system.
 */
export async function playDay(input: {
  db: Knex;
  simulator: Simulator;
  portfolio: Portfolio;
  vrbo: VrboFeeds;
  endpoints: DayEndpoints;
  window: { from: string; to: string };
  log: (line: string) => void;
}): Promise<DayReport> {
  const { db, simulator, portfolio, vrbo, endpoints, log } = input;
  const properties = portfolio.properties;
  const propertyIds = properties.map((p) => p.propertyId);
  const lag = new LagSampler(endpoints.dispatcherMetrics, 'channel_sync_lag_seconds');
  const icalLag = new LagSampler(endpoints.dispatcherMetrics, 'channel_ical_sync_lag_seconds');
  lag.start();
  icalLag.start();
  const made: ChannelBooking[] = [];
  const direct: DirectBooking[] = [];
  let refusedByChannel = 0;
  const book = async (property: DemoProperty, channel: DemoChannel, checkIn: string, checkOut: string, guest: string, options: { request?: boolean; burst?: boolean } = {}) => {
    const booking = await bookOnChannel(simulator, db, { property, channel, checkIn, checkOut, guest, ...options });
    if (booking) made.push(booking);
    else refusedByChannel++;
  };

  // Morning: bursts. Guests and the PMS take the same nights of one villa at once; see BURSTS for
  // why each burst is one the platforms' APIs can resolve whoever wins.
  log(`  bursts: the same nights taken at once, for ${BURSTS.length} villas: ${BURSTS.map((b) => b.map((g) => (g.kind === 'direct' ? 'direct' : `${g.channel}${g.kind === 'request' ? ' request' : ''}`)).join(' + ')).join('; ')}`);
  await Promise.all(
    BURSTS.map((burst, i) => {
      const property = properties[i]!;
      const [checkIn, checkOut] = [day(input.window.from, 10 + i), day(input.window.from, 13 + i)];
      return Promise.all(
        burst.map(async (guest, j) => {
          if (guest.kind === 'direct') direct.push(await bookDirect(endpoints.pmsApi, portfolio, { property, reference: `D-${property.propertyId}-${j}`, checkIn, checkOut, guest: `Direct Guest ${i}` }));
          else await book(property, guest.channel, checkIn, checkOut, `Burst Guest ${i}-${j}`, { request: guest.kind === 'request', burst: true });
        }),
      );
    }),
  );

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
  // Guests of the steady flow change their bookings; the bursts' guests wait for the operator.
  // Vrbo's feed carries dates only: its guests change dates and cancel, and those reach the
  // ledger through the feed; guest details and totals change on the API channels.
  const accepted = made.filter((m) => !m.burst && m.channel !== ICAL_CHANNEL);
  const vrboAccepted = made.filter((m) => !m.burst && m.channel === ICAL_CHANNEL);
  let modifications = 0;
  let cancellations = 0;
  let guestUpdates = 0;
  let priceEdits = 0;
  let vrboChanges = 0;
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
  for (const [i, m] of vrboAccepted.slice(0, 2).entries()) {
    const path = `${simulator.listing(m.channel, m.property.listings[m.channel])}/bookings/${encodeURIComponent(m.reservationId)}`;
    if (i === 0) {
      const moved = { check_in: nextDay(m.checkIn), check_out: nextDay(m.checkOut) };
      if ((await simulator.call('PATCH', path, moved)).status === 200) {
        modifications++;
        vrboChanges++;
        Object.assign(m, { checkIn: moved.check_in, checkOut: moved.check_out });
      }
    } else if ((await simulator.call('POST', `${path}/cancel`)).status === 200) {
      cancellations++;
      vrboChanges++;
    }
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

  // Afternoon: the operator resolves the overbookings the bursts made, through the review API
  // only; the system carries each decision out on the platforms (losing requests it declined
  // already, without review).
  log('  the operator resolves the overbookings through the review API; the system acts on the platforms');
  const burstCommands = [...made.filter((m) => m.burst).map((m) => m.commandId), ...direct.flatMap((d) => (d.commandId ? [d.commandId] : []))];
  const burstDecisions: { command_id: string; outcome: string }[] = await waitFor('the ledger to decide every burst booking', async () => {
    const rows = await db('processed_commands').whereIn('command_id', burstCommands).select('command_id', 'outcome');
    return rows.length === burstCommands.length ? rows : undefined;
  }, { timeoutMs: 30_000, intervalMs: 250 }).catch(() => []);
  // A losing instant booking on a platform is an overbooking for review; a losing request is declined, a losing direct booking refused.
  const overbooked = made.filter((m) => m.burst && !m.request && burstDecisions.some((d) => d.command_id === m.commandId && d.outcome === 'rejected')).length;
  const review = reviewApi(endpoints.reviewApi, portfolio.apiKey);
  await waitFor('escalation to open the overbooking tasks', async () => ((await review('/v1/review-tasks?type=OVERBOOKING&status=open')).body as { tasks?: unknown[] }).tasks?.length === overbooked, { timeoutMs: 30_000, intervalMs: 250 }).catch(() => undefined);
  const operatorReport = await resolveOverbookings({ review, pms: reviewApi(endpoints.pmsApi, portfolio.apiKey), simulator, operator: 'ana@villas.example' });
  const resolutions = operatorReport.tasks.filter((t) => t.resolved && t.commandId);
  // The system must act on a channel for every cancel_stay, for a kept guest whose winner was a
  // channel's, and for every losing request; and acknowledge every channel booking.
  const actingCommands = [
    ...resolutions.filter((t) => t.action === 'cancel_stay' || !t.winningKey.startsWith('PMS:')).map((t) => t.commandId!),
    ...made.map((m) => m.commandId).filter((c) => burstDecisions.some((d) => d.command_id === c)),
  ];
  const settleStarted = Date.now();
  const settled = await waitForReservationActions(db, propertyIds, { decided: resolutions.map((t) => t.commandId!), acting: actingCommands }, 60_000);
  const settledInMs = Date.now() - settleStarted;

  // Evening: a reconciliation pass finds what the platforms lost or were changed behind our back.
  log('  reconciliation: every channel listing read and compared with the ledger');
  await vrbo.pollAll();
  // The tenant's key: a pass over all is over the tenant's properties.
  const reconcilerAuth = { authorization: `Bearer ${portfolio.apiKey}` };
  const started = (await (await fetch(`${endpoints.reconciler}/v1/reconciliations`, { method: 'POST', headers: { ...reconcilerAuth, 'content-type': 'application/json' }, body: '{}' })).json()) as { pass_id: string };
  let pass = { status: 'running', pending: 1, found: { listings: 0, nights: 0 }, corrected: 0, failed: 0 };
  await waitFor('the reconciliation pass to finish and its corrections to settle', async () => {
    pass = (await (await fetch(`${endpoints.reconciler}/v1/reconciliations/${started.pass_id}`, { headers: reconcilerAuth })).json()) as typeof pass;
    return pass.status !== 'running' && pass.pending === 0;
  }, { timeoutMs: 60_000, intervalMs: 250 }).catch(() => undefined);

  // Night: every channel must show what the ledger holds, and no platform may hold a night for a
  // reservation while the ledger gives it to another stay.
  const convergeStarted = Date.now();
  let openWhileBooked = 0;
  let heldForAnother: { nights: number; reservations: string[] } = { nights: 0, reservations: [] };
  await waitFor('every channel to show what the ledger holds', async () => {
    await vrbo.pollAll();
    openWhileBooked = 0;
    heldForAnother = await nightsHeldForAnother(db, simulator, properties, input.window);
    let equal = heldForAnother.nights === 0;
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
  icalLag.stop();

  // What happened, from the ledger, the escalation tables and the simulated platforms.
  const decisions: { outcome: string; n: string }[] = await db('processed_commands').whereIn('command_id', made.map((m) => m.commandId)).groupBy('outcome').select('outcome', db.raw('count(*) as n'));
  const count = (outcome: string) => Number(decisions.find((d) => d.outcome === outcome)?.n ?? 0);
  const directDecisions: { outcome: string }[] = await db('processed_commands').whereIn('command_id', direct.flatMap((d) => (d.commandId ? [d.commandId] : []))).select('outcome');
  const actions = await channelActions({
    db,
    simulator,
    properties,
    losers: new Set(operatorReport.tasks.map((t) => t.losingKey)),
    keptWinners: new Set(operatorReport.tasks.filter((t) => t.resolved && t.action === 'keep_channel_guest').map((t) => t.winningKey)),
  });
  if (heldForAnother.reservations.length > 0) log(`  reservations still held on their platform for nights the ledger gives another stay: ${heldForAnother.reservations.join(', ')}`);
  const conflicts: { type: string; resolution: string; count: string }[] = await db('audit_log').whereIn('property_id', propertyIds).whereNotNull('conflict_type').groupBy('conflict_type', 'resolution').select('conflict_type as type', 'resolution', db.raw('count(*) as count')).orderBy('conflict_type');
  const tasks: { type: string; severity: string; opened: string; resolved: string; by_system: string }[] = await db('escalation.review_tasks')
    .whereIn('property_id', propertyIds)
    .groupBy('conflict_type', 'severity')
    .select('conflict_type as type', 'severity', db.raw('count(*) as opened'), db.raw(`count(*) filter (where resolved_by = 'ana@villas.example') as resolved`), db.raw(`count(*) filter (where resolved_by like 'system:%') as by_system`))
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
    directBookings: { made: direct.length, accepted: directDecisions.filter((d) => d.outcome === 'applied').length, refused: directDecisions.filter((d) => d.outcome === 'rejected').length },
    modifications,
    cancellations,
    guestUpdates,
    priceEdits,
    conflicts: conflicts.map((c) => ({ type: c.type, resolution: c.resolution, count: Number(c.count) })),
    reviewTasks: tasks.map((t) => ({ type: t.type, severity: t.severity, opened: Number(t.opened), resolvedByOperator: Number(t.resolved), resolvedBySystem: Number(t.by_system) })),
    operator: {
      tasks: operatorReport.tasks.length,
      cancelStay: operatorReport.tasks.filter((t) => t.resolved && t.action === 'cancel_stay').length,
      keepChannelGuest: operatorReport.tasks.filter((t) => t.resolved && t.action === 'keep_channel_guest').length,
      unresolved: operatorReport.tasks.filter((t) => !t.resolved).length,
    },
    channelActions: { ...actions, settledInMs, settled },
    doubleBookings: { ledger: ledgerOverlaps, acrossChannels, openWhileBooked, heldForAnother: heldForAnother.nights },
    lag: lag.summary(),
    icalLag: icalLag.summary(),
    outage: { channel: 'EXPEDIA', seconds: outageSeconds, failedCalls, fromSecond: lag.secondOf(outageStarted), toSecond: lag.secondOf(outageStarted + outageSeconds * 1000) },
    drift: { found: pass.found.listings, nights: pass.found.nights, corrected: pass.corrected, failed: pass.failed },
    vrboBookings: made.filter((m) => m.channel === ICAL_CHANNEL).length,
    vrboPolls: await vrbo.polls(),
    vrboChanges,
    convergedInMs,
  };
}

function day(from: string, offset: number): string {
  return new Date(Date.parse(`${from}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
