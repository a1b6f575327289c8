// Timing for `npm run bench`. The machines are shared and noisy, so nothing is compared across runs: every figure is
// measured side by side with its baseline in one process, in interleaved rounds (A B C, B C A, C A B, …), and the
// headline numbers are ratios of rounds that ran next to each other.

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many values (rounds or single calls) the statistics summarise. */
  readonly n: number;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Per-round ratios a[i] / b[i] of two cases measured in the same rounds. */
export function ratios(a: readonly number[], b: readonly number[]): Stats {
  return stats(a.map((x, i) => x / b[i]));
}

/** One thing to time: `run(n)` makes n calls (awaiting each, when it is asynchronous). */
export interface Case {
  readonly name: string;
  run(n: number): void | Promise<void>;
}

export interface RoundOptions {
  /** Measured rounds. */
  readonly rounds: number;
  /** Unmeasured rounds first (JIT warm-up, caches, worker start). */
  readonly warmupRounds: number;
  /** Target duration of one case in one round, in ms: sets the number of calls per round of each case. */
  readonly roundMs: number;
  /** Bounds for the calls per round. */
  readonly minCalls?: number;
  readonly maxCalls?: number;
}

export interface RoundResult {
  /** Wall-clock µs per call, one value per measured round. */
  readonly perRound: ReadonlyMap<string, number[]>;
  /**
   * Process CPU µs (user + system, all threads) per call, one value per measured round. Unlike wall-clock time it
   * leaves out the time the process waited for a core, which on a shared machine is most of the noise.
   */
  readonly cpuPerRound: ReadonlyMap<string, number[]>;
  readonly callsPerRound: ReadonlyMap<string, number>;
}

const now = (): bigint => process.hrtime.bigint();

async function timeCalls(c: Case, n: number): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = now();
  const r = c.run(n);
  if (r instanceof Promise) await r;
  const wall = Number(now() - started) / 1000 / n;   // µs per call
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / n };
}

/**
 * Runs the cases in interleaved rounds, rotating which case goes first. Calls per round are calibrated once, after
 * the warm-up, so that every case spends about `roundMs` per round.
 */
export async function interleaved(cases: readonly Case[], options: RoundOptions): Promise<RoundResult> {
  const calls = new Map<string, number>();
  for (const c of cases) calls.set(c.name, options.minCalls ?? 10);
  for (let w = 0; w < Math.max(1, options.warmupRounds); w++) {
    for (const c of cases) {
      const perCall = (await timeCalls(c, calls.get(c.name)!)).wall;
      const wanted = Math.round((options.roundMs * 1000) / Math.max(perCall, 0.01));
      calls.set(c.name, Math.min(options.maxCalls ?? 1_000_000, Math.max(options.minCalls ?? 10, wanted)));
    }
  }
  const perRound = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpuPerRound = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(r + k) % cases.length];
      const t = await timeCalls(c, calls.get(c.name)!);
      perRound.get(c.name)!.push(t.wall);
      cpuPerRound.get(c.name)!.push(t.cpu);
    }
  }
  return { perRound, cpuPerRound, callsPerRound: calls };
}

/** Like `interleaved`, but times every call on its own (for latency percentiles). `call()` makes one call. */
export interface LatencyCase {
  readonly name: string;
  call(): void | Promise<void>;
}

export interface LatencyResult {
  /** µs of every measured call, per case. */
  readonly samples: ReadonlyMap<string, number[]>;
  /** Median µs per measured round, per case (for the spread between rounds). */
  readonly roundMedians: ReadonlyMap<string, number[]>;
  /** 99th percentile µs per measured round, per case. */
  readonly roundP99s: ReadonlyMap<string, number[]>;
}

export async function interleavedLatency(cases: readonly LatencyCase[], options: { rounds: number; warmupRounds: number; callsPerRound: number }): Promise<LatencyResult> {
  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const roundMedians = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const roundP99s = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < options.warmupRounds + options.rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(r + k) % cases.length];
      const round: number[] = [];
      for (let i = 0; i < options.callsPerRound; i++) {
        const started = now();
        const p = c.call();
        if (p instanceof Promise) await p;
        round.push(Number(now() - started) / 1000);
      }
      if (r >= options.warmupRounds) {
        samples.get(c.name)!.push(...round);
        roundMedians.get(c.name)!.push(stats(round).median);
        roundP99s.get(c.name)!.push(percentile(round, 99));
      }
    }
  }
  return { samples, roundMedians, roundP99s };
}

export function fmt(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (Math.abs(value) >= 1000) return value.toFixed(0);
  if (Math.abs(value) >= 100) return value.toFixed(Math.min(1, digits));
  return value.toFixed(digits);
}
