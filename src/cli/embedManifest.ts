// `wasm-plugins embed-manifest <module.wasm> <manifest.json> [-o out.wasm] [--kebab-exports]`: validates a manifest and
// stores it in the module's `wasm-plugin-host:manifest` custom section, replacing any earlier one. With
// `--kebab-exports`, exports named in camelCase (AssemblyScript cannot spell `run-command`) are renamed to the WIT
// names, including their `cabi_post_` companions. `--unchecked` skips validation: only for the hostile test plugins
// that must carry a bad manifest.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from './main';
import { MANIFEST_SECTION, validateManifest } from '../core/manifest';
import { BinaryError, renameExports, setCustomSection } from '../core/wasm/binary';
import { PluginError } from '../core/errors';
import { writeFileAtomicSync } from '../core/atomicFile';

const KEBAB = /[A-Z]/g;
export function camelToKebabExport(name: string): string {
  if (name === 'cabi_realloc' || name === 'memory' || name.startsWith('_')) return name;
  if (name.startsWith('cabi_post_')) return `cabi_post_${name.slice(10).replace(KEBAB, (c) => `-${c.toLowerCase()}`)}`;
  return name.replace(KEBAB, (c) => `-${c.toLowerCase()}`);
}

export const embedManifestCommand: Command = {
  summary: 'validate a manifest and embed it in a plugin module',
  usage: 'wasm-plugins embed-manifest <module.wasm> <manifest.json> [-o <out.wasm>] [--kebab-exports] [--unchecked]',
  async run(args, io) {
    const positional: string[] = [];
    let out: string | undefined;
    let kebab = false;
    let unchecked = false;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-o' || args[i] === '--out') out = args[++i];
      else if (args[i] === '--kebab-exports') kebab = true;
      else if (args[i] === '--unchecked') unchecked = true;
      else positional.push(args[i]);
    }
    if (positional.length !== 2 || (out !== undefined && out.length === 0)) {
      io.err(`usage: ${this.usage}\n`);
      return 2;
    }
    const [modulePath, manifestPath] = positional.map((p) => path.resolve(io.cwd, p));
    const target = out ? path.resolve(io.cwd, out) : modulePath;
    try {
      const manifestText = fs.readFileSync(manifestPath, 'utf8');
      let json: unknown;
      try {
        json = JSON.parse(manifestText);
      } catch (e) {
        io.err(`${manifestPath}: not valid JSON: ${(e as Error).message}\n`);
        return 1;
      }
      let stored: unknown = json;
      if (!unchecked) {
        const { manifest, warnings } = validateManifest(json, path.basename(manifestPath));
        for (const w of warnings) io.err(`${manifestPath}: warning: ${w}\n`);
        // Store the validated, normalised manifest: what the host reads is exactly what was checked here.
        stored = manifest;
      }
      let bytes: Uint8Array = fs.readFileSync(modulePath);
      if (kebab) bytes = renameExports(bytes, camelToKebabExport);
      bytes = setCustomSection(bytes, MANIFEST_SECTION, new TextEncoder().encode(JSON.stringify(stored)));
      writeFileAtomicSync(target, bytes);
      const m = stored as { id?: unknown; version?: unknown };
      io.out(`${path.relative(io.cwd, target) || target}: embedded manifest of ${String(m.id)} ${String(m.version)}${unchecked ? ' (unchecked)' : ''}\n`);
      return 0;
    } catch (e) {
      if (e instanceof PluginError || e instanceof BinaryError) {
        io.err(`${e instanceof BinaryError ? modulePath : manifestPath}: ${e.message}\n`);
        return 1;
      }
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        io.err(`${(e as NodeJS.ErrnoException).path}: no such file\n`);
        return 1;
      }
      throw e;
    }
  },
};
