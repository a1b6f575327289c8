// P4 — event fan-out: 10 plugins subscribed to document changes, each in its own worker under a real PluginController
// (from a real registry), fed through the real EventRouter by a driver that sends one change every millisecond
// (1,000/s) for 10 s. The plugin is bench-count (plugins/bench/count-c): its hook only counts the changes and batches
// it receives. Delivery latency of a change, per plugin = from the `router.documentChanged(…)` call that sent it to the
// moment that plugin's hook call for the batch holding it returned (a probe around `controller.handleEvent`). The
// router batches the changes that arrive while a plugin is busy, by design: the batch sizes are reported too. None
// lost = every plugin's own count (its `count` command, after the router went idle) equals the number sent.

import { spawnSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { percentile, stats } from './harness';
import { Figure, Measurement } from './report';
import { BUILD_DIR, ROOT, TEST_PLUGINS } from './setup';
import { generatePlugins } from './p3Activation';
import { MetadataCache } from '../src/core/registry/metadataCache';
import { PluginRegistry } from '../src/core/registry/registry';
import { EventRouter } from '../src/core/registry/eventRouter';
import type { PluginController } from '../src/core/registry/pluginController';
import { DEFAULT_LIMITS } from '../src/core/limits';
import { nullLog } from '../src/core/log';
import { EditorEvent, Types } from '../src/core/runtime/abi';
import type { PluginError } from '../src/core/errors';

export interface P4Options {
  readonly plugins: number;
  readonly changesPerSecond: number;
  readonly seconds: number;
}

const COUNT_PLUGIN = 'bench-count';
const WORKER_PATH = path.join(ROOT, 'out', 'src', 'core', 'sandbox', 'pluginWorker.js');
const URI = 'file:///workspace/bench/p4.txt';

/** bench-count is built by `npm run build:plugins`; build it here when only the other bench plugins were. */
function ensureCountPlugin(): void {
  if (fs.existsSync(path.join(TEST_PLUGINS, `${COUNT_PLUGIN}.wasm`))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'plugins', 'build.mjs'), COUNT_PLUGIN], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`could not build ${COUNT_PLUGIN}: run \`node plugins/build.mjs ${COUNT_PLUGIN}\``);
}

const change = (seq: number): Types.ContentChange => ({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: String(seq) });
const documentAt = (version: number): Types.DocumentInfo => ({ uri: URI, languageId: 'plaintext', version, lineCount: 1, isDirty: true });

interface Probe {
  /** ms from send to the end of the hook call that delivered it, per change delivered (all plugins). */
  readonly latency: number[];
  /** Send time (performance.now()) of each entry of `latency`, for per-second windows. */
  readonly sentAtOf: number[];
  /** Changes per delivered batch. */
  readonly batchSizes: number[];
  /** ms each hook call took, as the router sees it (queue in the runner + round trip + plugin). */
  readonly hookMs: number[];
  /** Hook calls over 50 ms: which plugin, when (performance.now() at the start), how long. */
  readonly slow: { plugin: string; at: number; ms: number; changes: number }[];
}

/** Wraps each controller's handleEvent so that the end of every document-changed hook call is timed per change. */
function probe(controllers: readonly PluginController[], sentAt: Float64Array): Probe {
  const p: Probe = { latency: [], sentAtOf: [], batchSizes: [], hookMs: [], slow: [] };
  for (const c of controllers) {
    const handle = c.handleEvent.bind(c);
    (c as { handleEvent: PluginController['handleEvent'] }).handleEvent = async (event: EditorEvent, kind) => {
      const t0 = performance.now();
      const seqs = event.tag === Types.EditorEvent.documentChanged ? (event.value as Types.DocumentChange).changes.map((x) => Number(x.text)) : [];
      try {
        return await handle(event, kind);
      } finally {
        const t = performance.now();
        for (const s of seqs) {
          p.latency.push(t - sentAt[s]);
          p.sentAtOf.push(sentAt[s]);
        }
        if (seqs.length > 0) p.batchSizes.push(seqs.length);
        p.hookMs.push(t - t0);
        if (t - t0 > 50) p.slow.push({ plugin: c.id, at: t0, ms: t - t0, changes: seqs.length });
      }
    };
  }
  return p;
}

/** Sends `count` changes at `perSecond`, catching up when a timer fired late; returns the send times. */
async function drive(router: EventRouter, count: number, perSecond: number, firstSeq: number, sentAt: Float64Array): Promise<{ started: number; seconds: number; maxLagMs: number }> {
  const started = performance.now();
  const interval = 1000 / perSecond;
  let sent = 0;
  let maxLagMs = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(count, Math.floor((now - started) / interval) + 1);
      if (due > sent) maxLagMs = Math.max(maxLagMs, now - (started + sent * interval));
      while (sent < due) {
        const seq = firstSeq + sent;
        sentAt[seq] = performance.now();
        router.documentChanged(documentAt(seq + 1), [change(seq)]);
        sent++;
      }
      if (sent >= count) return resolve();
      setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
    };
    tick();
  });
  return { started, seconds: (performance.now() - started) / 1000, maxLagMs };
}

async function counts(controllers: readonly PluginController[]): Promise<{ id: string; changes: number; batches: number }[]> {
  return Promise.all(controllers.map(async (c) => {
    const { changes, batches } = JSON.parse((await c.runCommand('count', 'null')).value!) as { changes: number; batches: number };
    return { id: c.id, changes, batches };
  }));
}

export async function runP4(options: P4Options): Promise<Figure> {
  ensureCountPlugin();
  const work = path.join(BUILD_DIR, 'p4');
  const dir = path.join(work, 'plugins');
  generatePlugins(dir, options.plugins, COUNT_PLUGIN);
  const failures: PluginError[] = [];
  const registry = new PluginRegistry({
    folders: () => [{ source: 'path', dir }],
    cache: new MetadataCache(path.join(work, 'cache.json'), 'bench-p4', nullLog),
    log: nullLog,
    logFor: () => nullLog,
    hostApiFor: () => ({}) as never,
    allows: () => false,
    isEnabled: () => true,
    setEnabled: async () => undefined,
    limitsFor: () => DEFAULT_LIMITS,
    workerPath: WORKER_PATH,
  });
  // The router as the extension builds it (default batching: send at once, merge what arrives while busy).
  const router = new EventRouter(registry, { actions: () => undefined, failed: (_p, e) => { failures.push(e); } }, nullLog);
  const warmup = Math.round(options.changesPerSecond / 5);
  const total = Math.round(options.changesPerSecond * options.seconds);
  const sentAt = new Float64Array(warmup + total);
  try {
    await registry.refresh();
    const controllers = registry.subscribers('document-changed');
    if (controllers.length !== options.plugins) throw new Error(`expected ${options.plugins} subscribers, found ${controllers.length}`);
    // Started first (compile, worker, activate): P3 measures that; this measures delivery.
    await Promise.all(controllers.map((c) => c.start()));

    // Warm-up (JIT, the lanes), then counts back to zero and the probe's samples dropped.
    await drive(router, warmup, options.changesPerSecond, 0, sentAt);
    await router.whenIdle();
    const p = probe(controllers, sentAt);
    await Promise.all(controllers.map((c) => c.runCommand('reset', 'null')));

    // How long the main thread's event loop was held up (by our own work, GC, or the OS not running it), and the
    // CPU the whole process (all threads) used: to tell the host's cost from the machine's load.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const run = await drive(router, total, options.changesPerSecond, warmup, sentAt);
    await router.whenIdle();
    const cpuUsed = process.cpuUsage(cpu);
    const mainThreadBusy = performance.eventLoopUtilization(elu).utilization;
    loopDelay.disable();
    await router.whenIdle();
    const received = await counts(controllers);

    // The probe saw the measured changes only (sequence numbers ≥ warmup were all sent after the reset).
    const lost = received.reduce((n, r) => n + Math.max(0, total - r.changes), 0);
    const extra = received.reduce((n, r) => n + Math.max(0, r.changes - total), 0);
    const lat = p.latency;
    const p50 = percentile(lat, 50);
    const p99 = percentile(lat, 99);
    const maxOf = (a: readonly number[]) => a.reduce((m, x) => (x > m ? x : m), -Infinity);
    const max = maxOf(lat);
    // Per-second windows (by send time): the spread of the percentiles over the run.
    const windows = new Map<number, number[]>();
    for (let i = 0; i < lat.length; i++) {
      const w = Math.floor((p.sentAtOf[i] - run.started) / 1000);
      let a = windows.get(w);
      if (a === undefined) windows.set(w, (a = []));
      a.push(lat[i]);
    }
    const windowP50 = stats([...windows.values()].map((a) => percentile(a, 50)));
    const windowP99 = stats([...windows.values()].map((a) => percentile(a, 99)));
    const windowMax = stats([...windows.values()].map(maxOf));
    const batch = stats(p.batchSizes);
    const batchMean = p.batchSizes.reduce((a, b) => a + b, 0) / Math.max(1, p.batchSizes.length);
    const histogram: Record<string, number> = {};
    for (const n of p.batchSizes) {
      const bucket = n === 1 ? '1' : n <= 2 ? '2' : n <= 5 ? '3-5' : n <= 10 ? '6-10' : n <= 50 ? '11-50' : '>50';
      histogram[bucket] = (histogram[bucket] ?? 0) + 1;
    }

    const measurements: Record<string, Measurement> = {
      'delivery latency p50': { median: p50, min: windowP50.min, max: windowP50.max, n: lat.length, unit: 'ms', over: 'calls', note: 'value over all deliveries; min/max: of the per-second p50s' },
      'delivery latency p99': { median: p99, min: windowP99.min, max: windowP99.max, n: lat.length, unit: 'ms', over: 'calls', note: 'value over all deliveries; min/max: of the per-second p99s' },
      'delivery latency max': { median: max, min: windowMax.min, max: windowMax.max, n: lat.length, unit: 'ms', over: 'calls', note: 'value over all deliveries; min/max: of the per-second maxima' },
      'changes per delivered batch': { ...batch, unit: 'changes', over: 'calls' },
      'hook call (as the router awaits it)': { ...stats(p.hookMs), unit: 'ms', over: 'calls' },
    };
    return {
      id: 'P4',
      title: `event fan-out: ${options.plugins} plugins, ${options.changesPerSecond} document changes/s for ${options.seconds} s`,
      status: 'measured',
      note: `bench-count in ${options.plugins} workers (real registry, controllers, EventRouter with default batching); latency = router.documentChanged(…) → end of that plugin's hook call for the batch holding the change; ${total} changes × ${options.plugins} plugins. The driver sends on a 1 ms timer and catches up when it fires late (max lag in details).`,
      measurements,
      checks: [
        { name: 'delivery latency p99', value: p99, unit: 'ms', spread: { min: windowP99.min, max: windowP99.max }, target: '≤ 5 ms', met: p99 <= 5 },
        { name: 'changes lost (sent × plugins − counted by the plugins)', value: lost, unit: 'changes', target: '0', met: lost === 0 && extra === 0 && failures.length === 0 },
        { name: 'delivery latency p50', value: p50, unit: 'ms', spread: { min: windowP50.min, max: windowP50.max }, target: 'reference', met: null },
        { name: 'delivery latency max', value: max, unit: 'ms', target: 'reference', met: null },
        { name: 'changes per batch (mean)', value: batchMean, unit: 'changes', spread: { min: batch.min, max: batch.max }, target: 'reference', met: null },
      ],
      details: {
        plugins: options.plugins,
        sent: total,
        warmupChanges: warmup,
        driveSeconds: run.seconds,
        achievedChangesPerSecond: total / run.seconds,
        driverMaxLagMs: run.maxLagMs,
        processCpuPercentOfOneCore: ((cpuUsed.user + cpuUsed.system) / 1000 / (run.seconds * 1000)) * 100,
        mainThreadEventLoopUtilization: mainThreadBusy,
        eventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        received,
        countedMoreThanSent: extra,
        slowHookCalls: { count: p.slow.length, slowest: [...p.slow].sort((a, b) => b.ms - a.ms).slice(0, 5).map((x) => ({ ...x, at: x.at - run.started })) },
        hookFailures: failures.map((e) => `${e.reason}: ${e.message}`).slice(0, 10),
        batches: { count: p.batchSizes.length, mean: batchMean, histogram },
        perSecond: [...windows.entries()].sort((a, b) => a[0] - b[0]).map(([w, a]) => ({ second: w, deliveries: a.length, p50: percentile(a, 50), p99: percentile(a, 99), max: maxOf(a) })),
      },
    };
  } finally {
    router.dispose();
    await registry.dispose();
  }
}
