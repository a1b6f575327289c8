// Helpers for the suite that runs inside VS Code: the extension's API, waiting for events with a timeout (never a
// sleep), and documents in the test workspace.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WasmPluginsApi } from '../../src/extension';
import type { Shown } from '../../src/host/notifier';

export const EXTENSION_ID = 'wasm-plugin-host.wasm-plugin-host';

export async function extensionApi(): Promise<WasmPluginsApi> {
  const ext = vscode.extensions.getExtension<WasmPluginsApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  await api.host.ready;
  return api;
}

/** Resolves with the first event that satisfies `predicate`, or rejects after `timeoutMs` naming what it waited for. */
export function waitForEvent<T>(event: vscode.Event<T>, predicate: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
    const sub = event((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    });
  });
}

/**
 * Re-checks a condition whenever VS Code reports a change that could affect it (document edits, saves, diagnostics,
 * editor changes, registry changes) and at a modest interval for file-system effects, until it holds or time runs out.
 */
export async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(left, 50));
      const subs = [
        vscode.workspace.onDidChangeTextDocument(done),
        vscode.workspace.onDidSaveTextDocument(done),
        vscode.languages.onDidChangeDiagnostics(done),
        vscode.window.onDidChangeActiveTextEditor(done),
      ];
      function done() { clearTimeout(timer); for (const s of subs) s.dispose(); resolve(); }
    });
  }
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test run has no workspace folder');
  return folder.uri.fsPath;
}

/** Writes a file in the workspace and opens it in an editor. */
export async function openFile(relative: string, text: string): Promise<vscode.TextEditor> {
  const file = path.join(workspaceRoot(), relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  return vscode.window.showTextDocument(doc);
}

/** Waits for a notification whose text matches, shown after `since` entries of the journal. */
export async function notification(api: WasmPluginsApi, pattern: RegExp, since = 0, timeoutMs = 15_000): Promise<Shown> {
  const already = api.host.notifier.shown.slice(since).find((s) => pattern.test(s.message));
  if (already) return already;
  return waitForEvent(api.host.notifier.onDidShow, (s) => pattern.test(s.message), `a notification matching ${pattern}`, timeoutMs);
}

export function journalMark(api: WasmPluginsApi): number {
  return api.host.notifier.shown.length;
}

export const NON_ASCII = 'héllo wörld ✓ 日本語 🎉';
