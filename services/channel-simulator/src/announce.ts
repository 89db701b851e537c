import type { ChannelWebhookPayload } from '@cm/channel-webhooks';
import type { ReservationEventType } from './bookings';
import { channelSegment } from './channels';
import { expireRequest } from './host-operations';
import type { Listing, Reservation } from './listing';
import type { ChannelPlatform } from './platform';
import type { RouteContext } from './routes/context';
import { reservationWebhook } from './webhook-payload';
import type { DeliveryReport } from './webhooks';

/**
 * How a platform tells ingest what happened to a reservation, and what it does on its own after:
 * each reservation's webhooks leave in order; on a platform that waits for acknowledgements the
 * revision announced waits in the reservation's record and, unacknowledged, is re-delivered as it
 * was sent (same event_id) every `redeliveryMs`, at most `maxRedeliveries` times; a request to book
 * expires when its window passes.
 */

/**
 * Announces a change the platform made; resolves with how the delivery went, or null for an
 * iCal-only listing: the change happened all the same, and reaches us only through its feed.
 */
export async function announce(context: RouteContext, platform: ChannelPlatform, listing: Listing, reservation: Reservation, event: ReservationEventType): Promise<DeliveryReport | null> {
  if (listing.settings.sync === 'ical') return null;
  const payload = reservationWebhook(event, reservation, new Date().toISOString());
  const record = reservation.acknowledgement;
  if (record) {
    record.pending = { revision: reservation.revision, payload, since: payload.occurred_at, redeliveries: 0 };
    scheduleRedelivery(context, platform, listing, reservation);
  }
  return deliverInOrder(context, platform, listing, reservation.id, payload);
}

/** Starts the clock of a request to book: unanswered when it runs out, the platform declines it. */
export function scheduleExpiry(context: RouteContext, platform: ChannelPlatform, listing: Listing, reservation: Reservation): void {
  const request = reservation.request;
  if (!request) return;
  platform.timers.set(`expiry:${reservation.id}`, Math.max(0, request.expiresAtMs - Date.now()), () => {
    // A timer may fire a millisecond before Date.now() reaches its deadline: then it is set again.
    if (reservation.state === 'pending' && reservation.request && Date.now() < reservation.request.expiresAtMs) return scheduleExpiry(context, platform, listing, reservation);
    expireIfDue(context, platform, listing, reservation);
  });
}

/**
 * Expires a pending request whose window has passed (the timer does it, and every operation checks
 * first, so none acts on a request that should be gone). Its webhook leaves in the background.
 */
export function expireIfDue(context: RouteContext, platform: ChannelPlatform, listing: Listing, reservation: Reservation): void {
  if (reservation.state !== 'pending' || !reservation.request || Date.now() < reservation.request.expiresAtMs) return;
  if (!expireRequest(listing, platform.channel, reservation, new Date().toISOString())) return;
  platform.timers.cancel(`expiry:${reservation.id}`);
  void announce(context, platform, listing, reservation, 'reservation.status_changed');
}

function scheduleRedelivery(context: RouteContext, platform: ChannelPlatform, listing: Listing, reservation: Reservation): void {
  const { redeliveryMs, maxRedeliveries } = context.reservations;
  const record = reservation.acknowledgement;
  const pending = record?.pending;
  if (redeliveryMs <= 0 || !record || !pending || pending.redeliveries >= maxRedeliveries) return;
  platform.timers.set(`ack:${reservation.id}`, redeliveryMs, () => {
    // Acknowledged, superseded by a newer revision, or the listing turned iCal-only since.
    if (record.pending !== pending || context.stopping.aborted || listing.settings.sync === 'ical') return;
    pending.redeliveries++;
    record.redeliveries++;
    listing.counters.count('redeliveries');
    void deliverInOrder(context, platform, listing, reservation.id, pending.payload);
    scheduleRedelivery(context, platform, listing, reservation);
  });
}

function deliverInOrder(context: RouteContext, platform: ChannelPlatform, listing: Listing, reservationId: string, payload: ChannelWebhookPayload): Promise<DeliveryReport> {
  const settings = listing.settings;
  const target = { url: settings.webhookUrl ?? `${context.ingestUrl}/webhooks/${channelSegment(platform.channel)}`, connectionId: settings.connectionId, secret: settings.secret };
  const previous = platform.deliveryChains.get(reservationId) ?? Promise.resolve();
  const delivery = previous.then(async () => {
    const report = await context.webhooks.deliver(target, payload);
    platform.stats.countWebhook(report.outcome, report.attempts);
    return report;
  });
  const tail = delivery.catch(() => undefined);
  platform.deliveryChains.set(reservationId, tail);
  void tail.then(() => {
    if (platform.deliveryChains.get(reservationId) === tail) platform.deliveryChains.delete(reservationId);
  });
  return delivery;
}
