// Resource limits for one plugin. Defaults are generous for real plugins and tight enough that a misbehaving one is
// stopped long before the user notices: the editor's own budgets (will-save ≈ 1.5 s in VS Code) bound the hook ones.

export interface Limits {
  /** A command may run this long. */
  readonly commandTimeoutMs: number;
  /** An editor-event hook (open, save, change, …) may run this long. */
  readonly hookTimeoutMs: number;
  /** A will-save hook: VS Code gives all `waitUntil` participants about 1.5 s together. */
  readonly willSaveTimeoutMs: number;
  /** Rendering a panel or answering a panel message. */
  readonly panelTimeoutMs: number;
  /** Linear memory cap, enforced in the module's memory limits (growth past it fails inside the plugin). */
  readonly memoryMB: number;
  /** Largest result of one call (JSON bytes crossing from the worker). */
  readonly resultMB: number;
  /** Log lines per second kept; the rest are counted and summarised. */
  readonly logLinesPerSecond: number;
  /** Panel messages per second accepted in each direction; the rest are dropped and counted. */
  readonly messagesPerSecond: number;
  /** Calls allowed to wait behind the running one; more are refused at once. */
  readonly maxQueuedCalls: number;
}

export const DEFAULT_LIMITS: Limits = {
  commandTimeoutMs: 10_000,
  hookTimeoutMs: 2_000,
  willSaveTimeoutMs: 1_000,
  panelTimeoutMs: 5_000,
  memoryMB: 256,
  resultMB: 16,
  logLinesPerSecond: 200,
  messagesPerSecond: 200,
  maxQueuedCalls: 100,
};

const BOUNDS: { [K in keyof Limits]: [min: number, max: number] } = {
  commandTimeoutMs: [10, 600_000],
  hookTimeoutMs: [10, 60_000],
  willSaveTimeoutMs: [10, 5_000],
  panelTimeoutMs: [10, 60_000],
  memoryMB: [1, 4096],
  resultMB: [1, 200],
  logLinesPerSecond: [1, 100_000],
  messagesPerSecond: [1, 100_000],
  maxQueuedCalls: [1, 10_000],
};

/**
 * Merges user-supplied overrides onto the defaults. Unknown keys and values that are not finite numbers are ignored
 * and reported; values outside the sane range are clamped and reported.
 */
export function resolveLimits(...overrides: readonly (Partial<Record<string, unknown>> | undefined)[]): { limits: Limits; problems: string[] } {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  const problems: string[] = [];
  for (const o of overrides) {
    if (o === undefined || o === null || typeof o !== 'object') continue;
    for (const [key, value] of Object.entries(o)) {
      // Own keys only: settings JSON may hold "__proto__" or "constructor", which `in` would find on every object.
      if (!Object.prototype.hasOwnProperty.call(BOUNDS, key)) { problems.push(`unknown limit "${key}"`); continue; }
      if (typeof value !== 'number' || !Number.isFinite(value)) { problems.push(`limit "${key}" must be a number`); continue; }
      const [min, max] = BOUNDS[key as keyof Limits];
      const clamped = Math.min(max, Math.max(min, value));
      if (clamped !== value) problems.push(`limit "${key}" = ${value} is outside ${min}…${max}; using ${clamped}`);
      out[key] = clamped;
    }
  }
  return { limits: out as unknown as Limits, problems };
}

export const PAGE_BYTES = 64 * 1024;
export function memoryPages(limits: Limits): number {
  return Math.floor((limits.memoryMB * 1024 * 1024) / PAGE_BYTES);
}
