// Plugin commands inside a real VS Code: the quick pick offers every example plugin's commands, and running each
// has the effect a user sees (a notification, changed text, a panel).

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { WasmPluginsApi } from '../../src/extension';
import { pluginCommandId } from '../../src/host/commands';
import { extensionApi, journalMark, notification, NON_ASCII, openFile, until, waitForEvent } from './support';
import { metric } from './index';

describe('plugin commands', () => {
  let api: WasmPluginsApi;

  before(async () => {
    api = await extensionApi();
    metric('activation', api.activationMs);
    const discovery = api.discoveryMs();
    if (discovery !== undefined) metric('first-discovery', discovery);
  });

  // A plugin subscribed to editor events starts with the first such event (VS Code itself may save or open a file
  // while the window starts); one that only has commands or panels must stay idle until used. The 50-plugin
  // activation scenario (activation.test.ts) checks the same with plugins that subscribe to nothing.
  it('activates without compiling any plugin that is not needed yet', () => {
    const started = api.host.registry.activeControllers.filter((c) => c.state !== 'idle')
      .filter((c) => c.binary.manifest.events.length === 0)
      .filter((c) => !c.binary.manifest.activationEvents.some((e) => e === 'onStartup' || e === '*'));
    assert.deepEqual(started.map((c) => c.id), []);
  });

  it('"Run Plugin Command…" lists the commands of all three example plugins', () => {
    const items = api.host.commands.commandItems();
    const byPlugin = (id: string) => items.filter((i) => i.pluginId === id).map((i) => i.commandId).sort();
    assert.deepEqual(byPlugin('word-count'), ['count-words', 'save-count', 'show-stats']);
    assert.deepEqual(byPlugin('text-tools'), ['lower-case', 'open-preview', 'upper-case']);
    assert.deepEqual(byPlugin('todo-tracker'), ['list-todos', 'show-todos', 'todo-stats']);
    for (const i of items) assert.ok(i.label.length > 0 && i.description, `${i.commandId} has a title and its plugin's name`);
  });

  it('picking "Count Words" in the quick pick shows the counts of the active file', async () => {
    await openFile('count-me.txt', `one two three\nfour five ${NON_ASCII}\n`);
    const mark = journalMark(api);
    const running = vscode.commands.executeCommand('wasmPlugins.runCommand');
    // Like a user: wait for the list to show (it has an active row), type the title, wait for the filter, press Enter.
    const pick = await until('the quick pick to show its items', () => (api.host.commands.openPick?.activeItems.length ? api.host.commands.openPick : undefined));
    const item = pick.items.find((i) => (i as { commandId?: string }).commandId === 'count-words');
    assert.ok(item, 'the quick pick offers count-words');
    // The renderer filters and reports the new active row back; only then is Enter going to pick it.
    const filtered = waitForEvent(pick.onDidChangeActive, (active) => active[0] === item, 'the filter to select Count Words');
    pick.value = item.label;
    await filtered;
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await running;
    // "héllo wörld ✓ 日本語 🎉" is 5 whitespace-separated words: 10 words in all, 3 lines (the last one empty).
    const shown = await notification(api, /10 words, 3 lines in count-me\.txt/, mark);
    assert.equal(shown.pluginId, 'word-count');
  });

  it('each plugin command is registered under a stable id a keybinding can use', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['word-count.count-words', 'text-tools.upper-case', 'todo-tracker.list-todos']) {
      const [plugin, command] = id.split('.');
      assert.ok(all.includes(pluginCommandId(plugin, command)), `${pluginCommandId(plugin, command)} is registered`);
    }
  });

  it('upper-case and lower-case replace the selection in the editor, non-ASCII included', async () => {
    const editor = await openFile('case.txt', `keep ${NON_ASCII} keep\n`);
    const start = 'keep '.length;
    editor.selection = new vscode.Selection(0, start, 0, start + NON_ASCII.length);
    const value = await vscode.commands.executeCommand(pluginCommandId('text-tools', 'upper-case'), {});
    assert.deepEqual(value, { selections: 1 });
    await until('the text to be upper-cased', () => editor.document.getText() === `keep ${NON_ASCII.toUpperCase()} keep\n`);
    editor.selection = new vscode.Selection(0, start, 0, start + NON_ASCII.toUpperCase().length);
    await vscode.commands.executeCommand(pluginCommandId('text-tools', 'lower-case'), {});
    await until('the text to be lower-cased', () => editor.document.getText() === `keep ${NON_ASCII} keep\n`);
  });

  it('list-todos notifies the TODOs of the active file and todo-stats returns its counters', async () => {
    await openFile('todos.md', '# Plan\nTODO write tests\nnothing here\n  TODO ship it ✓\n');
    const mark = journalMark(api);
    await vscode.commands.executeCommand(pluginCommandId('todo-tracker', 'list-todos'));
    await notification(api, /2 TODOs in todos\.md: 2: TODO write tests; 4: TODO ship it ✓/, mark);
    const stats = await vscode.commands.executeCommand<{ batches: number; changes: number; todos: number }>(pluginCommandId('todo-tracker', 'todo-stats'), {});
    assert.equal(typeof stats.batches, 'number');
    assert.equal(typeof stats.changes, 'number');
  });

  it('a command run without arguments shows a result value that came without actions', async () => {
    const mark = journalMark(api);
    await vscode.commands.executeCommand(pluginCommandId('word-count', 'save-count'));
    const shown = await notification(api, /Save Count: \{"saves":\d+\}/, mark);
    assert.equal(shown.level, 'info');
  });

  it('commands that open panels open them as webviews', async () => {
    const rendered = waitForEvent(api.host.panels.onDidReceive, (e) => e.pluginId === 'word-count' && e.message.type === 'ready', 'the stats panel to render');
    await vscode.commands.executeCommand(pluginCommandId('word-count', 'show-stats'), {});
    const ready = await rendered;
    assert.match((ready.message as { text: string }).text, /Words/);
    assert.ok(api.host.panels.isOpen('word-count', 'stats'));
  });
});
