import type { FailoverFleet } from './failover-fleet';
import { measureKill, pickVictim, type DecisionsSince, type KillOutcome } from './failover-measure';
import { describeKill } from './failover-report';

export interface KillRounds {
  readonly restarts: readonly KillOutcome[];
  readonly takeover: KillOutcome;
}

/**
 * A failover benchmark's kills: `kills` times an instance SIGKILLed and restarted at once (in turn,
 * passing over one the group gave no partition), the group let settle after each; then one
 * SIGKILLed for good. Each outcome is printed as it comes.
 */
export async function killRounds(
  fleet: FailoverFleet,
  decisionsSince: DecisionsSince,
  options: { kills: number; instances: number; partitions: number; timeoutMs: number; steady: () => Promise<void>; print: (line: string) => void },
): Promise<KillRounds> {
  const { kills, instances, partitions, timeoutMs, steady, print } = options;
  const restarts: KillOutcome[] = [];
  for (let k = 0; k < kills; k++) {
    const { slot, passedOver } = await pickVictim(fleet, decisionsSince, k % instances, instances);
    if (passedOver.length > 0) print(`kill ${k + 1}: ${passedOver.join(', ')} decided nothing lately (the group gave it no partition): not killed`);
    const outcome = await measureKill(fleet, slot, decisionsSince, { restart: true, partitions, timeoutMs });
    restarts.push(outcome);
    print(describeKill(`kill ${k + 1}, restarted`, outcome));
    for (const exited of fleet.restartExited()) print(`${exited} exited on its own (its error is above): started again`);
    await steady();
  }
  const last = await pickVictim(fleet, decisionsSince, instances - 1, instances);
  const takeover = await measureKill(fleet, last.slot, decisionsSince, { restart: false, partitions, timeoutMs });
  print(describeKill('kill, not restarted', takeover));
  return { restarts, takeover };
}
