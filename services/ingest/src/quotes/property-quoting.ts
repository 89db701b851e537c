import type { ListingQuoteTerms } from '@cm/domain';
import { pricingOfPropertyWith, termsByListing } from '@cm/directory';
import { ratePlansValue } from '@cm/rates';
import type { Knex } from '@cm/service-runtime';

/** What quoting a stay on any of a property's listings needs before its nights: each listing's pricing and the PMS's rate plans. */
export interface PropertyQuoting {
  /** By `listingPricingKey`. */
  readonly pricings: ReadonlyMap<string, ListingQuoteTerms>;
  /** The rate plans the PMS has set anything for on the property, in order. */
  readonly ratePlans: readonly string[];
}

/**
 * A property's quoting, read in one statement: the directory's pricing of its listings with the
 * rates store's plans (issue 22: a webhook of a property not cached read them one after the other,
 * and with many properties that is most webhooks). Undefined if the directory does not know it.
 */
export async function readPropertyQuoting(db: Knex, propertyId: string): Promise<PropertyQuoting | undefined> {
  const read = await pricingOfPropertyWith<string[]>(db, propertyId, ratePlansValue(propertyId));
  return read && { pricings: termsByListing(read.pricings), ratePlans: read.value };
}
