/** A channel's acknowledgement of a push to one listing. */
export interface ListingAck {
  /** The listing, as `<property>/<channel>`. */
  readonly listing: string;
  readonly atMs: number;
}

/** When every listing was pushed again after a kill. */
export interface ListingsResumed {
  /** From the kill to the last listing's first acknowledgement after it. */
  readonly afterMs: number;
  /** Which listing that was. */
  readonly slowest: string;
  /** Listings acknowledged before the kill and never after it. */
  readonly never: number;
}

/**
 * From a kill to the moment every listing that was being pushed before it had a push
 * acknowledged again: stricter than a partition decided again, which one listing of it
 * suffices for. A listing the killed process had leased shows here: it waits until the lease
 * is given back or lapses (LEASE_MS), while the rest of its partition goes on.
 */
export function listingsResumed(acks: readonly ListingAck[], killAtMs: number): ListingsResumed {
  const before = new Set<string>();
  const firstAfter = new Map<string, number>();
  for (const { listing, atMs } of acks) {
    if (atMs < killAtMs) before.add(listing);
    else if (atMs < (firstAfter.get(listing) ?? Infinity)) firstAfter.set(listing, atMs);
  }
  let afterMs = 0;
  let slowest = '';
  let never = 0;
  for (const listing of before) {
    const at = firstAfter.get(listing);
    if (at === undefined) never++;
    else if (at - killAtMs > afterMs) {
      afterMs = at - killAtMs;
      slowest = listing;
    }
  }
  return { afterMs, slowest, never };
}
