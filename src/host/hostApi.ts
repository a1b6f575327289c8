// The plugin API's host functions, implemented over VS Code for one plugin. Capability checks happen before these are
// reached (src/core/runtime/hostDispatcher.ts); these functions only do the work and report failures as host errors
// the plugin can handle. Asynchronous ones (file access, edits) are served through the worker bridge.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HostApi, hostError, Types } from '../core/runtime/abi';
import { writeFileAtomic } from '../core/atomicFile';
import type { PluginBinary } from '../core/runtime/loader';
import { documentInfo, diagnostic, parseUri, selection, toRange } from './convert';
import type { Logs } from './logging';
import type { PanelManager } from './panels';
import type { PluginDiagnostics, StatusItems } from './uiParts';
import type { Notifier } from './notifier';

export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface StorageBackend {
  api(pluginId: string): HostApi['storage'];
}

export interface HostApiContext {
  readonly logs: Logs;
  readonly notifier: Notifier;
  readonly statusItems: StatusItems;
  readonly diagnostics: PluginDiagnostics;
  readonly panels: PanelManager;
  readonly storage: StorageBackend;
}

/**
 * Resolves a plugin-supplied relative path inside the first workspace folder. Absolute paths, `..` escapes and
 * symlinks that lead outside the folder are refused.
 */
export async function resolveWorkspacePath(relative: string, mustExist: boolean): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw hostError('notFound', 'no workspace folder is open');
  if (relative.length === 0 || relative.length > 4096 || relative.includes('\0')) throw hostError('invalid', 'invalid path');
  if (path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative) || relative.startsWith('\\')) {
    throw hostError('invalid', `"${relative}" is absolute; paths are relative to the workspace folder`);
  }
  const normalized = path.posix.normalize(relative.replace(/\\/g, '/'));
  if (normalized === '..' || normalized.startsWith('../')) throw hostError('denied', `"${relative}" leaves the workspace folder`);
  const uri = vscode.Uri.joinPath(folder.uri, normalized);
  if (folder.uri.scheme === 'file') {
    // Symlinks: compare real paths (of the file if it exists, else of its parent folder).
    const root = await fs.promises.realpath(folder.uri.fsPath).catch(() => folder.uri.fsPath);
    let target = uri.fsPath;
    try {
      target = await fs.promises.realpath(target);
    } catch {
      if (mustExist) throw hostError('notFound', `no file "${relative}" in the workspace`);
      target = path.join(await fs.promises.realpath(path.dirname(target)).catch(() => path.dirname(target)), path.basename(target));
    }
    if (target !== root && !target.startsWith(root + path.sep)) throw hostError('denied', `"${relative}" leads outside the workspace folder`);
  }
  return uri;
}

const notifyLevel = (level: Types.NotifyLevel) => (level === Types.NotifyLevel.error ? 'error' : level === Types.NotifyLevel.warning ? 'warning' : 'info');

export function createHostApi(ctx: HostApiContext, pluginId: string, binary: PluginBinary): HostApi {
  const name = binary.manifest.name;
  const log = () => ctx.logs.channel(pluginId);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const openDocument = (uri: string) => vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);

  return {
    log: {
      write: (level, message) => {
        const c = log();
        switch (level) {
          case Types.LogLevel.trace: c.trace(message); break;
          case Types.LogLevel.debug: c.debug(message); break;
          case Types.LogLevel.warning: c.warn(message); break;
          case Types.LogLevel.error: c.error(message); break;
          default: c.info(message);
        }
      },
    },
    notifications: {
      show: (level, message) => { ctx.notifier.fromPlugin(pluginId, name, notifyLevel(level), message); },
    },
    statusBar: {
      setText: (text, tooltip) => { ctx.statusItems.set(pluginId, name, text, tooltip ?? undefined); },
    },
    editorRead: {
      activeDocument: () => {
        const doc = vscode.window.activeTextEditor?.document;
        return doc ? documentInfo(doc) : undefined;
      },
      documentText: (uri) => {
        const doc = openDocument(uri);
        if (!doc) throw hostError('notFound', `${uri} is not open`);
        return doc.getText();
      },
      selections: () => (vscode.window.activeTextEditor?.selections ?? []).map(selection),
    },
    editorWrite: {
      applyEdit: async (edit) => {
        const uri = parseUri(edit.uri);
        if (!uri) throw hostError('invalid', `"${edit.uri}" is not a URI`);
        const we = new vscode.WorkspaceEdit();
        we.set(uri, edit.edits.map((e) => vscode.TextEdit.replace(toRange(e.range), e.newText)));
        if (!(await vscode.workspace.applyEdit(we))) throw hostError('failed', `VS Code refused the edit to ${edit.uri}`);
      },
    },
    diagnostics: {
      set: (uri, items) => {
        const u = parseUri(uri);
        if (!u) throw hostError('invalid', `"${uri}" is not a URI`);
        ctx.diagnostics.collection(pluginId).set(u, items.map((d) => diagnostic(d, name)));
      },
    },
    storage: ctx.storage.api(pluginId),
    workspaceRead: {
      readFile: async (relative) => {
        const uri = await resolveWorkspacePath(relative, true);
        let stat: vscode.FileStat;
        try {
          stat = await vscode.workspace.fs.stat(uri);
        } catch {
          throw hostError('notFound', `no file "${relative}" in the workspace`);
        }
        if (stat.type & vscode.FileType.Directory) throw hostError('invalid', `"${relative}" is a folder`);
        if (stat.size > MAX_FILE_BYTES) throw hostError('tooLarge', `"${relative}" is ${stat.size} bytes; the limit is ${MAX_FILE_BYTES}`);
        try {
          return decoder.decode(await vscode.workspace.fs.readFile(uri));
        } catch (e) {
          if (e instanceof TypeError) throw hostError('invalid', `"${relative}" is not UTF-8 text`);
          throw hostError('failed', `cannot read "${relative}": ${(e as Error).message}`);
        }
      },
    },
    workspaceWrite: {
      writeFile: async (relative, contents) => {
        if (contents.length > MAX_FILE_BYTES) throw hostError('tooLarge', `contents exceed ${MAX_FILE_BYTES} bytes`);
        const uri = await resolveWorkspacePath(relative, false);
        try {
          if (uri.scheme === 'file') {
            await fs.promises.mkdir(path.dirname(uri.fsPath), { recursive: true });
            await writeFileAtomic(uri.fsPath, contents);
          } else {
            await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(contents));
          }
        } catch (e) {
          throw hostError('failed', `cannot write "${relative}": ${(e as Error).message}`);
        }
      },
    },
    configuration: {
      get: (key) => {
        if (key.length === 0 || key.length > 200) throw hostError('invalid', 'invalid setting key');
        const info = vscode.workspace.getConfiguration().inspect(key);
        if (info === undefined) return undefined;
        const value = vscode.workspace.getConfiguration().get(key);
        return value === undefined ? undefined : JSON.stringify(value);
      },
    },
    panels: {
      postMessage: (panelId, message) => {
        if (!binary.manifest.panels.some((p) => p.id === panelId)) throw hostError('notFound', `no panel "${panelId}" in the manifest`);
        if (!ctx.panels.post(pluginId, panelId, message)) throw hostError('notFound', `panel "${panelId}" is not open`);
      },
    },
  };
}
