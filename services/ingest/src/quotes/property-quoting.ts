import type { ListingQuoteTerms } from '@cm/domain';
import { LISTING_PRICING_SELECT, pricingOfRow, termsByListing, type ListingPricingColumns } from '@cm/directory';
import { RATE_PLANS_SQL } from '@cm/rates';
import { preparedRaw, type Knex } from '@cm/service-runtime';

/** What quoting a stay on any of a property's listings needs before its nights: each listing's pricing and the PMS's rate plans. */
export interface PropertyQuoting {
  /** By `listingPricingKey`. */
  readonly pricings: ReadonlyMap<string, ListingQuoteTerms>;
  /** The rate plans the PMS has set anything for on the property, in order. */
  readonly ratePlans: readonly string[];
}

/**
 * The directory's pricing of every listing of the property and the rates store's plans, in one
 * statement: a webhook of a property not cached read them one after the other (issue 22), and
 * with many properties that is most webhooks. The plans are a subquery of the property alone, run once.
 */
export const PROPERTY_QUOTING_SQL = `SELECT ${LISTING_PRICING_SELECT}, ARRAY(${RATE_PLANS_SQL}) AS pms_rate_plans
FROM ingest.properties p
LEFT JOIN ingest.listings l ON l.property_id = p.property_id
LEFT JOIN ingest.listing_pricing x ON x.channel = l.channel AND x.listing_id = l.listing_id
WHERE p.property_id = ?`;

/** A property's quoting, or undefined if the directory does not know the property. */
export async function readPropertyQuoting(db: Knex, propertyId: string): Promise<PropertyQuoting | undefined> {
  const { rows } = (await preparedRaw(db, PROPERTY_QUOTING_SQL, [propertyId, propertyId, propertyId])) as { rows: (Partial<ListingPricingColumns> & { pms_rate_plans: string[] })[] };
  const first = rows[0];
  if (!first) return undefined;
  // A property without listings is one row of its own, with no listing in it.
  const listings = rows.filter((row): row is ListingPricingColumns & { pms_rate_plans: string[] } => row.listing_id != null);
  return { pricings: termsByListing(listings.map(pricingOfRow)), ratePlans: first.pms_rate_plans };
}
