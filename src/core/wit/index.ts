// Public entry of the WIT parser: WIT text (a file, a folder with optional `deps/`, or in-memory sources) to the
// resolved-package JSON of `wasm-tools component wit --json`, which `wit2ts` turns into TypeScript bindings.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { emitJson, WitJson } from './emitJson';
import { parsePackageGroup, WitSource } from './packageGroup';
import { Resolve, ResolveOptions, UnresolvedPackageGroup } from './resolve';
import { SourceMap, SpanError, WitError } from './witError';

export { WitError } from './witError';
export type { WitSource } from './packageGroup';
export type { WitJson } from './emitJson';
export { formatWitJson } from './emitJson';
export type WitOptions = ResolveOptions;

export interface WitFsOptions extends WitOptions {
  /** Folder that relative paths are read from; paths in errors stay as given. Defaults to `process.cwd()`. */
  cwd?: string;
}

/**
 * Runs `body` and turns every failure into a `WitError`: located errors get their file position, anything else
 * (a stack overflow on absurd input, an internal bug) is reported at the start of the first file rather than
 * escaping as another kind of exception.
 */
function guarded<T>(map: SourceMap, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof WitError) throw e;
    if (e instanceof SpanError) throw map.toWitError(e);
    const reason = e instanceof RangeError
      ? 'input is too deeply nested or too large to process'
      : `internal error: ${e instanceof Error ? e.message : String(e)}`;
    throw new WitError(map.firstPath(), 1, 1, reason, e);
  }
}

/**
 * Resolves in-memory WIT without touching the file system. `files` form the main package (like the `.wit` files of
 * one folder); each entry of `deps` is another package's files (like one `deps/NAME/` folder).
 */
export function parseWitSources(
  files: readonly WitSource[],
  deps: readonly (readonly WitSource[])[] = [],
  options: WitOptions = {},
): WitJson {
  const map = new SourceMap();
  return guarded(map, () => {
    const main = parsePackageGroup(files, map);
    const depGroups = deps.map((d) => parsePackageGroup(d, map));
    const resolve = new Resolve(map, options);
    resolve.pushGroups(main, depGroups);
    return emitJson(resolve);
  });
}

const WASM_UNSUPPORTED = 'WIT packages encoded as WebAssembly (.wasm/.wat) are not supported; use the .wit sources';

/** File access relative to a base folder, keeping the caller's spelling of paths for error messages. */
class Files {
  constructor(private readonly cwd: string) {}

  private real(p: string): string {
    return path.resolve(this.cwd, p);
  }

  readText(file: string): string {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.real(file));
    } catch (e) {
      throw new WitError(file, 1, 1, `failed to read file: ${(e as Error).message}`);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new WitError(file, 1, 1, 'input file is not valid utf-8');
    }
  }

  isDirectory(p: string): boolean {
    try {
      return fs.statSync(this.real(p)).isDirectory();
    } catch {
      return false;
    }
  }

  exists(p: string): boolean {
    return fs.existsSync(this.real(p));
  }

  /** Entries sorted by name bytes, like the reference sorts `deps/`. */
  list(dir: string): { name: string; path: string; isDir: boolean }[] {
    return fs.readdirSync(this.real(dir), { withFileTypes: true })
      .map((e) => {
        const full = path.join(dir, e.name);
        return { name: e.name, path: full, isDir: e.isDirectory() || (e.isSymbolicLink() && this.isDirectory(full)) };
      })
      .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  }

  /** The `.wit` files directly inside `dir` (sub-folders are not searched; `deps/` is handled separately). */
  packageDir(dir: string): WitSource[] {
    return this.list(dir)
      .filter((e) => !e.isDir && e.name.endsWith('.wit'))
      .map((e) => ({ path: e.path, text: this.readText(e.path) }));
  }
}

/**
 * Reads a WIT file, or a folder of WIT files with an optional `deps/` folder (each `deps/NAME/` folder or
 * `deps/NAME.wit` file is one dependency), and returns the resolved JSON. Throws `WitError`.
 */
export function witToJson(input: string, options: WitFsOptions = {}): WitJson {
  const map = new SourceMap();
  const files = new Files(options.cwd ?? process.cwd());
  return guarded(map, () => {
    if (!files.exists(input)) throw new WitError(input, 1, 1, 'no such file or folder');
    const resolve = new Resolve(map, options);
    if (!files.isDirectory(input)) {
      if (/\.(wasm|wat)$/.test(input)) throw new WitError(input, 1, 1, WASM_UNSUPPORTED);
      const main = parsePackageGroup([{ path: input, text: files.readText(input) }], map);
      resolve.pushGroups(main, []);
      return emitJson(resolve);
    }
    // The folder's own package is parsed before its dependencies, so its errors are reported first.
    const fromDir = (dir: string): UnresolvedPackageGroup => {
      const sources = files.packageDir(dir);
      if (sources.length === 0) throw new WitError(dir, 1, 1, 'no `package` header was found: the folder has no .wit files');
      return parsePackageGroup(sources, map);
    };
    const main = fromDir(input);
    const deps: UnresolvedPackageGroup[] = [];
    const depsDir = path.join(input, 'deps');
    if (files.isDirectory(depsDir)) {
      for (const entry of files.list(depsDir)) {
        if (entry.isDir) {
          deps.push(fromDir(entry.path));
        } else if (entry.name.endsWith('.wit')) {
          deps.push(parsePackageGroup([{ path: entry.path, text: files.readText(entry.path) }], map));
        } else if (entry.name.endsWith('.wasm') || entry.name.endsWith('.wat')) {
          throw new WitError(entry.path, 1, 1, WASM_UNSUPPORTED);
        }
        // Anything else (`.DS_Store`, `.gitkeep`, …) is ignored, as by wasm-tools.
      }
    }
    resolve.pushGroups(main, deps);
    return emitJson(resolve);
  });
}
