import type { BookingCommand } from '@cm/schemas';

/** Nights further ahead than this are a unit or typing error: platforms open calendars about two years out. */
export const MAX_DAYS_AHEAD = 3 * 366;
/** A stay that ended longer ago than this is not something a channel still changes. */
export const MAX_DAYS_BEHIND = 366;

const DAY_MS = 86_400_000;

/**
 * Dates the arbiter would accept (any day of 2000-2099) but no property manager means: a
 * check-in decades away, or a new stay long past. Measured from the day ingest issues it.
 */
export function horizonProblems(command: BookingCommand, nowMs: number): string[] {
  const { command: variant } = command;
  const dates = variant.kind === 'CREATE_BOOKING' || variant.kind === 'MODIFY_DATES' || variant.kind === 'BLOCK_NIGHTS' ? variant : variant.kind === 'CHANGE_STATUS' ? variant.keeps : null;
  if (dates === null) return [];
  const today = Math.floor(nowMs / DAY_MS);
  const problems: string[] = [];
  if (dates.check_in > today + MAX_DAYS_AHEAD) problems.push(`check_in: more than ${MAX_DAYS_AHEAD} days ahead`);
  if (dates.check_out < today - MAX_DAYS_BEHIND) problems.push(`check_out: more than ${MAX_DAYS_BEHIND} days ago`);
  return problems;
}
