import { randomUUID } from 'node:crypto';
import type { ChannelWebhookPayload, WebhookEventType } from '@cm/channel-webhooks';
import { channelStatus } from '@cm/channel-webhooks';
import type { Channel, ChannelEventType, ChannelInboundEvent, ChannelNight, Money } from '@cm/schemas';
import { toMinorUnits } from './amounts';
import { toLocalEpochDay } from './dates';
import { toGuestDetails } from './guest-details';
import type { FieldProblem, Normalised } from './field-problems';

const EVENT_TYPES: Readonly<Record<WebhookEventType, ChannelEventType>> = {
  'reservation.created': 'RESERVATION_CREATED',
  'reservation.modified': 'RESERVATION_MODIFIED',
  'reservation.cancelled': 'RESERVATION_CANCELLED',
  'reservation.status_changed': 'RESERVATION_STATUS_CHANGED',
  // The guest asks for new dates and the platform waits for the host: a date change the ledger answers.
  'reservation.alteration_requested': 'RESERVATION_MODIFIED',
  'guest.updated': 'GUEST_UPDATED',
  'price.reported': 'PRICE_REPORTED',
  'availability.reported': 'AVAILABILITY_REPORTED',
  'guest.dispute_flagged': 'GUEST_DISPUTE_FLAGGED',
};

/** The earliest instant a channel event can say it happened at. */
const EARLIEST_INSTANT_MS = Date.UTC(2000, 0, 1);
/** How far ahead of our clock a channel's may run; past it, an instant is a mistake (a year 9999 would outrank every later change). */
const MAX_CLOCK_AHEAD_MS = 24 * 60 * 60 * 1000;

/**
 * A webhook delivery (already schema-checked) to the channel event the Kafka connectors also
 * produce: the channel's status word to our enum, its dates to the property's local dates, its
 * amounts to minor units. Every problem is listed with its path, not just the first.
 */
export function webhookToChannelEvent(
  payload: ChannelWebhookPayload,
  channel: Channel,
  property: { readonly timeZone: string },
  correlationId: string = randomUUID(),
  nowMs: number = Date.now(),
): Normalised<ChannelInboundEvent> {
  const problems: FieldProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const reservation = payload.reservation ?? null;
  const eventType = EVENT_TYPES[payload.type];

  // When something happened orders the channel's changes (a guest's phone, say): an instant far ahead would outrank every change after it.
  const instant = (value: string, path: string): number => {
    const ms = Date.parse(value);
    if (ms < EARLIEST_INSTANT_MS) problem(path, `'${value.slice(0, 40)}' is before 2000: not when a channel event happened`);
    else if (ms > nowMs + MAX_CLOCK_AHEAD_MS) problem(path, `'${value.slice(0, 40)}' is more than a day ahead of our clock`);
    return ms;
  };
  const occurredAt = instant(payload.occurred_at, 'occurred_at');

  const date = (value: string | null | undefined, path: string): number | null => {
    if (value === null || value === undefined) return null;
    const day = toLocalEpochDay(value, property.timeZone);
    return typeof day === 'string' ? (problem(path, day), null) : day;
  };
  const money = (value: { amount: string | number; currency: string } | null | undefined, path: string): Money | null => {
    if (value === null || value === undefined) return null;
    const parsed = toMinorUnits(value.amount, value.currency);
    return typeof parsed === 'string' ? (problem(path, parsed), null) : parsed;
  };

  if (eventType === 'AVAILABILITY_REPORTED') {
    if (!payload.calendar) problem('calendar', 'required for availability.reported');
  } else if (!reservation) {
    problem('reservation', `required for ${payload.type}`);
  }

  let status: ChannelInboundEvent['reservation_status'] = null;
  if (reservation?.status) {
    status = channelStatus(channel, reservation.status) ?? null;
    if (status === null) problem('reservation.status', `'${reservation.status.slice(0, 40)}' is not a ${channel} reservation status`);
  }
  if (eventType === 'RESERVATION_STATUS_CHANGED' && reservation && !reservation.status) problem('reservation.status', 'required for reservation.status_changed');
  if (eventType === 'GUEST_UPDATED' && reservation && !reservation.guest) problem('reservation.guest', 'required for guest.updated');
  if (eventType === 'PRICE_REPORTED' && reservation && !reservation.total) problem('reservation.total', 'required for price.reported');
  if ((eventType === 'RESERVATION_CREATED' || eventType === 'RESERVATION_MODIFIED') && reservation) {
    if (!reservation.check_in) problem('reservation.check_in', `required for ${payload.type}`);
    if (!reservation.check_out) problem('reservation.check_out', `required for ${payload.type}`);
  }

  const alterationRequest = payload.type === 'reservation.alteration_requested';
  if (alterationRequest && reservation && !reservation.alteration) problem('reservation.alteration', 'required for reservation.alteration_requested');
  // An alteration request is about the dates asked for, not the ones the reservation still has.
  const asked = alterationRequest ? reservation?.alteration : reservation;
  const datesPath = alterationRequest ? 'reservation.alteration' : 'reservation';
  const checkIn = date(asked?.check_in, `${datesPath}.check_in`);
  const checkOut = date(asked?.check_out, `${datesPath}.check_out`);
  const total = money(reservation?.total, 'reservation.total');
  const nights: ChannelNight[] = (payload.calendar?.nights ?? []).flatMap((night, i) => {
    const day = date(night.date, `calendar.nights.${i}.date`);
    const price = money(night.price, `calendar.nights.${i}.price`);
    return day === null ? [] : [{ date: day, available: night.available, price, min_stay: night.min_stay ?? null }];
  });

  const guest = reservation?.guest ? toGuestDetails(reservation.guest, reservation.guest.updated_at ? instant(reservation.guest.updated_at, 'reservation.guest.updated_at') : occurredAt, 'reservation.guest', problem) : null;
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      event_id: randomUUID(),
      channel,
      listing_id: payload.listing_id,
      external_event_id: payload.event_id,
      event_type: eventType,
      external_reservation_id: reservation?.id ?? null,
      source_version: reservation?.revision ?? payload.calendar?.revision ?? 0,
      reservation_status: status,
      check_in: checkIn,
      check_out: checkOut,
      total_price: total,
      rate_plan: reservation?.rate_plan ?? null,
      guest,
      guest_count: reservation?.guest_count ?? null,
      nights,
      dispute_reason: payload.dispute_reason ?? null,
      occurred_at: occurredAt,
      correlation_id: correlationId,
      alteration_request: alterationRequest,
    },
  };
}
