// Every plugin file the host knows of, from every folder it watches, and which of them run. Discovery reads manifests
// through the metadata cache and compiles nothing; a controller exists only for the one valid, enabled file that wins
// for its plugin id (later sources shadow earlier ones: bundled < user < path < workspace). The VS Code adapter
// listens to `onDidChange` to keep commands, hooks and views in step.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectPlugin, PluginBinary, sha256 } from '../runtime/loader';
import { HostApi, WORLD_SHAPE } from '../runtime/abi';
import { PluginError, describeError } from '../errors';
import { Limits } from '../limits';
import { ModuleCache, PluginController, PluginSource, RestartPolicy, workerRunnerOptions } from './pluginController';
import { WorkerPool } from '../sandbox/workerPool';
import { workerSpec } from '../sandbox/runner';
import { MetadataCache } from './metadataCache';
import type { Capability } from '../capabilities';
import type { EditorEventKind } from '../manifest';
import type { Log } from '../log';

export interface PluginFolder {
  readonly source: PluginSource;
  readonly dir: string;
  /** When set, plugins found here are listed but never run (e.g. an untrusted workspace); the text says why. */
  readonly blocked?: string;
}

export interface RegistryServices {
  folders(): readonly PluginFolder[];
  readonly cache: MetadataCache;
  readonly log: Log;
  logFor(pluginId: string): Log;
  hostApiFor(pluginId: string, binary: PluginBinary): HostApi;
  /** `source` is where the running copy came from (bundled plugins have what they request by default). */
  allows(pluginId: string, capability: Capability, source: PluginSource): boolean;
  /** Asks for an undecided capability (consent at first use); absent or undefined: refuse. */
  request?(pluginId: string, capability: Capability): Promise<boolean> | undefined;
  isEnabled(pluginId: string): boolean;
  setEnabled(pluginId: string, enabled: boolean): Promise<void>;
  limitsFor(pluginId: string): Limits;
  readonly isolation?: 'worker' | 'in-process';
  readonly workerPath?: string;
  readonly restartPolicy?: RestartPolicy;
  /**
   * Plugin workers kept started and idle, so that a plugin's first call does not wait for a thread to start (default 1
   * when plugins run in workers; 0: none). The first is started after the first discovery found a plugin to run.
   */
  readonly spareWorkers?: number;
}

export interface PluginEntry {
  readonly file: string;
  readonly source: PluginSource;
  readonly sha256: string | undefined;
  readonly binary: PluginBinary | undefined;
  readonly loadError: PluginError | undefined;
  readonly enabled: boolean;
  readonly blocked: string | undefined;
  /** The file that runs instead of this one (same plugin id, later source). */
  readonly shadowedBy: string | undefined;
  readonly controller: PluginController | undefined;
}

interface Scanned {
  readonly file: string;
  readonly source: PluginSource;
  readonly blocked: string | undefined;
  readonly sha256: string | undefined;
  readonly binary: PluginBinary | undefined;
  readonly loadError: PluginError | undefined;
}

const SOURCE_RANK: Record<PluginSource, number> = { bundled: 0, user: 1, path: 2, workspace: 3 };
export const MAX_PLUGIN_BYTES = 64 * 1024 * 1024;

type Listener = () => void;

/**
 * Whether `a` runs instead of `b` (same plugin id). A copy that may run beats a blocked one whatever their sources:
 * otherwise an untrusted workspace could switch off an installed plugin by shipping a file with its id.
 */
function outranks(a: Scanned, b: Scanned): boolean {
  if ((a.blocked === undefined) !== (b.blocked === undefined)) return a.blocked === undefined;
  return SOURCE_RANK[a.source] >= SOURCE_RANK[b.source];
}

export class PluginRegistry {
  private scanned = new Map<string, Scanned>();
  private readonly controllers = new Map<string, PluginController>(); // by file
  private readonly listeners = new Set<Listener>();
  private readonly errorListeners = new Set<(entry: PluginEntry) => void>();
  private readonly knownErrors = new Map<string, string>(); // file → message already reported
  private entriesValue: PluginEntry[] = [];
  private refreshing: Promise<void> | undefined;
  private again = false;
  private disposed = false;
  /** Spare workers for the controllers' starts; disposed with the registry. */
  readonly pool: WorkerPool;
  /** Compiled modules of the current files, shared by the controllers across restarts and reloads. */
  readonly modules = new ModuleCache();

  constructor(private readonly services: RegistryServices) {
    const isolated = (services.isolation ?? 'worker') === 'worker';
    this.pool = new WorkerPool({
      size: isolated ? services.spareWorkers ?? 1 : 0,
      onSpawnError: (e) => services.log.warn(`could not start a spare plugin worker: ${describeError(e)}`),
    });
  }

  /** Every known plugin file, winners first, then by name. */
  get entries(): readonly PluginEntry[] {
    return this.entriesValue;
  }

  /** The running controller of a plugin id (enabled, valid, not shadowed). */
  controller(pluginId: string): PluginController | undefined {
    for (const c of this.controllers.values()) if (c.id === pluginId) return c;
    return undefined;
  }

  get activeControllers(): readonly PluginController[] {
    return [...this.controllers.values()];
  }

  /** Controllers whose manifest subscribes to an editor event. */
  subscribers(kind: EditorEventKind): PluginController[] {
    return this.activeControllers.filter((c) => c.binary.manifest.events.includes(kind) && c.state !== 'failed');
  }

  entry(pluginId: string): PluginEntry | undefined {
    return this.entriesValue.find((e) => e.binary?.manifest.id === pluginId && e.shadowedBy === undefined)
      ?? this.entriesValue.find((e) => e.binary?.manifest.id === pluginId);
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Called once per file and distinct error when a plugin file fails validation. */
  onDidFailToLoad(listener: (entry: PluginEntry) => void): { dispose(): void } {
    this.errorListeners.add(listener);
    return { dispose: () => this.errorListeners.delete(listener) };
  }

  /** Rescans every folder. Concurrent calls coalesce into at most one more scan. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.again = false;
          await this.scanAll();
        } while (this.again && !this.disposed);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Re-reads one plugin (by id) from disk, stopping its running instance first. */
  async reload(pluginId: string): Promise<void> {
    const entry = this.entry(pluginId);
    if (entry === undefined) throw new PluginError('not-found', pluginId, `No plugin "${pluginId}" is installed.`);
    const c = this.controllers.get(entry.file);
    this.controllers.delete(entry.file);
    this.services.cache.forget(entry.file);
    this.scanned.delete(entry.file);
    await c?.dispose();
    await this.refresh();
  }

  async reloadAll(): Promise<void> {
    const all = [...this.controllers.values()];
    this.controllers.clear();
    this.scanned.clear();
    await Promise.all(all.map((c) => c.dispose()));
    await this.refresh();
  }

  async setEnabled(pluginId: string, enabled: boolean): Promise<void> {
    await this.services.setEnabled(pluginId, enabled);
    await this.reconcile();
  }

  private async scanAll(): Promise<void> {
    const next = new Map<string, Scanned>();
    for (const folder of this.services.folders()) {
      let names: string[];
      try {
        names = (await fs.promises.readdir(folder.dir)).filter((n) => n.endsWith('.wasm')).sort();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.services.log.warn(`cannot read plugin folder ${folder.dir}: ${describeError(e)}`);
        continue;
      }
      // All stats at once: with a warm cache a stat is all discovery does per file, and one after the other their
      // round trips through the thread pool add up. Files that must be read are still read one at a time.
      const files = names.map((name) => path.join(folder.dir, name)).filter((file) => !next.has(file));
      const stats = await Promise.all(files.map((file) => fs.promises.stat(file).catch(() => undefined)));
      for (let i = 0; i < files.length; i++) {
        const scanned = await this.scanFile(files[i], folder, stats[i]);
        if (scanned) next.set(files[i], scanned);
      }
    }
    this.scanned = next;
    await this.services.cache.flush();
    await this.reconcile();
  }

  /** `stat` undefined: the file was removed between readdir and stat. */
  private async scanFile(file: string, folder: PluginFolder, stat: fs.Stats | undefined): Promise<Scanned | undefined> {
    const base = { file, source: folder.source, blocked: folder.blocked };
    if (stat === undefined || !stat.isFile()) return undefined;
    const cached = this.services.cache.lookup(file, stat);
    if (cached) {
      return { ...base, sha256: cached.sha256, binary: cached.binary, loadError: cached.error ? PluginError.fromJSON(cached.error) : undefined };
    }
    const label = path.basename(file);
    if (stat.size > MAX_PLUGIN_BYTES) {
      const error = new PluginError('invalid-module', label, `${label} is ${Math.round(stat.size / 1048576)} MB; plugins may be at most ${MAX_PLUGIN_BYTES / 1048576} MB.`);
      return { ...base, sha256: undefined, binary: undefined, loadError: error };
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.promises.readFile(file));
    } catch (e) {
      return { ...base, sha256: undefined, binary: undefined, loadError: new PluginError('not-found', label, `${label} cannot be read: ${describeError(e)}`) };
    }
    const hash = sha256(bytes);
    const known = this.services.cache.bySha(hash);
    let binary: PluginBinary | undefined;
    let loadError: PluginError | undefined;
    if (known) {
      binary = known.binary;
      loadError = known.error ? PluginError.fromJSON(known.error) : undefined;
    } else {
      try {
        binary = inspectPlugin(bytes, label, WORLD_SHAPE);
        for (const w of binary.warnings) this.services.logFor(binary.manifest.id).warn(`${label}: ${w}`);
      } catch (e) {
        loadError = e instanceof PluginError ? e : new PluginError('internal', label, `${label}: ${describeError(e)}`);
      }
    }
    this.services.cache.store(file, stat, hash, { binary: binary ? { ...binary, label } : undefined, error: loadError?.toJSON() });
    return { ...base, sha256: hash, binary, loadError };
  }

  /** Decides the winner per plugin id, creates and disposes controllers accordingly, and publishes entries. */
  private async reconcile(): Promise<void> {
    if (this.disposed) return;
    const winners = new Map<string, Scanned>();
    for (const s of this.scanned.values()) {
      if (!s.binary) continue;
      const id = s.binary.manifest.id;
      const current = winners.get(id);
      if (current === undefined || outranks(s, current)) winners.set(id, s);
    }
    const wanted = new Set<string>();
    // Component plugins run under a PluginController; WASI programs and language servers are run by their own host.
    for (const [id, s] of winners) if (!s.blocked && s.binary?.manifest.kind === 'component' && this.services.isEnabled(id)) wanted.add(s.file);

    const stale: PluginController[] = [];
    for (const [file, c] of this.controllers) {
      const s = this.scanned.get(file);
      if (!wanted.has(file) || s?.sha256 !== c.binary.sha256) {
        this.controllers.delete(file);
        stale.push(c);
      }
    }
    await Promise.all(stale.map((c) => c.dispose()));
    for (const file of wanted) {
      if (this.controllers.has(file)) continue;
      const s = this.scanned.get(file)!;
      this.controllers.set(file, this.createController(s));
    }
    this.modules.retain(new Set([...this.controllers.values()].map((c) => c.binary.sha256)));
    // In the background, once there is a plugin to run: a spare for the first plugin that starts.
    const first = this.controllers.values().next();
    if (!first.done) this.pool.prime(workerSpec(workerRunnerOptions(this.services.limitsFor(first.value.id), this.services.workerPath)));

    this.entriesValue = [...this.scanned.values()].map((s): PluginEntry => {
      const id = s.binary?.manifest.id;
      const winner = id === undefined ? undefined : winners.get(id);
      return {
        file: s.file,
        source: s.source,
        sha256: s.sha256,
        binary: s.binary,
        loadError: s.loadError,
        enabled: id === undefined ? true : this.services.isEnabled(id),
        blocked: s.blocked,
        shadowedBy: winner !== undefined && winner.file !== s.file ? winner.file : undefined,
        controller: this.controllers.get(s.file),
      };
    }).sort((a, b) => Number(a.shadowedBy !== undefined) - Number(b.shadowedBy !== undefined)
      || (a.binary?.manifest.name ?? path.basename(a.file)).localeCompare(b.binary?.manifest.name ?? path.basename(b.file)));

    for (const e of this.entriesValue) {
      if (e.loadError === undefined) { this.knownErrors.delete(e.file); continue; }
      if (this.knownErrors.get(e.file) === e.loadError.message) continue;
      this.knownErrors.set(e.file, e.loadError.message);
      this.services.log.error(e.loadError.message);
      for (const l of [...this.errorListeners]) l(e);
    }
    this.changed();
  }

  private createController(s: Scanned): PluginController {
    const binary = s.binary!;
    const id = binary.manifest.id;
    const c = new PluginController({
      file: s.file,
      source: s.source,
      binary,
      limits: this.services.limitsFor(id),
      api: this.services.hostApiFor(id, binary),
      permissions: { allows: (cap) => this.services.allows(id, cap, s.source), request: (cap) => this.services.request?.(id, cap) },
      log: this.services.logFor(id),
      isolation: this.services.isolation,
      workerPath: this.services.workerPath,
      restartPolicy: this.services.restartPolicy,
      pool: this.pool,
      modules: this.modules,
    });
    c.onDidChange(() => this.changed());
    return c;
  }

  private changed(): void {
    for (const l of [...this.listeners]) {
      try { l(); } catch (e) { this.services.log.error(`registry listener failed: ${describeError(e)}`); }
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.controllers.values()];
    this.controllers.clear();
    this.listeners.clear();
    this.errorListeners.clear();
    await Promise.all(all.map((c) => c.dispose()));
    await this.pool.dispose();
    this.modules.clear();
  }
}
