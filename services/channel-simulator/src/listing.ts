import type { ChannelWebhookPayload, WebhookAddress, WebhookAmount } from '@cm/channel-webhooks';
import { ListingCalendar } from './calendar';
import type { NightRange } from './dates';
import { ListingIcal } from './ical-record';
import { ReservationCounters } from './stats';

/**
 * How the platform syncs with us for a listing: `api`, by its API and signed webhooks; `ical`,
 * by iCal feeds only (it serves its export feed and polls ours; no webhook, no API for us).
 */
export const SYNC_MODES = ['api', 'ical'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/** How the platform reaches our side for this listing: the connection it signs webhooks for. */
export interface ListingSettings {
  readonly connectionId: string;
  readonly secret: string;
  readonly currency: string;
  /** The property's zone: dates everywhere are property-local already; feeds it imports are read in it. */
  readonly timeZone: string;
  /** Where webhooks go; null means the simulator's INGEST_URL + `/webhooks/{channel}`. */
  readonly webhookUrl: string | null;
  readonly sync: SyncMode;
  /** Our export feed of this listing, which the platform polls (iCal listings only). */
  readonly importUrl: string | null;
  /** How often it polls `importUrl`; 0 only when asked (`POST …/ical/poll`). */
  readonly icalPollSeconds: number;
  /** The key every platform API call for the listing must carry as `Authorization: Bearer …`; null: none asked. */
  readonly apiKey: string | null;
}

export interface GuestRecord {
  readonly name: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly address: WebhookAddress | null;
  /** BCP 47, as the guest set it on the platform. */
  readonly language: string | null;
  /** When the platform last changed these fields (ISO instant). */
  readonly updatedAt: string;
}

/**
 * `active` a confirmed stay; `pending` a request to book waiting for the host (its nights held);
 * `declined` and `expired` a request the host refused or left unanswered; `cancelled` by either side.
 */
export const RESERVATION_STATES = ['pending', 'active', 'cancelled', 'declined', 'expired'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/** A request to book: when it expires unanswered, and why the host declined it. */
export interface BookingRequestRecord {
  readonly expiresAtMs: number;
  declineReason: string | null;
}

/** New dates a guest asked for on a confirmed stay, waiting for the host. */
export interface AlterationRecord {
  readonly range: NightRange;
  readonly total: WebhookAmount | undefined;
  readonly requestedAt: string;
}

export interface CancellationRecord {
  readonly by: 'guest' | 'host';
  readonly reason: string | null;
  readonly at: string;
}

/** The last revision announced and not yet acknowledged, kept to be re-delivered as it was sent. */
export interface PendingAcknowledgement {
  readonly revision: number;
  readonly payload: ChannelWebhookPayload;
  readonly since: string;
  redeliveries: number;
}

/** On platforms that wait for acknowledgements: what was acknowledged, what waits, how often it was re-sent. */
export interface AcknowledgementRecord {
  acknowledgedRevision: number;
  pending: PendingAcknowledgement | null;
  redeliveries: number;
}

/** A guest's stay as the platform holds it. `revision` grows with every change the platform announces. */
export interface Reservation {
  readonly id: string;
  readonly listingId: string;
  state: ReservationState;
  /** The channel's own status word last announced (see status-words.ts). */
  statusWord: string;
  range: NightRange;
  revision: number;
  guest: GuestRecord;
  /** How many guests the reservation is for, if the guest said. */
  readonly guestCount: number | null;
  /** The rate plan booked: its terms price the stay and say which stays may be booked. */
  readonly ratePlanId: string;
  total: WebhookAmount | null;
  readonly createdAt: string;
  updatedAt: string;
  /** Null for an instant booking. */
  readonly request: BookingRequestRecord | null;
  alteration: AlterationRecord | null;
  cancellation: CancellationRecord | null;
  /** Null on platforms that do not wait for acknowledgements. */
  readonly acknowledgement: AcknowledgementRecord | null;
}

export class Listing {
  readonly calendar = new ListingCalendar();
  readonly reservations = new Map<string, Reservation>();
  readonly counters = new ReservationCounters();
  readonly ical = new ListingIcal();

  constructor(
    readonly id: string,
    public settings: ListingSettings,
  ) {}
}
