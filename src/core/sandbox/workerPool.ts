// Warm spare workers for plugins that start. Starting a worker thread (a V8 isolate, a Node environment, loading the
// worker's code) takes tens of milliseconds, far more than everything else in a plugin's first call; a spare started
// earlier, in the background, takes that off the first call. A spare has loaded pluginWorker.js and waits for its one
// init message (module, binary, channel buffers, limits); it then serves that one plugin until it is terminated.
//
// Rules: a worker leaves the pool once and never comes back (a terminated or used worker cannot be reused, and a spare
// is never shared between plugins); the pool keeps at most `size` idle spares (one by default: one idle worker's
// memory, ~11 MB); it refills in the background a little after a spare was taken, so the respawn does not compete
// with the start it just served; spares do not keep the process alive; `dispose` terminates them.

import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './pluginWorker';

/** What a worker is started with that cannot change afterwards: a spare fits a plugin only when these match. */
export interface WorkerSpec {
  readonly workerPath: string;
  readonly resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number; stackSizeMb?: number };
}

export interface WorkerPoolOptions {
  /** Idle spares kept ready; 0 turns the pool off. Default 1. */
  readonly size?: number;
  /** Wait after a spare was taken before starting its replacement. Default 100 ms. */
  readonly refillDelayMs?: number;
  /** A spare that could not start (e.g. its file is missing); after 3 such failures in a row the pool stops refilling. */
  readonly onSpawnError?: (error: Error) => void;
}

/** workerData of a spare: pluginWorker.ts waits for a `PoolMessage` init instead of reading its init here. */
export const SPARE_WORKER_DATA = { spare: true } as const;

/** Messages between the pool's owner and a spare (over the worker's parentPort). */
export type PoolMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'init'; readonly init: WorkerInit };

export interface WorkerPoolStats {
  /** Spares started. */
  readonly spawned: number;
  /** Starts served by a spare. */
  readonly taken: number;
  /** Starts that found no fitting spare. */
  readonly missed: number;
}

interface Spare {
  readonly worker: Worker;
  readonly key: string;
  ready: boolean;
  /** Removes the pool's listeners (when taken). */
  detach(): void;
}

const MAX_FAILED_SPAWNS = 3;

function keyOf(spec: WorkerSpec): string {
  const r = spec.resourceLimits ?? {};
  return JSON.stringify([spec.workerPath, r.maxOldGenerationSizeMb, r.maxYoungGenerationSizeMb, r.stackSizeMb]);
}

export class WorkerPool {
  private readonly spares: Spare[] = [];
  private readonly waiters: (() => void)[] = [];
  private wanted: WorkerSpec | undefined;
  private refillTimer: NodeJS.Timeout | undefined;
  private failedSpawns = 0;
  private disposed = false;
  private spawned = 0;
  private taken = 0;
  private missed = 0;
  readonly size: number;
  private readonly refillDelayMs: number;

  constructor(private readonly options: WorkerPoolOptions = {}) {
    this.size = Math.max(0, Math.floor(options.size ?? 1));
    this.refillDelayMs = Math.max(0, options.refillDelayMs ?? 100);
  }

  get stats(): WorkerPoolStats {
    return { spawned: this.spawned, taken: this.taken, missed: this.missed };
  }

  /** Idle spares alive right now (started or still starting). */
  get idle(): number {
    return this.spares.length;
  }

  /** Idle spares that have loaded the worker code and wait for their plugin. */
  get ready(): number {
    return this.spares.filter((s) => s.ready).length;
  }

  /**
   * Starts spares in the background until `size` of them exist: for `spec` unless a start already asked for another
   * spec (the pool refills for what was last taken).
   */
  prime(spec: WorkerSpec): void {
    if (this.disposed || this.size === 0) return;
    this.wanted ??= spec;
    this.fill();
  }

  /**
   * A spare started for `spec`, now owned by the caller (who must send it its init with `initSpare` and terminate it
   * when done), or undefined when none fits: the caller starts its own worker. Either way the pool refills for `spec`.
   */
  take(spec: WorkerSpec): Worker | undefined {
    if (this.disposed || this.size === 0) return undefined;
    const key = keyOf(spec);
    this.wanted = spec;
    // A spare still starting is taken too: it is further along than a worker started now.
    const i = this.spares.findIndex((s) => s.key === key);
    if (i < 0) {
      this.missed++;
      this.scheduleRefill();
      return undefined;
    }
    const [spare] = this.spares.splice(i, 1);
    spare.detach();
    spare.worker.ref();
    this.taken++;
    this.scheduleRefill();
    this.changed();
    return spare.worker;
  }

  /** Resolves once the pool holds `size` ready spares (after a take: once it refilled). For tests and benchmarks. */
  async whenFull(timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.disposed && this.size > 0 && this.failedSpawns < MAX_FAILED_SPAWNS && !this.full) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`the worker pool did not fill within ${timeoutMs} ms (${this.ready} of ${this.size} spares ready)`);
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** `size` spares ready for the options last asked for, and no refill pending. */
  private get full(): boolean {
    const key = this.wanted === undefined ? undefined : keyOf(this.wanted);
    return this.refillTimer === undefined && this.spares.filter((s) => s.ready && s.key === key).length >= this.size;
  }

  /** Wakes `whenFull`: a spare was started, became ready, was taken or died. */
  private changed(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private scheduleRefill(): void {
    if (this.refillTimer !== undefined || this.disposed) return;
    this.refillTimer = setTimeout(() => { this.refillTimer = undefined; this.fill(); }, this.refillDelayMs);
    this.refillTimer.unref();
  }

  private fill(): void {
    const spec = this.wanted;
    if (spec === undefined || this.disposed || this.failedSpawns >= MAX_FAILED_SPAWNS) return;
    const key = keyOf(spec);
    for (const stale of this.spares.filter((s) => s.key !== key)) this.discard(stale);
    while (this.spares.length < this.size) this.spares.push(this.spawn(spec, key));
    this.changed();
  }

  private spawn(spec: WorkerSpec, key: string): Spare {
    this.spawned++;
    const worker = new Worker(spec.workerPath, {
      workerData: SPARE_WORKER_DATA,
      resourceLimits: spec.resourceLimits,
      execArgv: [],
      stdout: true,
      stderr: true,
      // The plugin is not known yet; the runner's own workers are named after theirs.
      name: 'wasm-plugin:spare',
    });
    let error: Error | undefined;
    const spare: Spare = {
      worker, key, ready: false,
      detach: () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      },
    };
    const onMessage = (m: PoolMessage) => {
      if (m?.kind !== 'ready') return;
      spare.ready = true;
      this.failedSpawns = 0;
      this.changed();
    };
    const onError = (e: Error) => { error = e; };
    const onExit = () => {
      // A spare died while idle (crash, terminated from outside, or it never started): it is gone for good.
      const i = this.spares.indexOf(spare);
      if (i >= 0) this.spares.splice(i, 1);
      this.changed();
      if (this.disposed) return;
      if (!spare.ready) {
        this.failedSpawns++;
        this.options.onSpawnError?.(error ?? new Error(`a spare plugin worker (${spec.workerPath}) exited before it was ready`));
      }
      this.scheduleRefill();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    // An idle spare must never keep a process (a test run, the CLI) alive; the taker refs it. Both after the listeners
    // (a 'message' listener refs the worker again) and without reading its stdout/stderr yet (a reading stream refs
    // it too): a spare prints nothing before its init, and the taker drains both.
    worker.unref();
    return spare;
  }

  private discard(spare: Spare): void {
    const i = this.spares.indexOf(spare);
    if (i >= 0) this.spares.splice(i, 1);
    spare.detach();
    void spare.worker.terminate();
  }

  /** Terminates the idle spares and stops refilling; later takes find nothing. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    this.changed();
    const spares = this.spares.splice(0);
    await Promise.all(spares.map(async (s) => {
      s.detach();
      await s.worker.terminate();
    }));
  }
}

/** Sends a spare taken from the pool the init that a fresh worker gets as workerData. */
export function initSpare(worker: Worker, init: WorkerInit): void {
  worker.postMessage({ kind: 'init', init } satisfies PoolMessage);
}
