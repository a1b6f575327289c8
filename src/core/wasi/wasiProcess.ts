// The bundled WASI runtime: every process is one worker thread (./wasiWorker.ts) running the program once. The
// starting thread never blocks: stdin is written into a shared ring (waiting asynchronously when it is full), output
// arrives as worker messages, and the end of the program (or of its worker) settles `exited` exactly once.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PluginError } from '../errors';
import { BinaryError, capMemories } from '../wasm/binary';
import { createStdioBuffers, outputHandled, StdinClosedError, StdinWriter, StdioBuffers } from './stdio';
import type { WasiWorkerInit, WasiWorkerMessage } from './wasiWorker';
import { Emitter, WasiExitStatus, WasiPreopen, WasiProcess, WasiRuntime, WasiStartOptions } from './types';

export const DEFAULT_WASI_MEMORY_PAGES = 4096; // 256 MiB
const PAGE = 65536;

export interface BundledWasiRuntimeOptions {
  /** Path of the worker entry (wasiWorker.js). Defaults to the file next to this module (dist/ or out/). */
  readonly workerPath?: string;
  /** V8 heap limits of the worker (the program's linear memory is capped separately, in the module). */
  readonly resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number; stackSizeMb?: number };
  /** stdin ring size in bytes (a power of two). */
  readonly stdinBytes?: number;
}

/** Starts WASI programs in worker threads with the bundled preview1 implementation. */
export class BundledWasiRuntime implements WasiRuntime {
  readonly name = 'bundled';
  constructor(private readonly options: BundledWasiRuntimeOptions = {}) {}

  async start(options: WasiStartOptions): Promise<WasiProcess> {
    return WorkerWasiProcess.start(options, this.options);
  }
}

function who(options: WasiStartOptions): string {
  return options.label ?? options.id;
}

/** The module to run: as given, or the bytes capped to `maxMemoryPages` and compiled. Throws PluginError. */
export async function compileWasiProgram(options: WasiStartOptions): Promise<WebAssembly.Module> {
  if (!(options.module instanceof Uint8Array)) return options.module;
  let capped: Uint8Array;
  try {
    capped = capMemories(options.module, options.maxMemoryPages ?? DEFAULT_WASI_MEMORY_PAGES);
  } catch (e) {
    if (e instanceof BinaryError) {
      throw new PluginError('memory-limit', options.id, `${who(options)} cannot start within the memory limit: ${e.message}. Raise "wasmPlugins.limits.memoryMB" for this plugin.`);
    }
    throw e;
  }
  try {
    return await WebAssembly.compile(capped);
  } catch (e) {
    throw new PluginError('invalid-module', options.id, `${who(options)} does not compile: ${(e as Error).message}. Rebuild it.`);
  }
}

/** Normalised preopens; throws PluginError when one is malformed, given twice, or its host folder is missing. */
export function checkPreopens(options: WasiStartOptions): WasiPreopen[] {
  const seen = new Set<string>();
  return (options.preopens ?? []).map((p) => {
    const guest = path.posix.normalize(p.guestPath).replace(/\/+$/, '');
    if (!p.guestPath.startsWith('/') || guest === '') {
      throw new PluginError('internal', options.id, `preopen "${p.guestPath}" must be an absolute guest path below "/"`);
    }
    if (seen.has(guest)) throw new PluginError('internal', options.id, `preopen "${guest}" is given twice`);
    seen.add(guest);
    let isDir = false;
    try {
      isDir = fs.statSync(p.hostPath).isDirectory();
    } catch { /* reported below */ }
    if (!isDir) {
      throw new PluginError('not-found', options.id, `${who(options)} cannot start: the folder ${p.hostPath} it was given as ${guest} does not exist or is not a folder. Reopen the workspace or revoke and grant the plugin's file access again.`);
    }
    return { guestPath: guest, hostPath: path.resolve(p.hostPath), writable: p.writable };
  });
}

class WorkerWasiProcess implements WasiProcess {
  private readonly stdoutEmitter = new Emitter<Uint8Array>();
  private readonly stderrEmitter = new Emitter<Uint8Array>();
  readonly onStdout = this.stdoutEmitter.event;
  readonly onStderr = this.stderrEmitter.event;
  readonly exited: Promise<WasiExitStatus>;
  private resolveExited!: (status: WasiExitStatus) => void;
  private ended = false;
  /** What the worker said about the program's end (exit, trap, startup error). */
  private reported: WasiExitStatus | undefined;
  /** Why we stopped it (kill, timeout). */
  private stopped: WasiExitStatus | undefined;
  private workerError: Error | undefined;
  private readonly stdin: StdinWriter;
  private readonly control: Int32Array;
  private timer: NodeJS.Timeout | undefined;
  private readonly worker: Worker;

  static async start(options: WasiStartOptions, runtime: BundledWasiRuntimeOptions): Promise<WasiProcess> {
    // C strings end at NUL and environment entries at the first "=": either would silently change what the program sees.
    const bad = [...(options.args ?? []), ...Object.values(options.env ?? {})].find((a) => a.includes('\0'))
      ?? Object.keys(options.env ?? {}).find((k) => k === '' || /[=\0]/.test(k));
    if (bad !== undefined) throw new PluginError('internal', options.id, `argument or environment entry ${JSON.stringify(bad)} cannot be passed to a WASI program`);
    const preopens = checkPreopens(options);
    const module = await compileWasiProgram(options);
    return new WorkerWasiProcess(options, runtime, module, preopens);
  }

  private constructor(private readonly options: WasiStartOptions, runtime: BundledWasiRuntimeOptions, module: WebAssembly.Module, preopens: WasiPreopen[]) {
    this.exited = new Promise((resolve) => { this.resolveExited = resolve; });
    const stdio: StdioBuffers = createStdioBuffers(runtime.stdinBytes);
    this.stdin = new StdinWriter(stdio);
    this.control = new Int32Array(stdio.control);
    if (options.stdin === 'closed') this.stdin.close();
    const init: WasiWorkerInit = {
      kind: 'wasi-process',
      id: options.id,
      module,
      args: [...(options.args ?? [])],
      env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
      preopens,
      stdio,
      terminal: options.terminal ?? false,
    };
    const worker = new Worker(runtime.workerPath ?? path.join(__dirname, 'wasiWorker.js'), {
      workerData: init,
      resourceLimits: runtime.resourceLimits,
      execArgv: [],
      stdout: true,
      stderr: true,
      name: `wasi:${options.id}`,
    });
    // The worker's own console streams are unused, but unread streams must still be drained.
    worker.stdout.resume();
    worker.stderr.resume();
    worker.on('message', (m: WasiWorkerMessage) => this.onMessage(m));
    worker.on('error', (e) => { this.workerError = e; });
    worker.on('exit', () => this.finish());
    this.worker = worker;
    if (options.timeoutMs !== undefined) {
      this.timer = setTimeout(() => {
        this.stop({
          reason: 'timeout', code: null,
          error: new PluginError('timeout', options.id, `${who(options)} ran longer than ${options.timeoutMs} ms and was stopped. If it needs more time, raise its time limit.`),
        });
      }, options.timeoutMs);
    }
  }

  get id(): string {
    return this.options.id;
  }

  get hasExited(): boolean {
    return this.ended;
  }

  writeStdin(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    return this.stdin.write(bytes).catch((e: unknown) => {
      if (e instanceof StdinClosedError) {
        throw new PluginError(this.ended || this.stopped ? 'crashed' : 'internal', this.id, `${who(this.options)} cannot take more input: ${e.message}.`);
      }
      throw e;
    });
  }

  closeStdin(): void {
    this.stdin.close();
  }

  kill(): Promise<WasiExitStatus> {
    this.stop({ reason: 'killed', code: null });
    return this.exited;
  }

  private stop(status: WasiExitStatus): void {
    if (this.ended || this.stopped !== undefined) return;
    this.stopped = status;
    this.stdin.abandon(`${who(this.options)} was stopped`);
    void this.worker.terminate();
  }

  private onMessage(m: WasiWorkerMessage): void {
    switch (m.t) {
      case 'out':
        try {
          (m.fd === 1 ? this.stdoutEmitter : this.stderrEmitter).fire(m.data);
        } finally {
          outputHandled(this.control, m.data.byteLength);
        }
        break;
      case 'exit':
        this.reported = { reason: 'exited', code: m.code };
        break;
      case 'trap':
        this.reported = this.trapStatus(m.message, m.memoryBytes);
        break;
      case 'error':
        this.reported = {
          reason: 'crashed', code: null,
          error: new PluginError('crashed', this.id, `${who(this.options)} could not run: ${m.message}. Rebuild it as a WASI preview1 program, or report this to its author.`),
        };
        break;
    }
  }

  private trapStatus(message: string, memoryBytes: number): WasiExitStatus {
    const cap = (this.options.maxMemoryPages ?? DEFAULT_WASI_MEMORY_PAGES) * PAGE;
    // A failed memory.grow is not a trap by itself; the program aborts after it. Near the cap, that is the likely cause.
    if (memoryBytes >= cap * 0.9) {
      return {
        reason: 'memory-limit', code: null,
        error: new PluginError('memory-limit', this.id, `${who(this.options)} stopped (${message}) after using ${Math.round(memoryBytes / 2 ** 20)} MB of its ${Math.round(cap / 2 ** 20)} MB memory limit: it probably ran out of memory. Raise "wasmPlugins.limits.memoryMB" for it if the input is that large.`),
      };
    }
    return {
      reason: 'trap', code: null,
      error: new PluginError('trap', this.id, `${who(this.options)} crashed: ${message}. Run it again; if it keeps crashing, report it to the plugin's author.`),
    };
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    // What the program did comes first: a program that ended by itself just before a kill has exited, not been killed.
    const status = this.reported ?? this.stopped ?? {
      reason: 'crashed', code: null,
      error: new PluginError('crashed', this.id, `${who(this.options)} stopped unexpectedly${this.workerError ? `: ${this.workerError.message}` : ''}. Run it again; if it keeps happening, raise its memory limits or report it.`),
    } satisfies WasiExitStatus;
    this.stdin.abandon(`${who(this.options)} has ended`);
    this.stdoutEmitter.dispose();
    this.stderrEmitter.dispose();
    this.resolveExited(status);
  }
}

/** Starts a program with the bundled runtime. */
export function startWasiProcess(options: WasiStartOptions, runtime: BundledWasiRuntimeOptions = {}): Promise<WasiProcess> {
  return WorkerWasiProcess.start(options, runtime);
}

export interface CollectedOutput {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: WasiExitStatus;
  /** Output beyond `maxOutputBytes` was dropped. */
  readonly truncated: boolean;
}

/**
 * Feeds `input` (if any) to stdin, closes it, and collects stdout/stderr as UTF-8 text until the process ends: how a
 * wasi-command with output "output" or "notification" runs. Kept to `maxOutputBytes` per stream.
 */
export async function runToCompletion(proc: WasiProcess, input?: Uint8Array | string, maxOutputBytes = 4 * 1024 * 1024): Promise<CollectedOutput> {
  const collect = () => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let truncated = false;
    return {
      add(chunk: Uint8Array) {
        if (size >= maxOutputBytes) { truncated = true; return; }
        const keep = chunk.subarray(0, maxOutputBytes - size);
        if (keep.length < chunk.length) truncated = true;
        chunks.push(keep.slice());
        size += keep.length;
      },
      // `fatal: false`: a program may print anything; a multi-byte character cut by the limit becomes U+FFFD.
      text: () => new TextDecoder('utf-8').decode(Buffer.concat(chunks)),
      get truncated() { return truncated; },
    };
  };
  const out = collect();
  const err = collect();
  const subscriptions = [proc.onStdout((c) => out.add(c)), proc.onStderr((c) => err.add(c))];
  try {
    if (input !== undefined) await proc.writeStdin(input).catch(() => undefined);   // it may end without reading it all
    proc.closeStdin();
    const status = await proc.exited;
    return { stdout: out.text(), stderr: err.text(), status, truncated: out.truncated || err.truncated };
  } finally {
    for (const s of subscriptions) s.dispose();
  }
}
