// The plugin manager inside a real VS Code: install from a file and from a URL (with a sha256 pin and a size cap),
// uninstall, enable/disable, permission decisions, hot reload when a plugin file is overwritten or deleted, and the
// metadata cache. The plugins are variants of the kitchen-sink test plugin with their own ids.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WasmPluginsApi } from '../../src/extension';
import { pluginCommandId } from '../../src/host/commands';
import { MANIFEST_SECTION } from '../../src/core/manifest';
import { customSections, setCustomSection } from '../../src/core/wasm/binary';
import { EXTENSION_ID, extensionApi, waitForEvent } from './support';

function kitchenSink(): Uint8Array {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  return new Uint8Array(fs.readFileSync(path.join(ext.extensionPath, 'dist', 'test-plugins', 'kitchen-sink.wasm')));
}

/** kitchen-sink under another id, version and name; `capabilities` replaces what it requests. */
function variant(id: string, version: string, capabilities: string[] = [], commands?: string[]): Uint8Array {
  const bytes = kitchenSink();
  const m = JSON.parse(new TextDecoder().decode(customSections(bytes, MANIFEST_SECTION)[0])) as Record<string, unknown> & { commands: { id: string }[] };
  const manifest = {
    ...m, id, version, name: `Variant ${id}`, capabilities, activationEvents: [],
    commands: commands ? m.commands.filter((c) => commands.includes(c.id)) : m.commands,
  };
  return setCustomSection(bytes, MANIFEST_SECTION, new TextEncoder().encode(JSON.stringify(manifest)));
}

function tempFile(name: string, bytes: Uint8Array): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-plugins-test-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('plugin manager', () => {
  let api: WasmPluginsApi;
  const registryChange = (what: string, check: () => boolean) =>
    check() ? Promise.resolve() : waitForEvent(api.host.manager.onDidChange, check, what).then(() => undefined);

  before(async () => {
    api = await extensionApi();
  });

  after(async () => {
    for (const id of ['installed-sink', 'url-sink', 'hot-sink', 'perm-sink']) {
      await vscode.commands.executeCommand('wasmPlugins.uninstall', id, false);
    }
  });

  it('installs a plugin from a file into the user plugin folder under its id, and it runs', async () => {
    const source = tempFile('whatever-name.wasm', variant('installed-sink', '1.0.0'));
    await vscode.commands.executeCommand('wasmPlugins.installFromFile', source);
    const target = path.join(api.host.userPluginFolder, 'installed-sink.wasm');
    assert.ok(fs.existsSync(target), 'the file landed in the user plugin folder');
    assert.deepEqual(fs.readdirSync(api.host.userPluginFolder).filter((f) => f.includes('.tmp')), [], 'no temporary file is left');
    const view = api.host.manager.snapshot().plugins.find((p) => p.id === 'installed-sink');
    assert.equal(view?.source, 'user');
    assert.equal(view?.version, '1.0.0');
    assert.deepEqual(await vscode.commands.executeCommand(pluginCommandId('installed-sink', 'echo'), { ok: '✓' }), { ok: '✓' });
    // The metadata cache knows it by content hash: the next start reads the cache, not the file.
    const cache = fs.readFileSync(path.join(path.dirname(api.host.userPluginFolder), 'plugin-cache.json'), 'utf8');
    const entry = api.host.registry.entries.find((e) => e.file === target);
    assert.ok(entry?.sha256 && cache.includes(entry.sha256), 'the cache has the plugin\'s sha256');
  });

  it('refuses to install a file that is not a valid plugin, writing nothing', async () => {
    const before = fs.readdirSync(api.host.userPluginFolder).sort();
    const source = tempFile('garbage.wasm', new TextEncoder().encode('this is not wasm'));
    assert.equal(await vscode.commands.executeCommand('wasmPlugins.installFromFile', source), undefined);
    assert.deepEqual(fs.readdirSync(api.host.userPluginFolder).sort(), before);
  });

  it('installs from an http URL when the sha256 matches, and refuses a wrong pin or a non-wasm answer', async () => {
    const bytes = variant('url-sink', '2.0.0');
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const server = http.createServer((req, res) => {
      if (req.url === '/url-sink.wasm') { res.writeHead(200, { 'content-length': bytes.length }); res.end(bytes); }
      else { res.writeHead(404); res.end('no'); }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const target = path.join(api.host.userPluginFolder, 'url-sink.wasm');
      await vscode.commands.executeCommand('wasmPlugins.installFromUrl', `${base}/url-sink.wasm`, '0'.repeat(64));
      assert.ok(!fs.existsSync(target), 'a wrong sha256 installs nothing');
      await vscode.commands.executeCommand('wasmPlugins.installFromUrl', `${base}/missing.wasm`);
      assert.ok(!fs.existsSync(target), 'a 404 installs nothing');
      await vscode.commands.executeCommand('wasmPlugins.installFromUrl', `${base}/url-sink.wasm`, sha);
      assert.ok(fs.existsSync(target), 'the pinned download was installed');
      assert.equal(api.host.manager.snapshot().plugins.find((p) => p.id === 'url-sink')?.version, '2.0.0');
    } finally {
      server.close();
    }
  });

  it('disabling a plugin removes its commands and persists; enabling brings them back', async () => {
    const id = pluginCommandId('word-count', 'count-words');
    await vscode.commands.executeCommand('wasmPlugins.disable', 'word-count');
    assert.equal(api.host.manager.snapshot().plugins.find((p) => p.id === 'word-count')?.state, 'disabled');
    assert.ok(!(await vscode.commands.getCommands(true)).includes(id), 'the command is gone');
    assert.ok(!api.host.commands.commandItems().some((i) => i.pluginId === 'word-count'), 'and gone from the quick pick');
    assert.deepEqual(api.host.context.globalState.get('wasmPlugins.disabled'), ['word-count'], 'the choice is stored');
    await vscode.commands.executeCommand('wasmPlugins.enable', 'word-count');
    assert.ok((await vscode.commands.getCommands(true)).includes(id), 'the command is back');
    assert.notEqual(api.host.manager.snapshot().plugins.find((p) => p.id === 'word-count')?.state, 'disabled');
  });

  it('permission decisions decide what a plugin may do, and can be revoked', async () => {
    const source = tempFile('perm.wasm', variant('perm-sink', '1.0.0', ['workspace-read']));
    await api.host.manager.setPermission('perm-sink', 'workspace-read', false); // decided before install: no prompt
    await vscode.commands.executeCommand('wasmPlugins.installFromFile', source);
    const read = () => vscode.commands.executeCommand<{ error?: string }>(pluginCommandId('perm-sink', 'read-file'), 'README.md');
    assert.equal((await read()).error, 'denied');
    await api.host.manager.setPermission('perm-sink', 'workspace-read', true);
    assert.equal(typeof (await read()), 'string', 'granted: the file is read');
    const view = api.host.manager.snapshot().plugins.find((p) => p.id === 'perm-sink')!;
    assert.deepEqual(view.permissions.map((p) => [p.capability, p.granted, p.decidedBy]), [['workspace-read', true, 'user']]);
    await api.host.manager.setPermission('perm-sink', 'workspace-read', false);
    assert.equal((await read()).error, 'denied', 'revoked: refused again at once');
  });

  it('hot-reloads a plugin whose file is overwritten, and its commands keep working across the reload', async () => {
    const target = path.join(api.host.userPluginFolder, 'hot-sink.wasm');
    fs.mkdirSync(api.host.userPluginFolder, { recursive: true });
    fs.writeFileSync(target, variant('hot-sink', '1.0.0'));
    await registryChange('hot-sink 1.0.0 to appear', () => api.host.manager.snapshot().plugins.some((p) => p.id === 'hot-sink' && p.version === '1.0.0'));
    assert.deepEqual(await vscode.commands.executeCommand(pluginCommandId('hot-sink', 'echo'), 1), 1);
    const others = api.host.registry.activeControllers.filter((c) => c.id !== 'hot-sink');

    fs.writeFileSync(target, variant('hot-sink', '1.1.0'));
    await registryChange('hot-sink 1.1.0 to replace 1.0.0', () => api.host.manager.snapshot().plugins.some((p) => p.id === 'hot-sink' && p.version === '1.1.0'));
    assert.deepEqual(await vscode.commands.executeCommand(pluginCommandId('hot-sink', 'echo'), 2), 2);
    for (const c of others) assert.ok(api.host.registry.activeControllers.includes(c), `${c.id} was not reloaded`);

    fs.rmSync(target);
    await registryChange('hot-sink to disappear', () => !api.host.manager.snapshot().plugins.some((p) => p.id === 'hot-sink'));
    assert.ok(!(await vscode.commands.getCommands(true)).includes(pluginCommandId('hot-sink', 'echo')), 'its commands are gone');
  });

  it('uninstall removes the file, its stored data and its permission decisions', async () => {
    const target = path.join(api.host.userPluginFolder, 'installed-sink.wasm');
    assert.ok(fs.existsSync(target));
    await vscode.commands.executeCommand(pluginCommandId('installed-sink', 'echo'), 'x');
    await api.host.manager.setPermission('installed-sink', 'storage', true);
    assert.equal(await vscode.commands.executeCommand('wasmPlugins.uninstall', 'installed-sink', false), true);
    assert.ok(!fs.existsSync(target), 'the file is gone');
    assert.ok(!api.host.manager.snapshot().plugins.some((p) => p.id === 'installed-sink'), 'the view no longer lists it');
    assert.equal(api.host.permissions.decision('installed-sink', 'storage'), undefined, 'decisions are forgotten');
    assert.equal(await vscode.commands.executeCommand('wasmPlugins.uninstall', 'word-count', false), false, 'bundled plugins are not uninstalled');
  });
});
