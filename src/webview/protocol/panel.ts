// The typed protocol between a plugin panel's page (src/webview/panelMain.ts) and the extension (src/host/panels.ts).
// Both sides import this file; nothing else crosses the boundary. No DOM and no `vscode` here.

/** Extension → page. */
export type ToPanel =
  /** Replace the panel body with plugin-rendered HTML. */
  | { readonly type: 'render'; readonly html: string }
  /** A JSON message from the plugin (`post-to-panel` / `panels.post-message`). */
  | { readonly type: 'message'; readonly message: unknown }
  /** Test hook, honoured only when the page was rendered with test hooks on: click the first element matching. */
  | { readonly type: 'test-click'; readonly selector: string }
  /** Test hook, like test-click: the page posts `message` `count` times as fast as it can (a hostile page). */
  | { readonly type: 'test-flood'; readonly count: number; readonly message: unknown };

/** Page → extension. */
export type FromPanel =
  /** The page loaded and shows the plugin's HTML; `text` is its visible text (trimmed). */
  | { readonly type: 'ready'; readonly text: string }
  /** The user clicked a `data-message` element or submitted a `data-message-form` form. */
  | { readonly type: 'post'; readonly message: unknown }
  /** A render or message was applied; `text` is the visible text afterwards. */
  | { readonly type: 'applied'; readonly text: string };

/** What the page keeps with `setState`, so the panel can be restored after a window reload. */
export interface PanelState {
  readonly pluginId: string;
  readonly panelId: string;
  /** The plugin's own state: the `state` member of the last message that had one. */
  readonly state: unknown;
}

export namespace FromPanel {
  export function is(value: unknown): value is FromPanel {
    const v = value as { type?: unknown; text?: unknown } | null;
    if (v === null || typeof v !== 'object') return false;
    switch (v.type) {
      case 'ready':
      case 'applied':
        return typeof v.text === 'string';
      case 'post':
        return 'message' in v;
      default:
        return false;
    }
  }
}

export namespace PanelState {
  export function is(value: unknown): value is PanelState {
    const v = value as PanelState | null;
    return v !== null && typeof v === 'object' && typeof v.pluginId === 'string' && typeof v.panelId === 'string';
  }
}

export const PANEL_VIEW_TYPE = 'wasmPlugins.panel';
