// Plugin panels are real webviews: they render the plugin's HTML, a click in the page reaches the plugin and its
// answer changes the page, and a panel restored after a reload renders again.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { WasmPluginsApi } from '../../src/extension';
import { PANEL_VIEW_TYPE } from '../../src/webview/protocol/panel';
import { extensionApi, openFile, waitForEvent } from './support';

describe('plugin panels', () => {
  let api: WasmPluginsApi;

  before(async () => {
    api = await extensionApi();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a panel opens, renders the plugin\'s HTML and round-trips a message', async () => {
    const editor = await openFile('panel-words.txt', 'alpha beta gamma delta\n');
    const rendered = waitForEvent(api.host.panels.onDidReceive, (e) => e.pluginId === 'word-count' && e.message.type === 'ready', 'the stats panel to render');
    await api.host.panels.show('word-count', 'stats');
    const ready = await rendered;
    assert.match((ready.message as { text: string }).text, /File.*Words.*Lines.*Saves/);

    // The panel took focus; the plugin counts the active text editor, so bring the document back first.
    await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One, false);
    const posted = waitForEvent(api.host.panels.onDidReceive, (e) => e.pluginId === 'word-count' && e.message.type === 'post', 'the click to reach the extension');
    const applied = waitForEvent(api.host.panels.onDidReceive,
      (e) => e.pluginId === 'word-count' && e.message.type === 'applied' && /panel-words\.txt/.test((e.message as { text: string }).text),
      'the plugin\'s answer to show in the page');
    assert.ok(api.host.panels.testClick('word-count', 'stats', '[data-message]'), 'the test hook is on');
    assert.deepEqual((await posted).message, { type: 'post', message: { type: 'refresh' } });
    const after = (await applied).message as { text: string };
    assert.match(after.text, /panel-words\.txt.*\b4\b/, 'the page shows the file and its 4 words');
  });

  it('"Open Plugin Panel…" offers the panels of all three example plugins', () => {
    const panels = api.host.commands.panelItems().map((p) => `${p.pluginId}/${p.panelId}`).sort();
    assert.deepEqual(panels.filter((p) => !p.startsWith('kitchen-sink')), ['text-tools/preview', 'todo-tracker/todos', 'word-count/stats']);
  });

  it('a form in a panel posts its fields and the plugin answers (text tools preview)', async () => {
    const rendered = waitForEvent(api.host.panels.onDidReceive, (e) => e.pluginId === 'text-tools' && e.message.type === 'ready', 'the preview panel');
    await api.host.panels.show('text-tools', 'preview');
    await rendered;
    const applied = waitForEvent(api.host.panels.onDidReceive,
      (e) => e.pluginId === 'text-tools' && e.message.type === 'applied' && /HÉLLO WÖRLD ✓ 日本語 🎉/.test((e.message as { text: string }).text),
      'the upper-cased preview');
    assert.ok(api.host.panels.testClick('text-tools', 'preview', 'button[value="upper"]'));
    await applied;
  });

  it('a panel restored after a window reload renders again from its saved state', async () => {
    // What VS Code does on reload: create the webview panel and hand it to our serializer with the saved state.
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'restored', vscode.ViewColumn.One, {});
    const rendered = waitForEvent(api.host.panels.onDidReceive, (e) => e.pluginId === 'todo-tracker' && e.message.type === 'ready', 'the restored panel');
    await api.host.panels.deserializeWebviewPanel(panel, { pluginId: 'todo-tracker', panelId: 'todos', state: null });
    assert.match(((await rendered).message as { text: string }).text, /TODOs.*Batches/);
    assert.ok(api.host.panels.isOpen('todo-tracker', 'todos'));
  });
});
