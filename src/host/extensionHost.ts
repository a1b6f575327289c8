// The composition root: builds every part of the extension once, wires them together, and owns their disposal.
// Activation only constructs objects and starts discovery (which reads the metadata cache); no plugin is compiled
// or started until a command, event or panel needs it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EventRouter } from '../core/registry/eventRouter';
import { MetadataCache } from '../core/registry/metadataCache';
import { PluginFolder, PluginRegistry } from '../core/registry/registry';
import { CURRENT_API_VERSION } from '../core/manifest';
import { PluginError } from '../core/errors';
import type { Capability } from '../core/capabilities';
import { Config } from './config';
import { Logs } from './logging';
import { Notifier } from './notifier';
import { Permissions } from './permissions';
import { PluginDiagnostics, StatusItems } from './uiParts';
import { PanelManager } from './panels';
import { ActionApplier } from './actionApplier';
import { PluginCommands } from './commands';
import { createHostApi } from './hostApi';
import { PluginStorage } from './storage';
import { wireEditorEvents } from './editorEvents';
import { PluginManager } from './manager';
import { SidebarProvider } from './sidebar';
import { WasiPlugins } from './wasi/wasiPlugins';

const FATAL_FOR_USER = new Set(['trap', 'timeout', 'crashed', 'memory-limit', 'result-too-large']);

export class ExtensionHost implements vscode.Disposable {
  readonly logs = new Logs();
  readonly config: Config;
  readonly notifier: Notifier;
  readonly permissions: Permissions;
  readonly statusItems = new StatusItems();
  readonly diagnostics = new PluginDiagnostics();
  readonly storage: PluginStorage;
  readonly registry: PluginRegistry;
  readonly router: EventRouter;
  readonly panels: PanelManager;
  readonly applier: ActionApplier;
  readonly commands: PluginCommands;
  /** wasi-command and language-server plugins (they have no PluginController). */
  readonly wasi: WasiPlugins;
  readonly manager: PluginManager;
  /** Resolves when the first discovery finished. */
  readonly ready: Promise<void>;
  private readonly disposables: vscode.Disposable[] = [];
  private knownIds = new Set<string>();

  constructor(readonly context: vscode.ExtensionContext) {
    const log = this.logs.hostLog;
    this.config = new Config(log);
    this.notifier = new Notifier(this.logs);
    this.permissions = new Permissions(context.globalState, this.config);
    this.storage = new PluginStorage(context, log);
    const cache = new MetadataCache(path.join(context.globalStorageUri.fsPath, 'plugin-cache.json'),
      `${context.extension.packageJSON.version as string}/${CURRENT_API_VERSION}`, log);

    this.registry = new PluginRegistry({
      folders: () => this.folders(),
      cache,
      log,
      logFor: (id) => this.logs.forPlugin(id),
      hostApiFor: (id, binary) => createHostApi(this, id, binary),
      allows: (id, cap, source) => this.allows(id, cap, source),
      request: (id, cap) => this.permissions.request(id, this.registry.entry(id)?.binary?.manifest.name ?? id, cap),
      isEnabled: (id) => !this.disabledIds().includes(id),
      setEnabled: (id, enabled) => this.setEnabled(id, enabled),
      limitsFor: (id) => this.config.limitsFor(id),
      workerPath: path.join(context.extensionPath, 'dist', 'pluginWorker.js'),
    });
    this.applier = new ActionApplier(this);
    this.panels = new PanelManager({
      extensionUri: context.extensionUri,
      registry: this.registry,
      logs: this.logs,
      testHooks: process.env.WASM_PLUGINS_TEST_RUN === '1',
      applyActions: (id, actions) => this.applier.apply(id, actions),
      reportFailure: (id, error) => this.reportFailure(id, error),
    });
    this.router = new EventRouter(this.registry, {
      actions: (plugin, actions) => void this.applier.apply(plugin.id, actions),
      failed: (plugin, error) => this.reportFailure(plugin.id, error),
    }, log, { changeDebounceMs: this.config.changeDebounceMs, selectionThrottleMs: this.config.selectionThrottleMs });
    this.commands = new PluginCommands(this);
    this.wasi = new WasiPlugins(this);
    this.manager = new PluginManager(this);

    // The user plugin folder always exists, so it can be watched before the first install.
    this.ready = fs.promises.mkdir(this.userPluginFolder, { recursive: true }).catch(() => undefined)
      .then(() => this.registry.refresh()).then(() => this.startEagerPlugins());
    this.disposables.push(
      this.registry.onDidChange(() => this.registryChanged()),
      this.registry.onDidFailToLoad((entry) => {
        if (entry.loadError) this.notifier.pluginFailed(entry.binary?.manifest.id ?? path.basename(entry.file), entry.loadError);
      }),
      wireEditorEvents(this.router, this.registry, this.applier, this.ready),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (Config.affectsDiscovery(e)) void this.registry.refresh();
        if (Config.affectsRunningPlugins(e)) void this.registry.reloadAll();
        if (Config.affectsRouting(e)) this.router.configure({ changeDebounceMs: this.config.changeDebounceMs, selectionThrottleMs: this.config.selectionThrottleMs });
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.registry.refresh()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.registry.refresh()),
      this.permissions.onDidChange(() => this.registryChanged()),
    );
    this.disposables.push(SidebarProvider.register(this));
  }

  /** Where plugins come from, in increasing precedence. Workspace plugins are listed but blocked when untrusted. */
  folders(): PluginFolder[] {
    const out: PluginFolder[] = [
      { source: 'bundled', dir: path.join(this.context.extensionPath, 'dist', 'plugins') },
      { source: 'user', dir: this.userPluginFolder },
      ...this.config.paths.map((dir): PluginFolder => ({ source: 'path', dir })),
    ];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      out.push({
        source: 'workspace',
        dir: path.join(folder.uri.fsPath, '.vscode', 'wasm-plugins'),
        blocked: vscode.workspace.isTrusted ? undefined : 'Workspace plugins run only in trusted workspaces. Trust this workspace to run them.',
      });
    }
    return out;
  }

  get userPluginFolder(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'plugins');
  }

  /** Whether a plugin may use a capability; callers that know where the plugin came from pass it (no lookup). */
  allows(pluginId: string, capability: Capability, source = this.registry.entry(pluginId)?.source): boolean {
    return this.permissions.isGranted(pluginId, source, capability);
  }

  private disabledIds(): string[] {
    return this.context.globalState.get<string[]>('wasmPlugins.disabled', []);
  }

  async setEnabled(pluginId: string, enabled: boolean): Promise<void> {
    const ids = new Set(this.disabledIds());
    if (enabled) ids.delete(pluginId);
    else ids.add(pluginId);
    await this.context.globalState.update('wasmPlugins.disabled', [...ids]);
  }

  /** Plugins with `onStartup` (or `*`) start right after discovery, in the background. */
  private startEagerPlugins(): void {
    for (const c of this.registry.activeControllers) {
      const events = c.binary.manifest.activationEvents;
      if (events.includes('onStartup') || events.includes('*')) c.start().catch(() => undefined);
    }
  }

  private registryChanged(): void {
    const alive = this.registry.activeControllers;
    this.router.prune(alive);
    const ids = new Set(alive.map((c) => c.id));
    for (const id of this.knownIds) {
      if (ids.has(id)) continue;
      this.panels.closeAll(id);
      this.statusItems.remove(id);
      this.diagnostics.remove(id);
    }
    this.knownIds = ids;
  }

  reportFailure(pluginId: string, error: PluginError): void {
    if (FATAL_FOR_USER.has(error.reason) || error.reason === 'guest-error' || error.reason === 'invalid-module' || error.reason === 'memory-limit') {
      this.notifier.pluginFailed(pluginId, error);
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.router.dispose();
    this.manager.dispose();
    this.wasi.dispose();
    this.commands.dispose();
    this.panels.dispose();
    void this.registry.dispose();
    this.storage.dispose();
    this.statusItems.dispose();
    this.diagnostics.dispose();
    this.permissions.dispose();
    this.notifier.dispose();
    this.logs.dispose();
  }
}
