// Helpers for the WASI tests: the programs `npm run build:plugins` built, a scratch workspace, and waiting on events
// with a deadline (never a sleep).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WORLD_SHAPE } from '../../../src/core/runtime/abi';
import { loadPlugin, PluginBinary } from '../../../src/core/runtime/loader';
import { startWasiProcess } from '../../../src/core/wasi/wasiProcess';
import type { WasiProcess, WasiStartOptions } from '../../../src/core/wasi/types';

/** Repo root, from out/test/core/support. */
export const ROOT = path.resolve(__dirname, '../../../..');

export function wasmFile(file: string): string {
  const full = [path.join(ROOT, 'dist', 'plugins', file), path.join(ROOT, 'dist', 'test-plugins', file)].find((p) => fs.existsSync(p));
  if (full === undefined) throw new Error(`${file} is not built: run \`npm run build:plugins\``);
  return full;
}

export function wasmBytes(file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(wasmFile(file)));
}

const loaded = new Map<string, Promise<{ binary: PluginBinary; module: WebAssembly.Module }>>();

/** Validated (by the real loader) and compiled with its memory capped, once per file and page count. */
export function loadProgram(file: string, maxMemoryPages = 4096): Promise<{ binary: PluginBinary; module: WebAssembly.Module }> {
  const key = `${file}:${maxMemoryPages}`;
  let p = loaded.get(key);
  if (p === undefined) {
    p = loadPlugin(wasmBytes(file), file, WORLD_SHAPE, { maxMemoryPages });
    loaded.set(key, p);
  }
  return p;
}

export async function start(file: string, options: Omit<WasiStartOptions, 'id' | 'module'> = {}): Promise<WasiProcess> {
  const { binary, module } = await loadProgram(file, options.maxMemoryPages);
  return startWasiProcess({ id: binary.manifest.id, label: `${binary.manifest.name} (${binary.manifest.id})`, module, ...options });
}

/** Rejects after `ms` with a message naming what was awaited. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Accumulates a process's output as text; `until` resolves once the text satisfies a predicate. */
export class OutputRecorder {
  private bytes: Uint8Array[] = [];
  private waiters: { test: (text: string) => boolean; resolve: (text: string) => void }[] = [];

  constructor(process: WasiProcess, stream: 'stdout' | 'stderr' = 'stdout') {
    (stream === 'stdout' ? process.onStdout : process.onStderr)((chunk) => {
      this.bytes.push(chunk.slice());
      const text = this.text;
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(text)) return true;
        w.resolve(text);
        return false;
      });
    });
  }

  get text(): string {
    return Buffer.concat(this.bytes).toString('utf8');
  }

  get raw(): Buffer {
    return Buffer.concat(this.bytes);
  }

  until(test: (text: string) => boolean, ms = 5000, what = 'output'): Promise<string> {
    if (test(this.text)) return Promise.resolve(this.text);
    return within(new Promise<string>((resolve) => this.waiters.push({ test, resolve })), ms, what);
  }
}

/** A fresh directory tree: `<tmp>/ws` (to be mounted) next to `<tmp>/outside/secret.txt` (must stay unreachable). */
export function scratchWorkspace(): { dir: string; ws: string; outside: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasi-test-'));
  const ws = path.join(dir, 'ws');
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(path.join(ws, 'sub'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(ws, 'notes.txt'), 'the quick brown fox jumps over the lazy dog\nthe end\n');
  fs.writeFileSync(path.join(ws, 'sub', 'inner.txt'), 'inner file\n');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'top secret words\n');
  return { dir, ws, outside, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
