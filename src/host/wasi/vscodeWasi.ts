// The VS Code side of WASI programs, used by src/host/wasi/wasiPlugins.ts:
//   selectWasiRuntime   @vscode/wasm-wasi when the ms-vscode.wasm-wasi-core extension is installed and loads, the
//                       bundled worker runtime otherwise — our extension never depends on wasm-wasi-core
//   VscodeWasiRuntime   core's WasiRuntime over @vscode/wasm-wasi's createProcess; preopens become mount points of
//                       SandboxFileSystem, so the same read-only/containment rules hold under either runtime
//   WasiPseudoterminal  a terminal for the bundled runtime: output with CR LF, a line editor feeding stdin,
//                       Ctrl+D = end of input, Ctrl+C = stop (wasm-wasi-core brings its own pseudoterminal)

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MountPointDescriptor, Wasm, WasmProcess, Writable } from '@vscode/wasm-wasi/v1';
import { PluginError } from '../../core/errors';
import { Emitter, WasiExitStatus, WasiPreopen, WasiProcess, WasiRuntime, WasiStartOptions } from '../../core/wasi/types';
import { BundledWasiRuntime, checkPreopens, compileWasiProgram } from '../../core/wasi/wasiProcess';

export const WASM_WASI_CORE = 'ms-vscode.wasm-wasi-core';

/**
 * The runtime for WASI plugins. Registers the sandbox file system in `context.subscriptions` when it uses
 * @vscode/wasm-wasi. Falls back to the bundled runtime if the facade cannot load the extension (and says why).
 */
export async function selectWasiRuntime(context: vscode.ExtensionContext, log: (message: string) => void): Promise<WasiRuntime> {
  const bundled = new BundledWasiRuntime({ workerPath: path.join(context.extensionPath, 'dist', 'wasiWorker.js') });
  if (vscode.extensions.getExtension(WASM_WASI_CORE) === undefined) return bundled;
  try {
    // Loaded only here: the facade activates wasm-wasi-core, which must not be a hard dependency of ours.
    const { Wasm } = await import('@vscode/wasm-wasi/v1');
    const wasm = await Wasm.load();
    const sandbox = new SandboxFileSystem();
    context.subscriptions.push(vscode.workspace.registerFileSystemProvider(SandboxFileSystem.scheme, sandbox, { isCaseSensitive: true }));
    log(`WASI programs run on ${WASM_WASI_CORE} ${wasm.versions.extension}`);
    return new VscodeWasiRuntime(wasm, sandbox);
  } catch (e) {
    log(`${WASM_WASI_CORE} is installed but could not be used (${e instanceof Error ? e.message : String(e)}); WASI programs run on the bundled runtime`);
    return bundled;
  }
}

// ---- @vscode/wasm-wasi adapter --------------------------------------------------------------------------------------

const EOT = new Uint8Array([4]);

export class VscodeWasiRuntime implements WasiRuntime {
  readonly name = 'vscode-wasm-wasi';
  constructor(private readonly wasm: Wasm, private readonly sandbox: SandboxFileSystem) {}

  async start(options: WasiStartOptions): Promise<WasiProcess> {
    const preopens = checkPreopens(options);
    const module = await compileWasiProgram(options);
    const mounts = preopens.map((p) => this.sandbox.mount(p));
    // FIXME: the facade's Writable has no end(); with `eot` an EOT byte (0x04) closes it. LSP never sends a raw 0x04
    // (JSON escapes it), but a document piped to a wasi-command could contain one and would end its input early.
    const stdin = this.wasm.createWritable({ eot: true, encoding: 'utf-8' });
    try {
      const process = await this.wasm.createProcess(options.id, module, {
        args: [...(options.args ?? [])],
        env: { ...(options.env ?? {}) },
        stdio: { in: { kind: 'pipeIn', pipe: stdin }, out: { kind: 'pipeOut' }, err: { kind: 'pipeOut' } },
        mountPoints: mounts.map((m): MountPointDescriptor => ({ kind: 'vscodeFileSystem', uri: m.uri, mountPoint: m.guestPath })),
      });
      return new VscodeWasiProcess(options, process, stdin, () => mounts.forEach((m) => m.dispose()));
    } catch (e) {
      mounts.forEach((m) => m.dispose());
      throw new PluginError('crashed', options.id, `${options.label ?? options.id} could not start on ${WASM_WASI_CORE}: ${e instanceof Error ? e.message : String(e)}.`);
    }
  }
}

class VscodeWasiProcess implements WasiProcess {
  private readonly stdout = new Emitter<Uint8Array>();
  private readonly stderr = new Emitter<Uint8Array>();
  readonly onStdout = this.stdout.event;
  readonly onStderr = this.stderr.event;
  readonly exited: Promise<WasiExitStatus>;
  private ended = false;
  private stdinClosed = false;
  private stopped: WasiExitStatus | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: WasiStartOptions, private readonly process: WasmProcess, private readonly stdin: Writable, release: () => void) {
    process.stdout?.onData((d) => this.stdout.fire(d));
    process.stderr?.onData((d) => this.stderr.fire(d));
    if (options.stdin === 'closed') this.closeStdin();
    if (options.timeoutMs !== undefined) {
      this.timer = setTimeout(() => this.stop({
        reason: 'timeout', code: null,
        error: new PluginError('timeout', options.id, `${options.label ?? options.id} ran longer than ${options.timeoutMs} ms and was stopped.`),
      }), options.timeoutMs);
    }
    this.exited = process.run().then(
      (code): WasiExitStatus => this.stopped ?? { reason: 'exited', code },
      (e: unknown): WasiExitStatus => this.stopped ?? {
        reason: 'trap', code: null,
        error: new PluginError('trap', options.id, `${options.label ?? options.id} crashed: ${e instanceof Error ? e.message : String(e)}. Run it again; if it keeps crashing, report it to the plugin's author.`),
      },
    ).finally(() => {
      this.ended = true;
      if (this.timer) clearTimeout(this.timer);
      release();
    });
  }

  get id(): string {
    return this.options.id;
  }

  get hasExited(): boolean {
    return this.ended;
  }

  async writeStdin(data: Uint8Array | string): Promise<void> {
    if (this.ended || this.stdinClosed) throw new PluginError('crashed', this.id, `${this.options.label ?? this.id} cannot take more input: it has ended or its input was closed.`);
    await this.stdin.write(typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }

  closeStdin(): void {
    if (this.stdinClosed) return;
    this.stdinClosed = true;
    void this.stdin.write(EOT);
  }

  kill(): Promise<WasiExitStatus> {
    this.stop({ reason: 'killed', code: null });
    return this.exited;
  }

  private stop(status: WasiExitStatus): void {
    if (this.ended || this.stopped) return;
    this.stopped = status;
    void this.process.terminate();
  }
}

// ---- the sandbox file system for wasm-wasi-core mounts ----------------------------------------------------------------

interface Mount {
  readonly root: vscode.Uri;
  readonly realRoot: string;
  readonly writable: boolean;
}

/**
 * `wasm-plugins-sandbox://<mount id>/<path>` → the granted folder. wasm-wasi-core reaches files only through
 * vscode.workspace.fs, which follows symlinks anywhere and has no read-only mounts; this provider adds both rules:
 * writes fail with NoPermissions unless the mount is writable, and a path whose real location is outside the folder
 * does not exist.
 */
export class SandboxFileSystem implements vscode.FileSystemProvider {
  static readonly scheme = 'wasm-plugins-sandbox';
  private readonly mounts = new Map<string, Mount>();
  private nextId = 1;
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;

  mount(p: WasiPreopen): { uri: vscode.Uri; guestPath: string; dispose(): void } {
    const id = `m${this.nextId++}`;
    this.mounts.set(id, { root: vscode.Uri.file(p.hostPath), realRoot: fs.realpathSync.native(p.hostPath), writable: p.writable });
    return { uri: vscode.Uri.from({ scheme: SandboxFileSystem.scheme, authority: id, path: '/' }), guestPath: p.guestPath, dispose: () => this.mounts.delete(id) };
  }

  private target(uri: vscode.Uri, write: boolean): vscode.Uri {
    const mount = this.mounts.get(uri.authority);
    if (mount === undefined) throw vscode.FileSystemError.Unavailable(uri);
    if (write && !mount.writable) throw vscode.FileSystemError.NoPermissions('read-only: the plugin was not granted "workspace-write"');
    // The URI path is already normalised ("..": removed); what remains is symlinks on the way.
    const rel = path.posix.normalize(uri.path).replace(/^\/+/, '');
    const host = path.join(mount.realRoot, ...rel.split('/').filter((s) => s !== ''));
    let real = host;
    try {
      real = fs.realpathSync.native(host);
    } catch {
      // Does not exist (yet): check its parent, which must.
      try { real = path.join(fs.realpathSync.native(path.dirname(host)), path.basename(host)); } catch { throw vscode.FileSystemError.FileNotFound(uri); }
    }
    const r = path.relative(mount.realRoot, real);
    if (r === '..' || r.startsWith(`..${path.sep}`) || path.isAbsolute(r)) throw vscode.FileSystemError.FileNotFound(uri);
    return vscode.Uri.file(real);
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }
  stat(uri: vscode.Uri): Thenable<vscode.FileStat> {
    return vscode.workspace.fs.stat(this.target(uri, false));
  }
  readDirectory(uri: vscode.Uri): Thenable<[string, vscode.FileType][]> {
    return vscode.workspace.fs.readDirectory(this.target(uri, false));
  }
  readFile(uri: vscode.Uri): Thenable<Uint8Array> {
    return vscode.workspace.fs.readFile(this.target(uri, false));
  }
  createDirectory(uri: vscode.Uri): Thenable<void> {
    return vscode.workspace.fs.createDirectory(this.target(uri, true));
  }
  writeFile(uri: vscode.Uri, content: Uint8Array): Thenable<void> {
    return vscode.workspace.fs.writeFile(this.target(uri, true), content);
  }
  delete(uri: vscode.Uri, options: { recursive: boolean }): Thenable<void> {
    return vscode.workspace.fs.delete(this.target(uri, true), { recursive: options.recursive, useTrash: false });
  }
  rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { overwrite: boolean }): Thenable<void> {
    return vscode.workspace.fs.rename(this.target(oldUri, true), this.target(newUri, true), options);
  }
}

// ---- a terminal for the bundled runtime -----------------------------------------------------------------------------

/**
 * Shows a process's output in a terminal and feeds typed lines to its stdin: `vscode.window.createTerminal({ name,
 * pty: new WasiPseudoterminal(process) })`. Enter sends the line, Backspace edits it, Ctrl+D ends the input, Ctrl+C
 * stops the program; after the program ends, any key closes the terminal.
 */
export class WasiPseudoterminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private line = '';
  private done = false;
  private readonly decoders = { out: new TextDecoder(), err: new TextDecoder() };

  constructor(private readonly process: WasiProcess) {
    process.onStdout((b) => this.show(this.decoders.out.decode(b, { stream: true })));
    process.onStderr((b) => this.show(this.decoders.err.decode(b, { stream: true }), true));
    void process.exited.then((status) => {
      this.done = true;
      const how = status.reason === 'exited' ? `exited with code ${status.code}` : status.error?.message ?? status.reason;
      this.show(`\n[${process.id} ${how}. Press any key to close.]\n`);
    });
  }

  open(): void { /* output flows as soon as it arrives */ }

  close(): void {
    if (!this.done) void this.process.kill();
  }

  handleInput(data: string): void {
    if (this.done) { this.closeEmitter.fire(); return; }
    for (const ch of data) {
      if (ch === '\r') {
        this.writeEmitter.fire('\r\n');
        void this.process.writeStdin(`${this.line}\n`).catch(() => undefined);
        this.line = '';
      } else if (ch === '\x7f') {
        if (this.line.length > 0) {
          this.line = [...this.line].slice(0, -1).join('');
          this.writeEmitter.fire('\b \b');
        }
      } else if (ch === '\x04') {
        if (this.line) void this.process.writeStdin(this.line).catch(() => undefined);
        this.line = '';
        this.process.closeStdin();
      } else if (ch === '\x03') {
        this.writeEmitter.fire('^C\r\n');
        void this.process.kill();
      } else if (ch >= ' ') {
        this.line += ch;
        this.writeEmitter.fire(ch);
      }
    }
  }

  private show(text: string, error = false): void {
    if (text === '') return;
    const crlf = text.replace(/\r?\n/g, '\r\n');
    this.writeEmitter.fire(error ? `\x1b[31m${crlf}\x1b[0m` : crlf);
  }
}
