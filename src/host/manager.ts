// The plugin manager: what the WASM Plugins view shows and every action it offers — install from a file or a URL,
// uninstall, enable/disable, reload, grant/revoke — plus hot reload of changed plugin files and the status bar summary.
// Installs validate first and land atomically in the user plugin folder under the plugin's own id.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { inspectPlugin, PluginBinary } from '../core/runtime/loader';
import { WORLD_SHAPE } from '../core/runtime/abi';
import { MAX_PLUGIN_BYTES, PluginEntry } from '../core/registry/registry';
import { PluginError, describeError } from '../core/errors';
import { writeFileAtomic } from '../core/atomicFile';
import { Capability, CAPABILITY_INFO } from '../core/capabilities';
import type { ManagerSnapshot, PermissionView, PluginStateName, PluginView } from '../webview/protocol/sidebar';
import { SIDEBAR_VIEW_ID } from '../webview/protocol/sidebar';
import type { ExtensionHost } from './extensionHost';

const WATCH_DEBOUNCE_MS = 300;

export class PluginManager implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when anything the view shows may have changed (not for metrics, which the view polls while visible). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private watchedDirs = '';
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly summary: vscode.StatusBarItem;

  constructor(private readonly host: ExtensionHost) {
    this.summary = vscode.window.createStatusBarItem('wasmPlugins.summary', vscode.StatusBarAlignment.Left, -100);
    this.summary.name = 'WASM Plugins';
    this.summary.command = 'wasmPlugins.showManager';
    this.disposables.push(
      this.summary,
      this.changed,
      host.registry.onDidChange(() => this.update()),
      host.permissions.onDidChange(() => this.changed.fire()),
      host.wasi.onDidChange(() => this.update()),
    );
    this.update();
  }

  private update(): void {
    this.watchFolders();
    const s = this.snapshot();
    this.summary.text = s.failedCount > 0 ? `$(warning) ${s.activeCount} WASM` : `$(plug) ${s.activeCount} WASM`;
    this.summary.tooltip = `${s.activeCount} WASM plugin${s.activeCount === 1 ? '' : 's'} running${s.failedCount > 0 ? `, ${s.failedCount} failed` : ''}. Click to manage them.`;
    this.summary.backgroundColor = s.failedCount > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.summary.show();
    this.changed.fire();
  }

  // ---- view model ------------------------------------------------------------------------------------------------

  snapshot(): ManagerSnapshot {
    const plugins = this.host.registry.entries.map((e) => this.view(e));
    return {
      plugins,
      activeCount: plugins.filter((p) => p.state === 'active').length,
      failedCount: plugins.filter((p) => p.state === 'failed').length,
      workspaceTrusted: vscode.workspace.isTrusted,
    };
  }

  private view(e: PluginEntry): PluginView {
    const m = e.binary?.manifest;
    const id = m?.id ?? path.basename(e.file, '.wasm');
    const c = e.controller;
    let state: PluginStateName;
    let error: string | null = null;
    if (e.loadError) { state = 'failed'; error = e.loadError.message; }
    else if (e.blocked) { state = 'blocked'; error = e.blocked; }
    else if (e.shadowedBy) { state = 'shadowed'; error = `Another copy takes precedence: ${e.shadowedBy}`; }
    else if (!e.enabled) state = 'disabled';
    else if (m && m.kind !== 'component') ({ state, error } = this.host.wasi.stateOf(id));
    else if (!c) state = 'idle';
    else if (c.state === 'failed' || c.state === 'disposed') { state = 'failed'; error = c.error?.message ?? null; }
    else if (c.state === 'active') state = 'active';
    else if (c.state === 'starting') state = 'starting';
    else { state = 'idle'; error = c.error?.message ?? null; }
    const snap = c?.metrics.snapshot();
    return {
      key: e.file,
      id,
      name: m?.name ?? path.basename(e.file),
      version: m?.version ?? '',
      apiVersion: m?.apiVersion ?? '',
      description: m?.description ?? '',
      kind: m?.kind ?? 'component',
      source: e.source,
      file: e.file,
      state,
      error,
      commands: (m?.commands ?? []).map((x) => ({ id: x.id, title: x.title, description: x.description ?? '' })),
      panels: (m?.panels ?? []).map((x) => ({ id: x.id, title: x.title })),
      events: [...(m?.events ?? [])],
      permissions: (m?.capabilities ?? []).map((cap) => this.permissionView(id, e, cap)),
      metrics: snap ? {
        calls: snap.calls, errors: snap.errors, p50Ms: snap.p50Ms ?? null, p99Ms: snap.p99Ms ?? null,
        memoryBytes: snap.memoryBytes ?? null, restarts: snap.restarts,
      } : null,
      removable: e.source === 'user',
    };
  }

  private permissionView(pluginId: string, e: PluginEntry, capability: Capability): PermissionView {
    const decision = this.host.permissions.decision(pluginId, capability);
    const setting = this.host.config.grantsFor(pluginId).includes(capability);
    const decidedBy = decision !== undefined ? 'user' : setting ? 'setting' : e.source === 'bundled' ? 'bundled' : 'undecided';
    return {
      capability,
      title: CAPABILITY_INFO[capability].title,
      detail: CAPABILITY_INFO[capability].detail,
      granted: this.host.permissions.isGranted(pluginId, e.source, capability),
      decidedBy,
    };
  }

  // ---- actions ---------------------------------------------------------------------------------------------------

  async setEnabled(pluginId: string, enabled: boolean): Promise<void> {
    await this.host.registry.setEnabled(pluginId, enabled);
  }

  async reload(pluginId: string): Promise<void> {
    await this.host.registry.reload(pluginId);
    await this.host.wasi.restart(pluginId);   // a language server with an unchanged file is still restarted
  }

  async reloadAll(): Promise<void> {
    await this.host.registry.reloadAll();
  }

  async setPermission(pluginId: string, capability: string, granted: boolean): Promise<void> {
    if (!Capability.is(capability)) throw new PluginError('not-found', pluginId, `Unknown permission "${capability}".`);
    await this.host.permissions.set(pluginId, capability, granted ? 'granted' : 'denied');
  }

  /** Installs a plugin file chosen in a dialog, or the given path/URI (for scripting: `wasmPlugins.installFromFile`). */
  async installFromFile(target?: vscode.Uri | string): Promise<PluginView | undefined> {
    let uri: vscode.Uri | undefined = typeof target === 'string' ? vscode.Uri.file(target) : target;
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'WebAssembly plugin': ['wasm'] }, openLabel: 'Install Plugin', title: 'Install a WASM Plugin' });
      uri = picked?.[0];
      if (!uri) return undefined;
    }
    let bytes: Uint8Array;
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_PLUGIN_BYTES) throw new PluginError('invalid-module', path.basename(uri.path), `${path.basename(uri.path)} is ${Math.round(stat.size / 1048576)} MB; plugins may be at most ${MAX_PLUGIN_BYTES / 1048576} MB.`);
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch (e) {
      return this.failInstall(e, path.basename(uri.path));
    }
    return this.installBytes(bytes, path.basename(uri.path));
  }

  /**
   * Downloads and installs a plugin over http(s), with a progress notification that can be cancelled, a size cap,
   * and an optional sha256 the download must match.
   */
  async installFromUrl(url?: string, expectedSha256?: string): Promise<PluginView | undefined> {
    if (url === undefined) {
      url = await vscode.window.showInputBox({
        title: 'Install a WASM Plugin from a URL', prompt: 'The http(s) address of the .wasm file', placeHolder: 'https://example.com/my-plugin.wasm',
        validateInput: (v) => (/^https?:\/\/\S+$/i.test(v.trim()) ? undefined : 'Enter an http:// or https:// address'),
      });
      if (!url) return undefined;
      expectedSha256 = await vscode.window.showInputBox({
        title: 'Install a WASM Plugin from a URL', prompt: 'Expected sha256 of the file (optional: leave empty to skip the check)',
        validateInput: (v) => (v.trim() === '' || /^[0-9a-fA-F]{64}$/.test(v.trim()) ? undefined : 'A sha256 is 64 hexadecimal digits'),
      });
      if (expectedSha256 === undefined) return undefined;
    }
    url = url.trim();
    const label = decodeURIComponent(url.split(/[?#]/)[0].split('/').pop() || 'plugin.wasm');
    if (!/^https?:\/\//i.test(url)) return this.failInstall(new Error(`"${url}" is not an http(s) address`), label);
    const pin = expectedSha256?.trim().toLowerCase() || undefined;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Downloading ${label}`, cancellable: true },
        (progress, token) => download(url!, token, (done, total) => progress.report({ message: total ? `${Math.round(done / 1024)} of ${Math.round(total / 1024)} KB` : `${Math.round(done / 1024)} KB` })));
    } catch (e) {
      return this.failInstall(e, label);
    }
    if (bytes === undefined) return undefined; // cancelled
    if (pin !== undefined) {
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== pin) return this.failInstall(new Error(`the download's sha256 is ${actual}, not the expected ${pin}; nothing was installed`), label);
    }
    return this.installBytes(bytes, label);
  }

  private failInstall(e: unknown, label: string): undefined {
    const message = e instanceof PluginError ? e.message : `Could not install ${label}: ${describeError(e)}`;
    this.host.logs.host.error(message);
    void vscode.window.showErrorMessage(message);
    return undefined;
  }

  private async installBytes(bytes: Uint8Array, label: string): Promise<PluginView | undefined> {
    let binary: PluginBinary;
    try {
      binary = inspectPlugin(bytes, label, WORLD_SHAPE);
    } catch (e) {
      return this.failInstall(e, label);
    }
    const m = binary.manifest;
    const existing = this.host.registry.entries.find((e) => e.binary?.manifest.id === m.id && !e.shadowedBy)
      ?? this.host.registry.entries.find((e) => e.binary?.manifest.id === m.id);
    if (existing?.sha256 === binary.sha256 && existing.source === 'user') {
      void vscode.window.showInformationMessage(`${m.name} ${m.version} is already installed.`);
      return this.snapshot().plugins.find((p) => p.key === existing.file);
    }
    if (existing?.binary) {
      const old = existing.binary.manifest;
      const where = existing.source === 'user' ? 'installed' : `from ${existing.source === 'bundled' ? 'the bundled examples' : existing.source === 'workspace' ? 'this workspace' : path.dirname(existing.file)}`;
      const choice = await vscode.window.showWarningMessage(`Replace ${old.name} ${old.version} (${where}) with ${m.name} ${m.version}?`, {
        modal: true,
        detail: `Both have the id "${m.id}".\n\nNow: ${old.name} ${old.version}, plugin API ${old.apiVersion}\nNew: ${m.name} ${m.version}, plugin API ${m.apiVersion}`
          + (existing.source === 'user' ? '' : `\n\nThe new copy goes to your plugin folder and takes precedence; the other stays where it is.`),
      }, 'Replace');
      if (choice !== 'Replace') return undefined;
    }
    const folder = this.host.userPluginFolder;
    const target = path.join(folder, `${m.id}.wasm`);
    try {
      await fs.promises.mkdir(folder, { recursive: true });
      await writeFileAtomic(target, bytes);
    } catch (e) {
      return this.failInstall(e, label);
    }
    await this.host.registry.refresh();
    this.host.logs.host.info(`installed ${m.id} ${m.version} from ${label} into ${target}`);
    const undecided = m.capabilities.filter((c) => this.host.permissions.decision(m.id, c) === undefined && !this.host.config.grantsFor(m.id).includes(c));
    if (undecided.length > 0) await this.host.permissions.ask(m.id, m.name, undecided);
    void vscode.window.showInformationMessage(`Installed ${m.name} ${m.version}.`);
    return this.snapshot().plugins.find((p) => p.key === target);
  }

  /** Removes a plugin from the user plugin folder with its data, permission decisions and cache entry. */
  async uninstall(pluginId: string, confirm = true): Promise<boolean> {
    const entry = this.host.registry.entries.find((e) => e.binary?.manifest.id === pluginId && e.source === 'user');
    if (!entry) {
      const other = this.host.registry.entry(pluginId);
      void vscode.window.showWarningMessage(other
        ? `${other.binary?.manifest.name ?? pluginId} is not in your plugin folder (it comes from ${other.source === 'bundled' ? 'the bundled examples' : path.dirname(other.file)}); disable it instead, or delete its file there.`
        : `No plugin "${pluginId}" is installed.`);
      return false;
    }
    const name = entry.binary?.manifest.name ?? pluginId;
    if (confirm) {
      const choice = await vscode.window.showWarningMessage(`Uninstall ${name}?`, { modal: true, detail: 'Its file, its stored data and your permission decisions for it are removed.' }, 'Uninstall');
      if (choice !== 'Uninstall') return false;
    }
    await fs.promises.rm(entry.file, { force: true });
    await this.host.registry.refresh();
    this.host.storage.remove(pluginId);
    await this.host.permissions.forget(pluginId);
    await this.host.setEnabled(pluginId, true);
    this.host.logs.host.info(`uninstalled ${pluginId} (${entry.file})`);
    return true;
  }

  showManager(): Thenable<unknown> {
    return vscode.commands.executeCommand(`${SIDEBAR_VIEW_ID}.focus`);
  }

  // ---- hot reload ----------------------------------------------------------------------------------------------------

  /**
   * Watches every plugin folder; a change rescans after a short quiet period, reloading only what changed. Workspace
   * folders are watched through a pattern relative to the workspace folder, so `.vscode/wasm-plugins` may be created
   * later; other folders are watched once they exist (a rescan re-checks).
   */
  private watchFolders(): void {
    const folders = this.host.folders();
    const key = folders.map((f) => `${f.dir}:${fs.existsSync(f.dir)}`).join('\n');
    if (key === this.watchedDirs) return;
    this.watchedDirs = key;
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    const watch = (pattern: vscode.RelativePattern) => {
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      const poke = () => this.scheduleReload();
      this.watchers.push(vscode.Disposable.from(watcher, watcher.onDidCreate(poke), watcher.onDidChange(poke), watcher.onDidDelete(poke)));
    };
    for (const f of folders) {
      const ws = f.source === 'workspace' ? vscode.workspace.workspaceFolders?.find((w) => f.dir.startsWith(w.uri.fsPath)) : undefined;
      if (ws) watch(new vscode.RelativePattern(ws, path.relative(ws.uri.fsPath, path.join(f.dir, '*.wasm')).split(path.sep).join('/')));
      else if (fs.existsSync(f.dir)) watch(new vscode.RelativePattern(vscode.Uri.file(f.dir), '*.wasm'));
    }
  }

  private scheduleReload(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.host.registry.refresh(), WATCH_DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** Fetches with a size cap; resolves undefined when cancelled. */
async function download(url: string, token: vscode.CancellationToken, onProgress: (done: number, total: number | undefined) => void): Promise<Uint8Array | undefined> {
  const abort = new AbortController();
  const sub = token.onCancellationRequested(() => abort.abort());
  try {
    const response = await fetch(url, { signal: abort.signal, redirect: 'follow' });
    if (!response.ok) throw new Error(`the server answered ${response.status} ${response.statusText}`);
    const total = Number(response.headers.get('content-length')) || undefined;
    if (total !== undefined && total > MAX_PLUGIN_BYTES) throw new Error(`the file is ${Math.round(total / 1048576)} MB; plugins may be at most ${MAX_PLUGIN_BYTES / 1048576} MB`);
    if (!response.body) throw new Error('the server sent no data');
    const chunks: Uint8Array[] = [];
    let done = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      done += value.length;
      if (done > MAX_PLUGIN_BYTES) {
        abort.abort();
        throw new Error(`the download exceeded ${MAX_PLUGIN_BYTES / 1048576} MB and was stopped`);
      }
      chunks.push(value);
      onProgress(done, total);
    }
    const out = new Uint8Array(done);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  } catch (e) {
    if (token.isCancellationRequested) return undefined;
    throw e;
  } finally {
    sub.dispose();
  }
}
