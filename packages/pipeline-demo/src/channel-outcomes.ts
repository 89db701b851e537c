import { waitFor, type Knex } from '@cm/service-runtime';
import { ALL_CHANNELS, ICAL_CHANNEL, type DemoChannel, type DemoProperty, type Simulator } from './channels';
import { holdingStays } from './ledger-checks';
import { nextDay } from './vrbo-feeds';

/**
 * What the system did to reservations on their own channels, counted twice from what really
 * happened: the sync-dispatcher's record of each action (`sync.reservation_actions`, outcome
 * done or already_done) and the platforms' own reservation states (the simulator's admin view).
 */
export interface ChannelActionsReport {
  /** Losing requests to book declined on their platform. */
  readonly declinedLosers: Evidence;
  /** Losing instant bookings cancelled on their platform as host (the operator's cancel_stay). */
  readonly cancelledLosers: Evidence;
  /** Stays that won, cancelled on their platform as host so the operator could keep the channel guest. */
  readonly cancelledWinners: Evidence;
  /** Host cancellations and date changes a PMS command asked of a booking's own channel: carried out there, or not (unsupported, refused, still to do). */
  readonly pmsChanges: { readonly reached: number; readonly dateChanges: number; readonly notReached: number };
  /** Reservations acknowledged on the platforms that queue them until acknowledged (Booking.com, Expedia), those still waiting there, and those with nothing to acknowledge (Airbnb, Vrbo). */
  readonly acknowledged: Evidence & { readonly waiting: number; readonly waitingEvents: Readonly<Record<string, number>>; readonly notNeeded: number };
  /** Actions still to be carried out when the day was checked. */
  readonly pending: number;
}

export interface Evidence {
  readonly dispatcher: number;
  readonly platforms: number;
}

interface ActionRow {
  channel: string;
  booking_ref: string;
  status: string;
  outcome: string | null;
  source: string;
  stay_key: string;
  kind: string;
}

interface PlatformReservation {
  id: string;
  state: 'pending' | 'active' | 'cancelled' | 'declined' | 'expired';
  check_in: string;
  check_out: string;
  revision: number;
  cancellation: { by: 'guest' | 'host' } | null;
  acknowledgement: { acknowledged_revision: number; pending: { event_type: string } | null } | null;
}

const CARRIED_OUT = new Set(['done', 'already_done']);

/**
 * Waits (bounded) until the sync-dispatcher has carried out every reservation action of the
 * day's properties: the commands given decided, what the arbiter published has left its outbox,
 * each command that must act on a channel has its actions recorded, and none is still to do.
 * Answers whether that happened before the deadline.
 */
export async function waitForReservationActions(db: Knex, propertyIds: readonly string[], commands: { decided: readonly string[]; acting: readonly string[] }, timeoutMs: number): Promise<boolean> {
  return waitFor('the sync-dispatcher to carry out every reservation action', async () => {
    const decided: { n: string }[] = await db('processed_commands').whereIn('command_id', [...commands.decided]).count({ n: '*' });
    if (Number(decided[0]?.n ?? 0) < commands.decided.length) return false;
    const unpublished: { n: string }[] = await db('outbox').whereIn('record_key', [...propertyIds]).count({ n: '*' });
    if (Number(unpublished[0]?.n ?? 0) > 0) return false;
    const recorded: { command_id: string }[] = await db('sync.reservation_actions').whereIn('property_id', [...propertyIds]).distinct(db.raw("record->>'command_id' AS command_id"));
    const known = new Set(recorded.map((r) => r.command_id));
    if (commands.acting.some((c) => !known.has(c))) return false;
    const pending: { n: string }[] = await db('sync.reservation_actions').whereIn('property_id', [...propertyIds]).where({ status: 'pending' }).count({ n: '*' });
    return Number(pending[0]?.n ?? 0) === 0;
  }, { timeoutMs, intervalMs: 500 }).then(() => true, () => false);
}

/** The day's reservation actions, from the dispatcher's table and from the platforms. */
export async function channelActions(input: {
  db: Knex;
  simulator: Simulator;
  properties: readonly DemoProperty[];
  /** Stay keys of the losing channel bookings of the overbooking tasks, and of the winners cancelled to keep a channel guest. */
  losers: ReadonlySet<string>;
  keptWinners: ReadonlySet<string>;
}): Promise<ChannelActionsReport> {
  const { db, simulator, properties, losers, keptWinners } = input;
  const rows: ActionRow[] = await db('sync.reservation_actions')
    .whereIn('property_id', properties.map((p) => p.propertyId))
    .select('channel', 'booking_ref', 'status', 'outcome', db.raw("record->>'source' AS source"), db.raw("record->>'stay_key' AS stay_key"), db.raw("record->'action'->>'kind' AS kind"));
  const carried = (r: ActionRow) => r.status === 'done' && CARRIED_OUT.has(r.outcome ?? '');
  const reservations = (filter: (r: ActionRow) => boolean) => new Set(rows.filter(filter).map((r) => `${r.channel}:${r.booking_ref}`)).size;
  const pmsChanges = rows.filter((r) => r.source === 'PMS' && (r.kind === 'HOST_CANCEL' || r.kind === 'CHANGE_DATES'));

  const platform = { declined: 0, cancelledLosers: 0, cancelledWinners: 0, acknowledged: 0, waiting: 0 };
  const waitingEvents: Record<string, number> = {};
  for (const property of properties) {
    for (const channel of ALL_CHANNELS) {
      for (const r of await listReservations(simulator, channel, property)) {
        const key = `${channel}:${r.id}`;
        if (r.state === 'declined') platform.declined++;
        if (r.cancellation?.by === 'host' && losers.has(key)) platform.cancelledLosers++;
        if (r.cancellation?.by === 'host' && keptWinners.has(key)) platform.cancelledWinners++;
        if (r.acknowledgement && r.acknowledgement.pending === null && r.acknowledgement.acknowledged_revision > 0) platform.acknowledged++;
        if (r.acknowledgement?.pending) {
          platform.waiting++;
          waitingEvents[r.acknowledgement.pending.event_type] = (waitingEvents[r.acknowledgement.pending.event_type] ?? 0) + 1;
        }
      }
    }
  }
  return {
    declinedLosers: { dispatcher: reservations((r) => r.kind === 'DECLINE_REQUEST' && carried(r)), platforms: platform.declined },
    cancelledLosers: { dispatcher: reservations((r) => r.kind === 'HOST_CANCEL' && carried(r) && losers.has(r.stay_key)), platforms: platform.cancelledLosers },
    cancelledWinners: { dispatcher: reservations((r) => r.kind === 'HOST_CANCEL' && carried(r) && keptWinners.has(r.stay_key)), platforms: platform.cancelledWinners },
    pmsChanges: {
      reached: pmsChanges.filter(carried).length,
      dateChanges: pmsChanges.filter((r) => r.kind === 'CHANGE_DATES' && carried(r)).length,
      notReached: pmsChanges.filter((r) => !carried(r)).length,
    },
    acknowledged: {
      dispatcher: reservations((r) => r.kind === 'ACKNOWLEDGE' && carried(r)),
      platforms: platform.acknowledged,
      waiting: platform.waiting,
      waitingEvents,
      notNeeded: reservations((r) => r.kind === 'ACKNOWLEDGE' && r.outcome === 'not_needed'),
    },
    pending: rows.filter((r) => r.status === 'pending').length,
  };
}

/**
 * Nights a platform still holds for a reservation while the ledger gives them to another stay:
 * a losing reservation still confirmed (or still a pending request) on its channel, or any
 * reservation the ledger moved or cancelled without its channel following. Each such night is a
 * guest holding a confirmation for a night someone else has.
 */
export async function nightsHeldForAnother(db: Knex, simulator: Simulator, properties: readonly DemoProperty[], window: { from: string; to: string }): Promise<{ nights: number; reservations: string[] }> {
  let nights = 0;
  const reservations = new Set<string>();
  for (const property of properties) {
    const holders = new Map<string, { stay_key: string; check_in: string; check_out: string }[]>();
    for (const stay of await holdingStays(db, property.propertyId, window.from)) {
      for (let d = stay.check_in; d < stay.check_out; d = nextDay(d)) holders.set(d, [...(holders.get(d) ?? []), stay]);
    }
    for (const channel of ALL_CHANNELS) {
      for (const r of await listReservations(simulator, channel, property)) {
        if (r.state !== 'active' && r.state !== 'pending') continue;
        const key = `${channel}:${r.id}`;
        // An iCal feed carries no reservation id: the ledger knows Vrbo's stay by its feed UID, so
        // the same stay is the one from that channel on the same dates.
        const isThisStay = (holder: { stay_key: string; check_in: string; check_out: string }) =>
          channel === ICAL_CHANNEL ? holder.stay_key.startsWith(`${channel}:ical-`) && holder.check_in === r.check_in && holder.check_out === r.check_out : holder.stay_key === key;
        for (let d = r.check_in < window.from ? window.from : r.check_in; d < r.check_out && d < window.to; d = nextDay(d)) {
          if ((holders.get(d) ?? []).some((holder) => !isThisStay(holder))) {
            nights++;
            reservations.add(key);
          }
        }
      }
    }
  }
  return { nights, reservations: [...reservations] };
}

async function listReservations(simulator: Simulator, channel: DemoChannel, property: DemoProperty): Promise<PlatformReservation[]> {
  const { status, body } = await simulator.call<{ reservations: PlatformReservation[] }>('GET', `${simulator.listing(channel, property.listings[channel])}/reservations`);
  if (status !== 200) throw new Error(`reading ${channel} ${property.listings[channel]}'s reservations: ${status}`);
  return body.reservations;
}

/** What the system did on the reservations' own channels: the dispatcher's record / the platforms' own reservation states. */
export function channelActionLines(a: ChannelActionsReport & { readonly settledInMs: number; readonly settled: boolean }): string[] {
  return [
    `on the reservations' own channels (the sync-dispatcher's record / the platforms' own reservation states), ${a.settled ? `every action carried out ${a.settledInMs} ms after the resolutions` : `${a.pending} actions still not carried out after ${Math.round(a.settledInMs / 1000)} s`}:`,
    `  losing reservations the system declined or cancelled on their channels: ${a.declinedLosers.dispatcher + a.cancelledLosers.dispatcher} / ${a.declinedLosers.platforms + a.cancelledLosers.platforms} (requests to book declined ${a.declinedLosers.dispatcher} / ${a.declinedLosers.platforms}; instant bookings cancelled as host ${a.cancelledLosers.dispatcher} / ${a.cancelledLosers.platforms})`,
    `  winning stays cancelled on their channel as host so the operator could keep a channel guest: ${a.cancelledWinners.dispatcher} / ${a.cancelledWinners.platforms}`,
    `  PMS changes that reached the booking's own channel: ${a.pmsChanges.reached} (${a.pmsChanges.reached - a.pmsChanges.dateChanges} host cancellations, ${a.pmsChanges.dateChanges} date changes)${a.pmsChanges.notReached ? `; ${a.pmsChanges.notReached} did not (unsupported there, refused, or still to do)` : ''}`,
    `  reservations acknowledged on their channels: ${a.acknowledged.dispatcher} / ${a.acknowledged.platforms} on Booking.com and Expedia, which queue every revision until acknowledged (dispatcher: an acknowledgement carried out; platforms: nothing left waiting); ${a.acknowledged.notNeeded} on Airbnb and Vrbo, which keep no queue`,
    `  revisions still waiting for an acknowledgement on Booking.com and Expedia: ${a.acknowledged.waiting}${a.acknowledged.waiting ? ` (${Object.entries(a.acknowledged.waitingEvents).map(([type, n]) => `${n} ${type}`).join(', ')})` : ''}`,
  ];
}
