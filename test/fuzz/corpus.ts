// The seeds the fuzzer mutates: real plugin binaries (dist/plugins, dist/test-plugins, built by
// `npm run build:plugins`), a small valid plugin assembled here from the world's shape (always available, and small
// enough that mutations land in its structure rather than in code), their manifests, and the WIT corpus.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { WORLD_SHAPE } from '../../src/core/runtime/abi';
import { CoreSignature, WorldShape } from '../../src/core/runtime/loader';
import { WASI_MODULE, WASI_STUBBED_FUNCTIONS } from '../../src/core/runtime/wasiStubs';
import { WASI_PREVIEW1_FUNCTIONS } from '../../src/core/wasi/preview1';
import { MANIFEST_SECTION } from '../../src/core/manifest';
import { customSection, customSections, encodeU32, setCustomSection } from '../../src/core/wasm/binary';
import type { WitSource } from '../../src/core/wit/index';

export interface SeedBinary {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface WitCase {
  /** e.g. `pass/foo.wit` or `pass/multi-package-deps`. */
  readonly name: string;
  readonly main: readonly WitSource[];
  readonly deps: readonly (readonly WitSource[])[];
}

// ---- a synthetic plugin ------------------------------------------------------------------------------------------

/** A manifest that uses every field, all of them valid. */
export const SYNTHETIC_MANIFEST = {
  $schema: 'https://example.invalid/wasm-plugin-manifest.json',
  id: 'fuzz-seed',
  name: 'Fuzz Seed',
  version: '1.0.0-rc.1',
  apiVersion: '0.1.0',
  kind: 'component',
  description: 'A plugin the fuzzer assembles from the world shape.',
  publisher: 'wasm-plugin-host',
  commands: [
    { id: 'say-hello', title: 'Say Hello', description: 'Says hello.' },
    { id: 'count2', title: 'Count' },
  ],
  panels: [{ id: 'main-panel', title: 'Main Panel' }],
  events: ['document-saved', 'selection-changed', 'configuration-changed'],
  capabilities: ['notifications', 'editor-read', 'storage'],
  activationEvents: ['onStartup', 'onCommand:say-hello', 'onPanel:main-panel', 'onEvent:document-saved', 'onLanguage:typescript'],
  configuration: ['editor.tabSize', 'files.exclude'],
};

/** A WASI program run as a command, with per-command overrides. */
export const WASI_COMMAND_MANIFEST = {
  id: 'fuzz-wasi', name: 'Fuzz WASI', version: '0.1.0', apiVersion: '0.1.0', kind: 'wasi-command',
  commands: [{ id: 'top-words', title: 'Top Words' }, { id: 'lines', title: 'Lines' }],
  capabilities: ['editor-read', 'workspace-read'],
  wasi: { args: ['--top', '10', '${file}'], stdin: 'active-document', output: 'output', commands: { lines: { args: ['-l'], output: 'notification' } } },
};

/** A WASI program run as a language server. */
export const LANGUAGE_SERVER_MANIFEST = {
  id: 'fuzz-lsp', name: 'Fuzz LSP', version: '0.1.0', apiVersion: '0.1.0', kind: 'language-server',
  capabilities: ['editor-read'],
  activationEvents: ['onLanguage:plaintext'],
  languageServer: { documentSelector: [{ language: 'plaintext' }, { scheme: 'file', pattern: '**/*.{todo,txt}' }], args: ['--stdio'] },
};

/** The smallest manifest that validates. */
export const MINIMAL_MANIFEST = { id: 'a', name: 'A', version: '0.0.1', apiVersion: '0.1.0' };

function bytesOf(parts: readonly (number | readonly number[] | Uint8Array)[]): number[] {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const b of p) out.push(b);
  }
  return out;
}

const enc = new TextEncoder();
const name = (s: string) => { const raw = enc.encode(s); return [...encodeU32(raw.length), ...raw]; };
const vector = (items: readonly number[][]) => [...encodeU32(items.length), ...items.flat()];
const section = (id: number, payload: readonly number[]) => [id, ...encodeU32(payload.length), ...payload];

/** Zero of each value type as a constant instruction. */
function zeroConst(t: number): number[] {
  switch (t) {
    case 0x7f: return [0x41, 0x00];
    case 0x7e: return [0x42, 0x00];
    case 0x7d: return [0x43, 0, 0, 0, 0];
    case 0x7c: return [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
    default: throw new Error(`no constant for value type 0x${t.toString(16)}`);
  }
}

/**
 * A core module that satisfies the loader: it imports a few host functions and a WASI stub, exports memory,
 * cabi_realloc, every world function (bodies return zeros) and one cabi_post_ companion. No manifest.
 */
export function syntheticModule(world: WorldShape = WORLD_SHAPE): Uint8Array {
  const types: CoreSignature[] = [];
  const typeIndex = (sig: CoreSignature) => {
    const i = types.findIndex((t) => t.params.join() === sig.params.join() && t.results.join() === sig.results.join());
    if (i >= 0) return i;
    types.push(sig);
    return types.length - 1;
  };
  const imports: number[][] = [];
  for (const [module, fns] of [...world.imports].slice(0, 3)) {
    const [fn, sig] = [...fns][0];
    imports.push([...name(module), ...name(fn), 0x00, ...encodeU32(typeIndex(sig))]);
  }
  if (WASI_STUBBED_FUNCTIONS.has('fd_write')) {
    imports.push([...name(WASI_MODULE), ...name('fd_write'), 0x00, ...encodeU32(typeIndex({ params: [0x7f, 0x7f, 0x7f, 0x7f], results: [0x7f] }))]);
  }
  const funcs: { exportName: string; sig: CoreSignature }[] = [
    { exportName: 'cabi_realloc', sig: { params: [0x7f, 0x7f, 0x7f, 0x7f], results: [0x7f] } },
    ...[...world.exports].map(([exportName, sig]) => ({ exportName, sig })),
  ];
  const firstExport = [...world.exports.keys()][0];
  if (firstExport !== undefined) funcs.push({ exportName: `cabi_post_${firstExport}`, sig: { params: [...world.exports.get(firstExport)!.results], results: [] } });
  const funcTypes = funcs.map((f) => typeIndex(f.sig));
  const exports: number[][] = [[...name('memory'), 0x02, 0x00]];
  funcs.forEach((f, i) => exports.push([...name(f.exportName), 0x00, ...encodeU32(imports.length + i)]));
  const bodies = funcs.map((f) => {
    const body = bytesOf([0x00, ...f.sig.results.flatMap(zeroConst), 0x0b]);
    return [...encodeU32(body.length), ...body];
  });
  return Uint8Array.from(bytesOf([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, vector(types.map((t) => [0x60, ...vector(t.params.map((p) => [p])), ...vector(t.results.map((r) => [r]))]))),
    section(2, vector(imports)),
    section(3, vector(funcTypes.map((t) => encodeU32(t)))),
    section(5, vector([[0x00, 0x01]])),
    section(7, vector(exports)),
    section(10, vector(bodies)),
    [...customSection('name-ish', enc.encode('fuzz'))],
  ]));
}

/** A WASI preview1 program: imports a few preview1 functions, exports `_start` and memory. No manifest. */
export function syntheticWasiModule(): Uint8Array {
  const names = ['fd_write', 'fd_read', 'clock_time_get', 'proc_exit', 'args_get', 'args_sizes_get'].filter((n) => WASI_PREVIEW1_FUNCTIONS.has(n));
  const types: CoreSignature[] = [{ params: [], results: [] }, ...names.map((n) => WASI_PREVIEW1_FUNCTIONS.get(n)!)];
  return Uint8Array.from(bytesOf([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, vector(types.map((t) => [0x60, ...vector(t.params.map((p) => [p])), ...vector(t.results.map((r) => [r]))]))),
    section(2, vector(names.map((n, i) => [...name(WASI_MODULE), ...name(n), 0x00, ...encodeU32(i + 1)]))),
    section(3, vector([[0x00]])),
    section(5, vector([[0x01, 0x01, 0x10]])),
    section(7, vector([[...name('memory'), 0x02, 0x00], [...name('_start'), 0x00, ...encodeU32(names.length)]])),
    section(10, vector([[0x02, 0x00, 0x0b]])),
  ]));
}

export function withManifest(module: Uint8Array, manifest: unknown): Uint8Array {
  return setCustomSection(module, MANIFEST_SECTION, enc.encode(JSON.stringify(manifest)));
}

/** `module` with one manifest section holding exactly `payload`, appended at the end. */
export function appendManifest(moduleWithoutManifest: Uint8Array, payload: Uint8Array): Uint8Array {
  const sec = customSection(MANIFEST_SECTION, payload);
  const out = new Uint8Array(moduleWithoutManifest.length + sec.length);
  out.set(moduleWithoutManifest, 0);
  out.set(sec, moduleWithoutManifest.length);
  return out;
}

let synthetic: Uint8Array | undefined;
let syntheticWasi: Uint8Array | undefined;
/**
 * The synthetic module (without a manifest) that the manifest target embeds a payload into: the WASI program when
 * the payload is JSON with a WASI kind, else the component. Decided by the payload alone, so a fixture replays alike.
 */
export function syntheticBase(payload?: Uint8Array): Uint8Array {
  let kind: unknown;
  if (payload !== undefined) {
    try { kind = (JSON.parse(new TextDecoder().decode(payload)) as { kind?: unknown } | null)?.kind; } catch { /* not JSON */ }
  }
  if (kind === 'wasi-command' || kind === 'language-server') return (syntheticWasi ??= syntheticWasiModule());
  return (synthetic ??= syntheticModule());
}

// ---- loading -----------------------------------------------------------------------------------------------------

/** Plugins built by `npm run build:plugins`, sorted by name (empty when they are not built). */
export function builtPlugins(root: string): SeedBinary[] {
  const out: SeedBinary[] = [];
  for (const dir of ['dist/plugins', 'dist/test-plugins']) {
    const full = path.join(root, dir);
    if (!fs.existsSync(full)) continue;
    for (const f of fs.readdirSync(full).filter((n) => n.endsWith('.wasm')).sort()) {
      out.push({ name: `${dir}/${f}`, bytes: new Uint8Array(fs.readFileSync(path.join(full, f))) });
    }
  }
  return out;
}

export function seedBinaries(root: string): SeedBinary[] {
  return [
    { name: 'synthetic', bytes: withManifest(syntheticBase(), SYNTHETIC_MANIFEST) },
    { name: 'synthetic-minimal', bytes: withManifest(syntheticBase(), MINIMAL_MANIFEST) },
    { name: 'synthetic-wasi-command', bytes: withManifest(syntheticWasiModule(), WASI_COMMAND_MANIFEST) },
    { name: 'synthetic-language-server', bytes: withManifest(syntheticWasiModule(), LANGUAGE_SERVER_MANIFEST) },
    ...builtPlugins(root),
  ];
}

/**
 * Manifests as parsed JSON values: the four above plus the manifests of the plugins in the repository, as a snapshot in
 * test/fuzz/seeds/manifests.json (not read from dist/, so a rebuild does not change what a seed generates).
 * Refresh the snapshot with `npm run fuzz -- --update-seeds` after `npm run build:plugins`.
 */
export function seedManifests(root: string): unknown[] {
  const out: unknown[] = [SYNTHETIC_MANIFEST, MINIMAL_MANIFEST, WASI_COMMAND_MANIFEST, LANGUAGE_SERVER_MANIFEST];
  const file = path.join(root, MANIFEST_SEEDS);
  if (fs.existsSync(file)) out.push(...(JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[]));
  return out;
}

export const MANIFEST_SEEDS = 'test/fuzz/seeds/manifests.json';

/** Rewrites the snapshot from the built plugins' manifests (the ones under 16 KiB, each once). Returns how many. */
export function updateManifestSeeds(root: string): number {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const p of builtPlugins(root)) {
    for (const payload of customSections(p.bytes, MANIFEST_SECTION)) {
      const text = new TextDecoder().decode(payload);
      if (payload.length > 16 * 1024 || seen.has(text)) continue;
      seen.add(text);
      try { out.push(JSON.parse(text)); } catch { /* not a seed then */ }
    }
  }
  fs.writeFileSync(path.join(root, MANIFEST_SEEDS), `${JSON.stringify(out, null, 1)}\n`);
  return out.length;
}

function readWitDir(root: string, dir: string): WitSource[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.wit'))
    .map((e) => e.name)
    .sort()
    .map((n) => ({ path: `${dir}/${n}`, text: fs.readFileSync(path.join(root, dir, n), 'utf8') }));
}

/** Every case of test/fixtures/wit-corpus (pass and fail), as in-memory sources with paths relative to the corpus. */
export function witCases(root: string): WitCase[] {
  const base = path.join(root, 'test', 'fixtures', 'wit-corpus');
  const out: WitCase[] = [];
  for (const kind of ['pass', 'fail']) {
    const dir = path.join(base, kind);
    if (!fs.existsSync(dir)) continue;
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = `${kind}/${e.name}`;
      if (e.isFile() && e.name.endsWith('.wit')) {
        out.push({ name: rel, main: [{ path: rel, text: fs.readFileSync(path.join(dir, e.name), 'utf8') }], deps: [] });
      } else if (e.isDirectory()) {
        const main = readWitDir(base, rel);
        const deps: WitSource[][] = [];
        const depsDir = path.join(dir, e.name, 'deps');
        if (fs.existsSync(depsDir)) {
          for (const d of fs.readdirSync(depsDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
            const drel = `${rel}/deps/${d.name}`;
            if (d.isDirectory()) {
              const files = readWitDir(base, drel);
              if (files.length > 0) deps.push(files);
            } else if (d.name.endsWith('.wit')) {
              deps.push([{ path: drel, text: fs.readFileSync(path.join(depsDir, d.name), 'utf8') }]);
            }
          }
        }
        if (main.length > 0) out.push({ name: rel, main, deps });
      }
    }
  }
  return out;
}
