// The plugin storage behind the `storage` host interface: what a plugin stores comes back (in this session and the
// next), quotas stop a plugin from filling the disk with an error it can read, a damaged file is replaced by the last
// good copy, and neither a killed plugin worker nor a killed host process leaves a file that does not parse or that
// lost a write the plugin was told had succeeded.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { DEFAULT_STORAGE_QUOTAS, KV_FORMAT, KvStore, KvStoreOptions, storageApi } from '../../src/core/storage/kvStore';
import { HostApi, isHostError } from '../../src/core/runtime/abi';
import { HostDispatcher } from '../../src/core/runtime/hostDispatcher';
import { WorkerRunner } from '../../src/core/sandbox/runner';
import { PluginError } from '../../src/core/errors';
import { MemoryLog } from '../../src/core/log';
import { FakeHost } from './support/fakeHost';
import { inProcess, load, NON_ASCII, ROOT, WORKER_PATH } from './support/plugins';
import { liveWorkerThreads, tempDir } from './support/controllers';
import { waitFor, withTimeout } from './support/waitFor';
import { kvStateAfter, WRITER_PLUGIN } from './support/kvWriter';

function open(dir: string, options: Partial<KvStoreOptions> = {}): { store: KvStore; log: MemoryLog } {
  const log = new MemoryLog();
  return { store: new KvStore({ dirs: { global: path.join(dir, 'global'), workspace: path.join(dir, 'ws') }, log, ...options }), log };
}

function hostErrorOf(run: () => void): { tag: string; value: string } {
  try {
    run();
  } catch (e) {
    assert.ok(isHostError(e), `expected a host error, got ${String(e)}`);
    const cause = (e as unknown as { cause: { tag: string; value: string } }).cause;
    return { tag: cause.tag, value: cause.value };
  }
  assert.fail('expected the write to be refused');
}

const readJson = (file: string): { format: string; entries: Record<string, string> } => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('plugin storage', () => {
  test('values come back as stored, non-ASCII keys and values included, separately per plugin and scope', async () => {
    const { store } = open(tempDir());
    store.set('word-count', 'global', 'saves', '3');
    store.set('word-count', 'global', NON_ASCII, `${NON_ASCII}\n\u0000\t"quoted"`);
    store.set('word-count', 'workspace', 'saves', '7');
    store.set('other', 'global', 'saves', 'theirs');
    assert.equal(store.get('word-count', 'global', 'saves'), '3');
    assert.equal(store.get('word-count', 'global', NON_ASCII), `${NON_ASCII}\n\u0000\t"quoted"`);
    assert.equal(store.get('word-count', 'workspace', 'saves'), '7');
    assert.equal(store.get('other', 'global', 'saves'), 'theirs');
    assert.equal(store.get('word-count', 'global', 'missing'), undefined);
    assert.deepEqual(store.keys('word-count', 'global'), ['saves', NON_ASCII]);
    store.remove('word-count', 'global', 'saves');
    store.remove('word-count', 'global', 'never-there');
    assert.deepEqual(store.keys('word-count', 'global'), [NON_ASCII]);
    await store.dispose();
  });

  test('keys that look like paths or object internals are just keys', async () => {
    const dir = tempDir();
    const keys = ['__proto__', 'constructor', '../../../etc/passwd', 'a/b\\c', 'toString', ' '];
    const { store } = open(dir);
    keys.forEach((k, i) => store.set('p', 'global', k, String(i)));
    await store.dispose();
    const again = open(dir).store;
    assert.deepEqual(again.keys('p', 'global'), keys);
    keys.forEach((k, i) => assert.equal(again.get('p', 'global', k), String(i)));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'global')), ['p'], 'nothing was written outside the plugin\'s folder');
    await again.dispose();
  });

  test('what a plugin stored is there after a restart, in <dir>/<plugin id>/<scope>.json', async () => {
    const dir = tempDir();
    const first = open(dir).store;
    first.set('word-count', 'global', 'saves', '41');
    first.set('word-count', 'workspace', 'last', NON_ASCII);
    await first.dispose();
    assert.deepEqual(readJson(path.join(dir, 'global', 'word-count', 'global.json')), { format: KV_FORMAT, entries: { saves: '41' } });
    assert.deepEqual(readJson(path.join(dir, 'ws', 'word-count', 'workspace.json')).entries, { last: NON_ASCII });
    const second = open(dir).store;
    assert.equal(second.get('word-count', 'global', 'saves'), '41');
    assert.equal(second.get('word-count', 'workspace', 'last'), NON_ASCII);
    await second.dispose();
  });

  test('a scope without a folder (no workspace open) works for the session and writes nothing', async () => {
    const dir = tempDir();
    const store = new KvStore({ dirs: { global: dir }, log: new MemoryLog() });
    store.set('p', 'workspace', 'k', 'v');
    assert.equal(store.get('p', 'workspace', 'k'), 'v');
    await store.dispose();
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('a thousand writes in a row are coalesced into one file write, and dispose writes what is pending at once', async () => {
    const dir = tempDir();
    const { store } = open(dir, { flushDelayMs: 60_000 });
    const file = store.fileOf('p', 'global')!;
    const renames: string[] = [];
    const original = fs.promises.rename;
    (fs.promises as { rename: unknown }).rename = (from: fs.PathLike, to: fs.PathLike) => { renames.push(String(to)); return original(from, to); };
    try {
      for (let i = 0; i < 1000; i++) store.set('p', 'global', `k${i % 10}`, String(i));
      assert.equal(fs.existsSync(file), false, 'nothing written yet: the flush is a minute away');
      await withTimeout('dispose to write the pending data', store.dispose(), 5000);
    } finally {
      (fs.promises as { rename: unknown }).rename = original;
    }
    assert.equal(renames.filter((f) => f === file).length, 1);
    assert.equal(readJson(file).entries.k9, '999');
    assert.throws(() => store.set('p', 'global', 'late', 'x'), (e: unknown) => isHostError(e), 'writes after dispose are refused');
  });

  test('writes reach the disk by themselves shortly after they are made', async () => {
    const { store } = open(tempDir(), { flushDelayMs: 20 });
    store.set('p', 'global', 'k', 'soon');
    const file = store.fileOf('p', 'global')!;
    await waitFor('the write to reach the disk', () => fs.existsSync(file) && readJson(file).entries.k === 'soon');
    await store.dispose();
  });

  test('durable storage answers a write only once it is on disk, so a kill right after loses nothing acknowledged', async () => {
    const dir = tempDir();
    const { store } = open(dir, { flushDelayMs: 60_000 });
    const api = storageApi(store, 'kitchen-sink', { durable: true });
    const file = path.join(dir, 'global', 'kitchen-sink', 'global.json');
    for (let i = 0; i < 5; i++) {
      await api.set('global' as never, 'count', String(i));
      // No flush, no timer (60 s): the acknowledged value is already in the file, as a killed process would leave it.
      assert.equal(readJson(file).entries.count, String(i));
    }
    await api.remove('global' as never, 'count');
    assert.equal(readJson(file).entries.count, undefined);
    // Without `durable` the same write is only in memory until the flush delay.
    const lazy = storageApi(store, 'word-count');
    assert.equal(lazy.set('global' as never, 'x', '1'), undefined);
    assert.ok(!fs.existsSync(path.join(dir, 'global', 'word-count', 'global.json')));
    await store.dispose();
  });

  test('quotas: a long key, a big value, too many keys or too many bytes fail with too-large and say what to do', () => {
    const { store } = open(tempDir(), { quotas: { maxKeyBytes: 16, maxValueBytes: 100, maxKeys: 3, maxTotalBytes: 250 } });
    let e = hostErrorOf(() => store.set('p', 'global', 'ü'.repeat(9), 'v')); // 18 bytes of UTF-8
    assert.equal(e.tag, 'tooLarge');
    assert.match(e.value, /is 18 bytes; keys may be at most 16 bytes\. Use a shorter key/);
    e = hostErrorOf(() => store.set('p', 'global', 'k', '日'.repeat(34)));
    assert.match(e.value, /is 102 bytes; one value may be at most 100 bytes\. Split it/);
    store.set('p', 'global', 'a', 'x'.repeat(100));
    store.set('p', 'workspace', 'b', 'x'.repeat(100));
    e = hostErrorOf(() => store.set('p', 'global', 'c', 'x'.repeat(100)));
    assert.match(e.value, /would bring p's data to 303 bytes; a plugin may keep at most 250 bytes\. Remove data/, 'both scopes count');
    store.set('p', 'global', 'c', 'small');
    e = hostErrorOf(() => store.set('p', 'global', 'd', '1'));
    assert.match(e.value, /p already stores 3 keys, the most a plugin may keep\. Remove keys/);
    store.set('p', 'global', 'a', 'replacing an existing key is fine');
    store.remove('p', 'global', 'c');
    store.set('p', 'global', 'd', 'room again');
    store.set('other-plugin', 'global', 'd', 'x'.repeat(100));
    assert.deepEqual(store.usage('p'), { keys: 3, bytes: 1 + 33 + 1 + 100 + 1 + 10 });
    assert.equal(hostErrorOf(() => store.set('p', 'global', '', 'v')).tag, 'invalid');
    assert.equal(hostErrorOf(() => store.get('p', 'elsewhere' as never, 'k')).tag, 'invalid');
  });

  test('the default quotas fit what a text-processing plugin stores', () => {
    const { store } = open(tempDir());
    store.set('p', 'global', 'document cache', 'x'.repeat(1024 * 1024)); // a 1 MB document
    for (let i = 0; i < 1000; i++) store.set('p', 'workspace', `file:///w/src/module${i}.ts`, `{"todos":${i}}`);
    assert.ok(DEFAULT_STORAGE_QUOTAS.maxValueBytes >= 1024 * 1024);
  });

  test('a plugin over its quota gets too-large as its error and keeps working', async () => {
    const store = new KvStore({ dirs: { global: tempDir() }, log: new MemoryLog(), quotas: { maxValueBytes: 1000 } });
    const host = new FakeHost();
    const api: HostApi = { ...host.api, storage: storageApi(store, 'kitchen-sink') };
    const runner = await inProcess('kitchen-sink.wasm', { host, warnings: [], dispatcher: new HostDispatcher('kitchen-sink', api, { allows: () => true }, { warn() {} }) });
    const big = await runner.call('run-command', ['storage-roundtrip', 'x'.repeat(2000)], { timeoutMs: 5000 });
    assert.equal(JSON.parse(big.value!).error, 'too-large');
    assert.match(JSON.parse(big.value!).message, /one value may be at most 1000 bytes/);
    const ok = await runner.call('run-command', ['storage-roundtrip', NON_ASCII], { timeoutMs: 5000 });
    assert.deepEqual(JSON.parse(ok.value!), { value: NON_ASCII, keys: ['roundtrip'] });
    await runner.dispose();
    await store.dispose();
  });

  test('plugin ids that could leave the storage folder are refused before anything is touched', () => {
    const { store } = open(tempDir());
    for (const id of ['../escape', 'a/b', '', 'UPPER', 'x'.repeat(65)]) {
      assert.throws(() => store.set(id, 'global', 'k', 'v'), (e: unknown) => e instanceof PluginError && e.reason === 'internal', id);
      assert.throws(() => storageApi(store, id), PluginError);
    }
  });

  test('each write keeps the previous version as <scope>.json.bak', async () => {
    const { store } = open(tempDir());
    const file = store.fileOf('p', 'global')!;
    store.set('p', 'global', 'v', '1');
    await store.flush();
    store.set('p', 'global', 'v', '2');
    await store.flush();
    assert.equal(readJson(file).entries.v, '2');
    assert.equal(readJson(`${file}.bak`).entries.v, '1');
    await store.dispose();
  });

  for (const [damage, bytes] of [
    ['half-written', (good: string) => good.slice(0, Math.floor(good.length / 2))],
    ['zero-filled', (good: string) => '\0'.repeat(good.length)],
    ['from another format', () => JSON.stringify({ format: 'wasm-plugin-host/kv@99', entries: { v: 'future' } })],
    ['not an object of strings', () => JSON.stringify({ format: KV_FORMAT, entries: ['v'] })],
  ] as const) {
    test(`a ${damage} storage file is replaced by the last good copy; the damaged one is kept aside and it is logged`, async () => {
      const dir = tempDir();
      const first = open(dir).store;
      const file = first.fileOf('p', 'global')!;
      first.set('p', 'global', 'v', 'good');
      await first.flush();
      first.set('p', 'global', 'v', 'newer');
      await first.dispose();
      const damaged = bytes(fs.readFileSync(file, 'utf8'));
      fs.writeFileSync(file, damaged);

      const { store, log } = open(dir);
      assert.equal(store.get('p', 'global', 'v'), 'good');
      assert.ok(log.lines.some((l) => /^warn: the storage of p \(global\) was damaged .*restored the previous copy from .*global\.json\.bak/.test(l)), log.lines.join('\n'));
      assert.equal(fs.readFileSync(`${file}.damaged`, 'utf8'), damaged);
      await store.flush();
      assert.equal(readJson(file).entries.v, 'good', 'the restored data is written back');
      store.set('p', 'global', 'v', 'after');
      await store.dispose();
      assert.equal(readJson(`${file}.bak`).entries.v, 'good', 'the damaged file never becomes the backup');
    });
  }

  test('a damaged file without a backup starts empty, is logged as an error, and the damaged file is kept', async () => {
    const dir = tempDir();
    const { store: s0 } = open(dir);
    const file = s0.fileOf('p', 'global')!;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"format":');
    const { store, log } = open(dir);
    assert.deepEqual(store.keys('p', 'global'), []);
    assert.ok(log.lines.some((l) => /^error: the storage of p \(global\) was damaged \(not valid JSON.*no good backup exists; the plugin starts with empty storage/.test(l)), log.lines.join('\n'));
    assert.equal(fs.readFileSync(`${file}.damaged`, 'utf8'), '{"format":');
    store.set('p', 'global', 'fresh', '1');
    await store.dispose();
    assert.deepEqual(readJson(file).entries, { fresh: '1' });
  });

  test('a write that fails (the folder cannot be created) is logged, kept in memory, and made once the disk allows it', async () => {
    const dir = tempDir();
    const { store, log } = open(dir, { retryDelayMs: 60_000 });
    fs.writeFileSync(path.join(dir, 'global'), 'a file where the folder should be');
    store.set('p', 'global', 'k', 'kept');
    await store.flush();
    assert.ok(log.lines.some((l) => /^warn: could not save the storage of p \(global\).*trying again later/.test(l)), log.lines.join('\n'));
    assert.equal(store.get('p', 'global', 'k'), 'kept');
    fs.rmSync(path.join(dir, 'global'));
    await store.dispose();
    assert.equal(readJson(path.join(dir, 'global', 'p', 'global.json')).entries.k, 'kept');
  });

  test('a plugin worker killed in the middle of its storage writes loses nothing it was told was stored, and the file parses', async () => {
    const dir = tempDir();
    const { store } = open(dir, { flushDelayMs: 5 });
    const api = storageApi(store, 'kitchen-sink');
    // Every storage call of the plugin counts; at the chosen ones the worker thread is terminated from outside (as a
    // crash or the OS would) while the plugin is blocked inside that call, after the host did the operation.
    const killAt = new Set<number>();
    let calls = 0;
    let killed = 0;
    const killing = <A extends unknown[], R>(op: (...args: A) => R) => (...args: A): R | Promise<R> => {
      const result = op(...args);
      if (!killAt.has(++calls)) return result;
      killed++;
      const worker = liveWorkerThreads().find((w) => w.threadId > 0);
      assert.ok(worker, 'a plugin worker is running');
      return new Promise<R>((resolve) => { worker.once('exit', () => resolve(result)); void worker.terminate(); });
    };
    const storage = { get: killing(api.get), set: killing(api.set), remove: killing(api.remove), keys: killing(api.keys) } as unknown as HostApi['storage'];
    const dispatcher = new HostDispatcher('kitchen-sink', { ...new FakeHost().api, storage }, { allows: () => true }, { warn() {} });
    const { binary, module } = await load('kitchen-sink.wasm');
    const runner = new WorkerRunner(module, binary, dispatcher, { workerPath: WORKER_PATH, maxResultBytes: 1 << 20 });
    // Each storage-roundtrip makes 6 storage calls (set, set, remove, get, keys; plus activate's get on a fresh
    // worker): killing at these numbers hits each kind of call, seeded so a failure can be replayed.
    let seed = 0xc0ffee;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    let next = 3;
    for (let k = 0; k < 6; k++) { next += 3 + Math.floor(random() * 12); killAt.add(next); }
    let lastAcknowledged: string | undefined;
    let crashes = 0;
    try {
      // Until every kill has happened and the last call got through.
      for (let i = 0, ok = false; killed < killAt.size || !ok; i++) {
        const value = `value ${i} ${NON_ASCII}`;
        ok = false;
        try {
          const r = await runner.call('run-command', ['storage-roundtrip', value], { timeoutMs: 5000 });
          assert.equal(JSON.parse(r.value!).value, value);
          lastAcknowledged = value;
          ok = true;
        } catch (e) {
          assert.ok(e instanceof PluginError && e.reason === 'crashed', String(e));
          assert.match(e.message, /stopped unexpectedly .*restarts on the next call/);
          crashes++;
          await store.flush();
          const onDisk = readJson(path.join(dir, 'global', 'kitchen-sink', 'global.json')).entries.roundtrip; // parses
          // The last acknowledged value, or the one whose write had reached the host before the worker died.
          assert.ok(onDisk === lastAcknowledged || onDisk === value, `after kill ${crashes}: ${onDisk}`);
        }
      }
    } finally {
      await runner.dispose();
    }
    assert.equal(crashes, killAt.size, 'every kill landed inside a call and was reported');
    await store.dispose();
    const reopened = open(dir).store;
    assert.equal(reopened.get('kitchen-sink', 'global', 'roundtrip'), lastAcknowledged, 'the final acknowledged value survives a restart');
    assert.deepEqual(reopened.keys('kitchen-sink', 'workspace'), [], 'the scratch key was removed or never written');
    await reopened.dispose();
  });

  test('a host process killed at random moments while writing leaves a file that parses and holds a prefix of its writes', async () => {
    const writer = path.join(ROOT, 'out', 'test', 'core', 'support', 'kvWriter.js');
    let seed = 0x5eed;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    for (let round = 0; round < 8; round++) {
      const dir = tempDir();
      // Once the writer is up, kill it after a random 1–40 ms: a flush takes well under a millisecond, so the kill
      // lands at an arbitrary point of one (the write of the temp file, the fsync, the backup link, the rename).
      const killDelayMs = 1 + random() * 39;
      let timer: NodeJS.Timeout | undefined;
      const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let flushed = 0;
      let buffered = '';
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) flushed = Number(line);
        timer ??= setTimeout(() => child.kill('SIGKILL'), killDelayMs);
      });
      const signal = await withTimeout(`writer round ${round} to be killed`, exited, 30_000);
      clearTimeout(timer);
      assert.equal(signal, 'SIGKILL', 'the writer was killed, it did not exit by itself');

      const file = path.join(dir, WRITER_PLUGIN, 'global.json');
      const onDisk = new Map(Object.entries(readJson(file).entries)); // parses
      // Which prefix is it? The highest write index present tells; the whole state must then match exactly.
      let n = flushed;
      let expected = kvStateAfter(n);
      const same = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
      while (!same(expected, onDisk) && n < flushed + 10_000) expected = kvStateAfter(++n);
      assert.ok(same(expected, onDisk), `round ${round}: the file is not the state after any prefix of at least ${flushed} writes`);
      const log = new MemoryLog();
      const reopened = new KvStore({ dirs: { global: dir }, log });
      assert.equal(reopened.keys(WRITER_PLUGIN, 'global').length, onDisk.size);
      assert.deepEqual(log.lines, [], 'nothing to recover');
      await reopened.dispose();
    }
  });
});
