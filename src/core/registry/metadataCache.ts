// What discovery knows about plugin files without compiling them: manifest and validation verdict, cached by the
// file's sha256, and a stat index (size + mtime) that maps a path to its sha256 so an unchanged file is not even read
// at activation. A missing, corrupt or stale cache file is rebuilt, never fatal. Written atomically, only when changed.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PluginBinary } from '../runtime/loader';
import type { SerializedPluginError } from '../errors';
import { writeFileAtomic } from '../atomicFile';
import type { Log } from '../log';

export interface CachedVerdict {
  readonly binary?: PluginBinary;
  readonly error?: SerializedPluginError;
}

interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

interface CacheFile {
  readonly format: string;
  readonly files: Record<string, FileStamp>;
  readonly verdicts: Record<string, CachedVerdict>;
}

export class MetadataCache {
  private files = new Map<string, FileStamp>();
  private verdicts = new Map<string, CachedVerdict>();
  private dirty = false;
  private loaded = false;

  /** `format` changes whenever what a verdict means changes (host version, API versions): old caches are dropped. */
  constructor(private readonly file: string, private readonly format: string, private readonly log: Log) {}

  load(): void {
    this.loaded = true;
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`plugin cache unreadable, rebuilding it: ${(e as Error).message}`);
      return;
    }
    try {
      const data = JSON.parse(text) as CacheFile;
      if (data.format !== this.format || typeof data.files !== 'object' || typeof data.verdicts !== 'object' || data.files === null || data.verdicts === null) {
        this.log.info('plugin cache is from another version, rebuilding it');
        this.dirty = true;
        return;
      }
      for (const [file, stamp] of Object.entries(data.files)) {
        if (typeof stamp?.sha256 === 'string' && typeof stamp.size === 'number' && typeof stamp.mtimeMs === 'number') this.files.set(file, stamp);
      }
      for (const [sha, verdict] of Object.entries(data.verdicts)) {
        if (verdict && (typeof verdict.binary?.manifest?.id === 'string' || typeof verdict.error?.reason === 'string')) this.verdicts.set(sha, verdict);
      }
    } catch (e) {
      this.log.warn(`plugin cache is corrupt, rebuilding it: ${(e as Error).message}`);
      this.files.clear();
      this.verdicts.clear();
      this.dirty = true;
    }
  }

  /** The verdict for a file if its size and mtime still match what was cached. */
  lookup(file: string, stat: { size: number; mtimeMs: number }): (CachedVerdict & { sha256: string }) | undefined {
    if (!this.loaded) this.load();
    const stamp = this.files.get(file);
    if (stamp === undefined || stamp.size !== stat.size || stamp.mtimeMs !== stat.mtimeMs) return undefined;
    const verdict = this.verdicts.get(stamp.sha256);
    return verdict === undefined ? undefined : { ...verdict, sha256: stamp.sha256 };
  }

  /** A verdict by content hash, whatever the path (an installed copy of a known file). */
  bySha(sha256: string): CachedVerdict | undefined {
    if (!this.loaded) this.load();
    return this.verdicts.get(sha256);
  }

  store(file: string, stat: { size: number; mtimeMs: number }, sha256: string, verdict: CachedVerdict): void {
    if (!this.loaded) this.load();
    this.files.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, sha256 });
    this.verdicts.set(sha256, verdict);
    this.dirty = true;
  }

  forget(file: string): void {
    if (this.files.delete(file)) this.dirty = true;
  }

  /** Drops verdicts no file points to any more, then writes the cache if anything changed. */
  async flush(): Promise<void> {
    if (!this.dirty) return;
    const used = new Set([...this.files.values()].map((s) => s.sha256));
    for (const sha of [...this.verdicts.keys()]) if (!used.has(sha)) this.verdicts.delete(sha);
    const data: CacheFile = { format: this.format, files: Object.fromEntries(this.files), verdicts: Object.fromEntries(this.verdicts) };
    try {
      await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, JSON.stringify(data));
      this.dirty = false;
    } catch (e) {
      this.log.warn(`could not write the plugin cache (${(e as Error).message}); discovery will re-read plugins next time`);
    }
  }
}
