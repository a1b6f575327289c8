// The plugin manager view (`wasmPlugins.manager`, in the "WASM Plugins" activity-bar container): a webview whose page
// (src/webview/sidebarMain.ts) renders the manager's snapshot and sends back what the user does. Everything crosses
// through the typed protocol in src/webview/protocol/sidebar.ts, and every message is checked by its guard first.
// The page is not kept alive while hidden: it asks for a snapshot (`ready`) each time it is shown. Registry and
// permission changes are pushed at once; metrics are not evented, so while the view is visible the snapshot is polled
// once a second and sent only when it differs from the last one sent.

import * as vscode from 'vscode';
import { webviewPage } from './webviewPage';
import { describeError, PluginError } from '../core/errors';
import { FromSidebar, SIDEBAR_VIEW_ID, ToSidebar } from '../webview/protocol/sidebar';
import type { PluginCommands } from './commands';
import type { Logs } from './logging';
import type { PluginManager } from './manager';
import type { PanelManager } from './panels';

const POLL_MS = 1000;
/**
 * Opens a guide or SDK file shipped with the extension (walkthrough links: its markdown cannot link to files, only to
 * http(s) and command URIs). Takes a path relative to the extension, limited to these folders and file names.
 */
export const OPEN_GUIDE_COMMAND = 'wasmPlugins.openGuide';
const GUIDE_PATH = /^(README\.md|(plugins|wit)\/[\w.@-]+(\/[\w.@-]+)*)$/;
/** Test-only command (registered only when WASM_PLUGINS_TEST_RUN=1) that returns the provider to the in-VS-Code suite. */
export const SIDEBAR_TEST_COMMAND = 'wasmPlugins.test.sidebar';

export interface SidebarHost {
  readonly context: vscode.ExtensionContext;
  readonly manager: PluginManager;
  readonly commands: PluginCommands;
  readonly panels: PanelManager;
  readonly logs: Logs;
}

export class SidebarProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private viewDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly received = new vscode.EventEmitter<FromSidebar>();
  /** Every valid message the page sends (ready, rendered, actions): the UI's own account of what it shows and does. */
  readonly onDidReceive = this.received.event;
  private readonly testHooks = process.env.WASM_PLUGINS_TEST_RUN === '1';
  private pageReady = false;
  private lastSent: string | undefined;
  private revision = 0;
  private timer: NodeJS.Timeout | undefined;
  private focusFilterPending = false;
  /** Messages that failed the protocol guard (a misbehaving page); they are logged and dropped. */
  rejected = 0;
  /** The page's last `rendered` answer. */
  lastRendered: Extract<FromSidebar, { type: 'rendered' }> | undefined;

  /** Creates the provider, registers it and the `wasmPlugins.filter` command; the returned disposable undoes all. */
  static register(host: SidebarHost): vscode.Disposable {
    const provider = new SidebarProvider(host);
    return provider;
  }

  private constructor(private readonly host: SidebarHost) {
    this.disposables.push(
      vscode.window.registerWebviewViewProvider(SIDEBAR_VIEW_ID, this, { webviewOptions: { retainContextWhenHidden: false } }),
      vscode.commands.registerCommand('wasmPlugins.filter', () => this.focusFilter()),
      vscode.commands.registerCommand(OPEN_GUIDE_COMMAND, (relative?: unknown) => this.openGuide(relative)),
      host.manager.onDidChange(() => this.push(false)),
      this.received,
    );
    if (this.testHooks) this.disposables.push(vscode.commands.registerCommand(SIDEBAR_TEST_COMMAND, () => this));
  }

  /** Revision of the last snapshot sent to the page (its `rendered` answer names the revision it shows). */
  get revisionSent(): number {
    return this.revision;
  }

  /** Whether the view is resolved and visible. */
  get isVisible(): boolean {
    return this.view?.visible === true;
  }

  /** Whether the view is resolved and its page answered `ready`. */
  get isReady(): boolean {
    return this.view !== undefined && this.pageReady;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.detach();
    this.view = view;
    this.pageReady = false;
    this.lastSent = undefined;
    const root = this.host.context.extensionUri;
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'media')],
    };
    this.viewDisposables.push(
      view.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      view.onDidChangeVisibility(() => {
        this.updatePolling();
        // A hidden page is discarded (retainContextWhenHidden: false) and the new one asks with `ready`; should VS Code
        // have kept it instead, this brings it up to date.
        if (view.visible) this.push(true);
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.detach();
      }),
    );
    view.webview.html = this.page(view.webview);
    this.updatePolling();
  }

  private detach(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const d of this.viewDisposables.splice(0)) d.dispose();
    this.view = undefined;
    this.pageReady = false;
  }

  private updatePolling(): void {
    const want = this.view?.visible === true;
    if (want && this.timer === undefined) this.timer = setInterval(() => this.push(false), POLL_MS);
    else if (!want && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Sends the snapshot when the page is listening and (unless `force`) it changed since the last one sent. */
  private push(force: boolean): void {
    const view = this.view;
    if (!view || !this.pageReady || !view.visible) return;
    const snapshot = this.host.manager.snapshot();
    const json = JSON.stringify(snapshot);
    if (!force && json === this.lastSent) return;
    this.lastSent = json;
    this.post({ type: 'snapshot', snapshot, revision: ++this.revision });
  }

  private post(message: ToSidebar): void {
    void this.view?.webview.postMessage(message);
  }

  private async focusFilter(): Promise<void> {
    this.focusFilterPending = true;
    await this.host.manager.showManager();
    if (this.isReady) {
      this.focusFilterPending = false;
      this.post({ type: 'focusFilter' });
    } // else: sent when the page says `ready`
  }

  private async receive(raw: unknown): Promise<void> {
    if (!FromSidebar.is(raw)) {
      this.rejected++;
      this.host.logs.host.warn(`plugin manager view: ignored a malformed message ${truncate(safeJson(raw), 200)}`);
      return;
    }
    this.received.fire(raw);
    const m = this.host.manager;
    switch (raw.type) {
      case 'ready':
        this.pageReady = true;
        this.push(true);
        if (this.focusFilterPending) {
          this.focusFilterPending = false;
          this.post({ type: 'focusFilter' });
        }
        return;
      case 'rendered':
        this.lastRendered = raw;
        return;
      case 'setEnabled':
        return this.attempt(`${raw.enabled ? 'Enabling' : 'Disabling'} ${raw.pluginId}`, raw.pluginId, () => m.setEnabled(raw.pluginId, raw.enabled));
      case 'reload':
        return this.attempt(`Reloading ${raw.pluginId}`, raw.pluginId, () => m.reload(raw.pluginId));
      case 'uninstall':
        return this.attempt(`Uninstalling ${raw.pluginId}`, raw.pluginId, () => m.uninstall(raw.pluginId));
      case 'setPermission':
        return this.attempt(`Changing the permission "${raw.capability}" of ${raw.pluginId}`, raw.pluginId, () => m.setPermission(raw.pluginId, raw.capability, raw.granted));
      case 'runCommand':
        // Interactive: PluginCommands shows the result and any failure itself.
        return this.attempt(`Running ${raw.commandId} of ${raw.pluginId}`, raw.pluginId, () => this.host.commands.run(raw.pluginId, raw.commandId, undefined, true));
      case 'openPanel':
        return this.attempt(`Opening the panel ${raw.panelId} of ${raw.pluginId}`, raw.pluginId, () => this.host.panels.show(raw.pluginId, raw.panelId));
      case 'showLog':
        this.host.logs.show(raw.pluginId);
        return;
      case 'installFromFile':
        return this.attempt('Installing a plugin', undefined, () => m.installFromFile());
      case 'installFromUrl':
        return this.attempt('Installing a plugin', undefined, () => m.installFromUrl());
      case 'reloadAll':
        return this.attempt('Reloading all plugins', undefined, () => m.reloadAll());
    }
  }

  private async openGuide(relative: unknown): Promise<void> {
    if (typeof relative !== 'string' || !GUIDE_PATH.test(relative) || relative.split('/').some((p) => p === '..' || p === '.')) {
      void vscode.window.showErrorMessage(`Cannot open "${String(relative)}": only the extension's README and files under plugins/ and wit/ can be opened this way.`);
      return;
    }
    const uri = vscode.Uri.joinPath(this.host.context.extensionUri, ...relative.split('/'));
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      void vscode.window.showErrorMessage(`${relative} is not part of this installation of the extension.`);
      return;
    }
    if (relative.endsWith('.md')) await vscode.commands.executeCommand('markdown.showPreview', uri);
    else await vscode.window.showTextDocument(uri, { preview: true });
  }

  /** Runs an action the user asked for; a failure ends in an error message (and the log), never in the void. */
  private async attempt(what: string, pluginId: string | undefined, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (e) {
      const message = e instanceof PluginError ? e.message : `${what} failed: ${describeError(e)}`;
      const log = pluginId !== undefined ? this.host.logs.channel(pluginId) : this.host.logs.host;
      log.error(message);
      const choice = await vscode.window.showErrorMessage(message, 'Show Log');
      if (choice === 'Show Log') this.host.logs.show(pluginId);
    } finally {
      // Whatever happened, the page shows the truth again (e.g. a switch the user flipped but the change failed).
      this.push(true);
    }
  }

  /** Test hook: asks the page to click an element (only with test hooks on and the page ready). */
  testClick(selector: string): boolean {
    if (!this.testHooks || !this.isReady) return false;
    this.post({ type: 'test-click', selector });
    return true;
  }

  /** Test hook: asks the page to send `message` as it is, as a misbehaving page could. */
  testPost(message: unknown): boolean {
    if (!this.testHooks || !this.isReady) return false;
    this.post({ type: 'test-post', message });
    return true;
  }

  private page(webview: vscode.Webview): string {
    const root = this.host.context.extensionUri;
    return webviewPage(webview, {
      styles: [vscode.Uri.joinPath(root, 'dist', 'webview', 'codicon.css'), vscode.Uri.joinPath(root, 'media', 'sidebar.css')],
      script: vscode.Uri.joinPath(root, 'dist', 'webview', 'sidebarMain.js'),
      title: 'WASM Plugins',
      body: `<div class="filter-bar" role="search">
  <span class="codicon codicon-filter" aria-hidden="true"></span>
  <input id="filter" type="text" spellcheck="false" autocomplete="off" placeholder="Filter plugins (name, id, state, source)" aria-label="Filter plugins by name, id, state or source" aria-keyshortcuts="/" aria-controls="plugin-list">
  <button id="clear-filter" class="icon-button" type="button" title="Clear Filter" aria-label="Clear filter" hidden><span class="codicon codicon-close" aria-hidden="true"></span></button>
</div>
<div id="summary" class="summary" role="status" aria-live="polite">Loading plugins…</div>
<ul id="plugin-list" class="plugin-list" aria-label="WASM plugins"></ul>
<div id="no-match" class="empty" hidden></div>
<div id="empty" class="empty" hidden></div>
<div id="sidebar-boot" hidden data-test-hooks="${this.testHooks}"></div>`,
    });
  }

  dispose(): void {
    this.detach();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
