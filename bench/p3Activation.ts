// P3 — activation scaling. (1) Extension start with 0 and with 50 extra installed plugins: each start is a fresh child
// process (bench/p3Child.ts) that loads the core's code and runs the registry's first discovery over the bundled
// examples (dist/plugins) plus a folder with 0 or 50 generated plugins (bench-echo under 50 manifests: distinct
// binaries), with a warm metadata cache (the cache file a previous start wrote) and, for reference, a cold one. The
// four cases run in interleaved rounds; the ratio is the median of per-round ratios. The child also counts the
// file-system calls of discovery: with a warm cache it must read no plugin file (one readdir per folder, one stat per
// file). (2) The first call of a cached plugin: `controller.runCommand` on a plugin never started in this process
// (metadata cached, nothing compiled) until its answer, with the registry's warm worker pool and without it (two
// registries over the same folder, alternating, each sample on another plugin so that nothing is compiled twice).

import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { percentile, ratios, stats } from './harness';
import { Check, Figure, Measurement, ratioCheck } from './report';
import { BUILD_DIR, pluginBytes, ROOT } from './setup';
import type { P3Start } from './p3Child';
import { MANIFEST_SECTION } from '../src/core/manifest';
import { customSections, setCustomSection } from '../src/core/wasm/binary';
import { MetadataCache } from '../src/core/registry/metadataCache';
import { PluginRegistry } from '../src/core/registry/registry';
import { DEFAULT_LIMITS } from '../src/core/limits';
import { nullLog } from '../src/core/log';

export interface P3Options {
  /** Extra installed plugins of the "many" case. */
  readonly plugins: number;
  /** Measured rounds of child-process starts (each round: warm 0, warm N, cold 0, cold N). */
  readonly rounds: number;
  readonly warmupRounds: number;
  /** Measured rounds of first calls (each round: one plugin with the pool, one without). */
  readonly firstCallRounds: number;
}

const CHILD = path.join(__dirname, 'p3Child.js');
const WORKER_PATH = path.join(ROOT, 'out', 'src', 'core', 'sandbox', 'pluginWorker.js');
const BUNDLED = path.join(ROOT, 'dist', 'plugins');

/** `count` copies of bench-echo under distinct manifests (ids bench-echo-00…), written to `dir`. Returns the ids. */
export function generatePlugins(dir: string, count: number, prefix = 'bench-echo'): string[] {
  const bytes = pluginBytes(`${prefix}.wasm`);
  const base = JSON.parse(new TextDecoder().decode(customSections(bytes, MANIFEST_SECTION)[0])) as Record<string, unknown>;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${prefix}-${String(i).padStart(2, '0')}`;
    const manifest = { ...base, id, name: `${String(base.name)} ${i}`, version: `1.0.${i}` };
    fs.writeFileSync(path.join(dir, `${id}.wasm`), setCustomSection(bytes, MANIFEST_SECTION, new TextEncoder().encode(JSON.stringify(manifest))));
    ids.push(id);
  }
  return ids;
}

function start(cacheFile: string, folders: readonly string[]): Promise<P3Start> {
  return new Promise((resolve, reject) => {
    const proc = fork(CHILD, [cacheFile, ...folders], { execArgv: [], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    proc.stdout!.on('data', (d) => { out += d; });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`P3 child exited with ${code}: ${out}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as P3Start);
      } catch (e) {
        reject(new Error(`P3 child printed no result: ${out} (${String(e)})`));
      }
    });
  });
}

interface StartCase {
  readonly name: string;
  readonly extra: number;
  readonly warm: boolean;
  readonly cacheFile: string;
  readonly folders: readonly string[];
}

function registryOver(dir: string, cacheFile: string, spareWorkers: number): PluginRegistry {
  return new PluginRegistry({
    folders: () => [{ source: 'path', dir }],
    cache: new MetadataCache(cacheFile, 'bench-p3', nullLog),
    log: nullLog,
    logFor: () => nullLog,
    hostApiFor: () => ({}) as never,
    allows: () => false,
    isEnabled: () => true,
    setEnabled: async () => undefined,
    limitsFor: () => DEFAULT_LIMITS,
    workerPath: WORKER_PATH,
    spareWorkers,
  });
}

export async function runP3(options: P3Options): Promise<Figure> {
  const work = path.join(BUILD_DIR, 'p3');
  const empty = path.join(work, 'none');
  const many = path.join(work, `plugins-${options.plugins}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(empty, { recursive: true });
  const ids = generatePlugins(many, options.plugins);
  const folders = (dir: string) => [`bundled=${BUNDLED}`, `path=${dir}`];
  const cases: StartCase[] = [
    { name: 'warm 0', extra: 0, warm: true, cacheFile: path.join(work, 'cache-warm-0.json'), folders: folders(empty) },
    { name: `warm ${options.plugins}`, extra: options.plugins, warm: true, cacheFile: path.join(work, 'cache-warm-n.json'), folders: folders(many) },
    { name: 'cold 0', extra: 0, warm: false, cacheFile: path.join(work, 'cache-cold-0.json'), folders: folders(empty) },
    { name: `cold ${options.plugins}`, extra: options.plugins, warm: false, cacheFile: path.join(work, 'cache-cold-n.json'), folders: folders(many) },
  ];

  // ---- (1) starts, in interleaved rounds ----------------------------------------------------------------------------
  const runs = new Map<string, P3Start[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) if (c.warm) await start(c.cacheFile, c.folders); // writes the cache the warm starts read
  for (let r = 0; r < options.warmupRounds + options.rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(r + k) % cases.length];
      if (!c.warm) fs.rmSync(c.cacheFile, { force: true });
      const result = await start(c.cacheFile, c.folders);
      if (r >= options.warmupRounds) runs.get(c.name)!.push(result);
    }
  }
  const [warm0, warmN, cold0, coldN] = cases.map((c) => runs.get(c.name)!);
  const measurements: Record<string, Measurement> = {};
  for (const c of cases) {
    const rs = runs.get(c.name)!;
    measurements[`start, ${c.name} extra (load + discovery)`] = { ...stats(rs.map((x) => x.startMs)), unit: 'ms', over: 'runs' };
    measurements[`discovery, ${c.name} extra`] = { ...stats(rs.map((x) => x.discoveryMs)), unit: 'ms', over: 'runs' };
  }
  measurements['load the core (all starts)'] = { ...stats([...runs.values()].flat().map((x) => x.loadMs)), unit: 'ms', over: 'runs' };
  const startRatio = ratios(warmN.map((x) => x.startMs), warm0.map((x) => x.startMs));
  const discoveryRatio = ratios(warmN.map((x) => x.discoveryMs), warm0.map((x) => x.discoveryMs));
  const coldRatio = ratios(coldN.map((x) => x.discoveryMs), cold0.map((x) => x.discoveryMs));
  const perPlugin = stats(warmN.map((x, i) => ((x.discoveryMs - warm0[i].discoveryMs) * 1000) / options.plugins));
  // Every warm discovery, 0 or N: the most plugin files any of them read, and stats per file found.
  const warmRuns = [...warm0, ...warmN];
  const wasmReads = Math.max(...warmRuns.map((x) => x.io.wasmReads));
  const statsPerFile = Math.max(...warmN.map((x) => x.io.stat / Math.max(1, x.plugins)));

  // ---- (2) the first call of a cached plugin, with and without the warm pool -----------------------------------------
  // The starts above left a warm cache for this folder; both registries read a copy of it (nothing to rediscover).
  const cacheWith = path.join(work, 'cache-first-call-pool.json');
  const cacheWithout = path.join(work, 'cache-first-call-nopool.json');
  fs.copyFileSync(cases[1].cacheFile, cacheWith);
  fs.copyFileSync(cases[1].cacheFile, cacheWithout);
  const pooled = registryOver(many, cacheWith, 1);
  const unpooled = registryOver(many, cacheWithout, 0);
  const firstCall: Record<string, number[]> = { 'with pool': [], 'without pool': [], 'restart, module cached, with pool': [] };
  const warmupCalls = 1;
  const rounds = Math.min(options.firstCallRounds, Math.floor(ids.length / 2) - warmupCalls);
  try {
    await Promise.all([pooled.refresh(), unpooled.refresh()]);
    const call = async (registry: PluginRegistry, id: string): Promise<number> => {
      // Both cases start from the same state: the pool full, no spare being started in the background.
      await Promise.all([pooled.pool.whenFull(), unpooled.pool.whenFull()]);
      const c = registry.controller(id);
      if (c === undefined) throw new Error(`${id} was not discovered`);
      const t = performance.now();
      const result = await c.runCommand('echo', '"1"');
      const ms = performance.now() - t;
      if (result.value !== '"1"') throw new Error(`${id} answered ${String(result.value)}`);
      return ms;
    };
    for (let r = 0; r < warmupCalls + rounds; r++) {
      // Rotate which registry goes first and which of the round's two plugins it gets.
      const [a, b] = r % 2 === 0 ? [ids[2 * r], ids[2 * r + 1]] : [ids[2 * r + 1], ids[2 * r]];
      const order: [PluginRegistry, string, string][] = r % 2 === 0 ? [[pooled, a, 'with pool'], [unpooled, b, 'without pool']] : [[unpooled, b, 'without pool'], [pooled, a, 'with pool']];
      for (const [registry, id, name] of order) {
        const ms = await call(registry, id);
        if (r >= warmupCalls) firstCall[name].push(ms);
      }
      // The same plugin again after a stop: read + hash check, the compiled module from the registry's cache, a spare.
      await pooled.controller(a)!.stop();
      const again = await call(pooled, a);
      if (r >= warmupCalls) firstCall['restart, module cached, with pool'].push(again);
      await Promise.all([pooled.controller(a)!.stop(), unpooled.controller(b)!.stop()]);
    }
  } finally {
    await Promise.all([pooled.dispose(), unpooled.dispose()]);
  }
  for (const [name, values] of Object.entries(firstCall)) {
    measurements[`first call, ${name}`] = { ...stats(values), unit: 'ms', over: 'calls' };
  }
  const withPool = stats(firstCall['with pool']);
  const withoutPool = stats(firstCall['without pool']);

  const checks: Check[] = [
    ratioCheck(`start with ${options.plugins} extra / with 0 (warm cache)`, startRatio, '≤ 1.2×', (v) => v <= 1.2),
    { name: 'plugin files read by a warm discovery', value: wasmReads, unit: 'files', target: '0', met: wasmReads === 0 },
    { name: 'first call of a cached plugin (warm pool)', value: withPool.median, unit: 'ms', spread: { min: withPool.min, max: withPool.max }, target: '≤ 10 ms', met: withPool.median <= 10 },
    { name: 'first call of a cached plugin (no pool)', value: withoutPool.median, unit: 'ms', spread: { min: withoutPool.min, max: withoutPool.max }, target: 'reference', met: null },
    ratioCheck(`discovery with ${options.plugins} extra / with 0 (warm cache)`, discoveryRatio, 'reference', () => true),
    ratioCheck(`discovery with ${options.plugins} extra / with 0 (cold cache)`, coldRatio, 'reference', () => true),
  ];
  // Reference checks carry no verdict.
  for (let i = 0; i < checks.length; i++) if (checks[i].target === 'reference') checks[i] = { ...checks[i], met: null };

  return {
    id: 'P3',
    title: `activation scaling: start with 0 vs ${options.plugins} extra plugins; first call of a cached plugin`,
    status: 'measured',
    note: `a start = a fresh Node process loading the core (out/, tsc output) and running the first discovery over the bundled examples (${warm0[0]?.plugins ?? 0} files) plus 0 or ${options.plugins} generated plugins; warm = the cache file a previous start wrote. First call = runCommand → answer on a plugin never started in the process (read, sha256 check, compile, worker, instantiate, activate, call).`,
    measurements,
    checks,
    details: {
      rounds: options.rounds,
      bundledPlugins: warm0[0]?.plugins,
      pluginsFound: { zero: warm0[0]?.plugins, many: warmN[0]?.plugins },
      controllers: { zero: warm0[0]?.controllers, many: warmN[0]?.controllers },
      warmDiscoveryPerExtraPluginUs: perPlugin,
      warmDiscoveryIo: { zero: warm0[0]?.io, many: warmN[0]?.io, maxStatsPerFile: statsPerFile },
      coldDiscoveryIo: { zero: cold0[0]?.io, many: coldN[0]?.io },
      nodeBootMs: stats([...runs.values()].flat().map((x) => x.nodeBootMs)),
      firstCallMs: Object.fromEntries(Object.entries(firstCall).map(([k, v]) => [k, { ...stats(v), p90: percentile(v, 90), values: v.map((x) => Number(x.toFixed(2))) }])),
    },
  };
}
