import { waitFor } from '@cm/service-runtime';
import type { PassListingRow, PassSummary } from '../../src/store/pass-store';

/** A reconciler's pass API as a tenant calls it, with its API key. */
export function reconciliationsApi(url: string, apiKey: string) {
  const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${apiKey}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  /** Starts a pass over one property and waits until it finished and `settled` holds: its summary and its listings' rows. */
  async function reconcileProperty(propertyId: string, settled: (s: PassSummary) => boolean = () => true): Promise<{ summary: PassSummary; listings: PassListingRow[] }> {
    const started = await api('/v1/reconciliations', { method: 'POST', body: { property_id: propertyId } });
    expect(started.status).toBe(202);
    const { pass_id: passId } = (await started.json()) as { pass_id: string };
    const summary = await waitFor('the pass to finish and settle', async () => {
      const s = (await (await api(`/v1/reconciliations/${passId}`)).json()) as PassSummary;
      return s.status !== 'running' && settled(s) ? s : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    const { listings } = (await (await api(`/v1/reconciliations/${passId}/listings`)).json()) as { listings: PassListingRow[] };
    return { summary, listings };
  }

  return { api, reconcileProperty };
}
