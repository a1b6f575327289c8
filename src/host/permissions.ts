// Who may do what. A plugin uses a capability only when its manifest requests it AND it is granted: by the user's
// recorded decision, by the `wasmPlugins.grants` setting, or — for the example plugins bundled with the extension —
// by default (the user can still deny it). Decisions live in global state so they survive restarts and can be revoked.

import * as vscode from 'vscode';
import { Capability } from '../core/capabilities';
import type { PluginSource } from '../core/registry/pluginController';
import type { Config } from './config';

export type Decision = 'granted' | 'denied';
const KEY = 'wasmPlugins.permissionDecisions';

type Decisions = Record<string, Partial<Record<Capability, Decision>>>;

export class Permissions {
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the plugin id whose decisions changed. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento, private readonly config: Config) {}

  private get all(): Decisions {
    const raw = this.memento.get<unknown>(KEY);
    return raw !== null && typeof raw === 'object' ? (raw as Decisions) : {};
  }

  decision(pluginId: string, capability: Capability): Decision | undefined {
    return this.all[pluginId]?.[capability];
  }

  isGranted(pluginId: string, source: PluginSource | undefined, capability: Capability): boolean {
    const decision = this.decision(pluginId, capability);
    if (decision === 'denied') return false;
    if (decision === 'granted') return true;
    if (this.config.grantsFor(pluginId).includes(capability)) return true;
    return source === 'bundled';
  }

  async set(pluginId: string, capability: Capability, decision: Decision | undefined): Promise<void> {
    const all = { ...this.all };
    const mine = { ...(all[pluginId] ?? {}) };
    if (decision === undefined) delete mine[capability];
    else mine[capability] = decision;
    all[pluginId] = mine;
    await this.memento.update(KEY, all);
    this.changed.fire(pluginId);
  }

  /** Forgets every decision about a plugin (uninstall). */
  async forget(pluginId: string): Promise<void> {
    const all = { ...this.all };
    if (!(pluginId in all)) return;
    delete all[pluginId];
    await this.memento.update(KEY, all);
    this.changed.fire(pluginId);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
