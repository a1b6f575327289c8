// A seeded PRNG for the fuzzer: xoshiro128** seeded through splitmix32. Nothing in the fuzzer uses Math.random, so
// `--seed S` decides every input. Each iteration gets its own generator derived from (seed, target, iteration), which
// is what makes a single iteration replayable without running the ones before it.

const GOLDEN = 0x9e3779b9;

/** murmur3's finaliser: a bijective 32-bit mixer. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Four state words from splitmix32 over one 32-bit seed. */
  constructor(seed32: number) {
    let state = seed32 >>> 0;
    const next = () => { state = (state + GOLDEN) >>> 0; return mix32(state); };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The generator of one iteration: depends only on the campaign seed, the target's name and the iteration. */
  static forIteration(seed: number, target: string, iteration: number): Rng {
    return new Rng(iterationSeed(seed, target, iteration));
  }

  /** xoshiro128**: a uniform unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick on an empty list');
    return items[this.below(items.length)];
  }

  /** Small numbers much more often than large ones: roughly log-uniform in [1, max]. */
  small(max: number): number {
    return Math.max(1, Math.min(max, Math.floor(Math.exp(this.float() * Math.log(max + 1)))));
  }

  /** How many stacked mutations: 1 half the time, 2 a quarter, … up to `max`. */
  count(max: number): number {
    let n = 1;
    while (n < max && this.chance(0.5)) n++;
    return n;
  }

  /** A weighted choice among [weight, value] pairs. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of choices) total += w;
    let x = this.float() * total;
    for (const [w, v] of choices) {
      if (x < w) return v;
      x -= w;
    }
    return choices[choices.length - 1][1];
  }
}

/** The 32-bit seed of one iteration (printed in reports; `--replay` recomputes it from seed, target and iteration). */
export function iterationSeed(seed: number, target: string, iteration: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = mix32(lo ^ GOLDEN);
  h = mix32(h ^ hi);
  h = mix32(h ^ fnv1a(target));
  h = mix32(h ^ (iteration >>> 0));
  h = mix32(h ^ (Math.floor(iteration / 4294967296) >>> 0));
  return h;
}
