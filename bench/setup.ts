// What the benchmarks share: the benchmark plugins (built by `npm run build:plugins` from plugins/bench/), a host that
// answers nothing (the echo plugins import nothing), runners as the product creates them, and the payloads.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPlugin, PluginBinary } from '../src/core/runtime/loader';
import { EditorEvent, plainReplacer, WORLD_SHAPE } from '../src/core/runtime/abi';
import { HostDispatcher } from '../src/core/runtime/hostDispatcher';
import { InProcessRunner, WorkerRunner, WorkerRunnerOptions } from '../src/core/sandbox/runner';

/** Repo root, from out/bench. */
export const ROOT = path.resolve(__dirname, '..', '..');
export const TEST_PLUGINS = path.join(ROOT, 'dist', 'test-plugins');
/** The worker entry as tsc compiled it (bench/tsconfig.json compiles src/core too). */
export const WORKER_PATH = path.join(ROOT, 'out', 'src', 'core', 'sandbox', 'pluginWorker.js');
/** Scratch space for generated files (the jco transpilation); git-ignored. */
export const BUILD_DIR = path.join(ROOT, '.build', 'bench');
export const RESULTS_DIR = path.join(ROOT, 'bench-results');

export const ECHO_PLUGIN = 'bench-echo.wasm';
export const EXTISM_PLUGIN = 'bench-echo-extism.wasm';

export function pluginBytes(file: string): Uint8Array {
  const full = path.join(TEST_PLUGINS, file);
  if (!fs.existsSync(full)) throw new Error(`${path.relative(ROOT, full)} is not built: run \`npm run build:plugins\` first`);
  return new Uint8Array(fs.readFileSync(full));
}

export interface LoadedPlugin {
  readonly bytes: Uint8Array;
  readonly binary: PluginBinary;
  readonly module: WebAssembly.Module;
}

export async function loadEcho(): Promise<LoadedPlugin> {
  const bytes = pluginBytes(ECHO_PLUGIN);
  const { binary, module } = await loadPlugin(bytes, ECHO_PLUGIN, WORLD_SHAPE, { maxMemoryPages: 4096 });
  return { bytes, binary, module };
}

export function dispatcher(id = 'bench-echo'): HostDispatcher {
  // The echo plugins import nothing: an empty host API is enough, and a call to it would be a bug worth seeing.
  return new HostDispatcher(id, {} as never, { allows: () => true }, { warn: (m) => process.stderr.write(`host: ${m}\n`) });
}

export function inProcess(p: LoadedPlugin): InProcessRunner {
  return new InProcessRunner(p.module, p.binary, dispatcher());
}

export function isolated(p: LoadedPlugin, options: Partial<WorkerRunnerOptions> = {}): WorkerRunner {
  return new WorkerRunner(p.module, p.binary, dispatcher(), { workerPath: WORKER_PATH, maxResultBytes: 16 << 20, ...options });
}

export const CALL = { timeoutMs: 10_000 };

/** An ASCII JSON text of exactly `bytes` bytes: the args of a command. */
export function payload(bytes: number): string {
  const head = '{"text":"';
  const tail = '"}';
  let body = '';
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 ';
  for (let i = 0; body.length < bytes - head.length - tail.length; i++) body += alphabet[i % alphabet.length];
  return head + body + tail;
}

/** A `document-saved` event whose URI is `uri` (what the bench plugin's hook echoes back as a set-status action). */
export function savedEvent(uri: string): EditorEvent {
  return { tag: 'documentSaved', value: { uri, languageId: 'plaintext', version: 1, lineCount: 1, isDirty: false } } as unknown as EditorEvent;
}

/** A URI of exactly `bytes` ASCII bytes. */
export function uriOf(bytes: number): string {
  const head = 'file:///workspace/';
  let tail = '';
  for (let i = 0; head.length + tail.length < bytes - 4; i++) tail += String.fromCharCode(97 + (i % 26));
  return `${head}${tail}.txt`.slice(0, bytes);
}

export function sizeLabel(bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KB` : `${bytes} B`;
}

export function assertEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual, plainReplacer);
  const e = JSON.stringify(expected, plainReplacer);
  if (a !== e) throw new Error(`${what}: expected ${e.slice(0, 80)}…, got ${String(a).slice(0, 80)}…`);
}

/** The installed version of an npm package (read from its package.json, which `exports` maps may hide). */
export function packageVersion(name: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
