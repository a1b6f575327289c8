// The only reader of `wasmPlugins.*` settings. Everything else asks this class, so the schema in package.json and the
// code cannot drift apart silently, and it knows which changes need plugins rescanned or restarted.

import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Capability } from '../core/capabilities';
import { Limits, resolveLimits } from '../core/limits';
import type { Log } from '../core/log';

export const SECTION = 'wasmPlugins';

export class Config {
  constructor(private readonly log: Log) {}

  private get section(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  /** Extra plugin folders, with `~` and `${workspaceFolder}` expanded; relative paths are relative to the first workspace folder. */
  get paths(): string[] {
    const raw = this.section.get<unknown>('paths', []);
    if (!Array.isArray(raw)) return [];
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return raw.filter((p): p is string => typeof p === 'string' && p.trim().length > 0).map((p) => {
      let out = p.trim().replace(/^~(?=$|[\\/])/, os.homedir());
      if (ws) out = out.replace(/\$\{workspaceFolder\}/g, ws);
      return path.isAbsolute(out) || !ws ? out : path.join(ws, out);
    });
  }

  limitsFor(pluginId: string): Limits {
    const global = this.section.get<Record<string, unknown>>('limits', {});
    const perPlugin = this.section.get<Record<string, Record<string, unknown>>>('pluginLimits', {})?.[pluginId];
    const { limits, problems } = resolveLimits(global, perPlugin);
    for (const p of problems) this.log.warn(`settings: ${p}`);
    return limits;
  }

  /** Capabilities the user granted a plugin through `wasmPlugins.grants`. */
  grantsFor(pluginId: string): Capability[] {
    const all = this.section.get<Record<string, unknown>>('grants', {});
    const list = all?.[pluginId];
    return Array.isArray(list) ? list.filter(Capability.is) : [];
  }

  get changeDebounceMs(): number {
    return clampNumber(this.section.get('changeDebounceMs'), 0, 5000, 0);
  }

  get selectionThrottleMs(): number {
    return clampNumber(this.section.get('selectionThrottleMs'), 0, 5000, 100);
  }

  /** Settings whose change means the plugin folders must be rescanned. */
  static affectsDiscovery(e: vscode.ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration(`${SECTION}.paths`);
  }

  /** Settings whose change means running plugins must restart to apply (limits are read when a plugin starts). */
  static affectsRunningPlugins(e: vscode.ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration(`${SECTION}.limits`) || e.affectsConfiguration(`${SECTION}.pluginLimits`);
  }

  static affectsRouting(e: vscode.ConfigurationChangeEvent): boolean {
    return e.affectsConfiguration(`${SECTION}.changeDebounceMs`) || e.affectsConfiguration(`${SECTION}.selectionThrottleMs`);
  }
}

function clampNumber(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}
