// The two runners that call a plugin: the worker one (the default, isolated) and the in-process one. Everything here
// runs the real kitchen-sink test plugin built from plugins/test/kitchen-sink; nothing is mocked except the host API
// (FakeHost), so what is asserted is what a user of a plugin would see.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PluginError } from '../../src/core/errors';
import { renameExports } from '../../src/core/wasm/binary';
import { WorkerRunner } from '../../src/core/sandbox/runner';
import { FakeHost } from './support/fakeHost';
import { harness, inProcess, isolated, load, NON_ASCII, pluginBytes, TEST_PLUGINS, WORKER_PATH } from './support/plugins';
import { timed, timedRejection, withTimeout } from './support/waitFor';

const LONG = 10_000;

function isError(reason: PluginError['reason'], ...patterns: RegExp[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof PluginError, `expected a PluginError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

/** How often kitchen-sink's activate ran: it reads the global key "fail-activate" each time. */
function activations(host: FakeHost): number {
  return host.callsTo('storage', 'get').filter((c) => c.args[1] === 'fail-activate').length;
}

describe('in-process and worker runners', () => {
  for (const kind of ['in-process', 'worker'] as const) {
    test(`a non-ASCII string crosses into and out of a plugin ${kind} unchanged, also through a host function`, async () => {
      const h = harness();
      const runner = kind === 'worker' ? await isolated('kitchen-sink.wasm', h) : await inProcess('kitchen-sink.wasm', h);
      try {
        const echoed = await runner.call('run-command', ['echo', JSON.stringify(NON_ASCII)], { timeoutMs: LONG });
        assert.equal(echoed.value, JSON.stringify(NON_ASCII));
        const upper = await runner.call('run-command', ['echo-upper', JSON.stringify(NON_ASCII)], { timeoutMs: LONG });
        // ASCII letters upper-cased by the guest, every other code point untouched: the guest saw correct UTF-8.
        assert.equal(JSON.parse(upper.value!), JSON.stringify(NON_ASCII).replace(/[a-z]/g, (c) => c.toUpperCase()));
        const stored = await runner.call('run-command', ['storage-roundtrip', NON_ASCII], { timeoutMs: LONG });
        assert.equal(h.host.storage.get('global/roundtrip'), NON_ASCII, 'the host received the exact string');
        assert.deepEqual(JSON.parse(stored.value!), { value: NON_ASCII, keys: ['roundtrip'] });
      } finally {
        await runner.dispose();
      }
    });
  }

  test('10,000 echo calls with 1 KB non-ASCII strings keep an in-process plugin\'s memory at its size after the first call', async () => {
    const runner = await inProcess('kitchen-sink.wasm');
    const arg = JSON.stringify(NON_ASCII.repeat(40)); // 1.3 KB of UTF-8
    runner.callSync('run-command', ['echo', arg]);
    const before = runner.memoryBytes!;
    for (let i = 0; i < 10_000; i++) {
      const r = runner.callSync('run-command', ['echo', arg]);
      if (r.value !== arg) assert.fail(`call ${i} returned ${r.value}`);
    }
    assert.equal(runner.memoryBytes, before, 'post-return frees every result: memory must not grow');
    await runner.dispose();
  });

  test('without post-return (cabi_post_* exports renamed) the same calls grow memory, so the test above can fail', async () => {
    const bytes = renameExports(pluginBytes('kitchen-sink.wasm'), (n) => (n.startsWith('cabi_post_') ? `unused_${n}` : n));
    const runner = await inProcess(bytes);
    const arg = JSON.stringify(NON_ASCII.repeat(40));
    runner.callSync('run-command', ['echo', arg]);
    const before = runner.memoryBytes!;
    for (let i = 0; i < 10_000; i++) runner.callSync('run-command', ['echo', arg]);
    assert.ok(runner.memoryBytes! > before + 4 * 1024 * 1024, `memory went from ${before} to ${runner.memoryBytes} bytes; expected the leak to show`);
    await runner.dispose();
  });

  test('a plugin in a worker gets answers from asynchronous host functions (storage answering after a delay)', async () => {
    const h = harness(new FakeHost({ delayMs: 15 }));
    const runner = await isolated('kitchen-sink.wasm', h);
    try {
      const r = await runner.call('run-command', ['storage-roundtrip', '"stored ✓"'], { timeoutMs: LONG });
      assert.deepEqual(JSON.parse(r.value!), { value: '"stored ✓"', keys: ['roundtrip'] });
      assert.equal(h.host.storage.get('global/roundtrip'), '"stored ✓"');
      assert.deepEqual(h.host.callsTo('storage').map((c) => c.fn), ['get', 'set', 'set', 'remove', 'get', 'keys'],
        'activate (get) and every call of the command went through the bridge, in order');
    } finally {
      await runner.dispose();
    }
  });

  test('the in-process runner refuses an asynchronous host function with an error the plugin sees, instead of hanging', async () => {
    const runner = await inProcess('kitchen-sink.wasm', harness(new FakeHost({ delayMs: 5 })));
    // activate's storage.get fails (asynchronous), which kitchen-sink treats as "no fail-activate key".
    const r = await runner.call('run-command', ['storage-roundtrip', 'x'], { timeoutMs: LONG });
    assert.equal(JSON.parse(r.value!).error, 'failed');
    assert.match(JSON.parse(r.value!).message, /asynchronous; run this plugin isolated/);
    await runner.dispose();
  });

  test('a plugin looping forever in a worker is stopped at its 300 ms timeout and the next call answers', async () => {
    const h = harness();
    const restarts: PluginError[] = [];
    const runner = await isolated('kitchen-sink.wasm', h, { onRestart: (e) => restarts.push(e) });
    try {
      await runner.call('run-command', ['echo', '1'], { timeoutMs: LONG }); // the worker is up
      const { ms, error } = await timedRejection(() => runner.call('run-command', ['loop-forever', ''], { timeoutMs: 300 }));
      assert.ok(isError('timeout', /Kitchen Sink \(test\) \(kitchen-sink\)/, /within 300 ms/, /restarts on the next call/)(error));
      assert.ok(ms >= 290 && ms < 300 + 1500, `timed out after ${Math.round(ms)} ms`);
      assert.equal(restarts.length, 1);
      assert.equal((await runner.call('run-command', ['echo', '2'], { timeoutMs: LONG })).value, '2');
      assert.equal(activations(h.host), 2, 'the fresh worker was activated');
    } finally {
      await runner.dispose();
    }
  });

  for (const kind of ['in-process', 'worker'] as const) {
    test(`a trap ${kind} names the plugin, and the next call runs on a fresh instance that was activated again`, async () => {
      const h = harness();
      const restarts: PluginError[] = [];
      const runner = kind === 'worker'
        ? await isolated('kitchen-sink.wasm', h, { onRestart: (e) => restarts.push(e) })
        : await inProcess('kitchen-sink.wasm', h, { onRestart: (e) => restarts.push(e) });
      try {
        await runner.call('run-command', ['echo', '1'], { timeoutMs: LONG });
        assert.equal(activations(h.host), 1);
        await assert.rejects(runner.call('run-command', ['trap', ''], { timeoutMs: LONG }),
          isError('trap', /\(kitchen-sink\)/, /unreachable/, /restarts on the next call/));
        assert.equal((await runner.call('run-command', ['echo', '"after"'], { timeoutMs: LONG })).value, '"after"');
        assert.equal(activations(h.host), 2);
        assert.equal(restarts.length, 1);
        assert.equal(restarts[0].reason, 'trap');
      } finally {
        await runner.dispose();
      }
    });
  }

  test('calls beyond maxQueuedCalls are refused at once with "busy", and the accepted ones still run', async () => {
    const { binary, module } = await load('kitchen-sink.wasm');
    const runner = new WorkerRunner(module, binary, harness().dispatcher, { workerPath: WORKER_PATH, maxResultBytes: 1 << 20, maxQueuedCalls: 2 });
    try {
      await runner.call('run-command', ['echo', '0'], { timeoutMs: LONG });
      const looping = runner.call('run-command', ['loop-forever', ''], { timeoutMs: 500 });
      const waiting = [1, 2].map((n) => runner.call('run-command', ['echo', String(n)], { timeoutMs: LONG }));
      const { ms, error } = await timedRejection(() => runner.call('run-command', ['echo', '3'], { timeoutMs: LONG }));
      assert.ok(isError('busy', /busy with one call and has 2 more waiting/, /too slow/, /try again later/)(error));
      assert.ok(ms < 100, `refused after ${Math.round(ms)} ms: it must not wait`);
      await assert.rejects(looping, isError('timeout'));
      assert.deepEqual((await Promise.all(waiting)).map((r) => r.value), ['1', '2']);
    } finally {
      await runner.dispose();
    }
  });

  test('a result larger than maxResultBytes fails with "result-too-large" naming the limit, and the plugin keeps working', async () => {
    const runner = await isolated('kitchen-sink.wasm', harness(), {}, 4096);
    try {
      await assert.rejects(runner.call('run-command', ['echo', JSON.stringify('x'.repeat(100_000))], { timeoutMs: LONG }),
        isError('result-too-large', /\(kitchen-sink\)/, /the limit is 4096/, /resultMB/));
      assert.equal((await runner.call('run-command', ['echo', '"small"'], { timeoutMs: LONG })).value, '"small"');
    } finally {
      await runner.dispose();
    }
  });

  test('a result over maxResultBytes but smaller than the channel\'s current buffer is refused too', async () => {
    const runner = await isolated('kitchen-sink.wasm', harness(), {}, 4096);
    try {
      await assert.rejects(runner.call('run-command', ['echo', JSON.stringify('x'.repeat(8000))], { timeoutMs: LONG }), isError('result-too-large'));
    } finally {
      await runner.dispose();
    }
  });

  test('callSync answers synchronously, times out a runaway call within its limit, and the next call answers', async () => {
    const h = harness();
    const runner = await isolated('kitchen-sink.wasm', h);
    try {
      assert.equal(runner.callSync('run-command', ['echo', JSON.stringify(NON_ASCII)], { timeoutMs: LONG }).value, JSON.stringify(NON_ASCII));
      const t0 = performance.now();
      assert.throws(() => runner.callSync('run-command', ['loop-forever', ''], { timeoutMs: 300 }), isError('timeout', /within 300 ms/));
      const ms = performance.now() - t0;
      assert.ok(ms >= 290 && ms < 1500, `callSync blocked for ${Math.round(ms)} ms`);
      assert.equal((await runner.call('run-command', ['echo', '"next"'], { timeoutMs: LONG })).value, '"next"');
      assert.equal(runner.callSync('run-command', ['echo', '"sync again"'], { timeoutMs: LONG }).value, '"sync again"');
    } finally {
      await runner.dispose();
    }
  });

  test('calls still waiting when the runner is disposed fail with "disposed" instead of running first', async () => {
    const runner = await isolated('kitchen-sink.wasm');
    await runner.call('run-command', ['echo', '1'], { timeoutMs: LONG });
    const waiting = runner.call('run-command', ['echo', '2'], { timeoutMs: LONG });
    await runner.dispose();
    await assert.rejects(waiting, isError('disposed'));
  });

  test('dispose runs deactivate and stops the worker; later calls fail with "disposed" and say what to do', async () => {
    const runner = await isolated('kitchen-sink.wasm');
    await runner.call('run-command', ['echo', '1'], { timeoutMs: LONG });
    assert.equal(runner.running, true);
    const { ms } = await timed(() => runner.dispose());
    assert.ok(ms < 3000);
    assert.equal(runner.running, false);
    await assert.rejects(runner.call('run-command', ['echo', '1'], { timeoutMs: LONG }), isError('disposed', /unloaded/, /reload the plugin/));
  });

  test('disposing a runner whose plugin is looping does not hang, and does not start a fresh instance just to deactivate it', async () => {
    const h = harness();
    const runner = await isolated('kitchen-sink.wasm', h);
    await runner.call('run-command', ['echo', '1'], { timeoutMs: LONG });
    const looping = runner.call('run-command', ['loop-forever', ''], { timeoutMs: 400 });
    // One turn of the event loop lets the queued call start (a call still waiting when dispose comes is refused).
    await new Promise((resolve) => setImmediate(resolve));
    await withTimeout('dispose of a runner with a looping call', runner.dispose({ timeoutMs: 200 }), 5000);
    await assert.rejects(looping, isError('timeout'));
    assert.equal(runner.running, false);
    assert.equal(activations(h.host), 1, 'the plugin was activated once, not again to be deactivated');
  });

  const hostileLoop = path.join(TEST_PLUGINS, 'hostile-loop-activate.wasm');
  test('a hostile plugin that loops in activate is cut off by the call\'s timeout', { skip: !fs.existsSync(hostileLoop) && 'hostile-loop-activate.wasm is not built' }, async () => {
    const runner = await isolated(hostileLoop);
    try {
      const { binary } = await load(hostileLoop);
      const command = binary.manifest.commands[0]?.id ?? 'run';
      const { ms, error } = await timedRejection(() => runner.call('run-command', [command, ''], { timeoutMs: 500 }));
      assert.ok(error instanceof PluginError && error.reason === 'timeout', String(error));
      assert.ok(ms < 500 + 1500, `${Math.round(ms)} ms`);
    } finally {
      await runner.dispose();
    }
  });
});
