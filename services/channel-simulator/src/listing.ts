import type { WebhookAddress, WebhookAmount } from '@cm/channel-webhooks';
import { ListingCalendar } from './calendar';
import type { NightRange } from './dates';

/** How the platform reaches our side for this listing: the connection it signs webhooks for. */
export interface ListingSettings {
  readonly connectionId: string;
  readonly secret: string;
  readonly currency: string;
  /** Informational: the property's zone (dates everywhere are property-local already). */
  readonly timeZone: string;
  /** Where webhooks go; null means the simulator's INGEST_URL + `/webhooks/{channel}`. */
  readonly webhookUrl: string | null;
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

/** A guest's stay as the platform holds it. `revision` grows with every change the platform announces. */
export interface Reservation {
  readonly id: string;
  readonly listingId: string;
  state: 'active' | 'cancelled';
  /** The channel's own status word last announced (see status-words.ts). */
  statusWord: string;
  range: NightRange;
  revision: number;
  guest: GuestRecord;
  /** How many guests the reservation is for, if the guest said. */
  readonly guestCount: number | null;
  total: WebhookAmount | null;
  readonly createdAt: string;
  updatedAt: string;
}

export class Listing {
  readonly calendar = new ListingCalendar();
  readonly reservations = new Map<string, Reservation>();

  constructor(
    readonly id: string,
    public settings: ListingSettings,
  ) {}
}
