// The project's own WIT API parses, and hostile input fails cleanly: always a located `WitError`, quickly, never
// another exception or a stack overflow (the parser is also fed mutated text by a fuzzer).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseWitSources, witToJson, WitError } from '../../src/core/wit/index';

const repoRoot = path.resolve(__dirname, '../../..');
const apiDir = path.join('wit', 'since-v0.1.0');
const TIME_LIMIT_MS = 5000;

describe('the project WIT API', () => {
  test('wit/since-v0.1.0 resolves to one package with the plugin world', () => {
    const json = witToJson(apiDir, { cwd: repoRoot });
    assert.deepEqual(json.packages.map((p) => p.name), ['wasm-plugin-host:api@0.1.0']);
    const plugin = json.worlds.find((w) => w.name === 'plugin');
    assert.ok(plugin !== undefined, 'world `plugin` exists');
    assert.deepEqual(Object.keys(plugin.exports),
      ['activate', 'deactivate', 'run-command', 'handle-event', 'render-panel', 'panel-message']);
    const interfaces = json.interfaces.map((i) => i.name);
    for (const name of ['types', 'log', 'storage', 'panels']) assert.ok(interfaces.includes(name), `interface ${name}`);
  });

  test('every host interface the plugin world imports is listed before the types it uses', () => {
    const json = witToJson(apiDir, { cwd: repoRoot });
    const plugin = json.worlds.find((w) => w.name === 'plugin');
    assert.ok(plugin !== undefined);
    const keys = Object.keys(plugin.imports);
    const firstType = keys.findIndex((k) => 'type' in plugin.imports[k]);
    const lastInterface = keys.map((k) => 'interface' in plugin.imports[k]).lastIndexOf(true);
    assert.ok(lastInterface < firstType, `imports in wasm-tools order: ${keys.join(', ')}`);
  });

  test('the committed api.wit.json is what the parser produces now', () => {
    const committed = path.join(repoRoot, 'src', 'core', 'generated', 'v0_1_0', 'api.wit.json');
    assert.deepEqual(witToJson(apiDir, { cwd: repoRoot }), JSON.parse(fs.readFileSync(committed, 'utf8')));
  });
});

function expectWitError(text: string): WitError {
  const started = Date.now();
  let error: unknown;
  try {
    parseWitSources([{ path: 'hostile.wit', text }]);
  } catch (e) {
    error = e;
  }
  const elapsed = Date.now() - started;
  assert.ok(error instanceof WitError, `expected a WitError, got ${String(error)}`);
  assert.equal(error.file, 'hostile.wit');
  assert.ok(error.line >= 1 && error.column >= 1);
  assert.ok(error.message.startsWith(`hostile.wit:${error.line}:${error.column}: `), error.message);
  assert.ok(elapsed < TIME_LIMIT_MS, `took ${elapsed} ms`);
  return error;
}

describe('hostile WIT input', () => {
  test('empty input is rejected for lack of a package header', () => {
    const e = expectWitError('');
    assert.match(e.reason, /no `package` header/);
  });

  test('binary garbage is rejected at the first offending character', () => {
    let seed = 12345;
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = seed & 0xff;
    }
    expectWitError(bytes.toString('latin1'));
    expectWitError(`package a:b;\ninterface x {\u0000}\n`);
  });

  test('an unterminated block comment is reported where it starts', () => {
    const e = expectWitError('package a:b;\n\ninterface x {\n  /* never closed\n}\n');
    assert.equal(e.line, 4);
    assert.equal(e.column, 3);
    assert.match(e.reason, /unterminated block comment/);
  });

  test('a 10,000-deep list<list<…>> is rejected without exhausting the stack', () => {
    const depth = 10_000;
    const e = expectWitError(`package a:b;\ninterface x {\n  type t = ${'list<'.repeat(depth)}u8${'>'.repeat(depth)};\n}\n`);
    assert.match(e.reason, /type nesting too deep/);
    assert.equal(e.line, 3);
  });

  test('10,000 nested packages are rejected without exhausting the stack', () => {
    const depth = 10_000;
    const e = expectWitError(`package a:b;\n${'package a:c {\n'.repeat(depth)}${'}\n'.repeat(depth)}`);
    assert.match(e.reason, /package nesting too deep/);
  });

  test('a 1 MB identifier is rejected quickly with a location', () => {
    const e = expectWitError(`package a:b;\n${'x'.repeat(1 << 20)}\n`);
    assert.equal(e.line, 2);
    assert.equal(e.column, 1);
  });

  test('truncations of the project WIT never escape as anything but a WitError', () => {
    const text = fs.readFileSync(path.join(repoRoot, apiDir, 'types.wit'), 'utf8');
    for (let cut = 0; cut < text.length; cut += 97) {
      try {
        parseWitSources([{ path: 'types.wit', text: text.slice(0, cut) }]);
      } catch (e) {
        assert.ok(e instanceof WitError, `cut at ${cut}: ${String(e)}`);
      }
    }
  });
});
