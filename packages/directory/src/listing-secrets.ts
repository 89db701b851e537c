import type { Channel } from '@cm/schemas';
import type { KeyRing } from '@cm/secrets';
import type { Knex } from '@cm/service-runtime';
import { refuseIllFormedUrl, refuseUnknownChannel } from './admin-checks';
import { ImportUrlExistsError, UnknownListingError } from './admin-errors';
import { importUrlContext } from './secret-contexts';

/**
 * A listing's iCal import URL: the channel's own feed of it, which anyone holding the URL can
 * read (platforms put a token in it), so it is stored sealed and never shown again once set.
 */

/** Sets a listing's import URL; 'created' when it had none, another one only with `replace`. */
export async function setImportUrl(db: Knex, secrets: KeyRing, listing: { channel: Channel; listingId: string }, url: string, options: { replace?: boolean } = {}): Promise<'created' | 'updated' | 'unchanged'> {
  refuseUnknownChannel(listing.channel);
  refuseIllFormedUrl('import URL', url);
  return db.transaction(async (trx) => {
    const key = { channel: listing.channel, listing_id: listing.listingId };
    const existing = await trx('ingest.listings').where(key).forUpdate().first('import_url_sealed');
    if (!existing) throw new UnknownListingError(listing.channel, listing.listingId);
    if (existing.import_url_sealed !== null) {
      if (secrets.open(existing.import_url_sealed, importUrlContext(listing.channel, listing.listingId)) === url) return 'unchanged';
      // The URL is the channel account's secret: replacing it by mistake silently stops the import.
      if (!options.replace) throw new ImportUrlExistsError(listing.channel, listing.listingId);
    }
    await trx('ingest.listings').where(key).update({ import_url_sealed: secrets.seal(url, importUrlContext(listing.channel, listing.listingId)) });
    return existing.import_url_sealed === null ? 'created' : 'updated';
  });
}

/** Removes a listing's import URL: its channel's feed is no longer polled. */
export async function clearImportUrl(db: Knex, listing: { channel: Channel; listingId: string }): Promise<'cleared' | 'unchanged'> {
  refuseUnknownChannel(listing.channel);
  const key = { channel: listing.channel, listing_id: listing.listingId };
  const cleared = await db('ingest.listings').where(key).whereNotNull('import_url_sealed').update({ import_url_sealed: null }).returning('listing_id');
  if (cleared.length > 0) return 'cleared';
  if (!(await db('ingest.listings').where(key).first('listing_id'))) throw new UnknownListingError(listing.channel, listing.listingId);
  return 'unchanged';
}

/** A listing's import feed as the iCal importer polls it. */
export interface IcalImportFeed {
  channel: Channel;
  listingId: string;
  connectionId: string;
  tenantId: string;
  propertyId: string;
  url: string;
  pollIntervalMs: number;
}

/**
 * Every listing with an import URL, the URL opened, with its connection's poll interval. A value
 * that does not open (a key dropped from the ring too early, a row altered) throws
 * SecretUnreadableError naming the listing: the ring is wrong for every row alike, so the
 * importer stops and says so rather than silently polling fewer feeds.
 */
export async function icalImportFeeds(db: Knex, secrets: KeyRing): Promise<{ channel: Channel; listingId: string; connectionId: string; tenantId: string; propertyId: string; url: string; pollIntervalMs: number }[]> {
  const rows: { channel: Channel; listing_id: string; connection_id: string; tenant_id: string; property_id: string; import_url_sealed: string; poll_interval_seconds: number }[] = await db('ingest.listings as l')
    .join('ingest.channel_connections as c', 'c.connection_id', 'l.connection_id')
    .whereNotNull('l.import_url_sealed')
    .orderBy(['l.channel', 'l.listing_id'])
    .select('l.channel', 'l.listing_id', 'l.connection_id', 'c.tenant_id', 'l.property_id', 'l.import_url_sealed', 'c.poll_interval_seconds');
  return rows.map((r): IcalImportFeed => ({
    channel: r.channel,
    listingId: r.listing_id,
    connectionId: r.connection_id,
    tenantId: r.tenant_id,
    propertyId: r.property_id,
    url: secrets.open(r.import_url_sealed, importUrlContext(r.channel, r.listing_id)),
    pollIntervalMs: r.poll_interval_seconds * 1_000,
  }));
}
