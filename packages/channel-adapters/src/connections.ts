import { connectionOfListing, connectionSettingsOf, type ConnectionSettings } from '@cm/directory';
import type { Channel } from '@cm/schemas';
import type { KeyRing } from '@cm/secrets';
import { TtlCache, type CacheTime, type Knex } from '@cm/service-runtime';
import { adaptersFor, listingKey, type AdapterSettings, type ChannelConnection } from './adapters-for';
import { AriApiAdapter } from './ari-api';

/** Where a listing's connection is and how its API is reached: the directory's, in production. */
export interface ConnectionDirectory {
  /** The connection a channel listing is reached through, or undefined for a listing not mapped. */
  connectionOf(channel: Channel, listingId: string): Promise<string | undefined>;
  /** The connection's base URL and credentials (opened), or undefined for a connection not known. */
  settingsOf(connectionId: string): Promise<ConnectionSettings | undefined>;
}

/** The directory's connections (@cm/directory), their credentials opened with the service's key ring. */
export function directoryConnections(db: Knex, secrets: KeyRing): ConnectionDirectory {
  return {
    connectionOf: (channel, listingId) => connectionOfListing(db, channel, listingId),
    settingsOf: (connectionId) => connectionSettingsOf(db, secrets, connectionId),
  };
}

/** How the services find the adapter to call for a listing; ChannelConnections is the one they use. */
export interface ChannelAdapters {
  /**
   * Each channel's adapter as configured, without a connection: what kind a channel is and what
   * it takes (the same for every listing of the channel), and the adapter of a listing whose
   * connection is not known.
   */
  readonly byChannel: ReadonlyMap<Channel, ChannelConnection>;
  /** The adapter that reaches this listing through its connection. */
  of(channel: Channel, listingId: string): Promise<ChannelConnection>;
}

export interface ConnectionAdapterSettings extends AdapterSettings {
  readonly directory: ConnectionDirectory;
  /**
   * How long a listing's connection and a connection's settings are kept: a connection's new
   * credentials (admin connections rotate) or base URL are used at most this long after the change,
   * or from `forget` on (the services call it on every change to the directory).
   */
  readonly cacheMs: CacheTime;
  readonly now?: () => number;
}

/**
 * The adapters per connection: a listing of an API channel is reached at its connection's base URL
 * (the service's CHANNEL_API_BASE_URL for the channel when the connection names none) with its
 * credentials as a Bearer token; an iCal channel's listings, and a listing whose connection the
 * directory does not know, by the channel's adapter. Breakers and rate buckets stay the callers'
 * business; each adapter names the connection it calls through (`connectionId`), so a caller's
 * breaker is per connection.
 */
export class ChannelConnections implements ChannelAdapters {
  readonly byChannel: ReadonlyMap<Channel, ChannelConnection>;
  private readonly connectionIds: TtlCache<string>;
  private readonly adapters: TtlCache<ChannelConnection>;

  constructor(private readonly settings: ConnectionAdapterSettings) {
    this.byChannel = adaptersFor(settings);
    const now = settings.now ?? Date.now;
    this.connectionIds = new TtlCache(settings.cacheMs, now);
    this.adapters = new TtlCache(settings.cacheMs, now);
  }

  /** Forgets every listing's connection and every connection's settings: the directory changed. */
  forget(): void {
    this.connectionIds.clear();
    this.adapters.clear();
  }

  /**
   * A listing's connection as a fresher read found it (the property's listings, read when a change
   * is recorded), so the push that follows does not ask the directory again.
   */
  remember(channel: Channel, listingId: string, connectionId: string): void {
    this.connectionIds.put(listingKey(channel, listingId), connectionId);
  }

  async of(channel: Channel, listingId: string): Promise<ChannelConnection> {
    const ofChannel = this.byChannel.get(channel)!;
    if (ofChannel.kind === 'ical') return ofChannel;
    const { directory } = this.settings;
    const connectionId = await this.connectionIds.get(listingKey(channel, listingId), () => directory.connectionOf(channel, listingId));
    if (connectionId === undefined) return ofChannel;
    const adapter = await this.adapters.get(connectionId, async () => {
      const found = await directory.settingsOf(connectionId);
      return found && this.adapterOf(channel, found);
    });
    return adapter ?? ofChannel;
  }

  private adapterOf(channel: Channel, connection: ConnectionSettings): ChannelConnection {
    const baseUrl = connection.baseUrl ?? this.settings.apiBaseUrl.replace('{channel}', channel.toLowerCase());
    return new AriApiAdapter(channel, baseUrl.replace(/\/+$/, ''), this.settings.timeoutMs, connection.credentials, undefined, undefined, connection.connectionId);
  }
}
