/** One rate held (or not) for the whole trial. */
export interface Trial {
  readonly rate: number;
  readonly held: boolean;
  /** What decided it, for the log: `p99 212 ms, none missing`. */
  readonly why: string;
  /** The rate could not be tried (the run has no dates left for it): the search ends there, capped. */
  readonly untried?: boolean;
}

export interface SustainedRate {
  /** The highest rate held; 0 if none was. */
  readonly rate: number;
  readonly trials: readonly Trial[];
  /** True when the search stopped with every rate tried held (at `max`, or out of dates): the machine may hold more. */
  readonly capped: boolean;
}

/**
 * The highest rate `attempt` holds: from `start` up by `step` until one fails, then once between
 * the last held and the first failed (rounded down to tens), as issue 22 asks ("step up from
 * 100/s by +50, then bisect once"). A failing `start` is bisected towards zero. At most `max`.
 */
export async function searchSustainedRate(attempt: (rate: number) => Promise<Trial>, options: { start: number; step: number; max: number }): Promise<SustainedRate> {
  if (options.start < 1 || options.step < 1 || options.max < options.start) throw new RangeError(`sustained rate search: start ${options.start}, step ${options.step}, max ${options.max} do not make a search`);
  const trials: Trial[] = [];
  let held = 0;
  let failed: number | undefined;
  for (let rate = options.start; rate <= options.max; rate += options.step) {
    const trial = await attempt(rate);
    trials.push(trial);
    if (trial.untried) return { rate: held, trials, capped: true };
    if (!trial.held) {
      failed = rate;
      break;
    }
    held = rate;
  }
  if (failed === undefined) return { rate: held, trials, capped: true };
  const between = Math.floor((held + failed) / 2 / 10) * 10;
  if (between > held && between < failed) {
    const trial = await attempt(between);
    trials.push(trial);
    if (trial.held && !trial.untried) held = between;
  }
  return { rate: held, trials, capped: false };
}
