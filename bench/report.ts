// What `npm run bench` writes (bench-results/latest.json) and prints. One schema for every figure, including the
// ones whose parts are not written yet (status "pending"), so that tools reading the file never special-case them.

import * as os from 'node:os';
import { fmt, Stats } from './harness';

export const SCHEMA_VERSION = 1;

export type FigureId = 'P1' | 'P2' | 'P3' | 'P4' | 'P5' | 'P6';

/** One measured quantity: a per-call time, a latency percentile, a memory size… */
export interface Measurement extends Stats {
  readonly unit: string;
  /** What the statistics run over: "rounds" (median of per-round means) or "calls" (single calls) or "runs". */
  readonly over: 'rounds' | 'calls' | 'runs';
  readonly note?: string;
}

/** One headline number with its target. `met` is null when the figure is pending or could not be measured. */
export interface Check {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  /** Spread of the value over rounds (ratios: per-round ratios), when it has one. */
  readonly spread?: { readonly min: number; readonly max: number };
  readonly target: string | null;
  readonly met: boolean | null;
}

export interface Figure {
  readonly id: FigureId;
  readonly title: string;
  readonly status: 'measured' | 'pending' | 'failed';
  /** Why a figure is pending or failed; caveats of a measured one. */
  readonly note?: string;
  readonly measurements: Record<string, Measurement>;
  readonly checks: Check[];
  /** Figure-specific details (calls per round, configuration tried, …). */
  readonly details?: Record<string, unknown>;
}

export interface BenchReport {
  readonly schema: number;
  readonly when: string;
  readonly quick: boolean;
  readonly durationSeconds: number;
  readonly machine: Record<string, unknown>;
  readonly method: Record<string, unknown>;
  readonly figures: Figure[];
}

export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    caveat: 'Shared, noisy machine: absolute times vary between runs by 2x or more; compare the ratios, which are measured side by side in one process.',
  };
}

/** A ratio check: `value` is the median of per-round ratios. */
export function ratioCheck(name: string, r: Stats, target: string, met: (v: number) => boolean): Check {
  return { name, value: r.median, unit: '×', spread: { min: r.min, max: r.max }, target, met: Number.isFinite(r.median) ? met(r.median) : null };
}

export function pendingFigure(id: FigureId, title: string, checks: { name: string; unit: string }[]): Figure {
  return {
    id, title, status: 'pending',
    note: 'pending: needs parts of the host that are not written yet',
    measurements: {},
    checks: checks.map((c) => ({ ...c, value: null, target: null, met: null })),
  };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r, k) => {
    const line = r.map((c, i) => pad(c, widths[i])).join('  ').trimEnd();
    return k === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

export function printReport(report: BenchReport, write: (s: string) => void): void {
  const m = report.machine;
  write(`\nWASM Plugin Host benchmarks — ${report.when}${report.quick ? ' (--quick)' : ''}, ${report.durationSeconds.toFixed(0)} s\n`);
  write(`${String(m.node)} on ${String(m.cpuModel)} × ${String(m.cores)}, load ${JSON.stringify(m.loadAverageAtStart)}. ${String(m.caveat)}\n\n`);

  const mrows: string[][] = [['figure', 'measurement', 'median', 'min', 'max', 'unit', 'over']];
  for (const f of report.figures) {
    for (const [name, x] of Object.entries(f.measurements)) {
      mrows.push([f.id, name, fmt(x.median), fmt(x.min), fmt(x.max), x.unit, `${x.n} ${x.over}`]);
    }
  }
  if (mrows.length > 1) write(`${table(mrows)}\n\n`);

  const crows: string[][] = [['figure', 'check', 'value', 'spread (min–max)', 'target', 'result']];
  for (const f of report.figures) {
    if (f.status !== 'measured') {
      crows.push([f.id, f.title, '—', '', '', f.status === 'pending' ? 'pending' : `FAILED: ${f.note ?? ''}`]);
      continue;
    }
    for (const c of f.checks) {
      const value = c.value === null ? '—' : `${fmt(c.value)} ${c.unit}`;
      const spread = c.spread ? `${fmt(c.spread.min)}–${fmt(c.spread.max)}` : '';
      crows.push([f.id, c.name, value, spread, c.target ?? '', c.met === null ? '—' : c.met ? 'met' : 'NOT MET']);
    }
  }
  write(`${table(crows)}\n`);
  const notes = report.figures.filter((f) => f.note && f.status === 'measured');
  if (notes.length > 0) write(`\n${notes.map((f) => `${f.id}: ${f.note}`).join('\n')}\n`);
}
