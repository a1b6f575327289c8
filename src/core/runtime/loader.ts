// The loader: bytes → sha256 → validation → compiled module. Validation reads the binary without compiling it, so
// discovery and the metadata cache can use `inspectPlugin` alone; each way a file can be wrong is its own
// PluginError reason with a message naming the plugin and saying what to do.

import { createHash } from 'node:crypto';
import { BinaryError, customSections, ImportEntry, ModuleInfo, readModule, capMemories, FuncType } from '../wasm/binary';
import { MANIFEST_SECTION, MAX_MANIFEST_BYTES, parseManifestSection, PluginManifest } from '../manifest';
import { PluginError } from '../errors';
import { WASI_MODULE, WASI_STUBBED_FUNCTIONS } from './wasiStubs';
import { WASI_PREVIEW1_FUNCTIONS } from '../wasi/preview1';

/** A core function signature as value-type codes (0x7f = i32, 0x7e = i64, 0x7d = f32, 0x7c = f64). */
export interface CoreSignature {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

/** What the host offers and expects, derived from the generated bindings of one API version. */
export interface WorldShape {
  readonly apiVersion: string;
  /** import module → function name → signature */
  readonly imports: ReadonlyMap<string, ReadonlyMap<string, CoreSignature>>;
  /** world export name → signature */
  readonly exports: ReadonlyMap<string, CoreSignature>;
}

export interface PluginBinary {
  /** How the user knows the file (its name), for messages before the manifest is read. */
  readonly label: string;
  readonly sha256: string;
  readonly size: number;
  readonly manifest: PluginManifest;
  readonly warnings: readonly string[];
  /** World functions the module exports. */
  readonly exports: readonly string[];
  /** World functions that have a `cabi_post_<name>` companion. */
  readonly postReturns: readonly string[];
  /** Whether the module imports WASI functions (served by stubs). */
  readonly usesWasi: boolean;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const TYPE_NAMES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128' };
function formatSignature(sig: CoreSignature): string {
  const t = (xs: readonly number[]) => xs.map((x) => TYPE_NAMES[x] ?? `0x${x.toString(16)}`).join(', ');
  return `(${t(sig.params)}) -> (${t(sig.results)})`;
}
function sameSignature(a: CoreSignature, b: FuncType): boolean {
  return a.params.length === b.params.length && a.results.length === b.results.length
    && a.params.every((p, i) => p === b.params[i]) && a.results.every((r, i) => r === b.results[i]);
}

function binaryError(e: BinaryError, label: string): PluginError {
  switch (e.reason) {
    case 'not-wasm':
      return new PluginError('not-wasm', label, `${label} is not a WebAssembly module (it does not start with the bytes "\\0asm"). Install the .wasm file that the plugin's build produced.`);
    case 'truncated':
      return new PluginError('truncated', label, `${label} is truncated: ${e.message}. The file was cut short, perhaps by an interrupted download or copy: install it again.`);
    case 'component':
      return new PluginError('component-binary', label, `${label} is a WebAssembly component, but plugins are core modules that implement the "plugin" world. Build it with one of the plugin SDKs (see plugins/README.md) instead of wrapping it as a component.`);
    default:
      return new PluginError('invalid-module', label, `${label} is not a valid WebAssembly module: ${e.message}. Rebuild the plugin.`);
  }
}

/** Which world exports a manifest needs. */
export function requiredExports(manifest: PluginManifest): string[] {
  const out: string[] = [];
  if (manifest.commands.length > 0) out.push('run-command');
  if (manifest.events.length > 0) out.push('handle-event');
  if (manifest.panels.length > 0) out.push('render-panel', 'panel-message');
  return out;
}

function checkImports(info: ModuleInfo, world: WorldShape, manifest: PluginManifest): { usesWasi: boolean } {
  const who = `${manifest.name} (${manifest.id})`;
  let usesWasi = false;
  const problems: string[] = [];
  const describe = (i: ImportEntry) => `"${i.module}" "${i.name}"`;
  for (const imp of info.imports) {
    if (imp.kind !== 'func') {
      problems.push(`${describe(imp)} is a ${imp.kind} import; plugins must define their own memory, tables and globals`);
      continue;
    }
    const sigType = imp.typeIndex !== undefined ? info.types[imp.typeIndex] : undefined;
    // Per kind: a component gets a few capability-free WASI stubs next to the host API; a WASI program (wasi-command,
    // language-server) runs under a full preview1 implementation and has no host API to import.
    if (manifest.kind !== 'component') {
      const expected = imp.module === WASI_MODULE ? WASI_PREVIEW1_FUNCTIONS.get(imp.name) : undefined;
      if (imp.module !== WASI_MODULE) problems.push(`${describe(imp)}: a ${manifest.kind} plugin is a WASI program and may import only "${WASI_MODULE}" functions`);
      else if (expected === undefined) problems.push(`${describe(imp)} is not a WASI preview1 function`);
      else if (sigType === undefined || !sameSignature(expected, sigType)) problems.push(`${describe(imp)} has signature ${sigType ? formatSignature(sigType) : '(unknown type)'} but WASI preview1's is ${formatSignature(expected)}`);
      else usesWasi = true;
      continue;
    }
    if (imp.module === WASI_MODULE) {
      if (!WASI_STUBBED_FUNCTIONS.has(imp.name)) problems.push(`${describe(imp)} is a WASI function this host does not provide to plugins`);
      else usesWasi = true;
      continue;
    }
    const expected = world.imports.get(imp.module)?.get(imp.name);
    if (expected === undefined) {
      problems.push(world.imports.has(imp.module)
        ? `${describe(imp)}: interface "${imp.module}" has no function "${imp.name}" in plugin API ${world.apiVersion}`
        : `${describe(imp)}: the host provides no interface "${imp.module}"`);
    } else if (sigType === undefined || !sameSignature(expected, sigType)) {
      problems.push(`${describe(imp)} has signature ${sigType ? formatSignature(sigType) : '(unknown type)'} but the host's is ${formatSignature(expected)}`);
    }
  }
  if (problems.length > 0) {
    throw new PluginError('unknown-import', manifest.id, manifest.kind === 'component'
      ? `${who} imports functions the host does not provide: ${problems.join('; ')}. Rebuild the plugin against plugin API ${world.apiVersion} with its SDK.`
      : `${who} imports functions the host does not provide: ${problems.join('; ')}. Build it as a WASI preview1 program (clang --target=wasm32-wasi, or rustc --target wasm32-wasi).`);
  }
  return { usesWasi };
}

/** A WASI program is started through `_start` and shares its memory with the WASI implementation. */
function checkWasiProgramExports(info: ModuleInfo, manifest: PluginManifest): void {
  const byName = new Map(info.exports.map((e) => [e.name, e.kind]));
  const missing: string[] = [];
  if (byName.get('_start') !== 'func') missing.push('"_start" (the program entry point)');
  if (byName.get('memory') !== 'memory') missing.push('"memory" (its linear memory)');
  if (missing.length > 0) {
    throw new PluginError('missing-export', manifest.id,
      `${manifest.name} (${manifest.id}) is a ${manifest.kind} plugin but lacks exports: ${missing.join(', ')}. Build it as a WASI command with a main function (not as a library: no -nostartfiles / --no-entry / cdylib).`);
  }
}

function checkExports(info: ModuleInfo, world: WorldShape, manifest: PluginManifest): { exports: string[]; postReturns: string[] } {
  const who = `${manifest.name} (${manifest.id})`;
  const byName = new Map(info.exports.map((e) => [e.name, e]));
  // Function indices count imported functions first, then the module's own.
  const funcImports = info.imports.filter((i) => i.kind === 'func');
  const typeOfFunc = (index: number): FuncType | undefined => {
    if (index < funcImports.length) {
      const t = funcImports[index].typeIndex;
      return t === undefined ? undefined : info.types[t];
    }
    const t = info.functionTypes[index - funcImports.length];
    return t === undefined ? undefined : info.types[t];
  };
  const worldFunctions = [...world.exports.keys()];
  const implemented = worldFunctions.filter((f) => byName.get(f)?.kind === 'func');
  if (implemented.length === 0 && manifest.kind === 'component') {
    const theirs = info.exports.filter((e) => e.kind === 'func').map((e) => `"${e.name}"`).slice(0, 8).join(', ') || 'no functions';
    throw new PluginError('missing-export', manifest.id,
      `${who} does not implement the plugin world of API ${world.apiVersion}: it exports ${theirs}, but a plugin exports ${worldFunctions.map((f) => `"${f}"`).join(', ')}. Build it with one of the plugin SDKs (see plugins/README.md).`);
  }
  const missing: string[] = [];
  if (byName.get('memory')?.kind !== 'memory') missing.push('"memory" (its linear memory)');
  if (byName.get('cabi_realloc')?.kind !== 'func') missing.push('"cabi_realloc" (the canonical ABI allocator)');
  for (const f of requiredExports(manifest)) {
    if (!implemented.includes(f)) missing.push(`"${f}" (needed because the manifest declares ${f === 'run-command' ? 'commands' : f === 'handle-event' ? 'events' : 'panels'})`);
  }
  if (missing.length > 0) {
    throw new PluginError('missing-export', manifest.id, `${who} lacks exports: ${missing.join(', ')}. Rebuild the plugin with its SDK, or remove the declarations from its manifest.`);
  }
  const wrong: string[] = [];
  for (const f of implemented) {
    const actual = typeOfFunc(byName.get(f)!.index);
    const expected = world.exports.get(f)!;
    if (actual === undefined || !sameSignature(expected, actual)) {
      wrong.push(`"${f}" has signature ${actual ? formatSignature(actual) : '(unknown)'} but the API's is ${formatSignature(expected)}`);
    }
  }
  const realloc = typeOfFunc(byName.get('cabi_realloc')!.index);
  const reallocSig = { params: [0x7f, 0x7f, 0x7f, 0x7f], results: [0x7f] };
  if (!realloc || !sameSignature(reallocSig, realloc)) wrong.push(`"cabi_realloc" must be (i32, i32, i32, i32) -> (i32)`);
  if (wrong.length > 0) {
    throw new PluginError('missing-export', manifest.id, `${who} exports functions with the wrong signature: ${wrong.join('; ')}. Rebuild the plugin against plugin API ${world.apiVersion}.`);
  }
  const postReturns = implemented.filter((f) => byName.get(`cabi_post_${f}`)?.kind === 'func');
  return { exports: implemented, postReturns };
}

/** Validates a plugin binary without compiling it. Throws PluginError. */
export function inspectPlugin(bytes: Uint8Array, label: string, world: WorldShape): PluginBinary {
  let info: ModuleInfo;
  try {
    info = readModule(bytes);
  } catch (e) {
    if (e instanceof BinaryError) throw binaryError(e, label);
    throw e;
  }
  const manifests = customSections(bytes, MANIFEST_SECTION, info.sections);
  if (manifests.length === 0) {
    throw new PluginError('manifest-missing', label, `${label} has no plugin manifest (custom section "${MANIFEST_SECTION}"). Embed one with \`npx wasm-plugins embed-manifest ${label} plugin.json\`.`);
  }
  if (manifests.length > 1) {
    throw new PluginError('manifest-invalid', label, `${label} has ${manifests.length} manifest sections; it must have exactly one. Re-embed the manifest with \`npx wasm-plugins embed-manifest\`, which replaces old ones.`);
  }
  if (manifests[0].length > MAX_MANIFEST_BYTES) {
    throw new PluginError('manifest-too-large', label, `The manifest of ${label} is ${manifests[0].length} bytes; the limit is ${MAX_MANIFEST_BYTES}. Shorten its descriptions or split the plugin.`);
  }
  const { manifest, warnings } = parseManifestSection(manifests[0], label);
  const { usesWasi } = checkImports(info, world, manifest);
  if (manifest.kind !== 'component') checkWasiProgramExports(info, manifest);
  const { exports, postReturns } = manifest.kind === 'component' ? checkExports(info, world, manifest) : { exports: [], postReturns: [] };
  return { label, sha256: sha256(bytes), size: bytes.length, manifest, warnings, exports, postReturns, usesWasi };
}

export interface CompileOptions {
  /** Linear memory cap in 64 KiB pages, written into the module's memory limits so growth past it fails. */
  readonly maxMemoryPages: number;
}

/** Compiles a validated binary with its memory capped. Throws PluginError('invalid-module' | 'memory-limit'). */
export async function compilePlugin(bytes: Uint8Array, binary: PluginBinary, options: CompileOptions): Promise<WebAssembly.Module> {
  const id = binary.manifest.id;
  let capped: Uint8Array;
  try {
    capped = capMemories(bytes, options.maxMemoryPages);
  } catch (e) {
    if (e instanceof BinaryError) {
      throw new PluginError('memory-limit', id, `${binary.manifest.name} (${id}) cannot start within the memory limit: ${e.message}. Raise "wasmPlugins.limits.memoryMB" for this plugin or make it smaller.`);
    }
    throw e;
  }
  try {
    return await WebAssembly.compile(capped);
  } catch (e) {
    throw new PluginError('invalid-module', id, `${binary.manifest.name} (${id}) does not compile: ${(e as Error).message}. The file is damaged or was built for features this VS Code does not support; rebuild it.`);
  }
}

/** inspect + compile in one go. */
export async function loadPlugin(bytes: Uint8Array, label: string, world: WorldShape, options: CompileOptions): Promise<{ binary: PluginBinary; module: WebAssembly.Module }> {
  const binary = inspectPlugin(bytes, label, world);
  return { binary, module: await compilePlugin(bytes, binary, options) };
}
