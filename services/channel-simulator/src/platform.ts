import type { Channel } from '@cm/schemas';
import { ChannelFaults } from './faults';
import { IcalPolling } from './ical-polling';
import { LIMITS } from './limits';
import { Listing, type ListingSettings, type Reservation } from './listing';
import { deriveSeed } from './random';
import { RequestLedger } from './request-ledger';
import { ChannelStats } from './stats';
import { KeyedTimers } from './timers';

/** What an ARI write answers; a replayed request_id gets this same object back. */
export interface Ack {
  readonly ack_id: string;
  readonly request_id: string;
  readonly listing_id: string;
  readonly nights_changed: number;
}

/** What a reservation operation answered; a replayed request_id gets the same status and body. */
export interface OperationAnswer {
  readonly status: number;
  readonly body: object;
}

export type RegistrationResult =
  | { readonly kind: 'created' | 'updated'; readonly listing: Listing }
  | { readonly kind: 'currency_locked'; readonly currency: string };

/** One simulated platform: its listings, the request_ids it has acked, its faults and its counters. */
export class ChannelPlatform {
  readonly listings = new Map<string, Listing>();
  readonly requests = new RequestLedger<Ack>(LIMITS.rememberedRequestIds);
  readonly faults: ChannelFaults;
  readonly stats = new ChannelStats();
  /** First answers of reservation operations by request_id (see routes/platform-reservations.ts). */
  readonly operationRequests = new RequestLedger<OperationAnswer>(LIMITS.rememberedRequestIds);
  /** Request expiries and acknowledgement re-deliveries. */
  readonly timers = new KeyedTimers();
  /** Its polls of our feeds, for its iCal listings. */
  readonly icalPolling = new IcalPolling();
  /** Each reservation's webhooks leave in order: the tail of its delivery chain. */
  readonly deliveryChains = new Map<string, Promise<unknown>>();
  /** Reservation ids are unique on a platform, across its listings. */
  private readonly reservationIds = new Set<string>();

  constructor(
    readonly channel: Channel,
    seed: number,
  ) {
    this.faults = new ChannelFaults(deriveSeed(seed, channel));
  }

  /**
   * Registers a listing or replaces its settings; its calendar and reservations stay. As on the
   * platforms, a listing's currency is fixed once it has prices.
   */
  register(listingId: string, settings: ListingSettings): RegistrationResult {
    const existing = this.listings.get(listingId);
    if (existing) {
      if (existing.settings.currency !== settings.currency && existing.calendar.rates.hasPrices()) return { kind: 'currency_locked', currency: existing.settings.currency };
      existing.settings = settings;
      return { kind: 'updated', listing: existing };
    }
    const listing = new Listing(listingId, settings);
    this.listings.set(listingId, listing);
    return { kind: 'created', listing };
  }

  hasReservation(reservationId: string): boolean {
    return this.reservationIds.has(reservationId);
  }

  recordReservation(reservation: Reservation): void {
    this.reservationIds.add(reservation.id);
  }

  reset(): void {
    this.listings.clear();
    this.reservationIds.clear();
    this.requests.clear();
    this.operationRequests.clear();
    this.timers.clear();
    this.icalPolling.cancelAll();
    this.deliveryChains.clear();
    this.faults.clear();
    this.stats.reset();
  }
}

/** Every channel the simulator plays, each with its own state. */
export type Platforms = Readonly<Record<Channel, ChannelPlatform>>;

export function createPlatforms(seed: number): Platforms {
  return {
    AIRBNB: new ChannelPlatform('AIRBNB', seed),
    BOOKING_COM: new ChannelPlatform('BOOKING_COM', seed),
    VRBO: new ChannelPlatform('VRBO', seed),
    EXPEDIA: new ChannelPlatform('EXPEDIA', seed),
  };
}
