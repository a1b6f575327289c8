// Loading the plugins that `npm run build:plugins` built from source, for plain-Node tests.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPlugin, PluginBinary } from '../../../src/core/runtime/loader';
import { WORLD_SHAPE } from '../../../src/core/runtime/abi';
import { HostDispatcher, PermissionCheck } from '../../../src/core/runtime/hostDispatcher';
import { InProcessRunner, WorkerRunner, RunnerEvents } from '../../../src/core/sandbox/runner';
import { FakeHost } from './fakeHost';

/** Repo root, from out/test/core/support. */
export const ROOT = path.resolve(__dirname, '../../../..');
export const EXAMPLES = path.join(ROOT, 'dist', 'plugins');
export const TEST_PLUGINS = path.join(ROOT, 'dist', 'test-plugins');
/** The worker entry as tsc compiled it next to runner.js. */
export const WORKER_PATH = path.join(ROOT, 'out', 'src', 'core', 'sandbox', 'pluginWorker.js');

export const DEFAULT_MEMORY_PAGES = 4096; // 256 MiB

export function pluginBytes(file: string): Uint8Array {
  const full = path.isAbsolute(file) ? file : [path.join(TEST_PLUGINS, file), path.join(EXAMPLES, file)].find((p) => fs.existsSync(p));
  if (full === undefined || !fs.existsSync(full)) throw new Error(`${file} is not built: run \`npm run build:plugins\``);
  return new Uint8Array(fs.readFileSync(full));
}

export async function load(file: string | Uint8Array, label = typeof file === 'string' ? file : 'plugin.wasm', maxMemoryPages = DEFAULT_MEMORY_PAGES): Promise<{ binary: PluginBinary; module: WebAssembly.Module }> {
  return loadPlugin(typeof file === 'string' ? pluginBytes(file) : file, label, WORLD_SHAPE, { maxMemoryPages });
}

export const allowAll: PermissionCheck = { allows: () => true };

export interface Harness {
  readonly host: FakeHost;
  readonly warnings: string[];
  readonly dispatcher: HostDispatcher;
}

export function harness(host = new FakeHost(), permissions: PermissionCheck = allowAll, id = 'test'): Harness {
  const warnings: string[] = [];
  return { host, warnings, dispatcher: new HostDispatcher(id, host.api, permissions, { warn: (m) => warnings.push(m) }) };
}

export async function inProcess(file: string | Uint8Array, h = harness(), events: RunnerEvents = {}): Promise<InProcessRunner> {
  const { binary, module } = await load(file);
  return new InProcessRunner(module, binary, h.dispatcher, events);
}

export async function isolated(file: string | Uint8Array, h = harness(), events: RunnerEvents = {}, maxResultBytes = 16 << 20): Promise<WorkerRunner> {
  const { binary, module } = await load(file);
  return new WorkerRunner(module, binary, h.dispatcher, { workerPath: WORKER_PATH, maxResultBytes }, events);
}

export const NON_ASCII = 'héllo wörld ✓ 日本語 🎉';
