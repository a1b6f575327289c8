// The key-value data behind the `storage` host interface: one JSON file per plugin and scope,
// `<dir of the scope>/<pluginId>/<scope>.json`, read once into memory (host functions must answer synchronously for
// in-process plugins and `callSync`), written back coalesced and atomically (temp + fsync + rename), never lost on
// dispose. Before each write the current file is kept as `<scope>.json.bak`, so a file damaged later (disk trouble,
// a hand edit, another program) is replaced by the last good copy on load, and the damaged one is moved aside
// (`<scope>.json.damaged`), never silently overwritten. Quotas keep one plugin from filling the disk; a write past
// them fails inside the plugin with `host-error too-large` and a message saying what to do.
//
// Not covered: power loss between rename and the directory's metadata reaching the disk (no directory fsync), and
// two windows writing the same plugin's global data at once (the last writer wins, per file).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomicFile';
import { HostApi, hostError } from '../runtime/abi';
import { describeError, PluginError } from '../errors';
import type { Log } from '../log';

export type StorageScope = 'global' | 'workspace';
export const STORAGE_SCOPES: readonly StorageScope[] = ['global', 'workspace'];

export interface StorageQuotas {
  /** Longest key, in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /** Largest value, in UTF-8 bytes. */
  readonly maxValueBytes: number;
  /** Keys per plugin, both scopes together. */
  readonly maxKeys: number;
  /** Keys plus values per plugin, both scopes together, in UTF-8 bytes. */
  readonly maxTotalBytes: number;
}

/** Far beyond what a text-processing plugin stores (settings, counters, caches of a few documents). */
export const DEFAULT_STORAGE_QUOTAS: StorageQuotas = {
  maxKeyBytes: 1024,
  maxValueBytes: 4 * 1024 * 1024,
  maxKeys: 10_000,
  maxTotalBytes: 32 * 1024 * 1024,
};

export interface KvStoreOptions {
  /**
   * The folder per scope under which each plugin gets `<pluginId>/<scope>.json` (e.g. `<globalStorage>/plugin-data`
   * and `<workspaceStorage>/plugin-data`). A scope without a folder (no workspace open) is kept in memory only.
   */
  readonly dirs: Partial<Record<StorageScope, string>>;
  readonly log: Log;
  readonly quotas?: Partial<StorageQuotas>;
  /** Writes within this many milliseconds are coalesced into one file write per plugin and scope (default 100). */
  readonly flushDelayMs?: number;
  /** After a failed write, try again this much later (default 2000). */
  readonly retryDelayMs?: number;
}

export const KV_FORMAT = 'wasm-plugin-host/kv@1';

interface KvFile {
  readonly format: string;
  readonly entries: Record<string, string>;
}

const PLUGIN_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** Temp files a crash left behind (see atomicFile.ts) are removed when they are older than this. */
const STALE_TEMP_MS = 60 * 60 * 1000;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
const preview = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** The data of one plugin in one scope. */
class Bucket {
  readonly entries = new Map<string, string>();
  bytes = 0;
  dirty = false;
  /** Counts changes; `saved` is the count the file on disk reflects. */
  version = 0;
  saved = 0;
  /** Whether the file on disk is a good copy, so it may become the backup before the next write. */
  diskIsGood = false;

  constructor(readonly pluginId: string, readonly scope: StorageScope, readonly file: string | undefined) {}

  put(key: string, value: string): void {
    const old = this.entries.get(key);
    this.bytes += utf8(value) - (old === undefined ? -utf8(key) : utf8(old));
    this.entries.set(key, value);
  }

  delete(key: string): boolean {
    const old = this.entries.get(key);
    if (old === undefined) return false;
    this.bytes -= utf8(key) + utf8(old);
    this.entries.delete(key);
    return true;
  }
}

export class KvStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly quotas: StorageQuotas;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<boolean> | undefined;
  private disposed = false;

  constructor(private readonly options: KvStoreOptions) {
    this.quotas = { ...DEFAULT_STORAGE_QUOTAS, ...options.quotas };
  }

  /** The file that holds a plugin's data in a scope, or undefined when that scope is kept in memory only. */
  fileOf(pluginId: string, scope: StorageScope): string | undefined {
    checkPluginId(pluginId);
    const dir = this.options.dirs[scope];
    return dir === undefined ? undefined : path.join(dir, pluginId, `${scope}.json`);
  }

  get(pluginId: string, scope: StorageScope, key: string): string | undefined {
    return this.bucket(pluginId, scope).entries.get(key);
  }

  keys(pluginId: string, scope: StorageScope): string[] {
    return [...this.bucket(pluginId, scope).entries.keys()];
  }

  /** Keys and bytes a plugin uses, both scopes together. */
  usage(pluginId: string): { keys: number; bytes: number } {
    let keys = 0;
    let bytes = 0;
    for (const scope of STORAGE_SCOPES) {
      const b = this.bucket(pluginId, scope);
      keys += b.entries.size;
      bytes += b.bytes;
    }
    return { keys, bytes };
  }

  /** Stores a value. Throws `hostError('tooLarge' | 'invalid' | 'failed')`, which the plugin receives as its error. */
  set(pluginId: string, scope: StorageScope, key: string, value: string): void {
    this.assertOpen();
    const q = this.quotas;
    if (typeof key !== 'string' || key.length === 0) throw hostError('invalid', 'storage keys must be non-empty strings');
    if (typeof value !== 'string') throw hostError('invalid', 'storage values must be strings');
    const keyBytes = utf8(key);
    if (keyBytes > q.maxKeyBytes) {
      throw hostError('tooLarge', `the storage key "${preview(key)}" is ${keyBytes} bytes; keys may be at most ${q.maxKeyBytes} bytes. Use a shorter key, e.g. a hash of it.`);
    }
    const valueBytes = utf8(value);
    if (valueBytes > q.maxValueBytes) {
      throw hostError('tooLarge', `the value for storage key "${preview(key)}" is ${valueBytes} bytes; one value may be at most ${q.maxValueBytes} bytes. Split it over several keys or store less.`);
    }
    const bucket = this.bucket(pluginId, scope);
    const old = bucket.entries.get(key);
    if (old === value) return;
    const usage = this.usage(pluginId);
    if (old === undefined && usage.keys + 1 > q.maxKeys) {
      throw hostError('tooLarge', `${pluginId} already stores ${usage.keys} keys, the most a plugin may keep. Remove keys it no longer needs.`);
    }
    const growth = valueBytes - (old === undefined ? -keyBytes : utf8(old));
    if (growth > 0 && usage.bytes + growth > q.maxTotalBytes) {
      throw hostError('tooLarge', `storing "${preview(key)}" would bring ${pluginId}'s data to ${usage.bytes + growth} bytes; a plugin may keep at most ${q.maxTotalBytes} bytes. Remove data it no longer needs.`);
    }
    bucket.put(key, value);
    this.changed(bucket);
  }

  remove(pluginId: string, scope: StorageScope, key: string): void {
    this.assertOpen();
    const bucket = this.bucket(pluginId, scope);
    if (bucket.delete(key)) this.changed(bucket);
  }

  /** Forgets everything a plugin stored in a scope (e.g. when it is uninstalled); the file is written empty. */
  clear(pluginId: string, scope: StorageScope): void {
    this.assertOpen();
    const bucket = this.bucket(pluginId, scope);
    if (bucket.entries.size === 0) return;
    for (const key of [...bucket.entries.keys()]) bucket.delete(key);
    this.changed(bucket);
  }

  /**
   * Writes every changed plugin file now. Resolves when what was stored before the call is on disk (or its write
   * failed: that is logged, and the file is tried again later).
   */
  /**
   * Resolves once every change made so far to this plugin's data in `scope` is on disk (writing it now, together with
   * whatever else is pending); rejects with a `failed` host error when the write failed (the data stays in memory and
   * is retried).
   */
  async persisted(pluginId: string, scope: StorageScope): Promise<void> {
    const bucket = this.bucket(pluginId, scope);
    if (bucket.file === undefined) return;
    const version = bucket.version;
    await this.flush();
    if (bucket.saved < version) {
      throw hostError('failed', `the storage of ${pluginId} could not be written to disk; the change is kept in memory and written again later`);
    }
  }

  async flush(): Promise<void> {
    this.cancelTimer();
    // One writer at a time; a flush that arrives while one runs waits for it, then writes what is still dirty.
    for (;;) {
      if (this.writing) { await this.writing; continue; }
      const dirty = [...this.buckets.values()].filter((b) => b.dirty && b.file !== undefined);
      if (dirty.length === 0) return;
      this.writing = this.writeAll(dirty).finally(() => { this.writing = undefined; });
      if (!(await this.writing)) {
        this.schedule(this.options.retryDelayMs ?? 2000);
        return;
      }
    }
  }

  /** Writes what is pending and refuses later writes. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.flush();
    this.disposed = true;
    this.cancelTimer();
    for (const b of this.buckets.values()) {
      if (b.dirty && b.file !== undefined) this.options.log.error(`the storage of ${b.pluginId} (${b.scope}) could not be saved to ${b.file}; its latest changes are lost`);
    }
  }

  private assertOpen(): void {
    if (this.disposed) throw hostError('failed', 'plugin storage is closed because the host is shutting down; try again after it restarts');
  }

  private changed(bucket: Bucket): void {
    if (bucket.file === undefined) return;
    bucket.version++;
    bucket.dirty = true;
    this.schedule(this.options.flushDelayMs ?? 100);
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    // The host flushes on dispose; a pending timer alone must not keep a process (CLI, tests) alive.
    this.timer.unref();
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async writeAll(buckets: readonly Bucket[]): Promise<boolean> {
    const results = await Promise.all(buckets.map((b) => this.write(b)));
    return results.every(Boolean);
  }

  private async write(bucket: Bucket): Promise<boolean> {
    const file = bucket.file!;
    // Snapshot now: writes made while this one is on its way mark the bucket dirty again.
    bucket.dirty = false;
    const version = bucket.version;
    const data: KvFile = { format: KV_FORMAT, entries: Object.fromEntries(bucket.entries) };
    const text = JSON.stringify(data);
    try {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      if (bucket.diskIsGood) await backup(file);
      await writeFileAtomic(file, text);
      bucket.diskIsGood = true;
      bucket.saved = Math.max(bucket.saved, version);
      return true;
    } catch (e) {
      bucket.dirty = true;
      this.options.log.warn(`could not save the storage of ${bucket.pluginId} (${bucket.scope}) to ${file}: ${describeError(e)}; trying again later`);
      return false;
    }
  }

  private bucket(pluginId: string, scope: StorageScope): Bucket {
    if (scope !== 'global' && scope !== 'workspace') throw hostError('invalid', `unknown storage scope "${String(scope)}"; use global or workspace`);
    const id = `${scope}/${pluginId}`;
    let bucket = this.buckets.get(id);
    if (bucket === undefined) {
      bucket = new Bucket(pluginId, scope, this.fileOf(pluginId, scope));
      this.load(bucket);
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  /** Reads a bucket's file; a damaged one is moved aside and the backup used instead. Never throws. */
  private load(bucket: Bucket): void {
    const file = bucket.file;
    if (file === undefined) return;
    const log = this.options.log;
    const who = `the storage of ${bucket.pluginId} (${bucket.scope})`;
    removeStaleTemps(file);
    const main = readKvFile(file);
    // No main file means no data, even if a backup exists: writes never remove it (rename replaces it atomically), so
    // it is missing only before the first write or because someone deleted it to reset the plugin's data.
    if (main.kind === 'missing') return;
    if (main.kind === 'ok') {
      for (const [k, v] of main.entries) bucket.put(k, v);
      bucket.diskIsGood = true;
      if (main.skipped > 0) log.warn(`${who}: ignored ${main.skipped} entries that are not strings in ${file}`);
      return;
    }
    // Damaged: keep it for inspection, never let it become the backup.
    const aside = `${file}.damaged`;
    try { fs.renameSync(file, aside); } catch { /* leave it; diskIsGood stays false so it is overwritten, not backed up */ }
    const bak = readKvFile(`${file}.bak`);
    if (bak.kind === 'ok') {
      for (const [k, v] of bak.entries) bucket.put(k, v);
      log.warn(`${who} was damaged (${main.problem}); restored the previous copy from ${file}.bak. The damaged file is kept as ${aside}.`);
      // Write the restored data back as the main file soon.
      this.changed(bucket);
      return;
    }
    log.error(`${who} was damaged (${main.problem}) and no good backup exists; the plugin starts with empty storage. The damaged file is kept as ${aside}.`);
  }
}

type ReadResult =
  | { readonly kind: 'missing' }
  | { readonly kind: 'damaged'; readonly problem: string }
  | { readonly kind: 'ok'; readonly entries: [string, string][]; readonly skipped: number };

function readKvFile(file: string): ReadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'damaged', problem: `unreadable: ${describeError(e)}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { kind: 'damaged', problem: `not valid JSON: ${describeError(e)}` };
  }
  const d = data as Partial<KvFile> | null;
  if (d === null || typeof d !== 'object' || d.format !== KV_FORMAT || d.entries === null || typeof d.entries !== 'object' || Array.isArray(d.entries)) {
    return { kind: 'damaged', problem: `not a ${KV_FORMAT} file` };
  }
  const entries: [string, string][] = [];
  let skipped = 0;
  for (const [k, v] of Object.entries(d.entries)) {
    if (typeof v === 'string' && k.length > 0) entries.push([k, v]);
    else skipped++;
  }
  return { kind: 'ok', entries, skipped };
}

/** Makes `<file>.bak` the current `<file>` (a hard link: cheap, and the main file never goes missing). */
async function backup(file: string): Promise<void> {
  const bak = `${file}.bak`;
  const tmp = `${bak}.tmp`;
  await fs.promises.rm(tmp, { force: true });
  try {
    await fs.promises.link(file, tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // deleted behind our back: nothing to keep
    await fs.promises.copyFile(file, tmp); // file systems without hard links
  }
  await fs.promises.rename(tmp, bak);
}

function removeStaleTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    try {
      const full = path.join(dir, name);
      if (now - fs.statSync(full).mtimeMs > STALE_TEMP_MS) fs.rmSync(full, { force: true });
    } catch {
      // Another process may be finishing it; harmless either way.
    }
  }
}

function checkPluginId(pluginId: string): void {
  // Ids come from validated manifests; this guards the file system against any other caller.
  if (typeof pluginId !== 'string' || !PLUGIN_ID.test(pluginId) || pluginId.length > 64) {
    throw new PluginError('internal', String(pluginId), `"${String(pluginId)}" is not a plugin id; storage was not touched.`);
  }
}

/** The `storage` host interface of one plugin over the store. */
export interface StorageApiOptions {
  /**
   * `set` and `remove` answer only once the change is on disk (the plugin waits, blocked in its worker). Without it
   * they answer at once and the change is written within the flush delay: faster, but a process killed in that window
   * loses changes the plugin was told were stored. The extension uses durable storage; synchronous in-process callers
   * (benchmarks) cannot wait and use the default.
   */
  readonly durable?: boolean;
}

export function storageApi(store: KvStore, pluginId: string, options: StorageApiOptions = {}): HostApi['storage'] {
  checkPluginId(pluginId);
  const durable = options.durable === true;
  return {
    get: (scope, key) => store.get(pluginId, scope, key),
    set: (scope, key, value) => {
      store.set(pluginId, scope, key, value);
      return durable ? store.persisted(pluginId, scope) : undefined;
    },
    remove: (scope, key) => {
      store.remove(pluginId, scope, key);
      return durable ? store.persisted(pluginId, scope) : undefined;
    },
    keys: (scope) => store.keys(pluginId, scope),
  };
}
