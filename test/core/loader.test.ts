// The loader turns every way a plugin file can be wrong into its own readable error, naming the plugin and saying
// what to do. The bad inputs are real: random bytes, a cut-off file, plugins built wrong on purpose (plugins/test/),
// and correct plugins altered with the project's own binary tools.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspectPlugin } from '../../src/core/runtime/loader';
import { WORLD_SHAPE } from '../../src/core/runtime/abi';
import { PluginError, PluginErrorReason } from '../../src/core/errors';
import { MANIFEST_SECTION } from '../../src/core/manifest';
import { customSections, readModule, renameExports, setCustomSection } from '../../src/core/wasm/binary';
import { load, pluginBytes } from './support/plugins';

function rejects(bytes: Uint8Array, reason: PluginErrorReason, ...patterns: RegExp[]): PluginError {
  let caught: unknown;
  try {
    inspectPlugin(bytes, 'bad-plugin.wasm', WORLD_SHAPE);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof PluginError, `expected a PluginError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

const manifestOf = (bytes: Uint8Array) =>
  JSON.parse(new TextDecoder().decode(customSections(bytes, MANIFEST_SECTION)[0])) as Record<string, unknown>;
const withManifest = (bytes: Uint8Array, manifest: unknown) =>
  setCustomSection(bytes, MANIFEST_SECTION, new TextEncoder().encode(typeof manifest === 'string' ? manifest : JSON.stringify(manifest)));

describe('loading a plugin binary', () => {
  test('a valid plugin yields its manifest, hash and implemented exports without compiling', () => {
    const bytes = pluginBytes('kitchen-sink.wasm');
    const b = inspectPlugin(bytes, 'kitchen-sink.wasm', WORLD_SHAPE);
    assert.equal(b.manifest.id, 'kitchen-sink');
    assert.match(b.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual([...b.exports].sort(), ['activate', 'deactivate', 'handle-event', 'panel-message', 'render-panel', 'run-command']);
    assert.ok(b.postReturns.includes('run-command'));
    assert.equal(b.size, bytes.length);
  });

  test('random bytes are reported as not a WebAssembly module', () => {
    rejects(new Uint8Array(randomBytes(4096)), 'not-wasm', /bad-plugin\.wasm is not a WebAssembly module/, /Install the \.wasm file/);
  });

  test('an empty file is reported as not a WebAssembly module', () => {
    rejects(new Uint8Array(0), 'not-wasm');
  });

  test('a file cut in half is reported as truncated, with advice to install it again', () => {
    const bytes = pluginBytes('kitchen-sink.wasm');
    rejects(bytes.subarray(0, Math.floor(bytes.length / 2)), 'truncated', /truncated/, /install it again/);
  });

  test('a file cut inside the header is reported as truncated', () => {
    rejects(pluginBytes('kitchen-sink.wasm').subarray(0, 6), 'truncated');
  });

  test('a component binary is recognised and explained', () => {
    // The component-model binary header: magic, version 0x0d, layer 1.
    const component = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00);
    rejects(component, 'component-binary', /is a WebAssembly component/, /plugin SDKs/);
  });

  test('a module without a manifest says how to embed one', () => {
    const stripped = setCustomSection(pluginBytes('kitchen-sink.wasm'), MANIFEST_SECTION, undefined);
    rejects(stripped, 'manifest-missing', /no plugin manifest/, /wasm-plugins embed-manifest/);
  });

  test('a manifest that is not JSON is rejected', () => {
    rejects(withManifest(pluginBytes('kitchen-sink.wasm'), '{"id": "x",'), 'manifest-invalid', /not valid JSON/);
  });

  test('a manifest whose id tries to be a path is rejected with the naming rule', () => {
    const bytes = pluginBytes('kitchen-sink.wasm');
    const m = manifestOf(bytes);
    rejects(withManifest(bytes, { ...m, id: '../../evil' }), 'manifest-invalid', /kebab-case/);
  });

  test('a plugin built for another API version is rejected naming both versions', () => {
    rejects(pluginBytes('wrong-api.wasm'), 'api-version', /wrong-api/, /API 9\.0\.0/, /supports 0\.1\.0/);
  });

  test('an oversized manifest is rejected with the limit', () => {
    rejects(pluginBytes('big-manifest.wasm'), 'manifest-too-large', /the limit is 65536/);
  });

  test('a module of another world is rejected naming what it exports instead', () => {
    rejects(pluginBytes('wrong-world.wasm'), 'missing-export', /wrong-world/, /does not implement the plugin world/, /"run"/);
  });

  test('a module with no plugin exports at all is rejected', () => {
    rejects(pluginBytes('no-exports.wasm'), 'missing-export', /no-exports/);
  });

  test('a plugin that declares panels but lacks render-panel is rejected naming the missing export and why', () => {
    const renamed = renameExports(pluginBytes('kitchen-sink.wasm'), (n) => (n === 'render-panel' ? 'render-panel-old' : n));
    rejects(renamed, 'missing-export', /kitchen-sink/, /"render-panel" \(needed because the manifest declares panels\)/);
  });

  test('a plugin without cabi_realloc is rejected', () => {
    const renamed = renameExports(pluginBytes('kitchen-sink.wasm'), (n) => (n === 'cabi_realloc' ? 'my_realloc' : n));
    rejects(renamed, 'missing-export', /"cabi_realloc"/);
  });

  test('a plugin importing an interface the host does not have is rejected naming the import', () => {
    rejects(pluginBytes('unknown-import.wasm'), 'unknown-import', /unknown-import/, /wasm-plugin-host:api\/teleport/, /"beam"/);
  });

  test('the checks run without compiling: a module whose code section is garbage still gets a manifest verdict', async () => {
    // Compilation is where code is validated; inspect must stay cheap and only look at the sections it needs.
    const bytes = pluginBytes('kitchen-sink.wasm');
    const code = readModule(bytes).sections.find((s) => s.id === 10)!;
    const corrupt = bytes.slice();
    corrupt.fill(0xff, code.payloadStart + 8, code.payloadStart + 40);
    assert.equal(inspectPlugin(corrupt, 'k.wasm', WORLD_SHAPE).manifest.id, 'kitchen-sink');
    await assert.rejects(load(corrupt), (e: unknown) => e instanceof PluginError && e.reason === 'invalid-module' && /does not compile/.test(e.message));
  });

  test('a plugin whose initial memory exceeds the cap is refused at compile time', async () => {
    await assert.rejects(load(pluginBytes('kitchen-sink.wasm'), 'k.wasm', 1),
      (e: unknown) => e instanceof PluginError && e.reason === 'memory-limit' && /memory/.test(e.message));
  });
});
