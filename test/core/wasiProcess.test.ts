// The bundled WASI runtime with real programs built from source: the example wasi-command `word-freq` (C) and the
// test fixture `wasi-probe` (C, one WASI operation per command line). Output, exit codes, stdin that blocks until the
// host writes, the file-system sandbox (granted folder readable, everything else refused, read-only unless writable),
// memory cap, traps, timeouts and kill.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runToCompletion, startWasiProcess } from '../../src/core/wasi/wasiProcess';
import type { WasiPreopen, WasiProcess } from '../../src/core/wasi/types';
import { OutputRecorder, scratchWorkspace, start, wasmBytes, within } from './support/wasi';

async function run(file: string, args: string[], options: { preopens?: WasiPreopen[]; input?: string | Uint8Array; env?: Record<string, string>; maxMemoryPages?: number } = {}) {
  const p = await start(file, { args, preopens: options.preopens, env: options.env, maxMemoryPages: options.maxMemoryPages });
  return within(runToCompletion(p, options.input), 20_000, `${file} ${args.join(' ')} to finish`);
}

describe('a wasi-command: word-freq', () => {
  test('counts stdin and prints its report on stdout, exiting 0', async () => {
    const r = await run('word-freq.wasm', ['--top', '3'], { input: 'The cat saw the other cat.\nThe end, ünïcödé!\n' });
    assert.deepEqual(r.status, { reason: 'exited', code: 0 });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'lines 2\nwords 9\nchars 45\nbytes 49\nunique words 6\ntop 3:\n       3  the\n       2  cat\n       1  end\n');
  });

  test('input written in pieces, one of them cut inside a multi-byte character, counts as if written at once', async () => {
    const p = await start('word-freq.wasm', { args: ['--json', '--top', '1'] });
    const out = new OutputRecorder(p);
    const text = Buffer.from('naïve naïve café\n');
    const cut = text.indexOf(Buffer.from('ï')) + 1;
    await p.writeStdin(text.subarray(0, cut));
    await p.writeStdin(text.subarray(cut));
    p.closeStdin();
    assert.deepEqual(await within(p.exited, 10_000, 'exit'), { reason: 'exited', code: 0 });
    assert.deepEqual(JSON.parse(out.text), { lines: 1, words: 3, chars: 17, bytes: 20, unique: 2, top: [{ word: 'naïve', count: 2 }] });
  });

  test('a usage error goes to stderr with exit code 2', async () => {
    const r = await run('word-freq.wasm', ['--bogus']);
    assert.deepEqual(r.status, { reason: 'exited', code: 2 });
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^word-freq: unknown option\nusage: word-freq/);
  });

  test('non-ASCII arguments reach argv intact', async () => {
    const r = await run('wasi-probe.wasm', ['args', 'grüße', '😀', '']);
    assert.equal(r.stdout, 'grüße\n😀\n\n');
  });

  test('the environment given at start is what the program sees, and nothing else', async () => {
    const r = await run('wasi-probe.wasm', ['env'], { env: { LANG: 'C.UTF-8', GREETING: 'héllo' } });
    assert.equal(r.stdout, 'LANG=C.UTF-8\nGREETING=héllo\n');
  });

  test('the exit code of the program is reported', async () => {
    assert.deepEqual((await run('wasi-probe.wasm', ['exit', '42'])).status, { reason: 'exited', code: 42 });
  });
});

describe('stdin that blocks until the host writes', () => {
  test('the program answers each line as it arrives, waiting in between, and ends at EOF', async () => {
    const p = await start('wasi-probe.wasm', { args: ['lines'] });
    const out = new OutputRecorder(p);
    await p.writeStdin('first\n');
    await out.until((t) => t === 'got first\n', 5000, 'the answer to the first line');
    assert.equal(p.hasExited, false, 'it waits for more input instead of ending');
    await p.writeStdin('second\n');
    await out.until((t) => t.endsWith('got second\n'), 5000, 'the answer to the second line');
    p.closeStdin();
    assert.deepEqual(await within(p.exited, 5000, 'exit at EOF'), { reason: 'exited', code: 0 });
  });

  test('a megabyte through the 64 KiB stdin ring comes back byte for byte', async () => {
    const p = await start('wasi-probe.wasm', { args: ['echo'] });
    const out = new OutputRecorder(p);
    const err = new OutputRecorder(p, 'stderr');
    const input = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < input.length; i++) input[i] = (i * 7 + (i >> 10)) & 0xff;
    await within(p.writeStdin(input), 10_000, 'the input to be taken');
    p.closeStdin();
    assert.deepEqual(await within(p.exited, 10_000, 'exit'), { reason: 'exited', code: 0 });
    assert.ok(out.raw.equals(input), `echoed ${out.raw.length} bytes, expected ${input.length} identical ones`);
    assert.equal(err.text, 'eof\n');
  });

  test('stdin "closed" gives EOF at once', async () => {
    const p = await start('word-freq.wasm', { args: ['--top', '0'], stdin: 'closed' });
    const out = new OutputRecorder(p);
    assert.deepEqual(await within(p.exited, 5000, 'exit'), { reason: 'exited', code: 0 });
    assert.equal(out.text, 'lines 0\nwords 0\nchars 0\nbytes 0\nunique words 0\n');
  });

  test('sleeping (poll_oneoff with a clock) returns after the time has passed', async () => {
    const t0 = performance.now();
    const r = await run('wasi-probe.wasm', ['sleep', '150']);
    assert.equal(r.stdout, 'slept\n');
    assert.ok(performance.now() - t0 >= 150, 'it did not return early');
  });
});

describe('the file-system sandbox', () => {
  let w: ReturnType<typeof scratchWorkspace>;
  let readOnly: WasiPreopen[];
  let writable: WasiPreopen[];
  before(() => {
    w = scratchWorkspace();
    readOnly = [{ guestPath: '/workspace', hostPath: w.ws, writable: false }];
    writable = [{ guestPath: '/workspace', hostPath: w.ws, writable: true }];
    fs.symlinkSync(path.join(w.outside, 'secret.txt'), path.join(w.ws, 'escape.txt'));
    fs.symlinkSync(w.outside, path.join(w.ws, 'escape-dir'));
    fs.symlinkSync('sub/inner.txt', path.join(w.ws, 'inside-link.txt'));
    fs.symlinkSync(path.join(w.outside, 'missing.txt'), path.join(w.ws, 'dangling.txt'));
  });
  after(() => w.cleanup());

  test('a file in the granted folder is read', async () => {
    const r = await run('word-freq.wasm', ['--top', '1', '/workspace/notes.txt'], { preopens: readOnly });
    assert.deepEqual(r.status, { reason: 'exited', code: 0 });
    assert.match(r.stdout, /^lines 2\nwords 11\n[\s\S]*top 1:\n {7}3 {2}the\n$/);
  });

  test('a directory of the granted folder is listed', async () => {
    const r = await run('wasi-probe.wasm', ['ls', '/workspace'], { preopens: readOnly });
    assert.equal(r.stdout, 'dangling.txt\nescape-dir\nescape.txt\ninside-link.txt\nnotes.txt\nsub\n');
  });

  test('".." cannot climb out of the folder, directly or from a subfolder', async () => {
    for (const p of ['/workspace/../outside/secret.txt', '/workspace/sub/../../outside/secret.txt']) {
      const r = await run('word-freq.wasm', [p], { preopens: readOnly });
      assert.equal(r.status.code, 1);
      assert.equal(r.stderr, `word-freq: ${p}: Operation not permitted\n`);
    }
    const inside = await run('wasi-probe.wasm', ['cat', '/workspace/sub/../notes.txt'], { preopens: readOnly });
    assert.match(inside.stdout, /^the quick brown fox/, '".." that stays inside is fine');
  });

  test('a path outside every granted folder is not found', async () => {
    const r = await run('word-freq.wasm', [path.join(w.outside, 'secret.txt')], { preopens: readOnly });
    assert.equal(r.status.code, 1);
    // wasi-libc finds no preopen for the path and answers ENOTCAPABLE itself: nothing reaches the host.
    assert.equal(r.stderr, `word-freq: ${path.join(w.outside, 'secret.txt')}: Capabilities insufficient\n`);
    assert.doesNotMatch(r.stdout, /secret/);
  });

  test('symlinks that point outside are refused; one that stays inside is followed', async () => {
    for (const p of ['/workspace/escape.txt', '/workspace/escape-dir/secret.txt']) {
      const r = await run('wasi-probe.wasm', ['cat', p], { preopens: readOnly });
      assert.equal(r.stderr, `error: ${p}: Operation not permitted\n`);
      assert.equal(r.stdout, '');
    }
    assert.equal((await run('wasi-probe.wasm', ['cat', '/workspace/inside-link.txt'], { preopens: readOnly })).stdout, 'inner file\n');
  });

  test('nothing can be created through a dangling symlink', async () => {
    const r = await run('wasi-probe.wasm', ['write', '/workspace/dangling.txt', 'x'], { preopens: writable });
    assert.equal(r.stderr, 'error: /workspace/dangling.txt: No such file or directory\n');
    assert.equal(fs.existsSync(path.join(w.outside, 'missing.txt')), false);
  });

  test('programs cannot create symlinks', async () => {
    const r = await run('wasi-probe.wasm', ['symlink', '/etc/passwd', '/workspace/new-link'], { preopens: writable });
    assert.equal(r.stderr, 'error: /workspace/new-link: Not supported\n');
  });

  test('on a read-only folder every kind of write fails with "Read-only file system" and changes nothing', async () => {
    const before = fs.readdirSync(w.ws).sort();
    const attempts: string[][] = [
      ['write', '/workspace/new.txt', 'x'],
      ['write', '/workspace/notes.txt', 'overwritten'],
      ['append', '/workspace/notes.txt', 'more'],
      ['mkdir', '/workspace/newdir'],
      ['rm', '/workspace/notes.txt'],
      ['rmdir', '/workspace/sub'],
      ['rename', '/workspace/notes.txt', '/workspace/renamed.txt'],
    ];
    for (const args of attempts) {
      const r = await run('wasi-probe.wasm', args, { preopens: readOnly });
      assert.equal(r.status.code, 1, args.join(' '));
      assert.match(r.stderr, /: Read-only file system\n$/, args.join(' '));
    }
    const out = await run('word-freq.wasm', ['-o', '/workspace/report.txt', '/workspace/notes.txt'], { preopens: readOnly });
    assert.equal(out.stderr, 'word-freq: /workspace/report.txt: Read-only file system\n');
    assert.deepEqual(fs.readdirSync(w.ws).sort(), before);
    assert.equal(fs.readFileSync(path.join(w.ws, 'notes.txt'), 'utf8'), 'the quick brown fox jumps over the lazy dog\nthe end\n');
  });

  test('on a writable folder the program creates, appends, renames and deletes', async () => {
    const ok = async (...args: string[]) => {
      const r = await run('wasi-probe.wasm', args, { preopens: writable });
      assert.deepEqual([r.status.code, r.stderr], [0, ''], args.join(' '));
    };
    await ok('mkdir', '/workspace/made');
    await ok('write', '/workspace/made/a.txt', 'one ');
    await ok('append', '/workspace/made/a.txt', 'two');
    await ok('rename', '/workspace/made/a.txt', '/workspace/made/b.txt');
    assert.equal(fs.readFileSync(path.join(w.ws, 'made', 'b.txt'), 'utf8'), 'one two');
    const stat = await run('wasi-probe.wasm', ['stat', '/workspace/made/b.txt'], { preopens: writable });
    assert.equal(stat.stdout, '7 file\n');
    await ok('rm', '/workspace/made/b.txt');
    await ok('rmdir', '/workspace/made');
    assert.equal(fs.existsSync(path.join(w.ws, 'made')), false);
    const report = await run('word-freq.wasm', ['--top', '0', '-o', '/workspace/report.txt', '/workspace/notes.txt'], { preopens: writable });
    assert.equal(report.status.code, 0);
    assert.equal(fs.readFileSync(path.join(w.ws, 'report.txt'), 'utf8'), 'lines 2\nwords 11\nchars 52\nbytes 52\nunique words 9\n');
    fs.rmSync(path.join(w.ws, 'report.txt'));
  });

  test('a writable folder still cannot be left: writing through ".." or an outside symlink is refused', async () => {
    const up = await run('wasi-probe.wasm', ['write', '/workspace/../outside/planted.txt', 'x'], { preopens: writable });
    assert.equal(up.stderr, 'error: /workspace/../outside/planted.txt: Operation not permitted\n');
    const link = await run('wasi-probe.wasm', ['write', '/workspace/escape.txt', 'overwritten'], { preopens: writable });
    assert.equal(link.stderr, 'error: /workspace/escape.txt: Operation not permitted\n');
    const moved = await run('wasi-probe.wasm', ['rename', '/workspace/notes.txt', '/workspace/escape-dir/stolen.txt'], { preopens: writable });
    assert.equal(moved.stderr, 'error: /workspace/notes.txt: Operation not permitted\n');
    assert.deepEqual(fs.readdirSync(w.outside), ['secret.txt']);
    assert.equal(fs.readFileSync(path.join(w.outside, 'secret.txt'), 'utf8'), 'top secret words\n');
  });

  test('without preopens the program sees no files at all', async () => {
    const r = await run('wasi-probe.wasm', ['cat', '/workspace/notes.txt']);
    assert.equal(r.status.code, 1);
    assert.equal(r.stderr, 'error: /workspace/notes.txt: Capabilities insufficient\n');
    const root = await run('wasi-probe.wasm', ['ls', '/']);
    assert.equal(root.stderr, 'error: /: Capabilities insufficient\n');
  });

  test('a granted folder that does not exist stops the start with a readable error', async () => {
    await assert.rejects(start('wasi-probe.wasm', { args: ['ls', '/workspace'], preopens: [{ guestPath: '/workspace', hostPath: path.join(w.dir, 'gone'), writable: false }] }),
      (e: unknown) => e instanceof Error && (e as { reason?: string }).reason === 'not-found' && /the folder .*gone it was given as \/workspace does not exist/.test(e.message));
  });
});

describe('limits and stopping', () => {
  test('memory is capped by rewriting the module: allocation fails past the cap and the program reports it', async () => {
    const r = await run('wasi-probe.wasm', ['grow', '64'], { maxMemoryPages: 256 /* 16 MiB */ });
    assert.equal(r.status.code, 3);
    const n = Number(/^out of memory after (\d+)\n$/.exec(r.stdout)?.[1]);
    assert.ok(n > 8 && n < 16, `allocated ${n} MiB under a 16 MiB cap`);
    const enough = await run('wasi-probe.wasm', ['grow', '8'], { maxMemoryPages: 256 });
    assert.equal(enough.stdout, 'allocated 8\n');
  });

  test('a cap below what the module declares refuses to start with a memory-limit error', async () => {
    await assert.rejects(startWasiProcess({ id: 'wasi-probe', module: wasmBytes('wasi-probe.wasm'), maxMemoryPages: 1 }),
      (e: unknown) => (e as { reason?: string }).reason === 'memory-limit');
  });

  test('a trap ends the process with reason "trap" and a message that says what to do', async () => {
    const r = await run('wasi-probe.wasm', ['trap']);
    assert.equal(r.status.reason, 'trap');
    assert.equal(r.status.code, null);
    assert.match(r.status.error!.message, /WASI Probe \(wasi-probe\) crashed: unreachable.*Run it again/);
  });

  test('kill stops a program in a busy loop', async () => {
    const p = await start('wasi-probe.wasm', { args: ['spin'] });
    await new OutputRecorder(p, 'stderr').until((t) => t === 'spinning\n', 5000, 'the loop to start');
    assert.deepEqual(await within(p.kill(), 5000, 'kill'), { reason: 'killed', code: null });
    assert.equal(p.hasExited, true);
  });

  test('kill stops a program blocked reading stdin, and later writes are refused', async () => {
    const p: WasiProcess = await start('wasi-probe.wasm', { args: ['lines'] });
    const out = new OutputRecorder(p);
    await p.writeStdin('ping\n');
    await out.until((t) => t === 'got ping\n', 5000, 'the program to be reading');
    assert.deepEqual(await within(p.kill(), 5000, 'kill'), { reason: 'killed', code: null });
    await assert.rejects(p.writeStdin('late\n'), /cannot take more input/);
  });

  test('a time limit stops a program that runs too long, with reason "timeout"', async () => {
    const p = await start('wasi-probe.wasm', { args: ['spin'], timeoutMs: 300 });
    const status = await within(p.exited, 10_000, 'the time limit');
    assert.equal(status.reason, 'timeout');
    assert.match(status.error!.message, /ran longer than 300 ms and was stopped/);
  });
});
