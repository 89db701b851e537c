#!/usr/bin/env node
import { commandLine, parseCommandLine } from '@cm/service-runtime';
import { InvalidArgumentError } from 'commander';
import { defaultOperatorSocket } from '../config';
import { operatorCall as call } from './operator-client';

/**
 * Starts a reconciliation pass on the running reconciler (one property or all, of every tenant),
 * waits for it to finish and prints what it found and corrected. It talks to the service's
 * operator socket, a Unix socket only the service's user may open, so it needs no API key; run it
 * on the machine (or in the container) of the service. If a pass of the same scope is already
 * running, it follows that one. Corrections are confirmed by the channels' acknowledgements, which
 * can come after the pass: `--settle-seconds` waits for them too.
 *
 *   node services/reconciler/dist/cli/reconcile.js [--property <id>] [--socket /tmp/cm-reconciler-9414.sock] [--settle-seconds 30]
 */
async function main(): Promise<void> {
  const values = parseCommandLine(
    commandLine('reconcile', "Starts a reconciliation pass on the running reconciler (over its operator socket), waits for it and prints what it found and corrected. Exit 0: the pass finished; 1: it failed or the reconciler refused.")
      .option('--property <id>', 'one property (default: every property of every tenant)')
      .option('--socket <path>', 'the reconciler\'s operator socket (RECONCILER_SOCKET)', process.env.RECONCILER_SOCKET ?? defaultOperatorSocket(9414))
      .option('--settle-seconds <n>', 'how long to wait after the pass for the channels to acknowledge its corrections', secondsOf, 30),
  ).opts<{ property?: string; socket: string; settleSeconds: number }>();
  const { socket, settleSeconds } = values;
  const started = await call<{ pass_id?: string; already_running?: boolean; detail?: string }>(socket, 'POST', '/v1/reconciliations', values.property ? { property_id: values.property } : {});
  if ((started.status !== 202 && started.status !== 200) || !started.body.pass_id) throw new Error(`the reconciler refused: ${started.status} ${started.body.detail ?? JSON.stringify(started.body)}`);
  const passId = started.body.pass_id;
  process.stdout.write(`pass ${passId} ${started.body.already_running ? 'already running' : 'started'} (${values.property ?? 'all properties'})\n`);
  const settleBy = Date.now() + settleSeconds * 1000;
  for (;;) {
    const { body: summary } = await call<{ status: string; listings: number; found: { listings: number; nights: number; openWhileBooked: number }; corrected: number; failed: number; pending: number; unread: number }>(socket, 'GET', `/v1/reconciliations/${passId}`);
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

function secondsOf(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw new InvalidArgumentError('a whole number of seconds');
  return Number(text);
}

main().catch((error: unknown) => {
  process.stderr.write(`reconcile: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
