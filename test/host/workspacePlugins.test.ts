// Plugins from the workspace's .vscode/wasm-plugins folder: all eight editor events reach a subscribed plugin,
// a broken plugin file produces one clear error and the rest keeps working, a trapping plugin recovers.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WasmPluginsApi } from '../../src/extension';
import { pluginCommandId } from '../../src/host/commands';
import { EXTENSION_ID, extensionApi, journalMark, notification, openFile, until, workspaceRoot } from './support';

function testPlugin(name: string): Buffer {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  return fs.readFileSync(path.join(ext.extensionPath, 'dist', 'test-plugins', name));
}

function workspacePluginDir(): string {
  const dir = path.join(workspaceRoot(), '.vscode', 'wasm-plugins');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

type RecordedEvent = { kind: string; [key: string]: unknown };

describe('workspace plugins', () => {
  let api: WasmPluginsApi;

  before(async () => {
    api = await extensionApi();
    fs.writeFileSync(path.join(workspacePluginDir(), 'kitchen-sink.wasm'), testPlugin('kitchen-sink.wasm'));
    await api.host.registry.refresh();
    assert.ok(api.host.registry.controller('kitchen-sink'), 'kitchen-sink was discovered in .vscode/wasm-plugins');
  });

  after(async () => {
    for (const f of fs.readdirSync(workspacePluginDir())) fs.rmSync(path.join(workspacePluginDir(), f));
    await api.host.registry.refresh();
  });

  it('delivers all eight editor events to a subscribed plugin', async () => {
    await vscode.commands.executeCommand(pluginCommandId('kitchen-sink', 'clear-events'), {});
    const editor = await openFile('events.txt', 'abc\n');
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'x'));
    editor.selection = new vscode.Selection(0, 1, 0, 2);
    await editor.document.save();
    await vscode.workspace.getConfiguration('editor').update('tabSize', 7, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('editor').update('tabSize', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const want = ['document-opened', 'active-editor-changed', 'document-changed', 'selection-changed', 'document-will-save', 'document-saved', 'configuration-changed', 'document-closed'];
    const events = await until('kitchen-sink to have seen every kind of event', async () => {
      const got = await vscode.commands.executeCommand<RecordedEvent[]>(pluginCommandId('kitchen-sink', 'events'), {});
      return want.every((k) => got.some((e) => e.kind === k)) ? got : undefined;
    }, 20_000);
    const ofDoc = (e: RecordedEvent) => JSON.stringify(e).includes('events.txt');
    assert.ok(events.some((e) => e.kind === 'document-opened' && ofDoc(e)));
    assert.ok(events.some((e) => e.kind === 'document-saved' && ofDoc(e)));
    assert.ok(events.some((e) => e.kind === 'configuration-changed' && JSON.stringify(e).includes('editor.tabSize')));
    // Changes before the save are delivered before the save.
    const changed = events.findIndex((e) => e.kind === 'document-changed' && ofDoc(e));
    const saved = events.findIndex((e) => e.kind === 'document-saved' && ofDoc(e));
    assert.ok(changed >= 0 && changed < saved, 'the change came before the save');
  });

  it('a broken plugin file produces one clear error naming it, and the other plugins keep working', async () => {
    const mark = journalMark(api);
    const good = testPlugin('kitchen-sink.wasm');
    fs.writeFileSync(path.join(workspacePluginDir(), 'broken.wasm'), good.subarray(0, Math.floor(good.length / 3)));
    await api.host.registry.refresh();
    const shown = await notification(api, /broken\.wasm is truncated/, mark);
    assert.equal(shown.level, 'error');
    assert.deepEqual(shown.actions, ['Show Log']);
    await api.host.registry.refresh();
    assert.equal(api.host.notifier.shown.slice(mark).filter((s) => /broken\.wasm/.test(s.message)).length, 1, 'reported once, not on every rescan');
    const entry = api.host.registry.entries.find((e) => e.file.endsWith('broken.wasm'));
    assert.equal(entry?.loadError?.reason, 'truncated');

    await openFile('still-works.txt', 'still works\n');
    const words = await vscode.commands.executeCommand<{ words: number }>(pluginCommandId('word-count', 'count-words'), {});
    assert.equal(words.words, 2);
  });

  it('a plugin that traps shows an error naming it, and its next call works', async () => {
    const mark = journalMark(api);
    await vscode.commands.executeCommand(pluginCommandId('kitchen-sink', 'trap'));
    const shown = await notification(api, /Kitchen Sink \(test\) \(kitchen-sink\) crashed in run-command/, mark);
    assert.deepEqual(shown.actions, ['Show Log']);
    assert.equal(await vscode.commands.executeCommand(pluginCommandId('kitchen-sink', 'echo'), { after: 'trap ✓' }).then((v) => JSON.stringify(v)), '{"after":"trap ✓"}');
    assert.ok((api.host.registry.controller('kitchen-sink')?.metrics.snapshot().restarts ?? 0) >= 1);
  });

  it('a command that runs too long is stopped with a timeout error while the editor stays responsive', async () => {
    await vscode.workspace.getConfiguration('wasmPlugins').update('pluginLimits', { 'kitchen-sink': { commandTimeoutMs: 500 } }, vscode.ConfigurationTarget.Global);
    try {
      await until('kitchen-sink to restart with the new limit', () => api.host.registry.controller('kitchen-sink')?.limits.commandTimeoutMs === 500);
      const mark = journalMark(api);
      const started = Date.now();
      const looping = vscode.commands.executeCommand(pluginCommandId('kitchen-sink', 'loop-forever'));
      // Meanwhile another plugin answers at once.
      await openFile('responsive.txt', 'a b c\n');
      const words = await vscode.commands.executeCommand<{ words: number }>(pluginCommandId('word-count', 'count-words'), {});
      assert.equal(words.words, 3);
      await looping;
      await notification(api, /did not answer run-command within 500 ms/, mark);
      assert.ok(Date.now() - started < 5000, 'stopped promptly');
    } finally {
      await vscode.workspace.getConfiguration('wasmPlugins').update('pluginLimits', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
