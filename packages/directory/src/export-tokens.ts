import { createHash, randomBytes } from 'node:crypto';
import type { Channel } from '@cm/schemas';
import type { Knex } from '@cm/service-runtime';
import { UnknownListingError } from './admin-errors';

/**
 * A listing's export feed is at `/ical/<token>.ics`, the token 32 random bytes (base64url): the
 * URL is the feed's only credential, so it must not be guessable from the listing's id. Only its
 * SHA-256 is stored (as for API keys); the token is shown once, when it is issued, and issuing a
 * new one replaces it, so the old URL answers 404 from then on.
 */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function newExportToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashExportToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The path of a listing's export feed on the dispatcher's feed server. */
export function exportFeedPath(token: string): string {
  return `/ical/${token}.ics`;
}

/** Whether text has the shape of an export token (anything else is answered 404 without a query). */
export function isExportTokenShaped(text: string): boolean {
  return TOKEN.test(text);
}

/** The listing whose current export token this is, or undefined (unknown, or rotated away). */
export async function listingOfExportToken(db: Knex, token: string): Promise<{ channel: Channel; listingId: string } | undefined> {
  if (!isExportTokenShaped(token)) return undefined;
  const row: { channel: Channel; listing_id: string } | undefined = await db('ingest.listings').where({ export_token_hash: hashExportToken(token) }).first('channel', 'listing_id');
  return row ? { channel: row.channel, listingId: row.listing_id } : undefined;
}

/** Issues a listing a new export token, replacing its old one; returns the token (shown once). */
export async function rotateExportToken(db: Knex, listing: { channel: Channel; listingId: string }): Promise<string> {
  const token = newExportToken();
  const updated = await db('ingest.listings').where({ channel: listing.channel, listing_id: listing.listingId }).update({ export_token_hash: hashExportToken(token) }).returning('listing_id');
  if (updated.length === 0) throw new UnknownListingError(listing.channel, listing.listingId);
  return token;
}
