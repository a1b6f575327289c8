// Live numbers per plugin for the manager view: calls, errors by reason, call-time percentiles, memory, restarts.
// Call times go into a fixed ring of recent samples, so percentiles cost nothing on the call path and reflect what
// the plugin does now rather than since startup.

import type { PluginErrorReason } from './errors';

const WINDOW = 512;

export interface MetricsSnapshot {
  readonly calls: number;
  readonly errors: number;
  readonly errorsByReason: Readonly<Partial<Record<PluginErrorReason, number>>>;
  /** Call time percentiles over the recent window, in milliseconds; undefined before the first call. */
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly lastCallMs: number | undefined;
  readonly memoryBytes: number | undefined;
  readonly restarts: number;
  readonly droppedLogLines: number;
  readonly droppedMessages: number;
}

export class PluginMetrics {
  private calls = 0;
  private errors = 0;
  private readonly byReason: Partial<Record<PluginErrorReason, number>> = {};
  private readonly samples = new Float64Array(WINDOW);
  private sampleCount = 0;
  private last: number | undefined;
  memoryBytes: number | undefined;
  restarts = 0;
  droppedLogLines = 0;
  droppedMessages = 0;

  record(durationMs: number, error?: PluginErrorReason): void {
    this.calls++;
    this.samples[this.sampleCount % WINDOW] = durationMs;
    this.sampleCount++;
    this.last = durationMs;
    if (error !== undefined) {
      this.errors++;
      this.byReason[error] = (this.byReason[error] ?? 0) + 1;
    }
  }

  snapshot(): MetricsSnapshot {
    const n = Math.min(this.sampleCount, WINDOW);
    let p50: number | undefined;
    let p99: number | undefined;
    if (n > 0) {
      const sorted = Array.from(this.samples.subarray(0, n)).sort((a, b) => a - b);
      p50 = sorted[Math.min(n - 1, Math.floor(n * 0.5))];
      p99 = sorted[Math.min(n - 1, Math.floor(n * 0.99))];
    }
    return {
      calls: this.calls,
      errors: this.errors,
      errorsByReason: { ...this.byReason },
      p50Ms: p50,
      p99Ms: p99,
      lastCallMs: this.last,
      memoryBytes: this.memoryBytes,
      restarts: this.restarts,
      droppedLogLines: this.droppedLogLines,
      droppedMessages: this.droppedMessages,
    };
  }
}

/** Token bucket: `take()` answers whether one more event fits in the rate (bursts up to `burst` events). */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly burst: number;

  constructor(private readonly perSecond: number, private readonly now: () => number = Date.now, burst?: number) {
    this.burst = Math.max(1, burst ?? perSecond);
    this.tokens = this.burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    // A wall clock set back must not drive the bucket below zero (that would silence the plugin for as long).
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
