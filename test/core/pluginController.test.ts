// The life of one plugin as the user meets it: commands answer, misbehaviour (traps, endless loops, failing
// activation, floods of log lines and panel messages) is contained and explained, restarts back off and finally give
// up with a message that says what to do. Real plugins in real workers; time-based policies run on a fake clock.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PluginError } from '../../src/core/errors';
import { readModule } from '../../src/core/wasm/binary';
import type { PluginController } from '../../src/core/registry/pluginController';
import { FakeHost } from './support/fakeHost';
import { NON_ASCII, pluginBytes, TEST_PLUGINS } from './support/plugins';
import { activations, FakeClock, kitchenSinkAs, liveWorkerCount, makeController, variant } from './support/controllers';
import { timed, timedRejection, waitFor } from './support/waitFor';

function isError(reason: PluginError['reason'], ...patterns: RegExp[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof PluginError, `expected a PluginError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

async function using<T>(c: PluginController, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    await c.dispose();
  }
}

const NO_BACKOFF = { baseDelayMs: 0, maxDelayMs: 0 };

describe('a plugin controller', () => {
  test('a command returns its value and every action the plugin may take, in order', async () => {
    const { controller: c } = makeController({ isolation: 'in-process' });
    await using(c, async () => {
      assert.equal(c.state, 'idle');
      assert.equal((await c.runCommand('echo', JSON.stringify(NON_ASCII))).value, JSON.stringify(NON_ASCII));
      assert.equal(c.state, 'active');
      const r = await c.runCommand('actions', '"héllo"');
      assert.deepEqual(r.actions.map((a) => a.tag),
        ['notify', 'insertText', 'applyEdit', 'applyEdit', 'setStatus', 'postToPanel', 'openPanel', 'setDiagnostics', 'setDiagnostics']);
      assert.deepEqual(r.actions[0].value, { level: 'warning', message: '"héllo"' });
    });
  });

  test('a command the manifest does not declare fails with not-found, naming it, without starting the plugin', async () => {
    const { controller: c } = makeController({ isolation: 'in-process' });
    await using(c, async () => {
      await assert.rejects(c.runCommand('format-disk', '{}'), isError('not-found', /has no command "format-disk"/));
      assert.equal(c.state, 'idle', 'nothing was compiled or started');
    });
  });

  test('actions the plugin has no permission for are dropped and logged; the permitted ones are kept in order', async () => {
    const granted = new Set(['notifications']);
    const { controller: c, log } = makeController({ isolation: 'in-process', allows: (cap) => granted.has(cap) });
    await using(c, async () => {
      const r = await c.runCommand('actions', '"x"');
      assert.deepEqual(r.actions.map((a) => a.tag), ['notify', 'openPanel'], 'open-panel needs no permission');
      const ignored = log.lines.filter((l) => l.startsWith('warn: command actions: ignored action'));
      assert.equal(ignored.length, 7);
      assert.ok(ignored.some((l) => /insertText: needs the "editor-write" permission/.test(l)), ignored.join('\n'));
      assert.ok(ignored.some((l) => /setDiagnostics: needs the "diagnostics" permission/.test(l)));
      // A permission granted later applies to the next call at once.
      granted.add('editor-write');
      assert.deepEqual((await c.runCommand('actions', '"x"')).actions.map((a) => a.tag), ['notify', 'insertText', 'applyEdit', 'applyEdit', 'openPanel']);
    });
  });

  for (const isolation of ['worker', 'in-process'] as const) {
    test(`after a trap (${isolation}) the next call runs on a fresh, re-activated instance and the restart is counted`, async () => {
      const { controller: c, host } = makeController({ isolation, restartPolicy: NO_BACKOFF });
      await using(c, async () => {
        await c.runCommand('echo', '1');
        await assert.rejects(c.runCommand('trap', ''), isError('trap', /Kitchen Sink \(test\) \(kitchen-sink\) crashed in run-command/, /restarts on the next call/));
        assert.equal((await c.runCommand('echo', '2')).value, '2');
        assert.equal(activations(host), 2);
        const m = c.metrics.snapshot();
        assert.equal(m.restarts, 1);
        assert.deepEqual(m.errorsByReason, { trap: 1 });
        assert.equal(c.state, 'active');
      });
    });
  }

  test('a command running past its timeout fails with "timeout" within the limit plus a small margin, and the next call answers', async () => {
    // The limit also bounds activation, which includes starting a worker: keep it well above a loaded machine's start-up.
    const { controller: c } = makeController({ limits: { commandTimeoutMs: 1500 }, restartPolicy: NO_BACKOFF });
    await using(c, async () => {
      await c.runCommand('echo', '1');
      const { ms, error } = await timedRejection(() => c.runCommand('loop-forever', ''));
      assert.ok(isError('timeout', /within 1500 ms/, /raise "wasmPlugins.limits"/)(error));
      assert.ok(ms >= 1490 && ms < 1500 + 1500, `the call failed after ${Math.round(ms)} ms`);
      assert.equal((await c.runCommand('echo', '"next"')).value, '"next"');
      assert.equal(c.metrics.snapshot().errorsByReason.timeout, 1);
    });
  });

  test('a call right after a crash waits out a short restart backoff, then runs on a fresh instance', async () => {
    const { controller: c, host } = makeController({ isolation: 'in-process', restartPolicy: { baseDelayMs: 300, maxDelayMs: 300 } });
    await using(c, async () => {
      await assert.rejects(c.runCommand('trap', ''), isError('trap'));
      const { ms, value } = await timed(() => c.runCommand('echo', '"patient"'));
      assert.equal(value.value, '"patient"');
      assert.ok(ms >= 250, `answered after ${Math.round(ms)} ms, inside the backoff`);
      assert.equal(activations(host), 2);
    });
  });

  test('during a long restart backoff calls fail at once saying when to try again; once it has passed they run; it doubles', async () => {
    const clock = new FakeClock();
    const { controller: c, host } = makeController({ isolation: 'in-process', now: clock.now, restartPolicy: { baseDelayMs: 5000, maxDelayMs: 60_000 } });
    await using(c, async () => {
      await assert.rejects(c.runCommand('trap', ''), isError('trap'));
      clock.advance(500);
      const { ms, error } = await timedRejection(() => c.runCommand('echo', '1'));
      assert.ok(isError('crashed', /is restarting after repeated failures; try again in 5 s/)(error));
      assert.ok(ms < 50, 'refused without touching the plugin');
      assert.equal(activations(host), 1, 'no fresh instance was started during the backoff');
      clock.advance(4500);
      assert.equal((await c.runCommand('echo', '"back"')).value, '"back"');
      // The second failure in the window doubles the wait: 5 s later it is still refused.
      await assert.rejects(c.runCommand('trap', ''), isError('trap'));
      clock.advance(5000);
      await assert.rejects(c.runCommand('echo', '1'), isError('crashed', /try again in 5 s/));
      clock.advance(5000);
      assert.equal((await c.runCommand('echo', '"again"')).value, '"again"');
    });
  });

  test('repeated failures within the window stop the plugin with a message that says why and what to do', async () => {
    const clock = new FakeClock();
    const { controller: c, log } = makeController({ isolation: 'in-process', now: clock.now, restartPolicy: { baseDelayMs: 10, maxDelayMs: 10, maxFailures: 3, windowMs: 60_000 } });
    await using(c, async () => {
      const states: string[] = [];
      c.onDidChange(() => states.push(c.state));
      for (let i = 0; i < 2; i++) {
        await assert.rejects(c.runCommand('trap', ''), isError('trap'));
        clock.advance(10);
      }
      assert.notEqual(c.state, 'failed');
      // The failure that stops it says so, instead of promising a restart.
      await assert.rejects(c.runCommand('trap', ''), (e: unknown) => e === c.error);
      assert.equal(c.state, 'failed');
      assert.ok(states.includes('failed'), 'listeners heard about it');
      assert.ok(isError('trap', /stopped after 3 failures within 60 s/, /crashed in run-command/, /Fix or update the plugin, then reload it/)(c.error));
      assert.doesNotMatch(c.error!.message, /restarts on the next call/);
      clock.advance(120_000);
      await assert.rejects(c.runCommand('echo', '1'), (e: unknown) => e === c.error, 'a stopped plugin stays stopped however long one waits');
      assert.ok(log.lines.some((l) => l.startsWith('error:') && /stopped after 3 failures/.test(l)));
    });
  });

  test('failures spread wider than the window do not stop the plugin', async () => {
    const clock = new FakeClock();
    const { controller: c } = makeController({ isolation: 'in-process', now: clock.now, restartPolicy: { baseDelayMs: 10, maxDelayMs: 10, maxFailures: 2, windowMs: 1000 } });
    await using(c, async () => {
      for (let i = 0; i < 4; i++) {
        await assert.rejects(c.runCommand('trap', ''), isError('trap'));
        clock.advance(1001);
      }
      assert.equal((await c.runCommand('echo', '"alive"')).value, '"alive"');
    });
  });

  for (const isolation of ['worker', 'in-process'] as const) {
    test(`a failing activate (${isolation}) is a guest-error that names activation and the plugin's reason, and it stays failed`, async () => {
      const host = new FakeHost();
      host.storage.set('global/fail-activate', 'no licence key ✗');
      const { controller: c } = makeController({ isolation, host });
      await using(c, async () => {
        await assert.rejects(c.runCommand('echo', '1'), isError('guest-error', /\(kitchen-sink\)/, /activat/, /no licence key ✗/, /reload/));
        assert.equal(c.state, 'failed');
        host.storage.delete('global/fail-activate');
        await assert.rejects(c.runCommand('echo', '1'), isError('guest-error', /activat/), 'it stays failed until reloaded');
        assert.equal(activations(host), 1);
      });
    });
  }

  const activateTrap = path.join(TEST_PLUGINS, 'hostile-activate-trap.wasm');
  test('a plugin whose activate traps every time is retried with backoff, then stopped with the reason', { skip: !fs.existsSync(activateTrap) && 'hostile-activate-trap.wasm is not built' }, async () => {
    const clock = new FakeClock();
    const { controller: c } = makeController({ plugin: activateTrap, now: clock.now, restartPolicy: { baseDelayMs: 100, maxDelayMs: 100, maxFailures: 3, windowMs: 60_000 } });
    await using(c, async () => {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(c.runCommand('ok', ''), isError('trap', /hostile-activate-trap/, /unreachable/));
        assert.equal(c.state, 'idle', 'it will be tried again');
        clock.advance(100);
      }
      await assert.rejects(c.runCommand('ok', ''), isError('trap', /stopped after 3 failures/, /reload it/));
      assert.equal(c.state, 'failed');
      assert.equal(c.metrics.snapshot().errorsByReason.trap, 3);
    });
  });

  test('a start that fails leaves no worker thread running', async () => {
    const before = liveWorkerCount();
    const host = new FakeHost();
    host.storage.set('global/fail-activate', 'nope');
    const { controller: c } = makeController({ host });
    await assert.rejects(c.runCommand('echo', '1'), isError('guest-error'));
    await waitFor('the failed plugin\'s worker to exit', () => liveWorkerCount() === before);
    await c.dispose();
  });

  test('the plugin\'s log is rate limited: lines past the rate are dropped, counted, and reported once', async () => {
    const clock = new FakeClock();
    const { controller: c, host, log } = makeController({ isolation: 'in-process', now: clock.now, limits: { logLinesPerSecond: 3 } });
    await using(c, async () => {
      for (let i = 0; i < 10; i++) await c.runCommand('log', `line ${i}`);
      assert.deepEqual(host.callsTo('log', 'write').map((x) => x.args[1]), ['line 0', 'line 1', 'line 2']);
      assert.equal(c.metrics.snapshot().droppedLogLines, 7);
      assert.equal(log.lines.filter((l) => /log rate limit \(3 lines\/s\) reached/.test(l)).length, 1, log.lines.join('\n'));
      clock.advance(1000);
      await c.runCommand('log', 'after a second');
      assert.equal(host.callsTo('log', 'write').at(-1)?.args[1], 'after a second');
    });
  });

  const flood = path.join(TEST_PLUGINS, 'hostile-log-flood.wasm');
  test('a plugin writing 20,000 log lines in one call gets the rate\'s worth through and the call still answers', { skip: !fs.existsSync(flood) && 'hostile-log-flood.wasm is not built' }, async () => {
    const clock = new FakeClock();
    // Every line still crosses to the extension host before it is dropped, so this takes a while on a busy machine.
    const { controller: c, host } = makeController({ plugin: flood, isolation: 'worker', now: clock.now, limits: { logLinesPerSecond: 50, commandTimeoutMs: 60_000 } });
    await using(c, async () => {
      const r = await c.runCommand('flood', '{"count":20000}');
      assert.equal(JSON.parse(r.value!).calls, 20000);
      assert.equal(host.callsTo('log', 'write').length, 50);
      assert.equal(c.metrics.snapshot().droppedLogLines, 20000 - 50);
    });
  });

  test('panel messages past the rate are refused with "rate-limited" and counted; an unknown panel is not-found', async () => {
    const clock = new FakeClock();
    const { controller: c } = makeController({ isolation: 'in-process', now: clock.now, limits: { messagesPerSecond: 2 } });
    await using(c, async () => {
      const answer = await c.panelMessage('echo', '{"type":"ping"}');
      assert.deepEqual(answer.map((a) => [a.tag, a.value]), [['postToPanel', { panelId: 'echo', message: '{"type":"ping"}' }]]);
      await c.panelMessage('echo', '{"n":2}');
      await assert.rejects(c.panelMessage('echo', '{"n":3}'), isError('rate-limited', /faster than 2\/s/));
      assert.equal(c.metrics.snapshot().droppedMessages, 1);
      clock.advance(1000);
      await c.panelMessage('echo', '{"n":4}');
      await assert.rejects(c.panelMessage('../../etc', '{}'), isError('not-found', /no panel "\.\.\/\.\.\/etc"/));
      await assert.rejects(c.renderPanel('nope', '{}'), isError('not-found'));
      assert.match(await c.renderPanel('echo', JSON.stringify({ note: '<b>✓</b>' })), /&lt;b&gt;✓&lt;\/b&gt;/);
    });
  });

  test('metrics count calls and errors by reason, and give percentiles in the range of the calls\' real durations', async () => {
    const { controller: c } = makeController({ isolation: 'in-process', restartPolicy: NO_BACKOFF });
    await using(c, async () => {
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) await c.runCommand('echo', String(i));
      await assert.rejects(c.runCommand('fail', 'on purpose'), isError('guest-error', /on purpose/));
      await assert.rejects(c.runCommand('trap', ''), isError('trap'));
      const total = performance.now() - t0;
      const m = c.metrics.snapshot();
      assert.equal(m.calls, 22);
      assert.equal(m.errors, 2);
      assert.deepEqual(m.errorsByReason, { 'guest-error': 1, trap: 1 });
      assert.ok(m.p50Ms !== undefined && m.p99Ms !== undefined);
      assert.ok(m.p50Ms > 0 && m.p50Ms <= m.p99Ms && m.p99Ms <= total, `p50 ${m.p50Ms}, p99 ${m.p99Ms}, all calls ${total} ms`);
      assert.ok(m.memoryBytes !== undefined && m.memoryBytes >= 65536);
    });
  });

  test('stop() ends the instance; the next call starts and activates the plugin again', async () => {
    const { controller: c, host } = makeController();
    await using(c, async () => {
      await c.runCommand('echo', '1');
      await c.stop();
      assert.equal(c.state, 'idle');
      assert.equal((await c.runCommand('echo', '"restarted"')).value, '"restarted"');
      assert.equal(activations(host), 2);
      assert.equal(c.state, 'active');
    });
  });

  test('dispose() makes later calls fail with "disposed" and a message that says what to do', async () => {
    const { controller: c } = makeController();
    await c.runCommand('echo', '1');
    await c.dispose();
    assert.equal(c.state, 'disposed');
    await assert.rejects(c.runCommand('echo', '1'), isError('disposed', /was unloaded/, /reload the plugin/));
    await assert.rejects(c.handleEvent({ tag: 'configurationChanged', value: [] } as never), isError('disposed'));
  });

  test('disposing while the plugin is activating leaves it disposed: it never runs afterwards', async () => {
    const host = new FakeHost();
    // Hold activation inside its host call (kitchen-sink's activate reads storage) until the test lets it go.
    let release!: () => void;
    let activating = false;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    (host.api.storage as { get: unknown }).get = async () => { activating = true; await gate; return undefined; };
    const { controller: c } = makeController({ host });
    const first = c.runCommand('echo', '1');
    await waitFor('activation to be under way', () => activating);
    const disposed = c.dispose();
    release();
    await disposed;
    await assert.rejects(first, isError('disposed'));
    assert.equal(c.state, 'disposed');
    await assert.rejects(c.runCommand('echo', '2'), isError('disposed'));
  });

  test('a plugin file replaced after discovery is validated again and its new manifest used before it runs', async () => {
    const v1 = kitchenSinkAs('swapped', (m) => ({ ...m, version: '1.0.0' }));
    const { controller: c, file } = makeController({ plugin: v1, isolation: 'in-process' });
    await using(c, async () => {
      fs.writeFileSync(file, variant(v1, (m) => ({ ...m, version: '2.0.0' })));
      await c.runCommand('echo', '1');
      assert.equal(c.binary.manifest.version, '2.0.0');
    });
  });

  test('a plugin file that no longer compiles fails with invalid-module, and says to rebuild it', async () => {
    const bytes = pluginBytes('kitchen-sink.wasm');
    const { controller: c, file } = makeController({ plugin: bytes, isolation: 'in-process' });
    await using(c, async () => {
      // Same manifest, broken code: validation passes, compilation does not.
      const code = readModule(bytes).sections.find((s) => s.id === 10)!;
      const broken = bytes.slice();
      broken.fill(0xff, code.payloadStart + 8, code.payloadStart + 40);
      fs.writeFileSync(file, broken);
      await assert.rejects(c.runCommand('echo', '1'), isError('invalid-module', /does not compile/, /rebuild it/));
      assert.equal(c.state, 'failed');
    });
  });
});
