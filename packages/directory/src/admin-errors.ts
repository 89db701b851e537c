/**
 * Why an admin command was refused. Each has a stable `code` (the CLI prints it and exits 65) and
 * a message that says what to do; none is retriable: running the same command again is refused
 * again until the operator changes it or passes the flag the message names.
 */
export abstract class AdminError extends Error {
  abstract readonly code: string;
  readonly retriable = false;
}

/** An id (or name or label) that cannot be stored: empty, too long, or holding invisible characters. */
export class InvalidIdentifierError extends AdminError {
  readonly code = 'invalid_identifier';
  constructor(readonly field: string, readonly reason: string) {
    super(`${field} is not a usable identifier: ${reason}`);
  }
}

export class UnknownCurrencyError extends AdminError {
  readonly code = 'unknown_currency';
  constructor(readonly currency: string) {
    super(`currency '${currency}' is not an ISO 4217 code with minor units (the ISO list in packages/domain/src/currencies.ts)`);
  }
}

export class UnknownTimeZoneError extends AdminError {
  readonly code = 'unknown_time_zone';
  constructor(readonly timeZone: string) {
    super(`time zone '${timeZone}' is not an IANA time zone (e.g. Europe/Lisbon)`);
  }
}

export class UnknownChannelError extends AdminError {
  readonly code = 'unknown_channel';
  constructor(readonly channel: string, known: readonly string[]) {
    super(`channel '${channel}' is not one of ${known.join(', ')}`);
  }
}

export class InvalidRateError extends AdminError {
  readonly code = 'invalid_rate';
  constructor(readonly rate: number) {
    super(`rate ${rate} is not a whole number of requests per second between 1 and 2147483647`);
  }
}

export class InvalidSecretError extends AdminError {
  readonly code = 'invalid_secret';
  constructor(minLength: number) {
    super(`a webhook secret needs at least ${minLength} characters; leave it out to have one generated`);
  }
}

export class UnknownTenantError extends AdminError {
  readonly code = 'unknown_tenant';
  constructor(readonly tenantId: string) {
    super(`no tenant '${tenantId}': create it first (admin tenant ${tenantId} <name>)`);
  }
}

export class UnknownPropertyError extends AdminError {
  readonly code = 'unknown_property';
  constructor(readonly propertyId: string) {
    super(`no property '${propertyId}': add it first (admin property ${propertyId} <tenant-id> <time-zone> <currency>)`);
  }
}

export class UnknownConnectionError extends AdminError {
  readonly code = 'unknown_connection';
  constructor(readonly connectionId: string) {
    super(`no connection '${connectionId}': add it first (admin connections add ${connectionId} <tenant-id> <channel>)`);
  }
}

export class UnknownApiKeyError extends AdminError {
  readonly code = 'unknown_api_key';
  constructor() {
    super('no such API key: nothing was revoked');
  }
}

/** The tenant id is taken by a tenant with another name or rate: changing them needs `update`. */
export class TenantExistsError extends AdminError {
  readonly code = 'tenant_exists';
  constructor(readonly tenantId: string, existing: { name: string; ratePerSecond: number | null }) {
    super(`tenant '${tenantId}' exists as '${existing.name}' (rate ${existing.ratePerSecond ?? 'default'}): pass --update (update: true) to change it`);
  }
}

/** The property exists in the same tenant with another time zone or currency: changing them needs `update`. */
export class PropertyExistsError extends AdminError {
  readonly code = 'property_exists';
  constructor(readonly propertyId: string, existing: { timeZone: string; currency: string }) {
    super(`property '${propertyId}' exists with time zone ${existing.timeZone} and currency ${existing.currency}: pass --update (update: true) to change them`);
  }
}

/** The property id belongs to another tenant: moving it (and unmapping its listings) needs `move`. */
export class PropertyExistsForOtherTenantError extends AdminError {
  readonly code = 'property_exists_for_other_tenant';
  constructor(readonly propertyId: string, readonly ownerTenantId: string) {
    super(`property '${propertyId}' belongs to tenant '${ownerTenantId}': pass --force (move: true) to move it, which unmaps its listings`);
  }
}

/** What differs between a connection as stored and as given again. */
export type ConnectionDifference = 'tenant' | 'channel' | 'secret' | 'credentials' | 'base URL' | 'poll interval';

/**
 * The connection exists otherwise: another tenant, channel or secret needs `replace` (a new
 * secret; another tenant or channel unmaps its listings); another base URL or poll interval needs
 * `update`; other credentials are given by rotating them.
 */
export class ConnectionExistsError extends AdminError {
  readonly code = 'connection_exists';
  constructor(readonly connectionId: string, readonly differs: readonly ConnectionDifference[]) {
    super(`connection '${connectionId}' exists with another ${differs.join(' and ')}: ${connectionRemedy(differs)}`);
  }
}

function connectionRemedy(differs: readonly ConnectionDifference[]): string {
  const remedies = [
    ...(differs.some((d) => d === 'tenant' || d === 'channel' || d === 'secret') ? ['pass --force (replace: true) to replace it with a new secret (a new tenant or channel also unmaps its listings)'] : []),
    ...(differs.some((d) => d === 'base URL' || d === 'poll interval') ? ['pass --update (update: true) to change its base URL or poll interval'] : []),
    ...(differs.includes('credentials') ? ['rotate its credentials (admin connections rotate <id> --credentials)'] : []),
  ];
  return remedies.join('; ');
}

/** The listing is mapped to another property or through another connection: remapping needs `remap`. */
export class ListingMappedElsewhereError extends AdminError {
  readonly code = 'listing_mapped_elsewhere';
  constructor(readonly channel: string, readonly listingId: string, existing: { propertyId: string; connectionId: string }) {
    super(`${channel} listing '${listingId}' maps to property '${existing.propertyId}' through connection '${existing.connectionId}': pass --remap (remap: true) to remap it`);
  }
}

/** The property already has another listing on this channel (one per channel): replacing it needs `remap`. */
export class PropertyHasChannelListingError extends AdminError {
  readonly code = 'property_has_channel_listing';
  constructor(readonly propertyId: string, readonly channel: string, readonly otherListingId: string) {
    super(`property '${propertyId}' already has ${channel} listing '${otherListingId}' (one per channel): pass --remap (remap: true) to replace it`);
  }
}

/** The listing's property and connection belong to different tenants: the connection's webhooks would book another tenant's property. */
export class ListingPropertyTenantMismatchError extends AdminError {
  readonly code = 'listing_property_tenant_mismatch';
  constructor(readonly propertyId: string, readonly propertyTenantId: string, readonly connectionId: string, readonly connectionTenantId: string) {
    super(`property '${propertyId}' belongs to tenant '${propertyTenantId}' but connection '${connectionId}' to tenant '${connectionTenantId}': a listing maps a tenant's property through that tenant's connection`);
  }
}

/** The listing's channel is not its connection's channel. */
export class ListingChannelMismatchError extends AdminError {
  readonly code = 'listing_channel_mismatch';
  constructor(readonly listingChannel: string, readonly connectionId: string, readonly connectionChannel: string) {
    super(`connection '${connectionId}' is a ${connectionChannel} connection: it cannot carry a ${listingChannel} listing`);
  }
}

export class UnknownListingError extends AdminError {
  readonly code = 'unknown_listing';
  constructor(readonly channel: string, readonly listingId: string) {
    super(`no ${channel} listing '${listingId}': map it first (admin listing)`);
  }
}

export class InvalidMarkupError extends AdminError {
  readonly code = 'invalid_markup';
  constructor(readonly markup: string) {
    super(`markup '${markup}' is not a percentage from -50% to 500% (e.g. 15%, 12.5%) nor a fixed amount per night in minor units from -100000 to 10000000 (e.g. +500)`);
  }
}

/** Two PMS rate plans onto one of the channel's: each would overwrite the other's nights there, and which showed would be whichever changed last. */
export class SharedChannelRatePlanError extends AdminError {
  readonly code = 'shared_channel_rate_plan';
  constructor(readonly channelPlan: string, readonly pmsPlans: readonly string[]) {
    super(`PMS rate plans ${pmsPlans.map((p) => `'${p}'`).join(' and ')} are both mapped to the channel's plan '${channelPlan}'; map each PMS plan to a plan of its own`);
  }
}

export class InvalidUrlError extends AdminError {
  readonly code = 'invalid_url';
  constructor(readonly field: string) {
    super(`${field} must be an http:// or https:// URL of at most 2000 characters`);
  }
}

export class InvalidPollIntervalError extends AdminError {
  readonly code = 'invalid_poll_interval';
  constructor(readonly seconds: number, min: number, max: number) {
    super(`poll interval ${seconds} is not a whole number of seconds from ${min} to ${max}`);
  }
}

export class InvalidCredentialsError extends AdminError {
  readonly code = 'invalid_credentials';
  constructor() {
    super('credentials must be 1 to 4096 characters without line breaks (an API key or token)');
  }
}

/** The connection still carries listings: removing it needs `unmap`, which unmaps them. */
export class ConnectionHasListingsError extends AdminError {
  readonly code = 'connection_has_listings';
  constructor(readonly connectionId: string, readonly listingCount: number) {
    super(`connection '${connectionId}' carries ${listingCount} listing(s): pass --unmap (unmap: true) to unmap them and remove it`);
  }
}

/** A tenant that still has properties or connections: remove those first, so nothing is orphaned by accident. */
export class TenantNotEmptyError extends AdminError {
  readonly code = 'tenant_not_empty';
  constructor(readonly tenantId: string, readonly properties: number, readonly connections: number) {
    super(`tenant '${tenantId}' still has ${properties} property(ies) and ${connections} connection(s): remove them first (admin properties remove, admin connections remove)`);
  }
}

/** A tenant that other records (its PMS revision feed) still name: kept, so the feed's history stays whole. */
export class TenantInUseError extends AdminError {
  readonly code = 'tenant_in_use';
  constructor(readonly tenantId: string) {
    super(`tenant '${tenantId}' is still named by other records (its PMS revisions): it is kept`);
  }
}

/** The property still has listings: removing it needs `unmap`, which unmaps them. */
export class PropertyHasListingsError extends AdminError {
  readonly code = 'property_has_listings';
  constructor(readonly propertyId: string, readonly listingCount: number) {
    super(`property '${propertyId}' has ${listingCount} listing(s): pass --unmap (unmap: true) to unmap them and remove it`);
  }
}

/** A key id (admin keys list) that names no key, or not exactly one. */
export class UnknownApiKeyIdError extends AdminError {
  readonly code = 'unknown_api_key_id';
  constructor(readonly keyId: string) {
    super(`no API key with id '${keyId}' (admin keys list <tenant-id> shows each key's id): nothing was revoked`);
  }
}

/** The listing already has another import URL: replacing a secret needs `replace`. */
export class ImportUrlExistsError extends AdminError {
  readonly code = 'import_url_exists';
  constructor(readonly channel: string, readonly listingId: string) {
    super(`${channel} listing '${listingId}' already has another import URL: pass --force (replace: true) to replace it`);
  }
}
