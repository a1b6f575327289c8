// Plugin controllers over real plugin files for the registry, controller and router tests: variants of a built
// plugin (another id, version or command list) written to temp folders, a fake clock for the time-based policies,
// and a spy that knows which plugin worker threads are alive.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectPlugin } from '../../../src/core/runtime/loader';
import { WORLD_SHAPE } from '../../../src/core/runtime/abi';
import { MANIFEST_SECTION } from '../../../src/core/manifest';
import { customSections, setCustomSection } from '../../../src/core/wasm/binary';
import { DEFAULT_LIMITS, Limits } from '../../../src/core/limits';
import { MemoryLog } from '../../../src/core/log';
import { DEFAULT_RESTART_POLICY, PluginController, RestartPolicy } from '../../../src/core/registry/pluginController';
import type { Capability } from '../../../src/core/capabilities';
import { FakeHost } from './fakeHost';
import { pluginBytes, WORKER_PATH } from './plugins';

const tempRoots: string[] = [];
process.on('exit', () => {
  for (const dir of tempRoots) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the OS temp dir, removed when the test process exits. */
export function tempDir(prefix = 'wasm-plugins-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempRoots.push(dir);
  return dir;
}

export type ManifestJson = Record<string, unknown> & { id: string; commands: { id: string; title: string }[] };

export function manifestOf(bytes: Uint8Array): ManifestJson {
  return JSON.parse(new TextDecoder().decode(customSections(bytes, MANIFEST_SECTION)[0])) as ManifestJson;
}

/** The same code with a changed manifest (another id, version, command list…): a different file and sha256. */
export function variant(bytes: Uint8Array, change: (m: ManifestJson) => Record<string, unknown>): Uint8Array {
  return setCustomSection(bytes, MANIFEST_SECTION, new TextEncoder().encode(JSON.stringify(change(manifestOf(bytes)))));
}

/** kitchen-sink under another id (and name), so several copies can run side by side. */
export function kitchenSinkAs(id: string, change: (m: ManifestJson) => Record<string, unknown> = (m) => m): Uint8Array {
  return variant(pluginBytes('kitchen-sink.wasm'), (m) => change({ ...m, id, name: `Kitchen Sink ${id}` }));
}

export function writePlugin(dir: string, name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Time that moves only when a test says so. */
export class FakeClock {
  t = 1_000_000;
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface ControllerSetup {
  /** Plugin bytes (written to a temp file) or a built plugin's name; default kitchen-sink. */
  readonly plugin?: Uint8Array | string;
  readonly limits?: Partial<Limits>;
  readonly host?: FakeHost;
  readonly allows?: (capability: Capability) => boolean;
  readonly isolation?: 'worker' | 'in-process';
  readonly restartPolicy?: Partial<RestartPolicy>;
  readonly now?: () => number;
}

export interface ControllerHarness {
  readonly controller: PluginController;
  readonly host: FakeHost;
  readonly log: MemoryLog;
  readonly file: string;
}

export function makeController(setup: ControllerSetup = {}): ControllerHarness {
  const plugin = setup.plugin ?? 'kitchen-sink.wasm';
  const bytes = typeof plugin === 'string' ? pluginBytes(plugin) : plugin;
  const file = writePlugin(tempDir(), typeof plugin === 'string' ? path.basename(plugin) : 'plugin.wasm', bytes);
  const host = setup.host ?? new FakeHost();
  const log = new MemoryLog();
  const binary = inspectPlugin(bytes, path.basename(file), WORLD_SHAPE);
  const controller = new PluginController({
    file,
    source: 'user',
    binary,
    limits: { ...DEFAULT_LIMITS, ...setup.limits },
    api: host.api,
    permissions: { allows: setup.allows ?? (() => true) },
    log,
    isolation: setup.isolation ?? 'worker',
    workerPath: WORKER_PATH,
    restartPolicy: { ...DEFAULT_RESTART_POLICY, ...setup.restartPolicy },
    now: setup.now,
  });
  return { controller, host, log, file };
}

/** How often kitchen-sink's activate ran: it reads the global key "fail-activate" every time. */
export function activations(host: FakeHost): number {
  return host.callsTo('storage', 'get').filter((c) => c.args[1] === 'fail-activate').length;
}

// ---- live worker threads ---------------------------------------------------------------------------------------------

// The runner constructs `new Worker(...)` through the module object at call time, so replacing the export on the
// shared module object lets tests count the threads that are alive. A leaked worker would keep the test process
// running; this turns that into a failing assertion instead of a hang.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const workerThreads = require('node:worker_threads') as typeof import('node:worker_threads');
const liveWorkers = new Set<import('node:worker_threads').Worker>();
const OriginalWorker = workerThreads.Worker;
class CountedWorker extends OriginalWorker {
  constructor(...args: ConstructorParameters<typeof OriginalWorker>) {
    super(...args);
    liveWorkers.add(this);
    this.once('exit', () => liveWorkers.delete(this));
  }
}
(workerThreads as { Worker: typeof OriginalWorker }).Worker = CountedWorker;

/** Plugin worker threads (named `wasm-plugin:<id>`) that have not exited. */
export function liveWorkerCount(): number {
  return liveWorkers.size;
}

/** The plugin worker threads alive right now, e.g. to terminate one from outside as the OS or a crash would. */
export function liveWorkerThreads(): import('node:worker_threads').Worker[] {
  return [...liveWorkers];
}
