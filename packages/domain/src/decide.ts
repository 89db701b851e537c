import type { Command } from './commands';
import type { Decision, Effect } from './decision';
import { assertNever } from './guest';
import { noRates, type RateLookup } from './money';
import { channelOf, stayKey, type PropertyState, type Stay, type StayKey } from './property-state';
import type { StayDates } from './stay-dates';
import { decideBlockNights, decideUnblockNights } from './rules/blocks';
import { decideChangeStatus } from './rules/change-status';
import { decideCreateBooking } from './rules/create-booking';
import { decideFlagDispute } from './rules/flag-dispute';
import { decideModifyDates } from './rules/modify-dates';
import { ignored } from './rules/outcomes';
import { decideReportPrice } from './rules/report-price';
import { decideUpdateGuest } from './rules/update-guest';

export interface DecideContext {
  /** Conversion rates for comparing prices across currencies; none given means none known. */
  readonly rates?: RateLookup;
}

/**
 * Decides one command against one property's ledger. Pure: the same state and command always
 * give the same decision, and `evolve(state, decision)` is the only change it causes.
 */
export function decide(state: PropertyState, command: Command, context: DecideContext = {}): Decision {
  return withAcknowledgement(command, withAlterationAnswer(command, decideCommand(state, command, context)));
}

/**
 * A guest's alteration request waits on the channel for the host's answer, and the ledger's
 * decision is that answer: accepted when its nights are free (or are the stay's already), declined
 * otherwise, so the guest is never left waiting on dates the ledger refused. The stay moves only
 * when the channel applies the change and announces it, so nothing opens while the guest still
 * holds the old nights. A repeat (same revision) or an older request answers nothing: the channel
 * holds one alteration at a time, and a decline would reach whichever waits now.
 */
function withAlterationAnswer(command: Command, decision: Decision): Decision {
  const channel = channelOf(command.source);
  if (command.type !== 'modify_dates' || !command.alterationRequest || !channel || command.bookingSource !== command.source) return decision;
  if (decision.reason === 'duplicate_command' || decision.reason === 'stale_version') return decision;
  const target = { channel, key: stayKey(command.bookingSource, command.ref), ref: command.ref };
  const accepted = decision.reason === 'alteration_to_accept' || decision.reason === 'no_change';
  const answer: Effect = { kind: 'act_on_reservation', action: accepted ? { kind: 'accept_alteration', ...target } : { kind: 'decline_alteration', ...target, reason: declineReason(decision) } };
  return { ...decision, effects: [...decision.effects, answer] };
}

function declineReason(decision: Decision): string {
  switch (decision.reason) {
    case 'nights_unavailable':
      return 'the requested nights are not available';
    case 'cancellation_is_final':
      return 'the reservation is cancelled';
    default:
      return `the dates cannot be changed (${decision.reason ?? decision.outcome})`;
  }
}

/** The commands that carry a revision of a channel's reservation, which its platform queues until acknowledged. */
const REVISIONS_OF_A_RESERVATION: ReadonlySet<Command['type']> = new Set(['create_booking', 'modify_dates', 'change_status', 'update_guest', 'report_price']);

/**
 * Every revision of a reservation a channel tells us of (new, changed, cancelled, its guest's
 * details or its price) is acknowledged on that channel once the ledger has decided it, whatever
 * the decision: the platform then stops re-sending it (as Booking.com does until acknowledged).
 */
function withAcknowledgement(command: Command, decision: Decision): Decision {
  const channel = channelOf(command.source);
  const aboutItsReservation = command.bookingSource === command.source && REVISIONS_OF_A_RESERVATION.has(command.type);
  if (!channel || !aboutItsReservation) return decision;
  const acknowledge: Effect = { kind: 'act_on_reservation', action: { kind: 'acknowledge', channel, key: stayKey(command.bookingSource, command.ref), ref: command.ref, revision: command.sourceVersion } };
  return { ...decision, effects: [...decision.effects, acknowledge] };
}

/**
 * What a command reads of its property's ledger: its own stay, with the stays holding the nights
 * it asks for; keeping a guest also reads the stay it cancels.
 */
export function stateNeeds(command: Command): { readonly key: StayKey; readonly dates: StayDates | null }[] {
  const own = stayKey(command.bookingSource, command.ref);
  if (command.type === 'change_status' && command.keeps) return [{ key: own, dates: command.keeps.dates }, { key: command.keeps.cancels, dates: null }];
  return [{ key: own, dates: 'dates' in command ? command.dates : null }];
}

function decideCommand(state: PropertyState, command: Command, context: DecideContext): Decision {
  if (command.propertyId !== state.propertyId) {
    throw new Error(`command ${command.commandId} is for ${command.propertyId}, not ${state.propertyId}`);
  }
  const key = stayKey(command.bookingSource, command.ref);
  const existing = state.stays.get(key);
  const staleness = existing && checkVersion(state, command, existing);
  if (staleness) return staleness;
  const rates = context.rates ?? noRates;

  switch (command.type) {
    case 'create_booking':
      return decideCreateBooking(state, command, key, rates);
    case 'block_nights':
      return decideBlockNights(state, command, key, existing);
    case 'unblock_nights':
      return decideUnblockNights(state, command, key, existing);
    case 'flag_dispute':
      return decideFlagDispute(state, command, key, existing);
    case 'modify_dates':
    case 'change_status':
    case 'update_guest':
    case 'report_price': {
      if (existing?.kind !== 'booking') return ignored(state, command, key, 'unknown_booking');
      switch (command.type) {
        case 'modify_dates':
          return decideModifyDates(state, command, existing);
        case 'change_status':
          return decideChangeStatus(state, command, existing);
        case 'update_guest':
          return decideUpdateGuest(state, command, existing);
        case 'report_price':
          return decideReportPrice(state, command, existing, rates);
      }
    }
    /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
    default:
      return assertNever(command);
  }
}

/**
 * A price report at the version last applied from its source whose price the ledger has not
 * decided: the second command of a channel's revision that moved the stay and changed its total
 * (ingest sends the date change, then the price report, both at the revision's version).
 */
function pricePending(command: Command, stay: Stay): boolean {
  if (command.type !== 'report_price' || stay.kind !== 'booking') return false;
  const decided = stay.priceVersions?.[command.source];
  return decided === undefined || decided < command.sourceVersion;
}

/**
 * 1.2 stale data and "more recent wins for same-source changes": a change from a source whose
 * version is not newer than the last one the ledger applied from that source is ignored. The same
 * version again is a duplicate (a retry or a replay); an older one is stale and counted.
 */
function checkVersion(state: PropertyState, command: Command, stay: Stay): Decision | undefined {
  const last = stay.versions[command.source];
  if (last === undefined || command.sourceVersion > last) return undefined;
  if (command.sourceVersion === last && pricePending(command, stay)) return undefined;
  if (command.sourceVersion === last) return ignored(state, command, stay.key, 'duplicate_command');
  return ignored(state, command, stay.key, 'stale_version', [
    {
      facts: { type: 'STALE_DATA', key: stay.key, incomingVersion: command.sourceVersion, ledgerVersion: last },
      resolution: 'IGNORED_STALE',
      rule: '1.2 stale data',
      channel: channelOf(command.source),
      summary: `${stay.key}: ${command.source} version ${command.sourceVersion} is older than the ${last} already applied`,
    },
  ]);
}
