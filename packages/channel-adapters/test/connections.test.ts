import type { ConnectionSettings } from '@cm/directory';
import type { Channel } from '@cm/schemas';
import { ChannelConnections, type ConnectionDirectory } from '../src';

/** A directory in memory that counts what it is asked. */
function fakeDirectory(listings: Record<string, string>, connections: Record<string, ConnectionSettings>) {
  const asked = { listings: 0, settings: 0 };
  const directory: ConnectionDirectory = {
    connectionOf: async (channel: Channel, listingId: string) => {
      asked.listings++;
      return listings[`${channel}/${listingId}`];
    },
    settingsOf: async (connectionId: string) => {
      asked.settings++;
      return connections[connectionId];
    },
  };
  return { directory, asked, connections };
}

describe('ChannelConnections', () => {
  let nowMs = 0;
  const make = (fake: ReturnType<typeof fakeDirectory>) =>
    new ChannelConnections({ apiBaseUrl: 'http://127.0.0.1:1/{channel}/api', icalChannels: ['VRBO'], icalImportUrlTemplate: undefined, timeoutMs: 1_000, timeZoneOf: async () => 'UTC', directory: fake.directory, cacheMs: 1_000, now: () => nowMs });
  beforeEach(() => {
    nowMs = 0;
  });

  it("gives an iCal channel's listing the channel's feed adapter without asking the directory", async () => {
    const fake = fakeDirectory({}, {});
    const connections = make(fake);
    expect(await connections.of('VRBO', 'V1')).toBe(connections.byChannel.get('VRBO'));
    expect(fake.asked).toEqual({ listings: 0, settings: 0 });
  });

  it("gives a listing whose connection is unknown the channel's adapter", async () => {
    const fake = fakeDirectory({ 'AIRBNB/L2': 'gone' }, {});
    const connections = make(fake);
    expect(await connections.of('AIRBNB', 'L1')).toBe(connections.byChannel.get('AIRBNB'));
    expect(await connections.of('AIRBNB', 'L2')).toBe(connections.byChannel.get('AIRBNB'));
  });

  it("builds one API adapter per connection, kept for the cache time, then built again from the connection's settings", async () => {
    const fake = fakeDirectory({ 'AIRBNB/L1': 'c1', 'AIRBNB/L2': 'c1' }, { c1: { connectionId: 'c1', channel: 'AIRBNB', baseUrl: 'http://127.0.0.1:2/v2/', credentials: 'old' } });
    const connections = make(fake);
    const first = await connections.of('AIRBNB', 'L1');
    expect(first).not.toBe(connections.byChannel.get('AIRBNB'));
    expect(first.kind).toBe('ari_api');
    expect(await connections.of('AIRBNB', 'L2')).toBe(first);
    expect(fake.asked.settings).toBe(1);
    nowMs = 999;
    expect(await connections.of('AIRBNB', 'L1')).toBe(first);
    nowMs = 1_001;
    const rebuilt = await connections.of('AIRBNB', 'L1');
    expect(rebuilt).not.toBe(first);
    expect(fake.asked.settings).toBe(2);
  });
});
