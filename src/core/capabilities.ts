// Capabilities: every host interface that reaches outside the plugin is one capability, named like the WIT interface
// (wit/since-v0.1.0/host.wit). A plugin may use one only when its manifest requests it AND the user granted it.

export const API_PACKAGE = 'wasm-plugin-host:api';

export const CAPABILITY_INFO = {
  'notifications': { title: 'Show notifications', detail: 'Show information, warning and error messages.' },
  'status-bar': { title: 'Status bar text', detail: 'Show text in its own status bar item.' },
  'editor-read': { title: 'Read open documents', detail: 'Read the text and selections of documents open in the editor.' },
  'editor-write': { title: 'Edit open documents', detail: 'Change the text of documents open in the editor.' },
  'diagnostics': { title: 'Report problems', detail: 'Add entries to the Problems panel.' },
  'storage': { title: 'Store data', detail: 'Keep its own key-value data across sessions.' },
  'workspace-read': { title: 'Read workspace files', detail: 'Read files inside the open workspace folder, even closed ones.' },
  'workspace-write': { title: 'Write workspace files', detail: 'Create and overwrite files inside the open workspace folder.' },
  'configuration': { title: 'Read settings', detail: 'Read VS Code settings.' },
  'panels': { title: 'Send to its panels', detail: 'Send messages to its own webview panels.' },
} as const;

export type Capability = keyof typeof CAPABILITY_INFO;
export const CAPABILITIES = Object.keys(CAPABILITY_INFO) as Capability[];

export namespace Capability {
  export function is(value: unknown): value is Capability {
    return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CAPABILITY_INFO, value);
  }
}

/** Host interfaces that need no capability. */
export const UNGATED_INTERFACES = ['log'] as const;

/** The core-module import name of a host interface, as @vscode/wasm-component-model builds it: `<package>/<iface>`. */
export function interfaceModule(iface: string): string {
  return `${API_PACKAGE}/${iface}`;
}

/** The capability that guards an import module, `null` for ungated ones, `undefined` when it is not ours. */
export function capabilityOfModule(module: string): Capability | null | undefined {
  if (!module.startsWith(`${API_PACKAGE}/`)) return undefined;
  const iface = module.substring(API_PACKAGE.length + 1);
  if ((UNGATED_INTERFACES as readonly string[]).includes(iface)) return null;
  return Capability.is(iface) ? iface : undefined;
}
