// When to restart a language server that ended unexpectedly: after a growing delay (0.5 s, 1 s, 2 s … capped), and
// not at all after too many crashes close together — a server that crashes on every start would otherwise spin. A
// server that ran long enough is forgiven its earlier crashes. Pure logic with an injectable clock, so the host's
// LanguageClient close handler asks it and tests check it without waiting.

export interface RestartBackoffOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  /** At most this many restarts within `windowMs`; the next crash gives up. */
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** A run at least this long resets the count. */
  readonly stableAfterMs: number;
}

export const DEFAULT_RESTART_BACKOFF: RestartBackoffOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  maxRestarts: 5,
  windowMs: 3 * 60_000,
  stableAfterMs: 60_000,
};

export class RestartBackoff {
  private crashes: number[] = [];
  private startedAt: number | undefined;

  constructor(private readonly options: RestartBackoffOptions = DEFAULT_RESTART_BACKOFF, private readonly now: () => number = Date.now) {}

  /** The server (re)started. */
  started(): void {
    this.startedAt = this.now();
  }

  /** The server ended unexpectedly: the delay before restarting it, or undefined to stop trying. */
  crashed(): number | undefined {
    const now = this.now();
    if (this.startedAt !== undefined && now - this.startedAt >= this.options.stableAfterMs) this.crashes = [];
    this.crashes = this.crashes.filter((t) => now - t < this.options.windowMs);
    this.crashes.push(now);
    if (this.crashes.length > this.options.maxRestarts) return undefined;
    const o = this.options;
    return Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** (this.crashes.length - 1));
  }

  /** The user restarted or re-enabled it: start counting afresh. */
  reset(): void {
    this.crashes = [];
  }

  /** Crashes counted in the current window, for messages ("crashed 5 times in 3 minutes"). */
  get recentCrashes(): number {
    return this.crashes.length;
  }
}
