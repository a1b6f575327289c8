// Hostile plugins inside a real VS Code: while one misbehaves, a well-behaved plugin still answers at once, saves
// still complete (with the other plugins' will-save edits), the user gets one clear notification, and neither an
// unhandled rejection nor a crash reaches the extension host.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WasmPluginsApi } from '../../src/extension';
import { pluginCommandId } from '../../src/host/commands';
import { EXTENSION_ID, extensionApi, journalMark, notification, openFile, until, waitForEvent, workspaceRoot } from './support';

const HOSTILE = ['hostile-loop', 'hostile-loop-hook', 'hostile-memory', 'hostile-log-flood', 'hostile-panel'];

function pluginDir(): string {
  const dir = path.join(workspaceRoot(), '.vscode', 'wasm-plugins');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

describe('hostile plugins in VS Code', () => {
  let api: WasmPluginsApi;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => { rejections.push(reason); };
  const pid = process.pid;
  let suiteMark = 0;

  /** The well-behaved plugin must answer within a second. */
  async function bystanderAnswers(): Promise<number> {
    await openFile('bystander.txt', 'one two three\n');
    const t0 = Date.now();
    const words = await vscode.commands.executeCommand<{ words: number }>(pluginCommandId('word-count', 'count-words'), {});
    assert.equal(words.words, 3);
    const ms = Date.now() - t0;
    assert.ok(ms < 1500, `word-count answered in ${ms} ms`);
    return ms;
  }

  before(async () => {
    api = await extensionApi();
    suiteMark = journalMark(api);
    process.on('unhandledRejection', onRejection);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    for (const id of HOSTILE) fs.copyFileSync(path.join(ext.extensionPath, 'dist', 'test-plugins', `${id}.wasm`), path.join(pluginDir(), `${id}.wasm`));
    await vscode.workspace.getConfiguration('wasmPlugins').update('limits', { commandTimeoutMs: 1500, hookTimeoutMs: 500, willSaveTimeoutMs: 500, memoryMB: 64 }, vscode.ConfigurationTarget.Global);
    // A million host calls take about a second in a busy CI extension host: the flood keeps the default timeout.
    await vscode.workspace.getConfiguration('wasmPlugins').update('pluginLimits', { 'hostile-log-flood': { commandTimeoutMs: 10_000 } }, vscode.ConfigurationTarget.Global);
    await until('the hostile plugins to load with the test limits', () =>
      HOSTILE.every((id) => api.host.registry.controller(id)?.limits.commandTimeoutMs === (id === 'hostile-log-flood' ? 10_000 : 1500)));
  });

  after(async () => {
    process.off('unhandledRejection', onRejection);
    for (const id of HOSTILE) fs.rmSync(path.join(pluginDir(), `${id}.wasm`), { force: true });
    await vscode.workspace.getConfiguration('wasmPlugins').update('limits', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('wasmPlugins').update('pluginLimits', undefined, vscode.ConfigurationTarget.Global);
    await api.host.registry.refresh();
  });

  afterEach(() => {
    assert.deepEqual(rejections.map(String), [], 'no unhandled rejection reached the extension host');
    assert.equal(process.pid, pid, 'the extension host is the same process');
  });

  it('an endless loop in a command: timeout notification, other plugins answer meanwhile, next call recovers', async () => {
    const mark = journalMark(api);
    const spinning = vscode.commands.executeCommand(pluginCommandId('hostile-loop', 'spin'));
    await bystanderAnswers();
    await spinning;
    const shown = await notification(api, /hostile-loop\) did not answer run-command within 1500 ms/, mark);
    assert.deepEqual(shown.actions, ['Show Log']);
    assert.deepEqual(await vscode.commands.executeCommand(pluginCommandId('hostile-loop', 'ok'), {}), { ok: true, calls: 1 });
  });

  it('an endless loop in a will-save hook does not block the save nor the other plugins\' will-save edits', async () => {
    const editor = await openFile('save-despite-hostile.txt', 'x');
    await editor.edit((b) => b.replace(new vscode.Range(0, 0, 1, 0), 'trailing   \nspaces\t\n'));
    const mark = journalMark(api);
    const t0 = Date.now();
    assert.ok(await editor.document.save(), 'the document saved');
    const ms = Date.now() - t0;
    assert.ok(ms < 3000, `the save took ${ms} ms`);
    assert.equal(fs.readFileSync(path.join(workspaceRoot(), 'save-despite-hostile.txt'), 'utf8'), 'trailing\nspaces\n', 'text-tools trimmed the file');
    // One notification per plugin and kind of failure at a time: it may have been shown by an earlier hook timeout.
    await notification(api, /hostile-loop-hook\).*(will-save|handle-event)/, suiteMark);
    assert.ok(api.host.notifier.shown.slice(mark).filter((s) => s.pluginId === 'hostile-loop-hook').length <= 1, 'not one notification per save');
    await bystanderAnswers();
  });

  it('a memory bomb traps at the memory cap with one clear notification, and the plugin recovers', async () => {
    const mark = journalMark(api);
    await vscode.commands.executeCommand(pluginCommandId('hostile-memory', 'bomb-trap'));
    const shown = await notification(api, /hostile-memory\) crashed in run-command/, mark);
    assert.equal(shown.level, 'error');
    const ok = await vscode.commands.executeCommand<{ ok: boolean }>(pluginCommandId('hostile-memory', 'ok'), {});
    assert.equal(ok.ok, true);
    await bystanderAnswers();
  });

  it('a million log calls do not stall the editor: the flood is cut to the rate limit and counted', async () => {
    const flooding = vscode.commands.executeCommand<{ calls: number }>(pluginCommandId('hostile-log-flood', 'flood'), { count: 1_000_000 });
    await bystanderAnswers();
    assert.equal((await flooding).calls, 1_000_000);
    const dropped = api.host.registry.controller('hostile-log-flood')!.metrics.snapshot().droppedLogLines;
    assert.ok(dropped > 990_000, `${dropped} lines dropped`);
  });

  it('a notification flood shows a handful of notifications, not ten thousand', async () => {
    const mark = journalMark(api);
    await vscode.commands.executeCommand(pluginCommandId('hostile-log-flood', 'flood-notify'), { count: 10_000 });
    const shown = api.host.notifier.shown.slice(mark).filter((s) => s.pluginId === 'hostile-log-flood');
    assert.ok(shown.length >= 1 && shown.length <= 10, `${shown.length} notifications shown`);
  });

  it('a panel-message flood from the webview is rate limited without notifications, and the plugin stays usable', async () => {
    const rendered = waitForEvent(api.host.panels.onDidReceive, (e) => e.pluginId === 'hostile-panel' && e.message.type === 'ready', 'the flood panel');
    await api.host.panels.show('hostile-panel', 'flood');
    await rendered;
    const mark = journalMark(api);
    let posted = 0;
    const sub = api.host.panels.onDidReceive((e) => { if (e.pluginId === 'hostile-panel' && e.message.type === 'post') posted++; });
    try {
      assert.ok(api.host.panels.testFlood('hostile-panel', 'flood', 5000, { flood: true }));
      await until('the page to post 5000 messages', () => posted >= 5000, 30_000);
    } finally {
      sub.dispose();
    }
    await bystanderAnswers();
    const c = api.host.registry.controller('hostile-panel')!;
    await until('the plugin to settle', async () => (await vscode.commands.executeCommand<{ ok: boolean }>(pluginCommandId('hostile-panel', 'ok'), {}))?.ok);
    const dropped = c.metrics.snapshot().droppedMessages;
    assert.ok(dropped > 1000, `${dropped} messages dropped by the rate limit`);
    assert.equal(api.host.notifier.shown.slice(mark).filter((s) => s.pluginId === 'hostile-panel').length, 0, 'no notification flood');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
