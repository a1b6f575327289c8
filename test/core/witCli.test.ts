// `wasm-plugins wit-json` and `wasm-plugins generate`, driven through `main` with a capturing Io. The
// `generate --check` test is the drift guard: it fails when wit/ changed without `npm run generate`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../../src/cli/io';
import { witToJson } from '../../src/core/wit/index';

const repoRoot = path.resolve(__dirname, '../../..');

/** A scratch project with a copy of wit/ and the committed bindings, sharing the repo's node_modules. */
function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wit-cli-test-'));
  fs.cpSync(path.join(repoRoot, 'wit'), path.join(dir, 'wit'), { recursive: true });
  fs.cpSync(path.join(repoRoot, 'src', 'core', 'generated'), path.join(dir, 'src', 'core', 'generated'), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'junction');
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  return dir;
}

describe('wasm-plugins wit-json', () => {
  test('prints the resolved JSON of the project WIT with two-space indentation and exits 0', async () => {
    const io = captureIo(repoRoot);
    const code = await main(['wit-json', 'wit/since-v0.1.0'], io);
    assert.equal(code, 0, io.stderr);
    assert.equal(io.stderr, '');
    assert.ok(io.stdout.endsWith('}\n'));
    assert.ok(io.stdout.startsWith('{\n  "worlds": ['));
    assert.deepEqual(JSON.parse(io.stdout), witToJson('wit/since-v0.1.0', { cwd: repoRoot }));
  });

  test('reports a WIT error as file:line:col: message on stderr and exits 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wit-cli-test-'));
    try {
      fs.writeFileSync(path.join(dir, 'bad.wit'), 'package a:b;\n\ninterface x {\n  f: func() -> nope;\n}\n');
      const io = captureIo(dir);
      const code = await main(['wit-json', 'bad.wit'], io);
      assert.equal(code, 1);
      assert.equal(io.stdout, '');
      assert.equal(io.stderr, 'bad.wit:4:16: name `nope` does not exist\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('enables @unstable features given with --features', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wit-cli-test-'));
    try {
      fs.writeFileSync(path.join(dir, 'gated.wit'), 'package a:b;\n\n@unstable(feature = shiny)\ninterface x {}\n');
      const off = captureIo(dir);
      assert.equal(await main(['wit-json', 'gated.wit'], off), 0);
      assert.deepEqual(JSON.parse(off.stdout).interfaces, []);
      const on = captureIo(dir);
      assert.equal(await main(['wit-json', '--features', 'shiny', 'gated.wit'], on), 0);
      assert.equal(JSON.parse(on.stdout).interfaces.length, 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('exits 2 with usage when the input is missing or an option is unknown', async () => {
    const none = captureIo(repoRoot);
    assert.equal(await main(['wit-json'], none), 2);
    assert.match(none.stderr, /usage: wasm-plugins wit-json/);
    const unknown = captureIo(repoRoot);
    assert.equal(await main(['wit-json', '--frobnicate', 'wit'], unknown), 2);
    assert.match(unknown.stderr, /unknown option/);
  });
});

describe('wasm-plugins generate', () => {
  test('the committed bindings in src/core/generated are up to date with wit/ (run `npm run generate` if not)', async () => {
    const io = captureIo(repoRoot);
    const code = await main(['generate', '--check'], io);
    assert.equal(code, 0, io.stderr);
  });

  test('--check lists the files that differ and exits 1 after wit/ changes', async () => {
    const dir = scratchProject();
    try {
      const typesWit = path.join(dir, 'wit', 'since-v0.1.0', 'types.wit');
      fs.appendFileSync(typesWit, '\ninterface added-for-the-test {}\n');
      const io = captureIo(dir);
      const code = await main(['generate', '--check'], io);
      assert.equal(code, 1);
      assert.match(io.stderr, /src\/core\/generated\/v0_1_0\/api\.wit\.json/);
      assert.match(io.stderr, /run `npm run generate`/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('writes the JSON and the wit2ts bindings for every wit/since-vX.Y.Z folder', async () => {
    const dir = scratchProject();
    try {
      fs.rmSync(path.join(dir, 'src', 'core', 'generated'), { recursive: true, force: true });
      const io = captureIo(dir);
      assert.equal(await main(['generate'], io), 0, io.stderr);
      const out = path.join(dir, 'src', 'core', 'generated', 'v0_1_0');
      assert.ok(fs.existsSync(path.join(out, 'api.wit.json')));
      assert.ok(fs.readdirSync(out).some((f) => f.endsWith('.ts')), 'a .ts file is generated');
      const again = captureIo(dir);
      assert.equal(await main(['generate', '--check'], again), 0, again.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rejects unknown arguments with exit code 2', async () => {
    const io = captureIo(repoRoot);
    assert.equal(await main(['generate', '--bogus'], io), 2);
  });
});
