// Discovery: which plugin files exist in which folders, which of them run, and what the user is told about the rest.
// Temp folders hold real built plugins (and variants of them with another id, version or command list); the metadata
// cache is a real file. Plugins run in-process here to keep the suite fast; the controller tests cover workers.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PluginEntry, PluginFolder, PluginRegistry } from '../../src/core/registry/registry';
import { MetadataCache } from '../../src/core/registry/metadataCache';
import { PluginError } from '../../src/core/errors';
import { DEFAULT_LIMITS } from '../../src/core/limits';
import { MemoryLog } from '../../src/core/log';
import { readModule } from '../../src/core/wasm/binary';
import { FakeHost } from './support/fakeHost';
import { pluginBytes, WORKER_PATH } from './support/plugins';
import { kitchenSinkAs, tempDir, variant, writePlugin } from './support/controllers';
import { nextEvent } from './support/waitFor';

const FORMAT = 'test-cache-1';

interface Setup {
  readonly registry: PluginRegistry;
  readonly log: MemoryLog;
  readonly disabled: Set<string>;
  readonly folders: PluginFolder[];
  readonly cacheFile: string;
  readonly hosts: Map<string, FakeHost>;
}

function setup(folders: PluginFolder[], options: { cacheFile?: string; format?: string } = {}): Setup {
  const log = new MemoryLog();
  const disabled = new Set<string>();
  const hosts = new Map<string, FakeHost>();
  const cacheFile = options.cacheFile ?? path.join(tempDir(), 'plugin-cache.json');
  const registry = new PluginRegistry({
    folders: () => folders,
    cache: new MetadataCache(cacheFile, options.format ?? FORMAT, log),
    log,
    logFor: () => log,
    hostApiFor: (id) => {
      const host = new FakeHost();
      hosts.set(id, host);
      return host.api;
    },
    allows: () => true,
    isEnabled: (id) => !disabled.has(id),
    setEnabled: async (id, enabled) => { if (enabled) disabled.delete(id); else disabled.add(id); },
    limitsFor: () => DEFAULT_LIMITS,
    isolation: 'in-process',
    workerPath: WORKER_PATH,
  });
  return { registry, log, disabled, folders, cacheFile, hosts };
}

async function using(s: Setup, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    await s.registry.dispose();
  }
}

const byFile = (registry: PluginRegistry, file: string): PluginEntry => {
  const e = registry.entries.find((x) => x.file === file);
  assert.ok(e, `${file} is listed`);
  return e;
};

/** A valid module whose code is garbage: the manifest reads fine, compiling fails. */
function garbageCode(bytes: Uint8Array): Uint8Array {
  const code = readModule(bytes).sections.find((s) => s.id === 10)!;
  const out = bytes.slice();
  out.fill(0xff, code.payloadStart + 8, code.payloadStart + 40);
  return out;
}

/** Pins a file's mtime to a whole second so it can be restored exactly after the file is rewritten. */
const PINNED = 1_700_000_000;
function pin(file: string): void {
  fs.utimesSync(file, PINNED, PINNED);
}

/** Counts fs.promises.readFile calls on files inside `dir` while `run` runs. */
async function countingReads(dir: string, run: () => Promise<void>): Promise<string[]> {
  const reads: string[] = [];
  const original = fs.promises.readFile;
  (fs.promises as { readFile: unknown }).readFile = (file: fs.PathLike | fs.promises.FileHandle, ...rest: unknown[]) => {
    if (typeof file === 'string' && file.startsWith(dir)) reads.push(file);
    return (original as (...a: unknown[]) => unknown).call(fs.promises, file, ...rest);
  };
  try {
    await run();
  } finally {
    (fs.promises as { readFile: unknown }).readFile = original;
  }
  return reads;
}

describe('the plugin registry', () => {
  test('discovery lists the plugins of every folder with their source, and each valid one gets an idle controller', async () => {
    const bundled = tempDir();
    const user = tempDir();
    const workspace = tempDir();
    writePlugin(bundled, 'word-count.wasm', pluginBytes('word-count.wasm'));
    writePlugin(bundled, 'text-tools.wasm', pluginBytes('text-tools.wasm'));
    writePlugin(user, 'kitchen-sink.wasm', pluginBytes('kitchen-sink.wasm'));
    writePlugin(workspace, 'todo.wasm', pluginBytes('todo-tracker.wasm'));
    fs.writeFileSync(path.join(workspace, 'README.md'), 'not a plugin');
    const s = setup([{ source: 'bundled', dir: bundled }, { source: 'user', dir: user }, { source: 'workspace', dir: workspace }, { source: 'path', dir: path.join(user, 'missing') }]);
    await using(s, async () => {
      await s.registry.refresh();
      assert.deepEqual(s.registry.entries.map((e) => [e.binary?.manifest.id, e.source]).sort(),
        [['kitchen-sink', 'user'], ['text-tools', 'bundled'], ['todo-tracker', 'workspace'], ['word-count', 'bundled']]);
      for (const e of s.registry.entries) {
        assert.equal(e.loadError, undefined);
        assert.equal(e.controller?.state, 'idle', `${e.file} compiled nothing`);
      }
      assert.equal((await s.registry.controller('kitchen-sink')!.runCommand('echo', '"hi"')).value, '"hi"');
      assert.deepEqual(s.registry.subscribers('document-will-save').map((c) => c.id).sort(), ['kitchen-sink', 'text-tools']);
    });
  });

  test('a later source shadows an earlier one with the same id: only the later copy runs, the other is listed as shadowed', async () => {
    const bundled = tempDir();
    const user = tempDir();
    const workspace = tempDir();
    const b = writePlugin(bundled, 'ks.wasm', kitchenSinkAs('dup', (m) => ({ ...m, version: '1.0.0' })));
    const u = writePlugin(user, 'ks.wasm', kitchenSinkAs('dup', (m) => ({ ...m, version: '2.0.0' })));
    const w = writePlugin(workspace, 'ks.wasm', kitchenSinkAs('dup', (m) => ({ ...m, version: '3.0.0' })));
    const s = setup([{ source: 'workspace', dir: workspace }, { source: 'bundled', dir: bundled }, { source: 'user', dir: user }]);
    await using(s, async () => {
      await s.registry.refresh();
      assert.equal(s.registry.controller('dup')!.binary.manifest.version, '3.0.0', 'workspace wins whatever the folder order');
      assert.equal(s.registry.controller('dup')!.file, w);
      assert.equal(byFile(s.registry, b).shadowedBy, w);
      assert.equal(byFile(s.registry, u).shadowedBy, w);
      assert.equal(byFile(s.registry, b).controller, undefined);
      assert.equal(s.registry.activeControllers.length, 1);
      assert.equal(s.registry.entries[0].file, w, 'the winner is listed first');
      assert.equal(s.registry.entry('dup')!.file, w);
      // Removing the workspace copy lets the next one in line run.
      fs.rmSync(w);
      await s.registry.refresh();
      assert.equal(s.registry.controller('dup')!.binary.manifest.version, '2.0.0');
    });
  });

  test('a corrupt plugin file is listed with its load error and reported once, again only when the error changes', async () => {
    const dir = tempDir();
    const bad = writePlugin(dir, 'bad.wasm', new TextEncoder().encode('<html>404 Not Found</html>'));
    const cut = writePlugin(dir, 'cut.wasm', pluginBytes('kitchen-sink.wasm').subarray(0, 5000));
    writePlugin(dir, 'good.wasm', pluginBytes('word-count.wasm'));
    const s = setup([{ source: 'user', dir }]);
    await using(s, async () => {
      const reported: PluginEntry[] = [];
      s.registry.onDidFailToLoad((e) => reported.push(e));
      await s.registry.refresh();
      assert.deepEqual(reported.map((e) => [path.basename(e.file), e.loadError?.reason]).sort(), [['bad.wasm', 'not-wasm'], ['cut.wasm', 'truncated']]);
      assert.match(byFile(s.registry, bad).loadError!.message, /bad\.wasm is not a WebAssembly module.*Install the \.wasm file/);
      assert.match(byFile(s.registry, cut).loadError!.message, /install it again/);
      assert.equal(byFile(s.registry, bad).controller, undefined);
      assert.equal(s.registry.activeControllers.length, 1, 'the good plugin still runs');
      await s.registry.refresh();
      await s.registry.refresh();
      assert.equal(reported.length, 2, 'not reported again while nothing changed');
      assert.equal(s.log.lines.filter((l) => l.startsWith('error:') && /bad\.wasm/.test(l)).length, 1);
      fs.writeFileSync(bad, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x0a, 0xff]));
      await s.registry.refresh();
      assert.deepEqual(reported.slice(2).map((e) => [path.basename(e.file), e.loadError?.reason]), [['bad.wasm', 'truncated']]);
      fs.writeFileSync(bad, pluginBytes('text-tools.wasm'));
      await s.registry.refresh();
      assert.equal(byFile(s.registry, bad).loadError, undefined);
      assert.equal(byFile(s.registry, bad).controller?.id, 'text-tools');
    });
  });

  test('a disabled plugin has no controller (its instance is stopped), and enabling it again creates one that runs', async () => {
    const dir = tempDir();
    writePlugin(dir, 'ks.wasm', pluginBytes('kitchen-sink.wasm'));
    const s = setup([{ source: 'user', dir }]);
    await using(s, async () => {
      await s.registry.refresh();
      const before = s.registry.controller('kitchen-sink')!;
      await before.runCommand('echo', '1');
      const changed = nextEvent('the registry to announce the change', (l) => s.registry.onDidChange(() => l(undefined)));
      await s.registry.setEnabled('kitchen-sink', false);
      await changed;
      assert.equal(s.registry.controller('kitchen-sink'), undefined);
      assert.equal(before.state, 'disposed');
      assert.equal(s.registry.entry('kitchen-sink')!.enabled, false);
      assert.equal(s.registry.entry('kitchen-sink')!.controller, undefined);
      assert.deepEqual(s.registry.subscribers('document-opened'), []);
      await s.registry.refresh();
      assert.equal(s.registry.controller('kitchen-sink'), undefined, 'a rescan does not bring it back');
      await s.registry.setEnabled('kitchen-sink', true);
      const after = s.registry.controller('kitchen-sink')!;
      assert.notEqual(after, before);
      assert.equal((await after.runCommand('echo', '"back"')).value, '"back"');
    });
  });

  test('plugins in a blocked folder are listed with the reason but never run', async () => {
    const workspace = tempDir();
    const file = writePlugin(workspace, 'ks.wasm', kitchenSinkAs('workspace-only'));
    const s = setup([{ source: 'workspace', dir: workspace, blocked: 'This workspace is not trusted.' }]);
    await using(s, async () => {
      await s.registry.refresh();
      const e = byFile(s.registry, file);
      assert.equal(e.binary?.manifest.id, 'workspace-only');
      assert.equal(e.blocked, 'This workspace is not trusted.');
      assert.equal(e.controller, undefined);
      assert.equal(s.registry.controller('workspace-only'), undefined);
      assert.deepEqual(s.registry.subscribers('document-opened'), []);
    });
  });

  test('a blocked workspace copy does not shadow the user\'s own copy of the same plugin: the user\'s keeps running', async () => {
    const user = tempDir();
    const workspace = tempDir();
    const mine = writePlugin(user, 'ks.wasm', pluginBytes('kitchen-sink.wasm'));
    const theirs = writePlugin(workspace, 'ks.wasm', variant(pluginBytes('kitchen-sink.wasm'), (m) => ({ ...m, version: '6.6.6' })));
    const s = setup([{ source: 'user', dir: user }, { source: 'workspace', dir: workspace, blocked: 'This workspace is not trusted.' }]);
    await using(s, async () => {
      await s.registry.refresh();
      const c = s.registry.controller('kitchen-sink');
      assert.ok(c, 'an untrusted workspace must not be able to switch off an installed plugin');
      assert.equal(c.file, mine);
      assert.equal(byFile(s.registry, theirs).shadowedBy, mine);
      assert.equal(byFile(s.registry, theirs).controller, undefined);
    });
  });

  test('a refresh after adding, removing or overwriting a file changes exactly that plugin; the others keep running', async () => {
    const dir = tempDir();
    writePlugin(dir, 'wc.wasm', pluginBytes('word-count.wasm'));
    const ks = writePlugin(dir, 'ks.wasm', variant(pluginBytes('kitchen-sink.wasm'), (m) => ({ ...m, version: '1.0.0', commands: m.commands.filter((c) => c.id !== 'echo-upper') })));
    const s = setup([{ source: 'user', dir }]);
    await using(s, async () => {
      await s.registry.refresh();
      const wordCount = s.registry.controller('word-count')!;
      await wordCount.runCommand('save-count', '');
      const v1 = s.registry.controller('kitchen-sink')!;
      await assert.rejects(v1.runCommand('echo-upper', '"a"'), (e: unknown) => e instanceof PluginError && e.reason === 'not-found');

      // Adding
      const added = writePlugin(dir, 'tt.wasm', pluginBytes('text-tools.wasm'));
      await s.registry.refresh();
      assert.equal(s.registry.controller('text-tools')?.file, added);
      assert.equal(s.registry.controller('word-count'), wordCount, 'same controller');
      assert.equal(wordCount.state, 'active', 'still running');
      assert.equal(s.registry.controller('kitchen-sink'), v1);

      // Overwriting: the new version answers the next call.
      fs.writeFileSync(ks, variant(pluginBytes('kitchen-sink.wasm'), (m) => ({ ...m, version: '2.0.0' })));
      await s.registry.refresh();
      const v2 = s.registry.controller('kitchen-sink')!;
      assert.notEqual(v2, v1);
      assert.equal(v1.state, 'disposed');
      assert.equal(v2.binary.manifest.version, '2.0.0');
      assert.equal((await v2.runCommand('echo-upper', '"abc"')).value, '"\\"ABC\\""');
      assert.equal(s.registry.controller('word-count'), wordCount);
      assert.equal(wordCount.state, 'active');

      // Removing
      fs.rmSync(added);
      const textTools = s.registry.controller('text-tools')!;
      await s.registry.refresh();
      assert.equal(s.registry.controller('text-tools'), undefined);
      assert.equal(textTools.state, 'disposed');
      assert.equal(s.registry.entries.length, 2);
      assert.equal(s.registry.controller('word-count'), wordCount);
      assert.equal(s.registry.controller('kitchen-sink'), v2);
    });
  });

  test('discovery compiles nothing: a plugin whose code is garbage is listed as valid until it is first called', async () => {
    const dir = tempDir();
    const file = writePlugin(dir, 'broken.wasm', garbageCode(pluginBytes('kitchen-sink.wasm')));
    writePlugin(dir, 'wc.wasm', pluginBytes('word-count.wasm'));
    const s = setup([{ source: 'user', dir }]);
    await using(s, async () => {
      const original = WebAssembly.compile;
      let compiles = 0;
      WebAssembly.compile = (...args: Parameters<typeof WebAssembly.compile>) => { compiles++; return original(...args); };
      try {
        await s.registry.refresh();
        assert.equal(compiles, 0, 'nothing was compiled at discovery');
        const e = byFile(s.registry, file);
        assert.equal(e.loadError, undefined);
        assert.equal(e.controller?.state, 'idle');
        await assert.rejects(e.controller!.runCommand('echo', '1'),
          (err: unknown) => err instanceof PluginError && err.reason === 'invalid-module' && /does not compile/.test(err.message) && /rebuild it/.test(err.message));
        assert.equal(compiles, 1);
        assert.equal(e.controller!.state, 'failed');
        assert.equal(s.registry.controller('word-count')!.state, 'idle', 'the other plugin was not compiled either');
      } finally {
        WebAssembly.compile = original;
      }
    });
  });

  test('reload(id) stops the plugin and re-reads its file, even one rewritten with the same size and time', async () => {
    const dir = tempDir();
    const file = writePlugin(dir, 'ks.wasm', variant(pluginBytes('kitchen-sink.wasm'), (m) => ({ ...m, version: '1.0.1' })));
    pin(file);
    const s = setup([{ source: 'user', dir }]);
    await using(s, async () => {
      await s.registry.refresh();
      const before = s.registry.controller('kitchen-sink')!;
      await before.runCommand('echo', '1');
      // Same length, same mtime: the stat index cannot see the change, so a refresh keeps the old verdict.
      fs.writeFileSync(file, variant(pluginBytes('kitchen-sink.wasm'), (m) => ({ ...m, version: '1.0.2' })));
      pin(file);
      await s.registry.refresh();
      assert.equal(s.registry.controller('kitchen-sink')!.binary.manifest.version, '1.0.1');
      await s.registry.reload('kitchen-sink');
      const after = s.registry.controller('kitchen-sink')!;
      assert.equal(before.state, 'disposed');
      assert.notEqual(after, before);
      assert.equal(after.binary.manifest.version, '1.0.2');
      assert.equal(after.state, 'idle');
      assert.equal((await after.runCommand('echo', '2')).value, '2');
      await assert.rejects(s.registry.reload('no-such-plugin'), (e: unknown) => e instanceof PluginError && e.reason === 'not-found' && /No plugin "no-such-plugin" is installed/.test(e.message));
    });
  });

  test('reloadAll gives every plugin a fresh controller and stops the old instances', async () => {
    const dir = tempDir();
    writePlugin(dir, 'ks.wasm', pluginBytes('kitchen-sink.wasm'));
    writePlugin(dir, 'wc.wasm', pluginBytes('word-count.wasm'));
    const s = setup([{ source: 'user', dir }]);
    await using(s, async () => {
      await s.registry.refresh();
      const old = [...s.registry.activeControllers];
      await Promise.all(old.map((c) => c.runCommand(c.id === 'kitchen-sink' ? 'echo' : 'save-count', '1')));
      await s.registry.reloadAll();
      assert.deepEqual(old.map((c) => c.state), ['disposed', 'disposed']);
      const fresh = s.registry.activeControllers;
      assert.equal(fresh.length, 2);
      for (const c of fresh) {
        assert.ok(!old.includes(c));
        assert.equal(c.state, 'idle');
      }
      assert.equal((await s.registry.controller('kitchen-sink')!.runCommand('echo', '3')).value, '3');
    });
  });

  test('a second registry on the same cache file does not read plugin files that did not change', async () => {
    const dir = tempDir();
    const files = [writePlugin(dir, 'ks.wasm', pluginBytes('kitchen-sink.wasm')), writePlugin(dir, 'wc.wasm', pluginBytes('word-count.wasm'))];
    files.forEach(pin);
    const cacheFile = path.join(tempDir(), 'cache.json');
    const first = setup([{ source: 'user', dir }], { cacheFile });
    await using(first, () => first.registry.refresh());
    assert.ok(fs.existsSync(cacheFile), 'the first registry wrote the cache');

    // Proof by spy: no readFile of any plugin file during the second discovery.
    const second = setup([{ source: 'user', dir }], { cacheFile });
    await using(second, async () => {
      const reads = await countingReads(dir, () => second.registry.refresh());
      assert.deepEqual(reads, []);
      assert.deepEqual(second.registry.entries.map((e) => e.binary?.manifest.id).sort(), ['kitchen-sink', 'word-count']);
    });

    // Proof by consequence: garbage of the same size with the same mtime is still listed as the cached, valid plugin,
    // because the file is not opened. (Running it would read and re-validate it first.)
    for (const f of files) {
      fs.writeFileSync(f, new Uint8Array(fs.statSync(f).size).fill(0x42));
      pin(f);
    }
    const third = setup([{ source: 'user', dir }], { cacheFile });
    await using(third, async () => {
      await third.registry.refresh();
      assert.deepEqual(third.registry.entries.map((e) => [e.binary?.manifest.id, e.loadError]).sort(), [['kitchen-sink', undefined], ['word-count', undefined]]);
      await assert.rejects(third.registry.controller('kitchen-sink')!.runCommand('echo', '1'), (e: unknown) => e instanceof PluginError && e.reason === 'not-wasm');
    });

    // Control: once the mtime differs, the file is read again and the garbage is reported.
    fs.utimesSync(files[0], PINNED + 5, PINNED + 5);
    const fourth = setup([{ source: 'user', dir }], { cacheFile });
    await using(fourth, async () => {
      const reads = await countingReads(dir, () => fourth.registry.refresh());
      assert.deepEqual(reads, [files[0]]);
      assert.equal(byFile(fourth.registry, files[0]).loadError?.reason, 'not-wasm');
    });
  });

  test('a corrupt cache file is rebuilt, and that is logged', async () => {
    const dir = tempDir();
    writePlugin(dir, 'ks.wasm', pluginBytes('kitchen-sink.wasm'));
    const cacheFile = path.join(tempDir(), 'cache.json');
    fs.writeFileSync(cacheFile, '{"format":"test-cache-1","files":{"x":');
    const s = setup([{ source: 'user', dir }], { cacheFile });
    await using(s, async () => {
      await s.registry.refresh();
      assert.equal(s.registry.controller('kitchen-sink')?.state, 'idle');
      assert.ok(s.log.lines.some((l) => /^warn: plugin cache is corrupt, rebuilding it/.test(l)), s.log.lines.join('\n'));
      const rebuilt = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { format: string; files: Record<string, unknown> };
      assert.equal(rebuilt.format, FORMAT);
      assert.deepEqual(Object.keys(rebuilt.files), [path.join(dir, 'ks.wasm')]);
    });
  });

  test('a cache from another format is dropped, even when it holds a verdict for a file that still matches', async () => {
    const dir = tempDir();
    const file = writePlugin(dir, 'ks.wasm', pluginBytes('kitchen-sink.wasm'));
    const st = fs.statSync(file);
    const lie = (format: string) => JSON.stringify({
      format,
      files: { [file]: { size: st.size, mtimeMs: st.mtimeMs, sha256: 'f'.repeat(64) } },
      verdicts: { ['f'.repeat(64)]: { error: { reason: 'not-wasm', pluginId: 'ks.wasm', message: 'the old host thought this was not wasm' } } },
    });
    // Control: with the current format the (lying) cache is believed, so it is the format check that drops it below.
    const trusted = path.join(tempDir(), 'cache.json');
    fs.writeFileSync(trusted, lie(FORMAT));
    const control = setup([{ source: 'user', dir }], { cacheFile: trusted });
    await using(control, async () => {
      await control.registry.refresh();
      assert.equal(byFile(control.registry, file).loadError?.message, 'the old host thought this was not wasm');
    });

    const cacheFile = path.join(tempDir(), 'cache.json');
    fs.writeFileSync(cacheFile, lie('host-0.0.1'));
    const s = setup([{ source: 'user', dir }], { cacheFile });
    await using(s, async () => {
      await s.registry.refresh();
      assert.equal(byFile(s.registry, file).loadError, undefined);
      assert.equal(s.registry.controller('kitchen-sink')?.state, 'idle');
      assert.ok(s.log.lines.some((l) => /plugin cache is from another version, rebuilding it/.test(l)), s.log.lines.join('\n'));
      assert.equal((JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { format: string }).format, FORMAT);
    });
  });
});
