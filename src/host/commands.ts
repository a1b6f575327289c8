// Commands: the contributed ones ("Run Plugin Command…", "Open Plugin Panel…", …) and one registered command per
// plugin command, under the stable id `wasmPlugins.run.<pluginId>.<commandId>`, so users can bind keys to them.
// The registrations follow the registry: a plugin that appears, disappears or is disabled updates them.

import * as vscode from 'vscode';
import type { PluginRegistry } from '../core/registry/registry';
import { PluginError, describeError } from '../core/errors';
import type { ActionApplier } from './actionApplier';
import type { Logs } from './logging';
import type { Notifier } from './notifier';
import type { PanelManager } from './panels';
import { parseJsonOrText } from './convert';
import type { PluginManager } from './manager';

export function pluginCommandId(pluginId: string, commandId: string): string {
  return `wasmPlugins.run.${pluginId}.${commandId}`;
}

export interface CommandHost {
  readonly registry: PluginRegistry;
  readonly applier: ActionApplier;
  readonly notifier: Notifier;
  readonly panels: PanelManager;
  readonly logs: Logs;
  readonly manager: PluginManager;
}

export interface CommandPick extends vscode.QuickPickItem {
  readonly pluginId: string;
  readonly commandId: string;
}

/**
 * Commands of plugins that have no PluginController (the WASI kinds, src/host/wasi/wasiPlugins.ts): registered under
 * the same ids and offered in the same quick pick as component commands, run by their source.
 */
export interface CommandSource {
  readonly onDidChange: vscode.Event<void>;
  commandItems(): CommandPick[];
  owns(pluginId: string): boolean;
  run(pluginId: string, commandId: string, args: unknown, interactive: boolean): Promise<unknown>;
}

export interface PanelPick extends vscode.QuickPickItem {
  readonly pluginId: string;
  readonly panelId: string;
}

export class PluginCommands implements vscode.Disposable {
  private readonly dynamic = new Map<string, vscode.Disposable>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly sources: CommandSource[] = [];

  constructor(private readonly host: CommandHost) {
    const table: Record<string, (...args: unknown[]) => unknown> = {
      'wasmPlugins.runCommand': () => this.pickAndRun(),
      'wasmPlugins.openPanel': () => this.pickAndOpenPanel(),
      'wasmPlugins.showLog': (pluginId?: unknown) => this.showLog(typeof pluginId === 'string' ? pluginId : undefined),
      'wasmPlugins.reloadAll': () => this.host.registry.reloadAll(),
      'wasmPlugins.showManager': () => this.host.manager.showManager(),
      // Manager actions; each takes an optional argument so scripts and tests can run them without a dialog.
      'wasmPlugins.installFromFile': (target?: unknown) => this.host.manager.installFromFile(target instanceof vscode.Uri || typeof target === 'string' ? target : undefined),
      'wasmPlugins.installFromUrl': (url?: unknown, sha256?: unknown) => this.host.manager.installFromUrl(typeof url === 'string' ? url : undefined, typeof sha256 === 'string' ? sha256 : undefined),
      'wasmPlugins.uninstall': (id?: unknown, confirm?: unknown) => this.withPlugin(id, 'Uninstall Plugin', (p) => this.host.manager.uninstall(p, confirm !== false)),
      'wasmPlugins.enable': (id?: unknown) => this.withPlugin(id, 'Enable Plugin', (p) => this.host.manager.setEnabled(p, true)),
      'wasmPlugins.disable': (id?: unknown) => this.withPlugin(id, 'Disable Plugin', (p) => this.host.manager.setEnabled(p, false)),
      'wasmPlugins.reload': (id?: unknown) => this.withPlugin(id, 'Reload Plugin', (p) => this.host.manager.reload(p)),
    };
    for (const [id, fn] of Object.entries(table)) this.disposables.push(vscode.commands.registerCommand(id, fn));
    this.disposables.push(this.host.registry.onDidChange(() => this.sync()));
    this.sync();
  }

  /** Adds the commands of a CommandSource; they follow its onDidChange. Dispose the result to remove them. */
  addSource(source: CommandSource): vscode.Disposable {
    this.sources.push(source);
    const sub = source.onDidChange(() => this.sync());
    this.sync();
    return new vscode.Disposable(() => {
      sub.dispose();
      const i = this.sources.indexOf(source);
      if (i >= 0) { this.sources.splice(i, 1); this.sync(); }
    });
  }

  /** Registers a command per plugin command and drops those of plugins that are gone. */
  sync(): void {
    const wanted = new Map<string, { pluginId: string; commandId: string }>();
    for (const c of this.host.registry.activeControllers) {
      for (const cmd of c.binary.manifest.commands) wanted.set(pluginCommandId(c.id, cmd.id), { pluginId: c.id, commandId: cmd.id });
    }
    for (const i of this.sources.flatMap((s) => s.commandItems())) wanted.set(pluginCommandId(i.pluginId, i.commandId), i);
    for (const [id, d] of this.dynamic) {
      if (!wanted.has(id)) { d.dispose(); this.dynamic.delete(id); }
    }
    for (const [id, { pluginId, commandId }] of wanted) {
      if (this.dynamic.has(id)) continue;
      this.dynamic.set(id, vscode.commands.registerCommand(id, (args?: unknown) => this.run(pluginId, commandId, args, args === undefined)));
    }
  }

  /** Ids of the per-plugin commands registered right now. */
  get registered(): readonly string[] {
    return [...this.dynamic.keys()];
  }

  /**
   * Runs a plugin command and carries out what it asks. `interactive` (palette, quick pick, keybinding) shows failures
   * and a result value that came without any action; programmatic callers get the value or the error instead.
   */
  async run(pluginId: string, commandId: string, args: unknown, interactive: boolean): Promise<unknown> {
    const source = this.sources.find((s) => s.owns(pluginId));
    if (source) return source.run(pluginId, commandId, args, interactive);
    const controller = this.host.registry.controller(pluginId);
    try {
      if (!controller) throw new PluginError('not-found', pluginId, `The plugin "${pluginId}" is not installed or is disabled.`);
      const result = await controller.runCommand(commandId, JSON.stringify(args ?? null));
      await this.host.applier.apply(pluginId, result.actions);
      const value = result.value === undefined ? undefined : parseJsonOrText(result.value);
      if (interactive && result.actions.length === 0 && result.value !== undefined) {
        const title = controller.binary.manifest.commands.find((c) => c.id === commandId)?.title ?? commandId;
        this.host.notifier.fromPlugin(pluginId, controller.binary.manifest.name, 'info', `${title}: ${typeof value === 'string' ? value : result.value}`);
      }
      return value;
    } catch (e) {
      const error = e instanceof PluginError ? e : new PluginError('internal', pluginId, describeError(e));
      this.host.logs.channel(pluginId).error(`command ${commandId}: ${error.message}`);
      if (!interactive) throw error;
      this.host.notifier.pluginFailed(pluginId, error);
      return undefined;
    }
  }

  /** The items "Run Plugin Command…" offers: every command of every running plugin, by plugin then title. */
  commandItems(): CommandPick[] {
    const items: CommandPick[] = [];
    for (const c of this.host.registry.activeControllers) {
      for (const cmd of c.binary.manifest.commands) {
        items.push({ label: cmd.title, description: c.binary.manifest.name, detail: cmd.description, pluginId: c.id, commandId: cmd.id });
      }
    }
    for (const s of this.sources) items.push(...s.commandItems());
    return items.sort((a, b) => a.description!.localeCompare(b.description!) || a.label.localeCompare(b.label));
  }

  /** The quick pick while it is open (tests drive it like a user: set the filter, accept). */
  get openPick(): vscode.QuickPick<vscode.QuickPickItem> | undefined {
    return this.pick;
  }

  private pick: vscode.QuickPick<vscode.QuickPickItem> | undefined;

  private async pickAndRun(): Promise<unknown> {
    const items = this.commandItems();
    if (items.length === 0) {
      this.host.notifier.info('No plugin commands are available. Install or enable a WASM plugin first.');
      return undefined;
    }
    const chosen = await this.showPick(items, 'Run Plugin Command', 'Type to search the commands of installed WASM plugins');
    return chosen ? this.run(chosen.pluginId, chosen.commandId, undefined, true) : undefined;
  }

  private showPick<T extends vscode.QuickPickItem>(items: T[], title: string, placeholder: string): Promise<T | undefined> {
    this.pick?.dispose();
    const pick = vscode.window.createQuickPick<T>();
    pick.title = title;
    pick.placeholder = placeholder;
    pick.matchOnDescription = true;
    pick.matchOnDetail = true;
    pick.items = items;
    this.pick = pick as unknown as vscode.QuickPick<vscode.QuickPickItem>;
    return new Promise<T | undefined>((resolve) => {
      pick.onDidAccept(() => {
        const [chosen] = pick.selectedItems.length > 0 ? pick.selectedItems : pick.activeItems;
        resolve(chosen);
        pick.hide();
      });
      pick.onDidHide(() => {
        resolve(undefined);
        pick.dispose();
        if (this.pick === (pick as unknown)) this.pick = undefined;
      });
      pick.show();
    });
  }

  /** The items "Open Plugin Panel…" offers. */
  panelItems(): PanelPick[] {
    const items: PanelPick[] = [];
    for (const c of this.host.registry.activeControllers) {
      for (const p of c.binary.manifest.panels) items.push({ label: p.title, description: c.binary.manifest.name, pluginId: c.id, panelId: p.id });
    }
    return items.sort((a, b) => a.description!.localeCompare(b.description!) || a.label.localeCompare(b.label));
  }

  private async pickAndOpenPanel(): Promise<void> {
    const items = this.panelItems();
    if (items.length === 0) {
      this.host.notifier.info('No plugin panels are available. Install or enable a WASM plugin that has panels.');
      return;
    }
    const pick = await this.showPick(items, 'Open Plugin Panel', 'Type to search the panels of installed WASM plugins');
    if (!pick) return;
    try {
      await this.host.panels.show(pick.pluginId, pick.panelId);
    } catch (e) {
      this.host.notifier.pluginFailed(pick.pluginId, e instanceof PluginError ? e : new PluginError('internal', pick.pluginId, describeError(e)));
    }
  }

  /** Runs an action on a plugin given by id, or asks which one. */
  private async withPlugin<T>(id: unknown, title: string, action: (pluginId: string) => Promise<T>): Promise<T | undefined> {
    let pluginId = typeof id === 'string' ? id : undefined;
    if (pluginId === undefined) {
      const items = this.host.registry.entries.filter((e) => e.binary && !e.shadowedBy)
        .map((e) => ({ label: e.binary!.manifest.name, description: `${e.binary!.manifest.id} · ${e.source}`, id: e.binary!.manifest.id }));
      pluginId = (await vscode.window.showQuickPick(items, { title }))?.id;
      if (pluginId === undefined) return undefined;
    }
    return action(pluginId);
  }

  private async showLog(pluginId: string | undefined): Promise<void> {
    if (pluginId !== undefined) {
      this.host.logs.show(pluginId);
      return;
    }
    const items = [{ label: 'WASM Plugins (host)', id: undefined as string | undefined },
      ...this.host.registry.entries.filter((e) => e.binary).map((e) => ({ label: e.binary!.manifest.name, description: e.binary!.manifest.id, id: e.binary!.manifest.id }))];
    const pick = await vscode.window.showQuickPick(items, { title: 'Show Plugin Log' });
    if (pick) this.host.logs.show(pick.id);
  }

  dispose(): void {
    this.sources.length = 0;
    this.pick?.dispose();
    for (const d of this.dynamic.values()) d.dispose();
    this.dynamic.clear();
    for (const d of this.disposables) d.dispose();
  }
}
