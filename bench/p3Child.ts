// P3's child process: one extension start in plain Node, as the extension host does it at activation minus VS Code —
// load the core's code, build the metadata cache and the registry over the plugin folders, run the first discovery.
// Nothing of the core is imported at the top: loading it is part of what is timed. Prints one JSON line (P3Start).
//
//   node out/bench/p3Child.js <cache file> <folder>…    (a folder is `source=dir`)

// The module object itself (not an import namespace, whose properties cannot be replaced): the core's `fs.x(…)`
// calls read these properties at call time, so the counters below see them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('node:fs') as typeof import('node:fs');

export interface P3Start {
  /** ms from process start (Node's own boot) to this script's first line: not ours, for reference. */
  readonly nodeBootMs: number;
  /** ms to load the core's code (registry, cache, router, sandbox, runtime, bindings). */
  readonly loadMs: number;
  /** ms from creating the cache and registry to the end of the first refresh(). */
  readonly discoveryMs: number;
  /** loadMs + discoveryMs: the extension's start without VS Code. */
  readonly startMs: number;
  readonly plugins: number;
  readonly controllers: number;
  /** File-system calls during discovery (after loading the code). */
  readonly io: { readonly readdir: number; readonly stat: number; readonly wasmReads: number; readonly otherReads: number; readonly writes: number };
}

const wrapped: { name: string; restore(): void }[] = [];
const io = { readdir: 0, stat: 0, wasmReads: 0, otherReads: 0, writes: 0 };

/** Counts calls of fs functions (async and sync), classified by the counter `kind` returns. */
function count(target: Record<string, unknown>, name: string, kind: (path: unknown) => keyof typeof io): void {
  const original = target[name] as (...a: unknown[]) => unknown;
  target[name] = function (this: unknown, ...args: unknown[]) {
    io[kind(args[0])]++;
    return original.apply(this, args);
  };
  wrapped.push({ name, restore: () => { target[name] = original; } });
}

async function main(): Promise<void> {
  const nodeBootMs = performance.now();
  const [cacheFile, ...folderArgs] = process.argv.slice(2);
  const t0 = performance.now();
  // require, not import: the core is CommonJS, and `import()` would load it as ES modules.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { PluginRegistry } = require('../src/core/registry/registry') as typeof import('../src/core/registry/registry');
  const { MetadataCache } = require('../src/core/registry/metadataCache') as typeof import('../src/core/registry/metadataCache');
  const { EventRouter } = require('../src/core/registry/eventRouter') as typeof import('../src/core/registry/eventRouter');
  const { DEFAULT_LIMITS } = require('../src/core/limits') as typeof import('../src/core/limits');
  const { nullLog } = require('../src/core/log') as typeof import('../src/core/log');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const t1 = performance.now();

  const isWasm = (p: unknown) => typeof p === 'string' && p.endsWith('.wasm');
  const read = (p: unknown): keyof typeof io => (isWasm(p) ? 'wasmReads' : 'otherReads');
  const promises = fs.promises as unknown as Record<string, unknown>;
  const sync = fs as unknown as Record<string, unknown>;
  count(promises, 'readdir', () => 'readdir');
  count(sync, 'readdirSync', () => 'readdir');
  count(promises, 'stat', () => 'stat');
  count(sync, 'statSync', () => 'stat');
  count(promises, 'readFile', read);
  count(sync, 'readFileSync', read);
  count(promises, 'open', read);
  count(sync, 'openSync', read);
  count(promises, 'writeFile', () => 'writes');
  count(sync, 'writeFileSync', () => 'writes');

  const folders = folderArgs.map((a) => {
    const i = a.indexOf('=');
    return { source: a.slice(0, i) as 'bundled' | 'user' | 'path' | 'workspace', dir: a.slice(i + 1) };
  });
  const t2 = performance.now();
  const cache = new MetadataCache(cacheFile, 'bench-p3', nullLog);
  const registry = new PluginRegistry({
    folders: () => folders,
    cache,
    log: nullLog,
    logFor: () => nullLog,
    // Nothing is called during discovery: the host API is built per controller, as the extension does, but unused.
    hostApiFor: () => ({}) as never,
    allows: () => false,
    isEnabled: () => true,
    setEnabled: async () => undefined,
    limitsFor: () => DEFAULT_LIMITS,
    workerPath: require.resolve('../src/core/sandbox/pluginWorker'),
  });
  // The extension builds its router right away too (it subscribes to the registry's plugins lazily).
  const router = new EventRouter(registry, { actions: () => undefined, failed: () => undefined }, nullLog);
  await registry.refresh();
  const t3 = performance.now();
  for (const w of wrapped) w.restore();

  const result: P3Start = {
    nodeBootMs,
    loadMs: t1 - t0,
    discoveryMs: t3 - t2,
    startMs: t1 - t0 + (t3 - t2),
    plugins: registry.entries.length,
    controllers: registry.activeControllers.length,
    io,
  };
  router.dispose();
  await registry.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => { process.stderr.write(`${(e as Error).stack ?? String(e)}\n`); process.exit(1); },
);
