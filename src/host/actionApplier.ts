// Carries out the actions a plugin returned (already checked against its permissions and limits in the core):
// notifications, text insertion, workspace edits, status text, panel messages and diagnostics.

import * as vscode from 'vscode';
import type { Action } from '../core/runtime/abi';
import type { PluginRegistry } from '../core/registry/registry';
import { describeError } from '../core/errors';
import { diagnostic, parseUri, toRange } from './convert';
import type { Logs } from './logging';
import type { Notifier, Level } from './notifier';
import type { PanelManager } from './panels';
import type { PluginDiagnostics, StatusItems } from './uiParts';

export interface ActionContext {
  readonly registry: PluginRegistry;
  readonly logs: Logs;
  readonly notifier: Notifier;
  readonly statusItems: StatusItems;
  readonly diagnostics: PluginDiagnostics;
  readonly panels: PanelManager;
}

export class ActionApplier {
  constructor(private readonly ctx: ActionContext) {}

  /** Applies actions in order; a failing one is logged and the rest still run. */
  async apply(pluginId: string, actions: readonly Action[]): Promise<void> {
    const name = this.ctx.registry.controller(pluginId)?.binary.manifest.name ?? pluginId;
    for (const action of actions) {
      try {
        await this.applyOne(pluginId, name, action);
      } catch (e) {
        this.ctx.logs.channel(pluginId).warn(`action ${action.tag} failed: ${describeError(e)}`);
      }
    }
  }

  private async applyOne(pluginId: string, name: string, action: Action): Promise<void> {
    switch (action.tag) {
      case 'notify':
        this.ctx.notifier.fromPlugin(pluginId, name, action.value.level as Level, action.value.message);
        return;
      case 'insertText': {
        const editor = vscode.window.activeTextEditor;
        if (!editor) throw new Error('no active editor to insert text into');
        const text = action.value;
        const ok = await editor.edit((b) => { for (const s of editor.selections) b.replace(s, text); });
        if (!ok) throw new Error('the editor refused the edit');
        return;
      }
      case 'applyEdit': {
        const uri = parseUri(action.value.uri);
        if (!uri) throw new Error(`"${action.value.uri}" is not a URI`);
        const we = new vscode.WorkspaceEdit();
        we.set(uri, action.value.edits.map((e) => vscode.TextEdit.replace(toRange(e.range), e.newText)));
        if (!(await vscode.workspace.applyEdit(we))) throw new Error(`VS Code refused the edit to ${action.value.uri}`);
        return;
      }
      case 'setStatus':
        this.ctx.statusItems.set(pluginId, name, action.value);
        return;
      case 'postToPanel':
        if (!this.ctx.panels.post(pluginId, action.value.panelId, action.value.message)) {
          throw new Error(`panel "${action.value.panelId}" is not open`);
        }
        return;
      case 'openPanel':
        await this.ctx.panels.show(pluginId, action.value);
        return;
      case 'setDiagnostics': {
        const uri = parseUri(action.value.uri);
        if (!uri) throw new Error(`"${action.value.uri}" is not a URI`);
        this.ctx.diagnostics.collection(pluginId).set(uri, action.value.diagnostics.map((d) => diagnostic(d, name)));
        return;
      }
    }
  }

  /**
   * Turns will-save actions into the TextEdits for `waitUntil` (edits of the document being saved); other actions are
   * applied normally. Edits that overlap an earlier plugin's edits are dropped, since VS Code rejects overlapping edits.
   */
  willSaveEdits(document: vscode.TextDocument, answers: readonly { pluginId: string; actions: readonly Action[] }[]): vscode.TextEdit[] {
    const edits: vscode.TextEdit[] = [];
    const uri = document.uri.toString();
    for (const { pluginId, actions } of answers) {
      const mine: vscode.TextEdit[] = [];
      const rest: Action[] = [];
      for (const a of actions) {
        if (a.tag === 'applyEdit' && a.value.uri === uri) {
          for (const e of a.value.edits) mine.push(vscode.TextEdit.replace(document.validateRange(toRange(e.range)), e.newText));
        } else rest.push(a);
      }
      if (mine.some((m) => edits.some((e) => overlap(e.range, m.range)))) this.ctx.logs.channel(pluginId).warn('will-save edits overlap another plugin\'s edits and were dropped');
      else edits.push(...mine);
      if (rest.length > 0) void this.apply(pluginId, rest);
    }
    return edits;
  }
}

/** Overlapping edits (sharing more than a boundary point, or two inserts at one point) cannot be applied together. */
function overlap(a: vscode.Range, b: vscode.Range): boolean {
  const i = a.intersection(b);
  if (i === undefined) return false;
  return !i.isEmpty || (a.isEmpty && b.isEmpty);
}
