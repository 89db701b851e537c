import type { Channel } from '@cm/schemas';

/**
 * What each sealed secret is bound to (its associated data, @cm/secrets): a value copied onto
 * another connection or listing, or into another column, does not open there.
 */
export const webhookSecretContext = (connectionId: string) => `connection:${connectionId}:webhook_secret`;
export const credentialsContext = (connectionId: string) => `connection:${connectionId}:credentials`;
export const importUrlContext = (channel: Channel, listingId: string) => `listing:${channel}:${listingId}:import_url`;
