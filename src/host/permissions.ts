// Who may do what. A plugin uses a capability only when its manifest requests it AND it is granted: by the user's
// recorded decision, by the `wasmPlugins.grants` setting, or — for the example plugins bundled with the extension —
// by default (the user can still deny it). Decisions live in global state so they survive restarts and can be revoked.

import * as vscode from 'vscode';
import { Capability, CAPABILITY_INFO } from '../core/capabilities';
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

  private readonly pending = new Map<string, Promise<boolean>>();

  /**
   * Consent at first use: asks the user in a modal dialog whether a plugin may use a capability it requests and
   * nobody has decided on, and remembers the answer. Dismissing the dialog refuses this once and asks again later.
   * Concurrent requests for the same permission share one dialog.
   */
  request(pluginId: string, pluginName: string, capability: Capability): Promise<boolean> {
    const decided = this.decision(pluginId, capability);
    if (decided !== undefined) return Promise.resolve(decided === 'granted');
    const key = `${pluginId}/${capability}`;
    let p = this.pending.get(key);
    if (!p) {
      p = this.ask(pluginId, pluginName, [capability]).then((answer) => answer === 'granted').finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  /** One dialog for several permissions (at install): Allow records all as granted, Deny as denied. */
  async ask(pluginId: string, pluginName: string, capabilities: readonly Capability[]): Promise<Decision | undefined> {
    if (capabilities.length === 0) return 'granted';
    const lines = capabilities.map((c) => `• ${CAPABILITY_INFO[c].title}: ${CAPABILITY_INFO[c].detail}`);
    const what = capabilities.length === 1 ? `to ${CAPABILITY_INFO[capabilities[0]].title.toLowerCase()}` : `${capabilities.length} permissions`;
    const choice = await vscode.window.showWarningMessage(`Allow the WASM plugin "${pluginName}" ${what}?`, {
      modal: true,
      detail: `${lines.join('\n')}\n\n${pluginName} (${pluginId}) asks for ${capabilities.length === 1 ? 'this permission' : 'these permissions'}. You can change this later in the WASM Plugins view.`,
    }, 'Allow', 'Deny');
    const decision: Decision | undefined = choice === 'Allow' ? 'granted' : choice === 'Deny' ? 'denied' : undefined;
    if (decision) for (const c of capabilities) await this.set(pluginId, c, decision);
    return decision;
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
