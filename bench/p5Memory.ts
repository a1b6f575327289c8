// P5 — memory: the resident set each active isolated plugin adds. Measured in a fresh child process (so nothing else
// the benchmarks loaded counts): compile the plugin, collect garbage, read RSS; start N WorkerRunners and make one call
// on each (which activates it); read RSS again once every worker is idle in Atomics.wait. Per plugin =
// (after − before) / N. Several child runs give median/min/max.

import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import { stats } from './harness';
import { Figure, Measurement } from './report';
import { CALL, isolated, loadEcho } from './setup';
import type { WorkerRunnerOptions } from '../src/core/sandbox/runner';

export interface P5Options {
  readonly plugins: number;
  readonly runs: number;
  /** Names from VARIANTS; `default` is always measured. */
  readonly variants?: readonly string[];
}

/** One configuration of the workers to measure. */
interface Variant {
  readonly name: string;
  readonly options: Partial<WorkerRunnerOptions>;
}

/** `default` is the figure; the others (`--p5-variants all`) are the cheap knobs tried on the worker. */
export const VARIANTS: readonly Variant[] = [
  { name: 'default', options: {} },
  { name: 'young-1', options: { resourceLimits: { maxYoungGenerationSizeMb: 1 } } },
  { name: 'young-2', options: { resourceLimits: { maxYoungGenerationSizeMb: 2 } } },
  { name: 'old-8', options: { resourceLimits: { maxOldGenerationSizeMb: 8 } } },
  { name: 'stack-1', options: { resourceLimits: { stackSizeMb: 1 } } },
];

interface ChildResult {
  readonly rssBeforeMB: number;
  readonly rssAfterMB: number;
  readonly perPluginMB: number;
  readonly vmRssSource: string;
}

function residentMB(): { mb: number; source: string } {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (m) return { mb: Number(m[1]) / 1024, source: '/proc/self/status VmRSS' };
  } catch { /* not Linux */ }
  return { mb: process.memoryUsage().rss / 2 ** 20, source: 'process.memoryUsage().rss' };
}

async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function child(count: number, variant: Variant): Promise<ChildResult> {
  const plugin = await loadEcho();
  await settle();
  const before = residentMB();
  const runners = Array.from({ length: count }, () => isolated(plugin, variant.options));
  for (const r of runners) await r.call('run-command', ['echo', '"1"'], CALL);
  await settle();
  const after = residentMB();
  for (const r of runners) await r.dispose();
  return { rssBeforeMB: before.mb, rssAfterMB: after.mb, perPluginMB: (after.mb - before.mb) / count, vmRssSource: after.source };
}

function runChild(count: number, variant: Variant): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, ['--p5-child', String(count), variant.name], { execArgv: ['--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    proc.stdout!.on('data', (d) => { out += d; });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`P5 child exited with ${code}: ${out}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
      } catch (e) {
        reject(new Error(`P5 child printed no result: ${out} (${String(e)})`));
      }
    });
  });
}

export async function runP5(options: P5Options): Promise<Figure> {
  const measurements: Record<string, Measurement> = {};
  const details: Record<string, unknown> = { plugins: options.plugins, runs: options.runs };
  let headline: number[] = [];
  const wanted = new Set(['default', ...(options.variants ?? [])]);
  for (const variant of VARIANTS.filter((v) => wanted.has(v.name) || wanted.has('all'))) {
    const results: ChildResult[] = [];
    for (let i = 0; i < options.runs; i++) results.push(await runChild(options.plugins, variant));
    const per = results.map((r) => r.perPluginMB);
    if (variant.name === 'default') headline = per;
    measurements[`RSS per active isolated plugin (${variant.name})`] = { ...stats(per), unit: 'MB', over: 'runs' };
    measurements[`process RSS with ${options.plugins} plugins (${variant.name})`] = { ...stats(results.map((r) => r.rssAfterMB)), unit: 'MB', over: 'runs' };
    details[variant.name] = { options: variant.options, runs: results };
  }
  const s = stats(headline);
  return {
    id: 'P5',
    title: `memory: RSS per active isolated plugin (${options.plugins} plugins)`,
    status: 'measured',
    note: 'bench-echo (C, 2 pages = 128 KB of linear memory): the figure is almost all the worker thread itself (V8 isolate + Node environment + the host code it loads).',
    measurements,
    checks: [{ name: 'RSS per active isolated plugin', value: s.median, unit: 'MB', spread: { min: s.min, max: s.max }, target: '≤ 12 MB', met: s.median <= 12 }],
    details,
  };
}

if (process.argv[2] === '--p5-child') {
  const count = Number(process.argv[3]);
  const variant = VARIANTS.find((v) => v.name === process.argv[4]) ?? VARIANTS[0];
  child(count, variant).then(
    (r) => { process.stdout.write(`${JSON.stringify(r)}\n`); process.exit(0); },
    (e) => { process.stderr.write(`${(e as Error).stack ?? String(e)}\n`); process.exit(1); },
  );
}
