import { createHash } from 'node:crypto';
import { ApiError } from './errors';

/**
 * The request_ids a channel has acked, as platforms keep them: a retry with the same id and the
 * same content gets the first ack back and changes nothing; the same id with other content is a
 * caller bug and is refused. Bounded: past `capacity` the oldest ids are forgotten.
 */

export type LedgerLookup<A> = { readonly kind: 'new' } | { readonly kind: 'replay'; readonly ack: A } | { readonly kind: 'reused' };

export class RequestLedger<A> {
  private readonly entries = new Map<string, { fingerprint: string; ack: A }>();

  constructor(private readonly capacity: number) {}

  lookup(requestId: string, fingerprint: string): LedgerLookup<A> {
    const entry = this.entries.get(requestId);
    if (!entry) return { kind: 'new' };
    return entry.fingerprint === fingerprint ? { kind: 'replay', ack: entry.ack } : { kind: 'reused' };
  }

  remember(requestId: string, fingerprint: string, ack: A): void {
    this.entries.set(requestId, { fingerprint, ack });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /**
   * The answer already given to this request id and content, or undefined for a new id; the
   * same id with other content is refused (409 request_id_reused).
   */
  answered(requestId: string, fingerprint: string): A | undefined {
    const seen = this.lookup(requestId, fingerprint);
    switch (seen.kind) {
      case 'replay':
        return seen.ack;
      case 'reused':
        throw new ApiError(409, 'request_id_reused', `request_id '${requestId}' was already used for a different request`);
      case 'new':
        return undefined;
      default: {
        const unknown: never = seen;
        throw new Error(`unknown ledger answer ${JSON.stringify(unknown)}`);
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

/** What makes two requests "the same": endpoint, listing and the raw update list. */
export function requestFingerprint(endpoint: string, listingId: string, updates: unknown): string {
  return createHash('sha256').update(endpoint).update('\0').update(listingId).update('\0').update(JSON.stringify(updates)).digest('base64url');
}
