// The typed protocol between the plugin manager view (src/webview/sidebarMain.ts) and the extension
// (src/host/sidebar.ts). Both sides import this file; no DOM and no `vscode` here.

export type PluginSourceName = 'bundled' | 'user' | 'workspace' | 'path';

/** What the manager shows about a plugin's state. */
export type PluginStateName =
  | 'active' // running in its sandbox
  | 'idle' // installed and enabled, not started yet (starts on first use)
  | 'starting'
  | 'disabled' // turned off by the user
  | 'failed' // could not load, or stopped after failing; see `error`
  | 'blocked' // a workspace plugin in an untrusted workspace
  | 'shadowed'; // another copy with the same id takes precedence

export interface PermissionView {
  readonly capability: string;
  readonly title: string;
  readonly detail: string;
  readonly granted: boolean;
  /** What decided: the user's answer, a setting, the bundled default, or nothing yet (asked at first use). */
  readonly decidedBy: 'user' | 'setting' | 'bundled' | 'undecided';
}

export interface MetricsView {
  readonly calls: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly memoryBytes: number | null;
  readonly restarts: number;
}

export interface PluginView {
  /** Unique key of the entry (its file path): two copies of one plugin id are two entries. */
  readonly key: string;
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly description: string;
  readonly kind: string;
  readonly source: PluginSourceName;
  readonly file: string;
  readonly state: PluginStateName;
  /** Why the plugin failed, is blocked or shadowed. */
  readonly error: string | null;
  readonly commands: readonly { readonly id: string; readonly title: string; readonly description: string }[];
  readonly panels: readonly { readonly id: string; readonly title: string }[];
  readonly events: readonly string[];
  readonly permissions: readonly PermissionView[];
  readonly metrics: MetricsView | null;
  /** Whether the user can uninstall it here (only plugins in the user plugin folder). */
  readonly removable: boolean;
}

export interface ManagerSnapshot {
  readonly plugins: readonly PluginView[];
  readonly activeCount: number;
  readonly failedCount: number;
  readonly workspaceTrusted: boolean;
}

/** Extension → view. */
export type ToSidebar =
  /** Everything the view shows; `revision` counts snapshots so the page's `rendered` answer can name the one it shows. */
  | { readonly type: 'snapshot'; readonly snapshot: ManagerSnapshot; readonly revision: number }
  /** Put the keyboard focus on the filter box (toolbar "Filter" action). */
  | { readonly type: 'focusFilter' }
  /** Test hook, honoured only when the page was rendered with test hooks on: click the first element matching. */
  | { readonly type: 'test-click'; readonly selector: string }
  /** Test hook (test hooks on only): the page posts `message` back unchanged, as a misbehaving page would. */
  | { readonly type: 'test-post'; readonly message: unknown };

/** One plugin row as the page shows it (the page's own account, for tests and diagnostics). */
export interface RenderedRow {
  readonly key: string;
  readonly id: string;
  readonly state: PluginStateName;
  readonly expanded: boolean;
}

/** View → extension. Every action names the plugin by id (and the entry by key where it matters). */
export type FromSidebar =
  | { readonly type: 'ready' }
  /**
   * What the page shows now, after applying snapshot `revision` or after the user expanded a row or typed a filter:
   * `shown` are the rows visible after the filter, in order.
   */
  | { readonly type: 'rendered'; readonly revision: number; readonly shown: readonly RenderedRow[] }
  | { readonly type: 'setEnabled'; readonly pluginId: string; readonly enabled: boolean }
  | { readonly type: 'reload'; readonly pluginId: string }
  | { readonly type: 'uninstall'; readonly pluginId: string }
  | { readonly type: 'setPermission'; readonly pluginId: string; readonly capability: string; readonly granted: boolean }
  | { readonly type: 'runCommand'; readonly pluginId: string; readonly commandId: string }
  | { readonly type: 'openPanel'; readonly pluginId: string; readonly panelId: string }
  | { readonly type: 'showLog'; readonly pluginId: string }
  | { readonly type: 'installFromFile' }
  | { readonly type: 'installFromUrl' }
  | { readonly type: 'reloadAll' };

export namespace FromSidebar {
  // A Record, so that a new state fails to compile until it is listed here.
  const STATES: Record<PluginStateName, true> = { active: true, idle: true, starting: true, disabled: true, failed: true, blocked: true, shadowed: true };
  function isRow(value: unknown): value is RenderedRow {
    const r = value as Record<string, unknown> | null;
    return r !== null && typeof r === 'object' && typeof r.key === 'string' && typeof r.id === 'string'
      && typeof r.state === 'string' && Object.prototype.hasOwnProperty.call(STATES, r.state) && typeof r.expanded === 'boolean';
  }
  const withPlugin = new Set(['setEnabled', 'reload', 'uninstall', 'setPermission', 'runCommand', 'openPanel', 'showLog']);
  export function is(value: unknown): value is FromSidebar {
    const v = value as Record<string, unknown> | null;
    if (v === null || typeof v !== 'object' || typeof v.type !== 'string') return false;
    if (withPlugin.has(v.type) && typeof v.pluginId !== 'string') return false;
    switch (v.type) {
      case 'ready': case 'installFromFile': case 'installFromUrl': case 'reloadAll': case 'reload': case 'uninstall': case 'showLog':
        return true;
      case 'setEnabled': return typeof v.enabled === 'boolean';
      case 'setPermission': return typeof v.capability === 'string' && typeof v.granted === 'boolean';
      case 'runCommand': return typeof v.commandId === 'string';
      case 'openPanel': return typeof v.panelId === 'string';
      case 'rendered': return typeof v.revision === 'number' && Array.isArray(v.shown) && v.shown.every(isRow);
      default: return false;
    }
  }
}

export const SIDEBAR_VIEW_ID = 'wasmPlugins.manager';
export const SIDEBAR_CONTAINER_ID = 'wasmPlugins';
