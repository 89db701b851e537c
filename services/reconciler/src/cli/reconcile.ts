#!/usr/bin/env node
import { parseArgs } from 'node:util';

/**
 * Starts a reconciliation pass on the running reconciler (one property or all), waits for it to
 * finish and prints what it found and corrected. Corrections are confirmed by the channels'
 * acknowledgements, which can come after the pass: `--settle-seconds` waits for them too.
 *
 *   node services/reconciler/dist/cli/reconcile.js [--property <id>] [--url http://127.0.0.1:9414] [--settle-seconds 30]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { property: { type: 'string' }, url: { type: 'string', default: process.env.RECONCILER_URL ?? 'http://127.0.0.1:9414' }, 'settle-seconds': { type: 'string', default: '30' } },
  });
  const base = values.url!;
  const started = await fetch(`${base}/v1/reconciliations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(values.property ? { property_id: values.property } : {}) });
  const body = (await started.json()) as { pass_id?: string; detail?: string };
  if (started.status !== 202 || !body.pass_id) throw new Error(`the reconciler refused: ${started.status} ${body.detail ?? JSON.stringify(body)}`);
  process.stdout.write(`pass ${body.pass_id} started (${values.property ?? 'all properties'})\n`);
  const settleBy = Date.now() + Number(values['settle-seconds']) * 1000;
  for (;;) {
    const summary = (await (await fetch(`${base}/v1/reconciliations/${body.pass_id}`)).json()) as { status: string; listings: number; found: { listings: number; nights: number; openWhileBooked: number }; corrected: number; failed: number; pending: number; unread: number };
    const finished = summary.status !== 'running';
    if (finished && (summary.pending === 0 || Date.now() > settleBy)) {
      process.stdout.write(
        `${summary.status}: ${summary.listings} listings compared; drift on ${summary.found.listings} (${summary.found.nights} nights, ${summary.found.openWhileBooked} open while booked); corrected ${summary.corrected}, failed ${summary.failed}, still pending ${summary.pending}, unread ${summary.unread}\n`,
      );
      process.exitCode = summary.status === 'finished' ? 0 : 1;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`reconcile: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
