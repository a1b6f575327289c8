// Plugin panels as real WebviewPanels. The page is our shell (src/webview/panelMain.ts) around the HTML the plugin
// renders; the CSP allows only the shell's script (by nonce), our own style sheet and inline styles, so plugin HTML
// cannot run code. Messages go both ways through the typed protocol in src/webview/protocol/panel.ts, and panels come
// back after a window reload through the serializer.

import * as vscode from 'vscode';
import { FromPanel, PANEL_VIEW_TYPE, PanelState, ToPanel } from '../webview/protocol/panel';
import type { PluginRegistry } from '../core/registry/registry';
import type { Action } from '../core/runtime/abi';
import { describeError, PluginError } from '../core/errors';
import type { Logs } from './logging';
import { escapeAttribute, webviewPage } from './webviewPage';
import { parseJsonOrText } from './convert';

const MAX_HTML_CHARS = 2 * 1024 * 1024;

export interface PanelEvent {
  readonly pluginId: string;
  readonly panelId: string;
  readonly message: FromPanel;
}

interface OpenPanel {
  readonly panel: vscode.WebviewPanel;
  readonly pluginId: string;
  readonly panelId: string;
  text: string | undefined;
}

export interface PanelHost {
  readonly extensionUri: vscode.Uri;
  readonly registry: PluginRegistry;
  readonly logs: Logs;
  readonly testHooks: boolean;
  applyActions(pluginId: string, actions: Action[]): Promise<void>;
  reportFailure(pluginId: string, error: PluginError): void;
}

const key = (pluginId: string, panelId: string) => `${pluginId}/${panelId}`;

/** Removes the elements that could load or run anything or change where the page points. CSP is the real guard. */
export function sanitizePluginHtml(html: string): string {
  return html
    .replace(/<script\b[\s\S]*?(<\/script\s*>|$)/gi, '')
    .replace(/<(iframe|object|embed|frame|frameset)\b[\s\S]*?(<\/\1\s*>|$)/gi, '')
    .replace(/<(meta|base|link)\b[^>]*>/gi, '');
}

export class PanelManager implements vscode.WebviewPanelSerializer<PanelState>, vscode.Disposable {
  private readonly panels = new Map<string, OpenPanel>();
  private readonly events = new vscode.EventEmitter<PanelEvent>();
  /** Everything a panel page says (ready, post, applied): the UI's own account of what it shows. */
  readonly onDidReceive = this.events.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly host: PanelHost) {
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, this), this.events);
  }

  isOpen(pluginId: string, panelId: string): boolean {
    return this.panels.has(key(pluginId, panelId));
  }

  /** Visible text of an open panel as its page last reported it. */
  text(pluginId: string, panelId: string): string | undefined {
    return this.panels.get(key(pluginId, panelId))?.text;
  }

  async show(pluginId: string, panelId: string): Promise<void> {
    const existing = this.panels.get(key(pluginId, panelId));
    if (existing) {
      existing.panel.reveal();
      return;
    }
    const controller = this.host.registry.controller(pluginId);
    const info = controller?.binary.manifest.panels.find((p) => p.id === panelId);
    if (!controller || !info) throw new PluginError('not-found', pluginId, `No panel "${panelId}" in plugin "${pluginId}". Is the plugin installed and enabled?`);
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, `${info.title} — ${controller.binary.manifest.name}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, this.webviewOptions());
    await this.attach(panel, pluginId, panelId, null);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined): Promise<void> {
    if (!PanelState.is(state)) {
      panel.dispose();
      return;
    }
    // Restored panels may arrive before discovery finished.
    await this.host.registry.refresh();
    panel.webview.options = this.webviewOptions();
    await this.attach(panel, state.pluginId, state.panelId, state.state ?? null);
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.host.extensionUri, 'media')],
    };
  }

  private async attach(panel: vscode.WebviewPanel, pluginId: string, panelId: string, state: unknown): Promise<void> {
    const open: OpenPanel = { panel, pluginId, panelId, text: undefined };
    this.panels.set(key(pluginId, panelId), open);
    panel.onDidDispose(() => {
      if (this.panels.get(key(pluginId, panelId)) === open) this.panels.delete(key(pluginId, panelId));
    });
    panel.webview.onDidReceiveMessage((m: unknown) => this.receive(open, m));
    panel.webview.html = this.page(panel.webview, pluginId, panelId, await this.render(pluginId, panelId, state));
  }

  private async render(pluginId: string, panelId: string, state: unknown): Promise<string> {
    const controller = this.host.registry.controller(pluginId);
    if (!controller) return errorHtml(`The plugin "${pluginId}" is not installed or is disabled.`);
    try {
      const html = await controller.renderPanel(panelId, JSON.stringify(state ?? null));
      if (html.length > MAX_HTML_CHARS) return errorHtml(`${controller.binary.manifest.name} rendered ${html.length} characters; panels are limited to ${MAX_HTML_CHARS}.`);
      return sanitizePluginHtml(html);
    } catch (e) {
      const error = e instanceof PluginError ? e : new PluginError('internal', pluginId, describeError(e));
      this.host.reportFailure(pluginId, error);
      return errorHtml(`${controller.binary.manifest.name} could not render this panel: ${error.message}`);
    }
  }

  private async receive(open: OpenPanel, raw: unknown): Promise<void> {
    if (!FromPanel.is(raw)) return;
    if (raw.type !== 'post') open.text = raw.text;
    this.events.fire({ pluginId: open.pluginId, panelId: open.panelId, message: raw });
    if (raw.type !== 'post') return;
    const controller = this.host.registry.controller(open.pluginId);
    if (!controller) return;
    try {
      const actions = await controller.panelMessage(open.panelId, JSON.stringify(raw.message ?? null));
      await this.host.applyActions(open.pluginId, actions);
    } catch (e) {
      const error = e instanceof PluginError ? e : new PluginError('internal', open.pluginId, describeError(e));
      if (error.reason === 'rate-limited') return; // counted in the metrics; the flood must not flood notifications too
      this.host.reportFailure(open.pluginId, error);
    }
  }

  /** Sends plugin JSON to an open panel; false when the panel is not open. */
  post(pluginId: string, panelId: string, messageJson: string): boolean {
    const open = this.panels.get(key(pluginId, panelId));
    if (!open) return false;
    void open.panel.webview.postMessage({ type: 'message', message: parseJsonOrText(messageJson) } satisfies ToPanel);
    return true;
  }

  /** Test hook: asks the page to click an element (only works when test hooks are on). */
  testClick(pluginId: string, panelId: string, selector: string): boolean {
    const open = this.panels.get(key(pluginId, panelId));
    if (!open || !this.host.testHooks) return false;
    void open.panel.webview.postMessage({ type: 'test-click', selector } satisfies ToPanel);
    return true;
  }

  /** Test hook: makes the page post a message `count` times as fast as it can, like a hostile page would. */
  testFlood(pluginId: string, panelId: string, count: number, message: unknown): boolean {
    const open = this.panels.get(key(pluginId, panelId));
    if (!open || !this.host.testHooks) return false;
    void open.panel.webview.postMessage({ type: 'test-flood', count, message } satisfies ToPanel);
    return true;
  }

  /** Closes every panel of a plugin (it was removed or disabled). */
  closeAll(pluginId: string): void {
    for (const open of [...this.panels.values()]) if (open.pluginId === pluginId) open.panel.dispose();
  }

  private page(webview: vscode.Webview, pluginId: string, panelId: string, body: string): string {
    const root = this.host.extensionUri;
    return webviewPage(webview, {
      styles: [vscode.Uri.joinPath(root, 'media', 'panel.css')],
      script: vscode.Uri.joinPath(root, 'dist', 'webview', 'panelMain.js'),
      pluginContent: true,
      body: `<main id="plugin-root">${body}</main>
<div id="panel-boot" hidden data-plugin-id="${escapeAttribute(pluginId)}" data-panel-id="${escapeAttribute(panelId)}" data-test-hooks="${this.host.testHooks}"></div>`,
    });
  }

  dispose(): void {
    for (const open of [...this.panels.values()]) open.panel.dispose();
    this.panels.clear();
    for (const d of this.disposables) d.dispose();
  }
}

function errorHtml(text: string): string {
  const esc = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<div class="plugin-error" role="alert"><p>${esc}</p></div>`;
}
