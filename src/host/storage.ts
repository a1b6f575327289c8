// Plugin key-value storage: `global` scope in the extension's global storage, `workspace` scope in its workspace
// storage (kept in memory when no folder is open). The store itself (atomic writes, quotas, recovery) is core.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostApi } from '../core/runtime/abi';
import { KvStore, STORAGE_SCOPES, storageApi } from '../core/storage/kvStore';
import type { Log } from '../core/log';
import type { StorageBackend } from './hostApi';

export class PluginStorage implements StorageBackend, vscode.Disposable {
  readonly store: KvStore;

  constructor(context: vscode.ExtensionContext, log: Log) {
    this.store = new KvStore({
      dirs: {
        global: path.join(context.globalStorageUri.fsPath, 'plugin-data'),
        workspace: context.storageUri ? path.join(context.storageUri.fsPath, 'plugin-data') : undefined,
      },
      log,
    });
  }

  api(pluginId: string): HostApi['storage'] {
    // Durable: a plugin told that a value is stored can rely on it even if VS Code is killed right after.
    return storageApi(this.store, pluginId, { durable: true });
  }

  /** Deletes a plugin's data in both scopes (uninstall). */
  remove(pluginId: string): void {
    for (const scope of STORAGE_SCOPES) this.store.clear(pluginId, scope);
  }

  dispose(): void {
    void this.store.dispose();
  }
}
