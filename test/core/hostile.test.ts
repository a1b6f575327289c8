// Hostile plugins (plugins/hostile, built from source) against the real runtime: each misbehaves in one way while a
// well-behaved plugin keeps answering; the failure is reported with the right reason and a readable message, and the
// hostile plugin recovers (or is stopped, or refused at load) as promised. The measured times go to
// test-results/hostile.json: the "what the user sees / time to recover" table of the reliability notes.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PluginError, PluginErrorReason } from '../../src/core/errors';
import { inspectPlugin } from '../../src/core/runtime/loader';
import { WORLD_SHAPE, Types } from '../../src/core/runtime/abi';
import { PluginController } from '../../src/core/registry/pluginController';
import { PluginRegistry } from '../../src/core/registry/registry';
import { MetadataCache } from '../../src/core/registry/metadataCache';
import { DEFAULT_LIMITS, Limits } from '../../src/core/limits';
import { MemoryLog } from '../../src/core/log';
import { ControllerHarness, kitchenSinkAs, makeController, tempDir, writePlugin } from './support/controllers';
import { pluginBytes, ROOT, NON_ASCII, WORKER_PATH } from './support/plugins';
import { FakeHost } from './support/fakeHost';

interface Row {
  readonly case: string;
  readonly userSees: string;
  readonly failedAfterMs: number | null;
  readonly recoveredAfterMs: number | null;
  readonly bystanderMs: number | null;
}
const rows: Row[] = [];

after(() => {
  const dir = path.join(ROOT, 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'hostile.json'), JSON.stringify(rows, null, 2) + '\n');
});

const FAST: Partial<Limits> = { commandTimeoutMs: 1000, hookTimeoutMs: 500, memoryMB: 64 };
const controllers: PluginController[] = [];
after(async () => { await Promise.all(controllers.map((c) => c.dispose())); });

function start(plugin: string | Uint8Array, limits: Partial<Limits> = FAST, host?: FakeHost, allows?: ControllerHarness['controller']['allows']): ControllerHarness {
  const h = makeController({ plugin, limits, host, allows: allows ? (c) => allows(c) : undefined, restartPolicy: { baseDelayMs: 50, maxFailures: 3, windowMs: 60_000 } });
  controllers.push(h.controller);
  return h;
}

let bystander: ControllerHarness | undefined;
async function answerPromptly(): Promise<number> {
  bystander ??= start(kitchenSinkAs('bystander'), DEFAULT_LIMITS);
  const t0 = performance.now();
  const r = await bystander.controller.runCommand('echo', JSON.stringify(NON_ASCII));
  assert.equal(r.value, JSON.stringify(NON_ASCII));
  return performance.now() - t0;
}

function errorOf(outcome: { error?: unknown }): PluginError {
  assert.ok(outcome.error instanceof PluginError, `expected a PluginError, got ${String(outcome.error)}`);
  return outcome.error;
}

/**
 * Runs `misbehave`; while it runs, the bystander must answer within a second. The failure must have `reason` and
 * match `pattern`; then `recover` must succeed. Records the row.
 */
async function hostile(name: string, misbehave: () => Promise<unknown>, reason: PluginErrorReason, pattern: RegExp, recover?: () => Promise<unknown>): Promise<PluginError> {
  await answerPromptly(); // warm
  const t0 = performance.now();
  const outcome = misbehave().then((value) => ({ value, error: undefined }), (error: unknown) => ({ value: undefined, error }));
  const bystanderMs = await answerPromptly();
  assert.ok(bystanderMs < 1000, `the well-behaved plugin answered in ${Math.round(bystanderMs)} ms while ${name}`);
  const error = errorOf(await outcome);
  const failedAfterMs = performance.now() - t0;
  assert.equal(error.reason, reason, error.message);
  assert.match(error.message, pattern);
  let recoveredAfterMs: number | null = null;
  if (recover) {
    const t1 = performance.now();
    await recover();
    recoveredAfterMs = performance.now() - t1;
  }
  rows.push({ case: name, userSees: `${error.reason}: ${error.message}`, failedAfterMs, recoveredAfterMs, bystanderMs });
  return error;
}

/** A registry over one user plugin folder, with a fake host that allows everything. */
function registryOver(dir: string): PluginRegistry {
  return new PluginRegistry({
    folders: () => [{ source: 'user', dir }],
    cache: new MetadataCache(path.join(tempDir(), 'cache.json'), 'test', new MemoryLog()),
    log: new MemoryLog(), logFor: () => new MemoryLog(), hostApiFor: () => new FakeHost().api,
    allows: () => true, isEnabled: () => true, setEnabled: async () => undefined, limitsFor: () => ({ ...DEFAULT_LIMITS }), workerPath: WORKER_PATH,
  });
}

describe('hostile plugins', () => {
  test('an endless loop in a command times out at the command timeout and the next call gets a fresh instance', async () => {
    const { controller } = start('hostile-loop.wasm');
    await hostile('endless loop in a command', () => controller.runCommand('spin', 'null'), 'timeout', /within 1000 ms/,
      async () => assert.equal((await controller.runCommand('ok', 'null')).value, '{"ok":true,"calls":1}'));
  });

  test('an endless loop in a hook times out at the hook timeout; later events still arrive', async () => {
    const { controller } = start('hostile-loop-hook.wasm');
    const doc = { uri: 'file:///x.txt', languageId: 'plaintext', version: 1, lineCount: 1, isDirty: false };
    await hostile('endless loop in a hook', () => controller.handleEvent(Types.EditorEvent.DocumentSaved(doc)), 'timeout', /within 500 ms/,
      async () => {
        await controller.handleEvent(Types.EditorEvent.DocumentOpened(doc));
        assert.match((await controller.runCommand('ok', 'null')).value!, /"events":1/);
      });
  });

  test('an endless loop in activate fails every start, backs off, and stops the plugin after repeated failures', async () => {
    const { controller } = start('hostile-loop-activate.wasm', { ...FAST, commandTimeoutMs: 300 });
    const error = await hostile('endless loop in activate', () => controller.runCommand('ok', 'null'), 'timeout', /activate/);
    assert.match(error.message, /within 300 ms/);
    const t0 = performance.now();
    let last: PluginError | undefined;
    for (let i = 0; i < 5 && controller.state !== 'failed'; i++) {
      last = await controller.runCommand('ok', 'null').then(() => undefined, (e: PluginError) => e);
    }
    assert.equal(controller.state, 'failed', `stopped after repeated failures (last: ${last?.message})`);
    assert.match(controller.error!.message, /stopped after 3 failures/);
    rows.push({ case: 'endless loop in activate (repeated)', userSees: `stopped: ${controller.error!.message}`, failedAfterMs: performance.now() - t0, recoveredAfterMs: null, bystanderMs: null });
  });

  test('a memory bomb is refused at the memory cap: the plugin traps and recovers, the host process stays bounded', async () => {
    const { controller } = start('hostile-memory.wasm');
    const rss0 = process.memoryUsage().rss;
    await hostile('memory bomb (grow until refused)', () => controller.runCommand('bomb-trap', 'null'), 'trap', /hostile-memory/,
      async () => assert.match((await controller.runCommand('ok', 'null')).value!, /"ok":true/));
    const report = JSON.parse((await controller.runCommand('grow-raw', 'null')).value!) as { pages: number; bigGrow: number };
    assert.equal(report.pages, 64 * 16, 'memory.grow stops at the 64 MiB cap');
    assert.equal(report.bigGrow, -1);
    assert.ok(process.memoryUsage().rss - rss0 < 600 * 1024 * 1024, 'the host process did not balloon');
  });

  test('a stack overflow is a trap naming the plugin, and the next call works', async () => {
    const { controller } = start('hostile-stack.wasm');
    await hostile('stack overflow', () => controller.runCommand('overflow', 'null'), 'trap', /hostile-stack.*(stack|recursion|call stack|out of bounds)/i,
      async () => assert.ok(await controller.runCommand('overflow-shadow', 'null').catch((e: PluginError) => e.reason === 'trap')));
  });

  test('traps of every kind are reported and followed by a fresh instance', async () => {
    for (const cmd of ['unreachable', 'divide-by-zero', 'out-of-bounds', 'abort']) {
      const { controller } = start('hostile-trap.wasm');
      await hostile(`trap (${cmd})`, () => controller.runCommand(cmd, 'null'), 'trap', /crashed in run-command|exited/,
        async () => assert.match((await controller.runCommand('ok', 'null')).value!, /ok/));
    }
  });

  test('invalid UTF-8 in a returned string becomes replacement characters, not a crash', async () => {
    const { controller } = start('hostile-bad-utf8.wasm');
    const t0 = performance.now();
    const value = (await controller.runCommand('bad-utf8', 'null')).value!;
    assert.ok(value.includes('\uFFFD') && value.includes('A') && value.includes('G'), value);
    rows.push({ case: 'invalid UTF-8 in a returned string', userSees: `a value with U+FFFD replacements: ${JSON.stringify(value.slice(0, 40))}`, failedAfterMs: null, recoveredAfterMs: performance.now() - t0, bystanderMs: null });
  });

  test('a 100 MB result is refused before it is lifted, and the plugin keeps working', async () => {
    const { controller } = start('hostile-huge.wasm', { ...FAST, memoryMB: 256 });
    await hostile('a 100 MB result', () => controller.runCommand('huge', '100'), 'result-too-large', /the limit is 16777216 bytes/,
      async () => assert.equal((await controller.runCommand('ok', 'null')).value, '{"ok":true}'));
    await hostile('a million actions', () => controller.runCommand('huge-actions', '1000000'), 'result-too-large', /the limit/);
    await hostile('a 100 MB log line', () => controller.runCommand('huge-log', '100'), 'trap', /passed more than 16777216 bytes to a host function/,
      async () => assert.equal((await controller.runCommand('ok', 'null')).value, '{"ok":true}'));
  });

  test('a million log calls are cut to the rate limit inside the sandbox and finish quickly', async () => {
    const { controller, host } = start('hostile-log-flood.wasm', { ...FAST, commandTimeoutMs: 10_000 });
    const t0 = performance.now();
    const [result, bystanderMs] = await Promise.all([controller.runCommand('flood', '{"count":1000000}'), answerPromptly()]);
    const ms = performance.now() - t0;
    assert.match(result.value!, /"calls":1000000/);
    const delivered = host.callsTo('log', 'write').length;
    assert.ok(delivered <= DEFAULT_LIMITS.logLinesPerSecond * (1 + ms / 1000), `${delivered} lines reached the host`);
    assert.equal(controller.metrics.snapshot().droppedLogLines + delivered, 1_000_000, 'every line is either delivered or counted as dropped');
    rows.push({ case: 'a flood of a million log calls', userSees: `the command answers; ${delivered} lines logged, ${1_000_000 - delivered} dropped and counted`, failedAfterMs: null, recoveredAfterMs: ms, bystanderMs });
  });

  test('a panel-message flood from the page is rate limited and counted; the plugin stays usable', async () => {
    const { controller } = start('hostile-panel.wasm');
    const t0 = performance.now();
    const outcomes = await Promise.all(Array.from({ length: 2000 }, (_, i) => controller.panelMessage('flood', JSON.stringify({ i })).then(() => 'ok', (e: PluginError) => e.reason)));
    const ms = performance.now() - t0;
    const accepted = outcomes.filter((o) => o === 'ok').length;
    assert.ok(accepted >= 1 && accepted <= DEFAULT_LIMITS.messagesPerSecond * (1 + ms / 1000), `${accepted} accepted`);
    assert.ok(outcomes.every((o) => o === 'ok' || o === 'rate-limited' || o === 'busy'), [...new Set(outcomes)].join(','));
    assert.equal(controller.metrics.snapshot().droppedMessages, outcomes.filter((o) => o === 'rate-limited').length);
    assert.match((await controller.runCommand('ok', 'null')).value!, /"ok":true/);
    rows.push({ case: 'a panel-message flood from the webview', userSees: `${accepted} of 2000 messages handled, the rest dropped and counted (no notification)`, failedAfterMs: null, recoveredAfterMs: ms, bystanderMs: null });
  });

  test('a command the manifest lists but the code lacks answers with the plugin\'s own error', async () => {
    const { controller } = start('hostile-ghost-command.wasm');
    await hostile('a manifest command the binary lacks', () => controller.runCommand('ghost', 'null'), 'guest-error', /hostile-ghost-command/,
      async () => assert.ok((await controller.runCommand('real', 'null')).value));
  });

  test('a call to a host function that was not granted is refused to the plugin and logged, never a crash', async () => {
    const { controller, host, log } = start('hostile-ungranted.wasm', FAST, undefined, () => false);
    const value = JSON.parse((await controller.runCommand('probe', 'null')).value!) as Record<string, { status: string }>;
    assert.ok(Object.keys(value).length >= 15, `probed ${Object.keys(value).join(', ')}`);
    for (const [fn, r] of Object.entries(value)) assert.equal(r.status, 'denied', `${fn} answered ${JSON.stringify(r)}`);
    assert.equal(host.calls.filter((c) => c.iface !== 'log').length, 0, 'nothing reached the host API');
    assert.ok(log.lines.some((l) => /denied .*permission/.test(l)), 'the refusal is logged');
    const sneaky = await controller.runCommand('sneaky-action', 'null');
    assert.deepEqual(sneaky.actions, [], 'actions it has no permission for are dropped');
    assert.ok(log.lines.some((l) => /ignored action .*needs the/.test(l)));
    rows.push({ case: 'a call to a host function it was not granted', userSees: 'the plugin gets err(denied); one log line per permission; its actions are dropped', failedAfterMs: null, recoveredAfterMs: 0, bystanderMs: null });
  });

  test('plugins that cannot load are refused with their reason: wrong API, no cabi_realloc, no run-command', () => {
    for (const [file, reason, pattern] of [
      ['hostile-wrong-api.wasm', 'api-version', /0\.0\.1/],
      ['hostile-no-realloc.wasm', 'missing-export', /cabi_realloc/],
      ['hostile-no-run-command.wasm', 'missing-export', /run-command/],
    ] as const) {
      assert.throws(() => inspectPlugin(pluginBytes(file), file, WORLD_SHAPE), (e: unknown) => e instanceof PluginError && e.reason === reason && pattern.test(e.message));
      rows.push({ case: `load: ${file.replace('.wasm', '')}`, userSees: `${reason} (one notification naming the file, at discovery)`, failedAfterMs: 0, recoveredAfterMs: null, bystanderMs: null });
    }
  });

  test('deleting or replacing the plugin file during a call: the call completes, the next call uses the new file', async () => {
    const dir = tempDir();
    const file = writePlugin(dir, 'hostile-slow.wasm', pluginBytes('hostile-slow.wasm'));
    const registry = registryOver(dir);
    try {
      await registry.refresh();
      const first = registry.controller('hostile-slow')!;
      await first.start();
      const slow = first.runCommand('slow', '400');
      fs.writeFileSync(file, pluginBytes('kitchen-sink.wasm'));
      await registry.refresh();
      assert.ok((await slow).value, 'the call in flight completed on the old code');
      assert.ok(registry.controller('kitchen-sink'), 'the replacement was loaded');
      assert.equal(registry.controller('hostile-slow'), undefined);
      // Settled (answered, or refused because its plugin was unloaded) before anyone awaits it: never unhandled.
      const inFlight = registry.controller('kitchen-sink')!.runCommand('echo', '"v2"').catch((e: PluginError) => ({ value: e.reason }));
      fs.rmSync(file);
      await registry.refresh();
      assert.ok((await inFlight).value !== undefined, 'the call in flight ended with an answer or a reason');
      assert.equal(registry.entries.length, 0, 'a deleted plugin disappears');
      rows.push({ case: 'its file deleted or replaced during a call', userSees: 'the call finishes; the replacement is loaded or the plugin disappears', failedAfterMs: null, recoveredAfterMs: 0, bystanderMs: null });
    } finally {
      await registry.dispose();
    }
  });

  test('many reloads at once leave exactly one working instance', async () => {
    const dir = tempDir();
    writePlugin(dir, 'kitchen-sink.wasm', pluginBytes('kitchen-sink.wasm'));
    const registry = registryOver(dir);
    try {
      await registry.refresh();
      const t0 = performance.now();
      await Promise.all([
        ...Array.from({ length: 20 }, () => registry.reload('kitchen-sink').catch(() => undefined)),
        ...Array.from({ length: 5 }, () => registry.reloadAll()),
      ]);
      assert.equal(registry.activeControllers.length, 1);
      assert.equal((await registry.controller('kitchen-sink')!.runCommand('echo', '"after"')).value, '"after"');
      rows.push({ case: 'many reloads at once', userSees: 'nothing: one instance remains and answers', failedAfterMs: null, recoveredAfterMs: performance.now() - t0, bystanderMs: null });
    } finally {
      await registry.dispose();
    }
  });
});
