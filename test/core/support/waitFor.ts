// Waiting without sleeping: tests wait for a condition or an event, bounded by a deadline, and fail with a message
// that says what never happened. Polls are short and cheap so a fast machine finishes fast and a slow one only
// takes longer, never flakes, until the deadline.

export const DEFAULT_WAIT_MS = 10_000;

export class WaitTimeout extends Error {
  constructor(what: string, timeoutMs: number, last?: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : ` (last seen: ${describe(last)})`}`);
    this.name = 'WaitTimeout';
  }
}

function describe(value: unknown): string {
  try {
    const s = typeof value === 'string' ? value : JSON.stringify(value);
    return s.length > 300 ? `${s.slice(0, 300)}…` : s;
  } catch {
    return String(value);
  }
}

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Pause between polls; small, since polls are cheap (default 5 ms). */
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than `undefined`/`false` and returns that. A probe that throws is
 * retried until the deadline, then its last error is reported.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const interval = options.intervalMs ?? 5;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (performance.now() >= deadline) {
      throw new WaitTimeout(what, timeoutMs, lastError instanceof Error ? lastError.message : lastError);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Resolves with the promise's value, or rejects once `timeoutMs` has passed, naming what never happened. */
export async function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeout(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Something with VS Code-style listeners: `onX(listener) → { dispose() }`. */
export type EventSource<T> = (listener: (value: T) => void) => { dispose(): void };

/** The next value an event fires that satisfies `accept`, or a timeout. */
export function nextEvent<T>(what: string, on: EventSource<T>, accept: (value: T) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
  let subscription: { dispose(): void } | undefined;
  const fired = new Promise<T>((resolve) => {
    subscription = on((value) => { if (accept(value)) resolve(value); });
  });
  return withTimeout(what, fired, timeoutMs).finally(() => subscription?.dispose());
}

/** Milliseconds `run` took, with its result. */
export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await run();
  return { ms: performance.now() - t0, value };
}

/** Milliseconds until `run` rejected, with the rejection (fails if it resolves). */
export async function timedRejection(run: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const t0 = performance.now();
  try {
    await run();
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
  throw new Error('expected a rejection, but the call succeeded');
}
