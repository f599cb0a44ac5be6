/**
 * Seeded pseudo-random numbers for synthetic model weights.
 *
 * Every tensor draws from its own stream, derived from (seed, stream name), so a
 * tensor's values do not depend on the order in which tensors are generated. That
 * lets writers produce weights lazily, in file order, and still be byte-identical.
 */

/** FNV-1a over the UTF-16 code units of a name; stable across platforms. */
export function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export interface Rng {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1). */
  nextFloat(): number;
  /** Uniform integer in [0, bound). */
  nextBelow(bound: number): number;
  /** Fills `target` with uniform integers in [-127, 127] (the symmetric int8 range). */
  fillSymmetricInt8(target: Int8Array): void;
}

/** A splitmix32 generator: tiny state, good enough statistics for random weights. */
export function createRng(seed: number, stream = ''): Rng {
  let state = (hashName(stream) ^ Math.imul(seed >>> 0, 0x9e3779b9)) >>> 0;

  const nextUint32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };

  return {
    nextUint32,
    nextFloat: () => nextUint32() / 0x100000000,
    nextBelow: (bound: number) => Math.floor((nextUint32() / 0x100000000) * bound),
    fillSymmetricInt8(target: Int8Array): void {
      let i = 0;
      while (i < target.length) {
        let word = nextUint32();
        // Four draws per word keeps a 256M-parameter model fast to generate; 255 → 0
        // folding biases one value by 1/255, which nothing downstream can notice.
        for (let lane = 0; lane < 4 && i < target.length; lane++, i++) {
          target[i] = ((word & 0xff) % 255) - 127;
          word >>>= 8;
        }
      }
    },
  };
}
