// What a WASI plugin may see of the file system follows its capabilities, like every other reach outside the plugin:
// a capability counts only when the manifest declares it AND the user granted it.
//
//   neither workspace-read nor workspace-write   no preopened directories at all
//   workspace-read                               each workspace folder, read-only
//   workspace-read + workspace-write             each workspace folder, writable
//   workspace-write alone                        nothing (the manifest validator warns about it)
//
// One folder is mounted at /workspace; several at /workspaces/<folder name>, the layout @vscode/wasm-wasi uses for its
// `workspaceFolder` mount point, so a program sees the same paths under either runtime.

import * as path from 'node:path';
import type { Capability } from '../capabilities';
import { PluginError } from '../errors';
import type { PluginManifest } from '../manifest';
import type { WasiPreopen } from './types';

export interface WorkspaceFolderInfo {
  readonly name: string;
  /** Absolute host path of the folder (file-scheme folders only: others cannot be mounted by the bundled runtime). */
  readonly hostPath: string;
}

export type WorkspaceAccess = 'none' | 'read' | 'read-write';

export function workspaceAccess(manifest: PluginManifest, granted: (c: Capability) => boolean): WorkspaceAccess {
  const has = (c: Capability) => manifest.capabilities.includes(c) && granted(c);
  if (!has('workspace-read')) return 'none';
  return has('workspace-write') ? 'read-write' : 'read';
}

function safeName(name: string): string {
  // A folder name becomes one guest path component: no separators, no dot-only names, nothing unprintable.
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[/\\\u0000-\u001f]/g, '_').trim();
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'folder' : cleaned;
}

/** The preopens for a plugin, from its access and the open workspace folders. */
export function workspacePreopens(access: WorkspaceAccess, folders: readonly WorkspaceFolderInfo[]): WasiPreopen[] {
  if (access === 'none' || folders.length === 0) return [];
  const writable = access === 'read-write';
  if (folders.length === 1) return [{ guestPath: '/workspace', hostPath: folders[0].hostPath, writable }];
  const used = new Set<string>();
  return folders.map((f) => {
    const base = safeName(f.name);
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    return { guestPath: `/workspaces/${name}`, hostPath: f.hostPath, writable };
  });
}

/** The path a program sees for a host file, or undefined when no preopen contains it. */
export function guestPathOf(hostFile: string, preopens: readonly WasiPreopen[]): string | undefined {
  const file = path.resolve(hostFile);
  for (const p of preopens) {
    const rel = path.relative(path.resolve(p.hostPath), file);
    if (rel === '') return p.guestPath;
    if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) continue;
    return `${p.guestPath}/${rel.split(path.sep).join('/')}`;
  }
  return undefined;
}

export interface WasiArgContext {
  /** Host path of the active editor's file, if it is a file. */
  readonly activeFile?: string;
  /** Host path of the workspace folder of the active file (or the first folder). */
  readonly workspaceFolder?: string;
}

/**
 * Replaces ${file} and ${workspaceFolder} in a command's arguments with guest paths. Throws PluginError
 * ('permission-denied') when a variable names something the program cannot see, so the user learns why instead of
 * the program failing on a path it cannot open.
 */
export function expandWasiArgs(args: readonly string[], preopens: readonly WasiPreopen[], context: WasiArgContext, pluginId: string): string[] {
  const resolve = (variable: string, host: string | undefined, what: string): string => {
    if (host === undefined) {
      throw new PluginError('permission-denied', pluginId, `${pluginId} needs ${what} for ${variable}, but there is none. Open a file of the workspace and run the command again.`);
    }
    const guest = guestPathOf(host, preopens);
    if (guest === undefined) {
      throw new PluginError('permission-denied', pluginId, `${pluginId} needs ${what} (${host}) for ${variable}, but it cannot read it: it is outside the workspace folders, or the plugin was not granted "workspace-read". Grant it in the plugin's permissions and run the command again.`);
    }
    return guest;
  };
  return args.map((arg) => arg.replace(/\$\{(file|workspaceFolder)\}/g, (_m, name: string) =>
    name === 'file' ? resolve('${file}', context.activeFile, 'the active file') : resolve('${workspaceFolder}', context.workspaceFolder, 'a workspace folder')));
}
