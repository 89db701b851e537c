import { seededRandom } from '@cm/service-runtime';

/**
 * Seeded randomness, so a fault plan replays the same way for the same seed and the same calls.
 */
export type Random = () => number;

export const createRandom: (seed: number) => Random = seededRandom;

/** A seed per purpose (FNV-1a of `seed:label`), so one channel's traffic never shifts another's draws. */
export function deriveSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5;
  const text = `${seed}:${label}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
