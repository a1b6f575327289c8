// The warm worker pool: a spare plugin worker started ahead of time takes the thread start off a plugin's first call.
// It hands out a ready worker, never hands out one that has died, refills after a take, is disposed with the
// registry (no thread left), and a pooled plugin behaves like any other: it answers, and a call that times out
// terminates its worker. Also the registry's compiled-module cache (restarts and reloads skip compiling), and two
// runner bugs P4 found: the worker's wait for the next call (a lost wake-up) and memory kept per call. Real plugins in
// real worker threads.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WorkerPool, WorkerSpec } from '../../src/core/sandbox/workerPool';
import { waitForCall } from '../../src/core/sandbox/pluginWorker';
import { State } from '../../src/core/sandbox/channel';
import { PluginRegistry } from '../../src/core/registry/registry';
import { MetadataCache } from '../../src/core/registry/metadataCache';
import { PluginError } from '../../src/core/errors';
import { DEFAULT_LIMITS, Limits } from '../../src/core/limits';
import { MemoryLog } from '../../src/core/log';
import { FakeHost } from './support/fakeHost';
import { pluginBytes, ROOT, WORKER_PATH } from './support/plugins';
import { kitchenSinkAs, liveWorkerCount, liveWorkerThreads, tempDir, writePlugin } from './support/controllers';
import { waitFor } from './support/waitFor';
import { isolated } from './support/plugins';

const SPEC: WorkerSpec = { workerPath: WORKER_PATH, resourceLimits: { maxOldGenerationSizeMb: 64, stackSizeMb: 4 } };

function registryOver(dir: string, options: { spareWorkers?: number; limits?: Partial<Limits> } = {}): { registry: PluginRegistry; log: MemoryLog } {
  const log = new MemoryLog();
  const registry = new PluginRegistry({
    folders: () => [{ source: 'user', dir }],
    cache: new MetadataCache(path.join(tempDir(), 'cache.json'), 'test', log),
    log,
    logFor: () => log,
    hostApiFor: () => new FakeHost().api,
    allows: () => true,
    isEnabled: () => true,
    setEnabled: async () => undefined,
    limitsFor: () => ({ ...DEFAULT_LIMITS, ...options.limits }),
    workerPath: WORKER_PATH,
    spareWorkers: options.spareWorkers,
  });
  return { registry, log };
}

/** Worker threads that exist now and did not before. */
function newThreads(before: ReadonlySet<Worker>): Worker[] {
  return liveWorkerThreads().filter((w) => !before.has(w));
}

/** Whether a worker thread is still running (its threadId turns -1 once it has exited). */
const alive = (w: Worker) => w.threadId >= 0;

describe('the warm worker pool', () => {
  test('a primed pool holds one ready spare; take hands it out once and the pool refills with another thread', async () => {
    const pool = new WorkerPool({ size: 1, refillDelayMs: 0 });
    const cleanup: Worker[] = [];
    try {
      pool.prime(SPEC);
      await pool.whenFull();
      assert.equal(pool.ready, 1);
      const first = pool.take(SPEC);
      assert.ok(first, 'a spare was handed out');
      cleanup.push(first);
      assert.equal(pool.idle, 0, 'the spare left the pool');
      await pool.whenFull();
      const second = pool.take(SPEC);
      if (second) cleanup.push(second);
      assert.ok(second && second !== first && second.threadId !== first.threadId, 'the refill is another thread');
      assert.deepEqual(pool.stats, { spawned: 2, taken: 2, missed: 0 });
    } finally {
      await Promise.all(cleanup.map((w) => w.terminate()));
      await pool.dispose();
    }
  });

  test('a spare that dies while idle is never handed out: the pool replaces it', async () => {
    const before = new Set(liveWorkerThreads());
    const pool = new WorkerPool({ size: 1, refillDelayMs: 0 });
    const cleanup: Worker[] = [];
    try {
      pool.prime(SPEC);
      await pool.whenFull();
      const [spare] = newThreads(before);
      assert.ok(spare, 'the spare is a live thread');
      await spare.terminate();
      await pool.whenFull();
      const taken = pool.take(SPEC);
      if (taken) cleanup.push(taken);
      assert.ok(taken && taken !== spare && alive(taken), 'a live replacement was handed out');
    } finally {
      await Promise.all(cleanup.map((w) => w.terminate()));
      await pool.dispose();
    }
  });

  test('a spare fits only the start options it was started with; a start with others finds none and the pool follows it', async () => {
    const pool = new WorkerPool({ size: 1, refillDelayMs: 0 });
    const other: WorkerSpec = { ...SPEC, resourceLimits: { maxOldGenerationSizeMb: 128, stackSizeMb: 4 } };
    const taken: Worker[] = [];
    try {
      pool.prime(SPEC);
      await pool.whenFull();
      assert.equal(pool.take(other), undefined);
      assert.equal(pool.stats.missed, 1);
      await pool.whenFull();
      assert.equal(pool.idle, 1, 'still one spare: the old one was replaced, not joined');
      const w = pool.take(other);
      assert.ok(w, 'the next start with the other options finds its spare');
      taken.push(w);
      assert.deepEqual(pool.stats, { spawned: 2, taken: 1, missed: 1 });
    } finally {
      await Promise.all(taken.map((w) => w.terminate()));
      await pool.dispose();
    }
  });

  test('dispose terminates the spares, and a disposed pool hands out nothing and starts nothing', async () => {
    const before = liveWorkerCount();
    const pool = new WorkerPool({ size: 2, refillDelayMs: 0 });
    pool.prime(SPEC);
    await pool.whenFull();
    assert.equal(liveWorkerCount(), before + 2);
    await pool.dispose();
    assert.equal(liveWorkerCount(), before);
    assert.equal(pool.take(SPEC), undefined);
    pool.prime(SPEC);
    assert.equal(pool.idle, 0);
  });

  test('an idle spare does not keep a process alive', () => {
    const runner = path.join(ROOT, 'out', 'src', 'core', 'sandbox', 'workerPool.js');
    const script = `const { WorkerPool } = require(${JSON.stringify(runner)});
      const pool = new WorkerPool({ size: 1 });
      pool.prime({ workerPath: ${JSON.stringify(WORKER_PATH)} });
      pool.whenFull().then(() => console.log('ready ' + pool.ready));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.signal, null, 'the process exited by itself (not killed at the timeout)');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ready 1');
  });

  test('a registry primes one spare after discovery; a plugin\'s first call takes it and answers; dispose leaves no thread', async () => {
    await waitFor('no plugin worker threads', () => liveWorkerCount() === 0);
    const before = liveWorkerCount();
    const dir = tempDir();
    writePlugin(dir, 'a.wasm', kitchenSinkAs('pool-a'));
    writePlugin(dir, 'b.wasm', kitchenSinkAs('pool-b'));
    const { registry } = registryOver(dir);
    try {
      await registry.refresh();
      await registry.pool.whenFull();
      assert.equal(registry.pool.ready, 1);
      assert.equal(liveWorkerCount(), before + 1, 'only the spare runs: nothing was started for the plugins');
      const a = registry.controller('pool-a')!;
      assert.equal((await a.runCommand('echo', '"first"')).value, '"first"');
      assert.equal(registry.pool.stats.taken, 1, 'the first start took the spare');
      await registry.pool.whenFull();
      const b = registry.controller('pool-b')!;
      assert.equal((await b.runCommand('echo', '"second"')).value, '"second"');
      assert.equal(registry.pool.stats.taken, 2);
      assert.equal(liveWorkerCount(), before + 2 + (registry.pool.idle), 'one thread per plugin, plus the refill');
    } finally {
      await registry.dispose();
    }
    await waitFor('every plugin worker and spare to exit', () => liveWorkerCount() === before);
  });

  test('with spareWorkers 0 (or in-process plugins) no spare is started', async () => {
    // Threads of earlier tests may still be on their way out.
    await waitFor('no plugin worker threads', () => liveWorkerCount() === 0);
    const before = liveWorkerCount();
    const dir = tempDir();
    writePlugin(dir, 'a.wasm', kitchenSinkAs('pool-none'));
    const { registry } = registryOver(dir, { spareWorkers: 0 });
    try {
      await registry.refresh();
      assert.equal(registry.pool.idle, 0);
      assert.equal(liveWorkerCount(), before);
      assert.equal((await registry.controller('pool-none')!.runCommand('echo', '"x"')).value, '"x"');
      assert.equal(registry.pool.stats.taken, 0);
    } finally {
      await registry.dispose();
    }
    await waitFor('the plugin\'s worker to exit', () => liveWorkerCount() === before);
  });

  test('a first call on a pooled worker that runs past its timeout is stopped, its thread ends and is never reused; the next call works', async () => {
    const dir = tempDir();
    writePlugin(dir, 'loop.wasm', pluginBytes('hostile-loop.wasm'));
    const { registry } = registryOver(dir, { limits: { commandTimeoutMs: 500 } });
    try {
      await registry.refresh();
      await registry.pool.whenFull();
      const before = new Set(liveWorkerThreads());
      const c = registry.controller('hostile-loop')!;
      const t0 = performance.now();
      await assert.rejects(c.runCommand('spin', 'null'), (e: unknown) => e instanceof PluginError && e.reason === 'timeout' && /within 500 ms/.test(e.message));
      assert.ok(performance.now() - t0 < 5_000, 'stopped at about the timeout');
      assert.equal(registry.pool.stats.taken, 1, 'the spinning call ran on the spare');
      const stopped = await waitFor('the timed-out worker to exit', () => {
        const gone = [...before].filter((w) => !liveWorkerThreads().includes(w));
        return gone.length === 1 ? gone[0] : undefined;
      });
      await registry.pool.whenFull();
      const ok = JSON.parse((await c.runCommand('ok', 'null')).value!) as { ok: boolean; calls: number };
      assert.deepEqual(ok, { ok: true, calls: 1 }, 'a fresh instance answered');
      assert.equal(registry.pool.stats.taken, 2, 'the restart took the new spare');
      assert.ok(!alive(stopped) && !liveWorkerThreads().includes(stopped), 'the stopped thread is gone for good');
    } finally {
      await registry.dispose();
    }
  });
});

describe('compiled modules shared across restarts and reloads', () => {
  test('a restart and a reload of an unchanged file reuse the compiled module; a changed file is compiled again', async () => {
    const dir = tempDir();
    const file = writePlugin(dir, 'a.wasm', kitchenSinkAs('modules-a'));
    const { registry } = registryOver(dir, { spareWorkers: 0 });
    try {
      await registry.refresh();
      const c = registry.controller('modules-a')!;
      await c.runCommand('echo', '"1"');
      assert.equal(registry.modules.compiled, 1);
      await c.stop();
      await c.runCommand('echo', '"2"');
      assert.equal(registry.modules.compiled, 1, 'a restart reused the module');
      await registry.reload('modules-a');
      assert.equal((await registry.controller('modules-a')!.runCommand('echo', '"3"')).value, '"3"');
      assert.equal(registry.modules.compiled, 1, 'a reload of the same file reused the module');
      fs.writeFileSync(file, kitchenSinkAs('modules-a', (m) => ({ ...m, version: '9.9.9' })));
      await registry.refresh();
      assert.equal((await registry.controller('modules-a')!.runCommand('echo', '"4"')).value, '"4"');
      assert.equal(registry.modules.compiled, 2, 'the changed file was compiled');
      assert.equal(registry.modules.size, 1, 'the old file\'s module was dropped');
    } finally {
      await registry.dispose();
    }
  });
});

describe('the worker\'s wait for the next call', () => {
  test('a call that arrives between two reads of the state is not slept through', () => {
    // The extension host reads the answer, sets Idle (without notify) and sends the next Call at once. A worker that
    // read Return, then read the state again for its wait, would wait "while Call" and miss that call (P4 found it:
    // hook calls timing out after 2 s under load). Here the state changes to Call right after the first read.
    const reads = [State.Return, State.Call, State.Call];
    const waitedWhile: State[] = [];
    const channel = {
      get state(): State { return reads.shift() ?? State.Call; },
      waitWhile(current: State): State {
        waitedWhile.push(current);
        if (current === State.Call) throw new Error('waits while the state is Call: the call would be missed');
        return this.state;
      },
    };
    waitForCall(channel);
    assert.deepEqual(waitedWhile, [State.Return], 'it waited only while the state it had read');
  });
});

describe('a worker runner over a long life', () => {
  test('20,000 calls more keep no memory in the extension host', async () => {
    // Each call used to race the worker's exit promise, which kept one reaction per call for the worker's life
    // (~300 bytes a call: 6 MB here).
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const runner = await isolated('kitchen-sink.wasm');
    const calls = async (n: number) => {
      for (let i = 0; i < n; i++) await runner.call('run-command', ['echo', '"1"'], { timeoutMs: 10_000 });
      gc();
      return process.memoryUsage().heapUsed;
    };
    try {
      await calls(2_000);
      const before = await calls(1_000);
      const after = await calls(20_000);
      assert.ok(after - before < 1_500_000, `the heap grew by ${((after - before) / 1e6).toFixed(1)} MB over 20,000 calls`);
    } finally {
      await runner.dispose();
    }
  });
});
