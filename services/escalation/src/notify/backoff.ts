/** Waits between tries of one delivery: base, 2x, 4x... */
export function deliveryBackoffMs(attempt: number, baseMs: number): number {
  return baseMs * 2 ** Math.max(0, attempt - 1);
}

/** When the timer tries a failed notification again: doubling with each failed round, at most 32x the base. */
export function nextRetryAtMs(nowMs: number, failedRounds: number, retryMs: number): number {
  return nowMs + retryMs * 2 ** Math.min(5, Math.max(0, failedRounds - 1));
}
