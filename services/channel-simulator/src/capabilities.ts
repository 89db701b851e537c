import type { Channel } from '@cm/schemas';

/**
 * What a host's software may do to one reservation through each platform's API. Each simulated
 * platform offers only what its real counterpart does (README "Reservation operations" gives the
 * sources); an operation a platform lacks answers 405 `operation_not_supported`.
 */
export const RESERVATION_OPERATIONS = ['acknowledge', 'decide_request', 'decide_alteration', 'host_cancel', 'read_reservation'] as const;
export type ReservationOperation = (typeof RESERVATION_OPERATIONS)[number];

export const PLATFORM_CAPABILITIES: Readonly<Record<Channel, readonly ReservationOperation[]>> = {
  // Request to book: accept or decline within 24 h, else it expires; guests' alteration requests
  // are accepted or declined through software; hosts cancel with a reason; reservations are read
  // one by one. No acknowledgement queue: Airbnb pushes, it does not wait for a confirmation.
  AIRBNB: ['decide_request', 'decide_alteration', 'host_cancel', 'read_reservation'],
  // OTA_HotelResNotif / OTA_HotelResModifyNotif keep new, modified and cancelled reservations
  // queued until acknowledged; the Request to Book API (eligible homes) approves or rejects within
  // 24 h; one reservation can be retrieved by id. A property cannot cancel through the API (the
  // Reporting API only marks no-shows and invalid cards), and date changes arrive as modifications.
  BOOKING_COM: ['acknowledge', 'decide_request', 'read_reservation'],
  // Quote & Hold: a request is confirmed or declined within 24 h; the owner cancels ("cancelled by
  // owner", with a reason). Vrbo reads bookings from the host's software, which holds them: there
  // is no acknowledgement queue, no alteration request (guests cannot alter) and nothing to read.
  VRBO: ['decide_request', 'host_cancel'],
  // Booking Retrieval + Booking Confirmation: pending reservations, modifications and
  // cancellations wait for a confirmation number (else they fall back to e-mail); one booking is
  // retrieved by id. No request to book, no alteration request, no cancellation by the hotel.
  EXPEDIA: ['acknowledge', 'read_reservation'],
};

export function supports(channel: Channel, operation: ReservationOperation): boolean {
  return PLATFORM_CAPABILITIES[channel].includes(operation);
}
