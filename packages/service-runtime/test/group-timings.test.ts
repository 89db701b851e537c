import { baseConfig } from '../src/config';
import { groupTimingsOf } from '../src/consume';

const config = (env: Record<string, string> = {}) => baseConfig.parse({ OPS_PORT: '9464', ...env });

describe('groupTimingsOf: how long a group waits for a silent member, and how often the member heartbeats', () => {
  it('a consumer on the path of a booking has the short session and the client default heartbeat (a third of it, at most 3 s)', () => {
    expect(groupTimingsOf(config(), false)).toEqual({ sessionTimeoutMs: 6_000 });
  });

  it('a background consumer has the long session and heartbeats every sixth of it', () => {
    expect(groupTimingsOf(config(), true)).toEqual({ sessionTimeoutMs: 30_000, heartbeatIntervalMs: 5_000 });
    expect(groupTimingsOf(config({ BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS: '60000' }), true)).toEqual({ sessionTimeoutMs: 60_000, heartbeatIntervalMs: 10_000 });
  });

  it('each kind follows its own session timeout setting', () => {
    const both = config({ CONSUMER_SESSION_TIMEOUT_MS: '9000', BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS: '12000' });
    expect(groupTimingsOf(both, false).sessionTimeoutMs).toBe(9_000);
    expect(groupTimingsOf(both, true).sessionTimeoutMs).toBe(12_000);
  });

  it('a heartbeat interval set by the operator holds for both kinds', () => {
    const set = config({ CONSUMER_HEARTBEAT_INTERVAL_MS: '1500' });
    expect(groupTimingsOf(set, false)).toEqual({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_500 });
    expect(groupTimingsOf(set, true)).toEqual({ sessionTimeoutMs: 30_000, heartbeatIntervalMs: 1_500 });
  });

  it('a background session timeout outside what the broker allows (6 s to 300 s) is refused', () => {
    expect(() => config({ BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS: '5000' })).toThrow(/BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS/);
    expect(() => config({ BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS: '300001' })).toThrow(/BACKGROUND_CONSUMER_SESSION_TIMEOUT_MS/);
  });
});
