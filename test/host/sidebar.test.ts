// The plugin manager view is a real webview view: it resolves when shown, its page renders the manager's snapshot and
// says so, a click in the page reaches the manager (and the page then shows the new state), and messages that do not
// follow the protocol are dropped. The walkthrough that points at it is contributed.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WasmPluginsApi } from '../../src/extension';
import type { SidebarProvider } from '../../src/host/sidebar';
import { SIDEBAR_TEST_COMMAND } from '../../src/host/sidebar';
import { pluginCommandId } from '../../src/host/commands';
import { FromSidebar, RenderedRow } from '../../src/webview/protocol/sidebar';
import { EXTENSION_ID, extensionApi, journalMark, notification, openFile, until, waitForEvent } from './support';

type Rendered = Extract<FromSidebar, { type: 'rendered' }>;

describe('plugin manager view', () => {
  let api: WasmPluginsApi;
  let sidebar: SidebarProvider;

  const rowOf = (r: Rendered, id: string): RenderedRow | undefined => r.shown.find((x) => x.id === id);

  /** Waits for the page to report a rendering that satisfies `predicate` (or checks the last one it reported). */
  function rendered(predicate: (r: Rendered) => boolean, what: string, timeoutMs = 15_000): Promise<Rendered> {
    const wait = waitForEvent(sidebar.onDidReceive, (m) => m.type === 'rendered' && predicate(m), what, timeoutMs) as Promise<Rendered>;
    const last = sidebar.lastRendered;
    if (last && predicate(last)) {
      wait.catch(() => undefined);
      return Promise.resolve(last);
    }
    return wait;
  }

  /** Shows the view (it may have been hidden by another test) and waits until its page shows `pluginId`. */
  async function showView(pluginId = 'word-count'): Promise<Rendered> {
    const what = `the page to show ${pluginId}`;
    // A hidden view's page is discarded: then only a rendering after showing it again counts.
    const shown = sidebar.isVisible && sidebar.isReady
      ? rendered((r) => rowOf(r, pluginId) !== undefined, what, 30_000)
      : waitForEvent(sidebar.onDidReceive, (m) => m.type === 'rendered' && rowOf(m, pluginId) !== undefined, what, 30_000) as Promise<Rendered>;
    await vscode.commands.executeCommand('wasmPlugins.showManager');
    return shown;
  }

  before(async () => {
    api = await extensionApi();
    const provider = await vscode.commands.executeCommand<SidebarProvider | undefined>(SIDEBAR_TEST_COMMAND);
    assert.ok(provider, `${SIDEBAR_TEST_COMMAND} returns the provider when WASM_PLUGINS_TEST_RUN=1`);
    sidebar = provider;
  });

  after(async () => {
    await api.host.manager.setEnabled('todo-tracker', true);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the walkthrough "Get started with WASM plugins" is contributed with its four steps and their media', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const walkthroughs = (ext.packageJSON as { contributes: { walkthroughs?: { id: string; title: string; steps: { id: string; description: string; media: { markdown?: string } }[] }[] } }).contributes.walkthroughs;
    const w = walkthroughs?.find((x) => x.title === 'Get started with WASM plugins');
    assert.ok(w, 'the walkthrough is in package.json contributes.walkthroughs');
    assert.equal(w.steps.length, 4);
    const links = w.steps.map((s) => /\(command:([\w.]+)\)/.exec(s.description)?.[1]);
    assert.deepEqual(links.slice(0, 3), ['wasmPlugins.showManager', 'wasmPlugins.runCommand', 'wasmPlugins.openPanel']);
    for (const s of w.steps) {
      assert.ok(s.media.markdown, `step ${s.id} has markdown media`);
      assert.ok(fs.existsSync(path.join(ext.extensionPath, s.media.markdown)), `${s.media.markdown} exists`);
    }
    const own = fs.readFileSync(path.join(ext.extensionPath, w.steps[3].media.markdown!), 'utf8');
    assert.match(own, /plugins\/sdk\/c/);
    assert.match(own, /plugins\/sdk\/rust/);
    assert.match(own, /plugins\/sdk\/assemblyscript/);
    // Walkthrough markdown can only link to http(s) and command URIs: its file links go through wasmPlugins.openGuide.
    const targets = [...own.matchAll(/\(command:wasmPlugins\.openGuide\?([^)]+)\)/g)].map((m) => (JSON.parse(decodeURIComponent(m[1])) as string[])[0]);
    assert.ok(targets.length >= 4, `build-your-own.md links the SDKs and the guide (${targets.join(', ')})`);
    for (const t of targets) assert.ok(fs.existsSync(path.join(ext.extensionPath, t)), `the link target ${t} exists`);
  });

  it('the walkthrough\'s file links open the SDK files, and nothing outside plugins/ and wit/', async () => {
    await vscode.commands.executeCommand('wasmPlugins.openGuide', 'plugins/sdk/c/wasm_plugin.h');
    assert.match(vscode.window.activeTextEditor?.document.uri.path ?? '', /\/plugins\/sdk\/c\/wasm_plugin\.h$/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const bad of ['../package.json', 'plugins/../package.json', 'package.json', '/etc/passwd', 42]) {
      await vscode.commands.executeCommand('wasmPlugins.openGuide', bad);
      assert.equal(vscode.window.activeTextEditor, undefined, `${String(bad)} is not opened`);
    }
  });

  it('the view resolves when shown and its page renders every plugin of the snapshot', async () => {
    const shown = rendered((r) => ['word-count', 'text-tools', 'todo-tracker'].every((id) => rowOf(r, id)), 'the page to show the three examples', 30_000);
    await vscode.commands.executeCommand('wasmPlugins.showManager');
    const r = await shown;
    assert.ok(sidebar.isReady, 'the page said ready');
    const snapshotIds = api.host.manager.snapshot().plugins.map((p) => p.key);
    assert.deepEqual(r.shown.map((x) => x.key), snapshotIds, 'the page shows every entry, in the snapshot\'s order');
  });

  it('hiding and showing the view renders a fresh page from the snapshot, keeping the rows the user expanded', async () => {
    await showView();
    const opened = waitForEvent(sidebar.onDidReceive, (m) => m.type === 'rendered' && rowOf(m, 'word-count')?.expanded === true, 'Word Count to expand');
    assert.ok(sidebar.testClick('li[data-plugin-id="word-count"]:not(.expanded) [data-toggle]'), 'expand Word Count');
    await opened;
    await vscode.commands.executeCommand('workbench.view.explorer');
    await until('the view to be hidden', () => !sidebar.isVisible);
    const again = waitForEvent(sidebar.onDidReceive, (m) => m.type === 'ready', 'the new page to say ready', 30_000);
    const fresh = waitForEvent(sidebar.onDidReceive, (m) => m.type === 'rendered' && rowOf(m, 'word-count') !== undefined, 'the new page to render', 30_000) as Promise<Rendered>;
    await vscode.commands.executeCommand('wasmPlugins.showManager');
    await again;
    const r = await fresh;
    assert.equal(rowOf(r, 'word-count')?.expanded, true, 'Word Count is still expanded');
    assert.equal(rowOf(r, 'text-tools')?.expanded, false);
    const closed = waitForEvent(sidebar.onDidReceive, (m) => m.type === 'rendered' && rowOf(m, 'word-count')?.expanded === false, 'Word Count to collapse');
    assert.ok(sidebar.testClick('li[data-plugin-id="word-count"].expanded [data-toggle]'), 'collapse it again');
    await closed;
  });

  it('Disable in the page disables the plugin, its commands go, and the page shows it disabled; Enable brings them back', async () => {
    await showView('todo-tracker');
    const asked = waitForEvent(sidebar.onDidReceive, (m) => m.type === 'setEnabled', 'the click to reach the extension');
    const shownDisabled = waitForEvent(sidebar.onDidReceive, (m) => m.type === 'rendered' && rowOf(m, 'todo-tracker')?.state === 'disabled', 'the page to show TODO Tracker disabled');
    assert.ok(sidebar.testClick('li[data-plugin-id="todo-tracker"] button[data-action="disable"]'), 'the test hook is on');
    assert.deepEqual(await asked, { type: 'setEnabled', pluginId: 'todo-tracker', enabled: false });
    await shownDisabled;
    assert.equal(api.host.manager.snapshot().plugins.find((p) => p.id === 'todo-tracker')?.state, 'disabled');
    assert.ok(!api.host.commands.registered.includes(pluginCommandId('todo-tracker', 'list-todos')), 'its commands are unregistered');
    assert.ok(!api.host.commands.commandItems().some((c) => c.pluginId === 'todo-tracker'), '"Run Plugin Command…" no longer offers them');

    const shownEnabled = waitForEvent(sidebar.onDidReceive, (m) => m.type === 'rendered' && ['active', 'idle', 'starting'].includes(rowOf(m, 'todo-tracker')?.state ?? ''), 'the page to show TODO Tracker enabled');
    assert.ok(sidebar.testClick('li[data-plugin-id="todo-tracker"] button[data-action="enable"]'));
    await shownEnabled;
    assert.ok(api.host.commands.commandItems().some((c) => c.pluginId === 'todo-tracker' && c.commandId === 'list-todos'), 'its commands are back');
  });

  it('Run next to a command in the page runs the plugin command on the active editor', async () => {
    const editor = await openFile('sidebar-words.txt', 'one two three\nfour five\n');
    await showView();
    await vscode.window.showTextDocument(editor.document, { preserveFocus: false });
    const mark = journalMark(api);
    assert.ok(sidebar.testClick('li[data-plugin-id="word-count"] button[data-action="runCommand"][data-command-id="count-words"]'));
    // VS Code counts the empty line after the final newline: 3 lines.
    const shown = await notification(api, /5 words, 3 lines in sidebar-words\.txt/, mark);
    assert.equal(shown.pluginId, 'word-count');
  });

  it('the protocol guard rejects malformed messages, and the view drops what a misbehaving page sends', async () => {
    const bad: unknown[] = [
      null, undefined, 42, 'ready', [], {}, { type: 42 }, { type: 'nonsense' },
      { type: 'setEnabled', pluginId: 'word-count' }, { type: 'setEnabled', pluginId: 'word-count', enabled: 'no' },
      { type: 'setEnabled', enabled: false }, { type: 'reload' }, { type: 'uninstall', pluginId: 7 },
      { type: 'setPermission', pluginId: 'word-count', capability: 'storage' }, { type: 'setPermission', pluginId: 'word-count', granted: true },
      { type: 'runCommand', pluginId: 'word-count' }, { type: 'openPanel', pluginId: 'word-count', panelId: null },
      { type: 'rendered', revision: '1', shown: [] }, { type: 'rendered', revision: 1, shown: [{ key: 'k', id: 'i', state: 'sleeping', expanded: false }] },
    ];
    for (const b of bad) assert.equal(FromSidebar.is(b), false, `rejects ${JSON.stringify(b)}`);
    const good: FromSidebar[] = [
      { type: 'ready' }, { type: 'reloadAll' }, { type: 'installFromFile' }, { type: 'installFromUrl' },
      { type: 'setEnabled', pluginId: 'x', enabled: true }, { type: 'reload', pluginId: 'x' }, { type: 'showLog', pluginId: 'x' },
      { type: 'setPermission', pluginId: 'x', capability: 'storage', granted: false }, { type: 'runCommand', pluginId: 'x', commandId: 'y' },
      { type: 'openPanel', pluginId: 'x', panelId: 'y' }, { type: 'rendered', revision: 3, shown: [{ key: 'k', id: 'i', state: 'failed', expanded: true }] },
    ];
    for (const g of good) assert.equal(FromSidebar.is(g), true, `accepts ${JSON.stringify(g)}`);

    // Through the real page: a malformed "disable" is dropped; the well-formed message after it arrives.
    await showView();
    const before = sidebar.rejected;
    const probe = waitForEvent(sidebar.onDidReceive, (m) => m.type === 'showLog', 'the well-formed message after the malformed one');
    assert.ok(sidebar.testPost({ type: 'setEnabled', pluginId: 'word-count', enabled: 'false' }));
    assert.ok(sidebar.testPost({ type: 'showLog', pluginId: 'word-count' }));
    await probe;
    assert.equal(sidebar.rejected, before + 1, 'one message was rejected');
    assert.notEqual(api.host.manager.snapshot().plugins.find((p) => p.id === 'word-count')?.state, 'disabled', 'and it changed nothing');
  });

  it('a permission switch in the page revokes and grants again', async () => {
    await showView();
    const shownRevoked = waitForEvent(api.host.permissions.onDidChange, (id) => id === 'word-count', 'the decision to be recorded');
    assert.ok(sidebar.testClick('li[data-plugin-id="word-count"] button[data-action="permission"][data-capability="storage"]'));
    await shownRevoked;
    let perm = api.host.manager.snapshot().plugins.find((p) => p.id === 'word-count')?.permissions.find((p) => p.capability === 'storage');
    assert.deepEqual({ granted: perm?.granted, decidedBy: perm?.decidedBy }, { granted: false, decidedBy: 'user' });
    // The page re-renders from the pushed snapshot before the next click reads the state from it.
    const sent = sidebar.revisionSent;
    await rendered((r) => r.revision >= sent, 'the page to show the revoked permission');
    const granted = waitForEvent(api.host.permissions.onDidChange, (id) => id === 'word-count', 'the grant to be recorded');
    assert.ok(sidebar.testClick('li[data-plugin-id="word-count"] button[data-action="permission"][data-capability="storage"]'));
    await granted;
    perm = api.host.manager.snapshot().plugins.find((p) => p.id === 'word-count')?.permissions.find((p) => p.capability === 'storage');
    assert.deepEqual({ granted: perm?.granted, decidedBy: perm?.decidedBy }, { granted: true, decidedBy: 'user' });
    await api.host.permissions.set('word-count', 'storage', undefined);
  });
});
