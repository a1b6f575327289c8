// Entry point. Builds the one composition root and hands VS Code its disposal; returns the public API.
import { moduleLoadStart } from './host/startTime';
import type * as vscode from 'vscode';
import { ExtensionHost } from './host/extensionHost';

export interface WasmPluginsApi {
  /** Milliseconds from loading the extension's code to the end of activate(). */
  readonly activationMs: number;
  /** Milliseconds from loading the code until the first plugin discovery finished. */
  readonly discoveryMs: () => number | undefined;
  readonly host: ExtensionHost;
}

export function activate(context: vscode.ExtensionContext): WasmPluginsApi {
  const host = new ExtensionHost(context);
  context.subscriptions.push(host);
  const activationMs = performance.now() - moduleLoadStart;
  let discoveryMs: number | undefined;
  void host.ready.then(() => { discoveryMs = performance.now() - moduleLoadStart; });
  host.logs.host.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, discoveryMs: () => discoveryMs, host };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
