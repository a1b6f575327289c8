// The per-plugin pieces of VS Code UI a plugin can drive: one status bar item and one diagnostic collection each,
// created on first use and removed with the plugin.

import * as vscode from 'vscode';

export class StatusItems implements vscode.Disposable {
  private readonly items = new Map<string, vscode.StatusBarItem>();

  set(pluginId: string, pluginName: string, text: string, tooltip?: string): void {
    let item = this.items.get(pluginId);
    if (text.length === 0) {
      item?.hide();
      return;
    }
    if (item === undefined) {
      item = vscode.window.createStatusBarItem(`wasmPlugins.status.${pluginId}`, vscode.StatusBarAlignment.Right, 100);
      item.name = `WASM Plugin: ${pluginName}`;
      this.items.set(pluginId, item);
    }
    item.text = text;
    item.tooltip = tooltip ?? `${pluginName} (WASM plugin)`;
    item.show();
  }

  /** Current text of a plugin's item ('' when hidden or never set). */
  text(pluginId: string): string {
    return this.items.get(pluginId)?.text ?? '';
  }

  remove(pluginId: string): void {
    this.items.get(pluginId)?.dispose();
    this.items.delete(pluginId);
  }

  dispose(): void {
    for (const i of this.items.values()) i.dispose();
    this.items.clear();
  }
}

export class PluginDiagnostics implements vscode.Disposable {
  private readonly collections = new Map<string, vscode.DiagnosticCollection>();

  collection(pluginId: string): vscode.DiagnosticCollection {
    let c = this.collections.get(pluginId);
    if (c === undefined) {
      c = vscode.languages.createDiagnosticCollection(`wasm-plugin-${pluginId}`);
      this.collections.set(pluginId, c);
    }
    return c;
  }

  remove(pluginId: string): void {
    this.collections.get(pluginId)?.dispose();
    this.collections.delete(pluginId);
  }

  dispose(): void {
    for (const c of this.collections.values()) c.dispose();
    this.collections.clear();
  }
}
