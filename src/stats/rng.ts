/**
 * A small seeded pseudo-random generator (mulberry32) so that every bootstrap is
 * reproducible bit for bit across runs, machines and Node versions: it uses only
 * 32-bit integer arithmetic, never Math.random.
 */

/** Returns a uniform number in [0, 1). */
export type Random = () => number;

export const DEFAULT_SEED = 42;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, length). */
export function randomIndex(random: Random, length: number): number {
  return Math.floor(random() * length);
}
