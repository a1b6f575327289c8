// A WASI program as a process: started with arguments, environment and preopened directories; bytes in on stdin, bytes
// out on stdout/stderr; one exit status at the end. Two runtimes implement it: the bundled one (a worker thread running
// a preview1 implementation, ./wasiProcess.ts) and, inside VS Code when the `ms-vscode.wasm-wasi-core` extension is
// installed, @vscode/wasm-wasi's (src/host/wasi/vscodeWasi.ts). Everything above this interface (the LSP transport,
// the command runner, the language-client wiring) is written once against it.

import type { PluginError } from '../errors';

export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;

/** Subscribe with a listener; dispose the result to unsubscribe. */
export type Event<T> = (listener: Listener<T>) => Disposable;

/** A directory of the host made visible to the program. */
export interface WasiPreopen {
  /** Absolute path the program sees, e.g. `/workspace`. */
  readonly guestPath: string;
  /** Absolute host directory. Resolved (symlinks followed) once at start; nothing outside it is reachable. */
  readonly hostPath: string;
  /** Without it every write, create, rename or delete fails with EROFS ("Read-only file system"). */
  readonly writable: boolean;
}

export interface WasiStartOptions {
  /** The plugin id, for messages and argv[0]. */
  readonly id: string;
  /** A human name for messages ("Word Frequency (word-freq)"); defaults to the id. */
  readonly label?: string;
  /**
   * The program: a module compiled with its memory already capped (what `loadPlugin`/`compilePlugin` return), or its
   * bytes, which are capped to `maxMemoryPages` and compiled here.
   */
  readonly module: WebAssembly.Module | Uint8Array;
  /** Linear memory cap in 64 KiB pages (used for bytes, and to recognise a failure as running out of memory). */
  readonly maxMemoryPages?: number;
  /** argv[1..]; argv[0] is the id. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly preopens?: readonly WasiPreopen[];
  /** 'closed': the program reads EOF at once. Default 'pipe': the caller writes with writeStdin and ends with closeStdin. */
  readonly stdin?: 'pipe' | 'closed';
  /** Report stdin/stdout/stderr as a terminal (isatty), so C stdio line-buffers. */
  readonly terminal?: boolean;
  /** The process is killed after this long (reason 'timeout'). */
  readonly timeoutMs?: number;
}

export type WasiExitReason =
  /** The program returned from main or called exit(): `code` is its exit code. */
  | 'exited'
  /** kill() was called. */
  | 'killed'
  /** It ran longer than `timeoutMs`. */
  | 'timeout'
  /** It trapped (unreachable, out-of-bounds access, a Rust panic with panic=abort, stack overflow…). */
  | 'trap'
  /** It trapped or failed while its memory was at the cap. */
  | 'memory-limit'
  /** It could not start (bad module, missing preopen directory) or its worker died. */
  | 'crashed';

export interface WasiExitStatus {
  readonly reason: WasiExitReason;
  /** The exit code for 'exited'; null otherwise. */
  readonly code: number | null;
  /** For every reason but 'exited' and 'killed': what happened, in a message that says what to do. */
  readonly error?: PluginError;
}

export interface WasiProcess {
  readonly id: string;
  /** Bytes the program wrote to fd 1 / fd 2, in order. Chunks are not aligned to lines or messages. */
  readonly onStdout: Event<Uint8Array>;
  readonly onStderr: Event<Uint8Array>;
  /** Settles once, after the last stdout/stderr chunk was delivered. Never rejects. */
  readonly exited: Promise<WasiExitStatus>;
  /** Whether `exited` has settled. */
  readonly hasExited: boolean;
  /**
   * Queues bytes (strings as UTF-8) for the program's stdin. Resolves when the program has room for all of them (the
   * stdin buffer is bounded); rejects if the process ended before that or stdin was closed.
   */
  writeStdin(data: Uint8Array | string): Promise<void>;
  /** End of input: once the queued bytes are read, reads return EOF. */
  closeStdin(): void;
  /** Stops the program at once, wherever it is (also while it blocks on stdin). Resolves with the exit status. */
  kill(): Promise<WasiExitStatus>;
}

/** Something that starts WASI processes: the bundled worker runtime or @vscode/wasm-wasi. */
export interface WasiRuntime {
  /** 'bundled' or 'vscode-wasm-wasi', for logs. */
  readonly name: string;
  /** Throws PluginError when the program cannot be started at all (bad preopen, module does not compile). */
  start(options: WasiStartOptions): Promise<WasiProcess>;
}

export namespace WasiProcess {
  export function is(value: unknown): value is WasiProcess {
    const p = value as WasiProcess | undefined;
    return typeof p === 'object' && p !== null && typeof p.writeStdin === 'function' && typeof p.onStdout === 'function'
      && typeof p.kill === 'function' && p.exited instanceof Promise;
  }
}

/** A minimal event emitter (core code cannot use vscode.EventEmitter). */
export class Emitter<T> {
  private listeners: Listener<T>[] = [];

  readonly event: Event<T> = (listener) => {
    this.listeners.push(listener);
    return { dispose: () => { this.listeners = this.listeners.filter((l) => l !== listener); } };
  };

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  fire(value: T): void {
    for (const l of this.listeners.slice()) l(value);
  }

  dispose(): void {
    this.listeners = [];
  }
}
