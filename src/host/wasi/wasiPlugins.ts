// The VS Code side of the two WASI plugin kinds; ExtensionHost owns one instance. It follows the registry the way
// PluginCommands does (enabled, unblocked, unshadowed entries only):
//   wasi-command     its manifest commands join the component commands (same `wasmPlugins.run.<plugin>.<command>`
//                    ids, same "Run Plugin Command…" quick pick) through PluginCommands' CommandSource; a run starts
//                    the program with the manifest's arguments, the active document or a terminal on stdin, and its
//                    output in an output channel, a notification or that terminal.
//   language-server  one LanguageClient per plugin, started on the first open document its selector matches, over
//                    the WASI process's stdio (core/wasi/lspTransport.ts); restarted with backoff when the process
//                    ends on its own (core/wasi/restartBackoff.ts); stopped when the plugin is disabled, removed or
//                    changed on disk, and when the extension shuts down.
// Two lifetimes, as in rust-analyzer's client: this class lives as long as the extension; a WasiLanguageServer as long
// as its registry entry, and each of its launches (client + process) until the next restart or stop.
// The runtime (@vscode/wasm-wasi when ms-vscode.wasm-wasi-core is installed, the bundled worker runtime otherwise) is
// chosen on first use, so activation starts nothing. File access is what the user granted, as preopened folders
// (core/wasi/preopens.ts); undecided permissions are asked for at first use, as for component plugins.

import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { CloseHandlerResult, DocumentSelector, ErrorHandlerResult, LanguageClient, MessageTransports } from 'vscode-languageclient/node';
import type { Capability } from '../../core/capabilities';
import { describeError, PluginError } from '../../core/errors';
import { PluginManifest, WasiOutput, wasiRunFor, WasiRun } from '../../core/manifest';
import type { PluginEntry, PluginRegistry } from '../../core/registry/registry';
import { memoryPages } from '../../core/limits';
import { WORLD_SHAPE } from '../../core/runtime/abi';
import { loadPlugin } from '../../core/runtime/loader';
import { expandWasiArgs, workspaceAccess, WorkspaceFolderInfo, workspacePreopens } from '../../core/wasi/preopens';
import { RestartBackoff } from '../../core/wasi/restartBackoff';
import { Emitter, WasiExitReason, WasiExitStatus, WasiPreopen, WasiProcess, WasiRuntime } from '../../core/wasi/types';
import { runToCompletion } from '../../core/wasi/wasiProcess';
import type { PluginStateName } from '../../webview/protocol/sidebar';
import type { CommandPick, CommandSource, PluginCommands } from '../commands';
import { Config } from '../config';
import type { Logs } from '../logging';
import type { Notifier } from '../notifier';
import type { Permissions } from '../permissions';
import { selectWasiRuntime, WasiPseudoterminal } from './vscodeWasi';

/** How long a language server gets to answer shutdown/exit before its process is killed. */
const STOP_TIMEOUT_MS = 2000;
/** Completion round trips kept per server (for the getter; the log gets a summary). */
const MAX_RTT_SAMPLES = 1000;
/** stdout/stderr kept of a terminal run, for `lastRun` (the terminal shows everything). */
const MAX_TERMINAL_CAPTURE = 1024 * 1024;

/** What this class needs of ExtensionHost. */
export interface WasiPluginsHost {
  readonly context: vscode.ExtensionContext;
  readonly registry: PluginRegistry;
  readonly logs: Logs;
  readonly notifier: Notifier;
  readonly permissions: Permissions;
  readonly config: Config;
  readonly commands: PluginCommands;
  allows(pluginId: string, capability: Capability): boolean;
}

export type ServerState =
  /** Waiting for a document its selector matches. */
  | 'idle'
  | 'starting'
  | 'running'
  /** Its process ended on its own; it starts again after the backoff delay. */
  | 'restarting'
  /** It could not start, or crashed too often: `error` says why. Reload or re-enable the plugin to try again. */
  | 'failed'
  /** It lacks the permission to read documents; it starts once the user grants it. */
  | 'refused'
  /** Stopped for good (plugin disabled, removed or changed): what `server()` reports until it is enabled again. */
  | 'stopped';

/** A language server plugin as tests and the manager see it. */
export interface ServerInfo {
  readonly pluginId: string;
  readonly state: ServerState;
  /** The LanguageClient's own state. */
  readonly clientState: 'none' | 'starting' | 'running' | 'stopped';
  /** Processes started so far (1 after the first start, +1 per restart). */
  readonly starts: number;
  /** Times its process ended unexpectedly. */
  readonly crashes: number;
  /** ms from deciding to start to the server's answer to `initialize`, of the first and the latest start. */
  readonly firstStartMs: number | undefined;
  readonly lastStartMs: number | undefined;
  /** Where the latest start's time went: loading the LSP libraries (first start only), compiling and starting the
   *  process, and the `initialize` round trip. */
  readonly lastStartPhases: { readonly librariesMs: number; readonly processMs: number; readonly initializeMs: number } | undefined;
  /** ms of each textDocument/completion round trip (client → server → client), oldest first, at most 1000. */
  readonly completionRttMs: readonly number[];
  /** 'bundled' or 'vscode-wasm-wasi', once started. */
  readonly runtime: string | undefined;
  readonly error: string | undefined;
}

/** The end of one wasi-command run. */
export interface CommandRun {
  readonly pluginId: string;
  readonly commandId: string;
  /** argv[1..] as the program got them (variables expanded to guest paths). */
  readonly args: readonly string[];
  readonly output: WasiOutput;
  readonly reason: WasiExitReason;
  /** The exit code when `reason` is 'exited'. */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** A wasi-command running in a terminal. */
export interface TerminalRun {
  readonly pluginId: string;
  readonly commandId: string;
  readonly terminal: vscode.Terminal;
  /** Resolves when VS Code opened the terminal (input typed before that may be lost). */
  readonly opened: Promise<void>;
  /** Resolves when the program ended. */
  readonly finished: Promise<CommandRun>;
}

type ClientLibrary = typeof import('vscode-languageclient/node');
type TransportLibrary = typeof import('../../core/wasi/lspTransport');
let lspLibraries: Promise<{ client: ClientLibrary; transport: TransportLibrary }> | undefined;

/**
 * vscode-languageclient and vscode-jsonrpc are about 0.9 MB of bundled code that takes 50–100 ms to evaluate: they load
 * with the first language server, not at activation.
 */
function loadLspLibraries(): Promise<{ client: ClientLibrary; transport: TransportLibrary }> {
  lspLibraries ??= Promise.all([import('vscode-languageclient/node'), import('../../core/wasi/lspTransport.js')])
    .then(([client, transport]) => ({ client, transport }));
  return lspLibraries;
}

function asPluginError(e: unknown, pluginId: string): PluginError {
  return e instanceof PluginError ? e : new PluginError('internal', pluginId, describeError(e));
}

function entryKey(e: PluginEntry): string {
  return `${e.file}\n${e.sha256 ?? ''}`;
}

function labelOf(m: PluginManifest): string {
  return `${m.name} (${m.id})`;
}

/** Workspace folders the bundled runtime can mount (file scheme only). */
function fileFolders(): WorkspaceFolderInfo[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => ({ name: f.name, hostPath: f.uri.fsPath }));
}

function describePreopens(preopens: readonly WasiPreopen[]): string {
  return preopens.length === 0 ? 'no folders' : preopens.map((p) => `${p.hostPath} as ${p.guestPath}${p.writable ? '' : ' (read-only)'}`).join(', ');
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The grants a WASI program starts with: what its preopens and its access to documents follow from. */
interface Grants {
  readonly editorRead: boolean;
  readonly workspaceRead: boolean;
  readonly workspaceWrite: boolean;
}

export class WasiPlugins implements vscode.Disposable, CommandSource {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a server or command starts or stops, or the set of WASI plugins changed. */
  readonly onDidChange = this.changed.event;
  private readonly finished = new vscode.EventEmitter<CommandRun>();
  /** Fires when a wasi-command run ended (whatever its output mode). */
  readonly onDidFinishRun = this.finished.event;

  private commandPlugins = new Map<string, PluginEntry>();
  private readonly servers = new Map<string, WasiLanguageServer>();
  /** Last word of servers that were stopped for good, so `server()` can say 'stopped'. */
  private readonly retired = new Map<string, ServerInfo>();
  private readonly running = new Map<string, number>();
  private readonly runs = new Map<string, CommandRun>();
  private readonly outputs = new Map<string, vscode.OutputChannel>();
  private readonly modules = new Map<string, Promise<WebAssembly.Module>>();
  private runtimeValue: Promise<WasiRuntime> | undefined;
  private signature = '';
  private lastTerminalValue: TerminalRun | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(readonly host: WasiPluginsHost) {
    this.disposables.push(
      this.changed,
      this.finished,
      host.registry.onDidChange(() => this.reconcile()),
      host.permissions.onDidChange((id) => this.servers.get(id)?.environmentChanged('its permissions changed')),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (Config.affectsRunningPlugins(e)) for (const s of this.servers.values()) s.environmentChanged('its limits changed');
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        for (const s of this.servers.values()) s.environmentChanged('the workspace folders changed');
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => {
        for (const s of this.servers.values()) s.consider([doc]);
      }),
    );
    this.reconcile();
    this.disposables.push(host.commands.addSource(this));
  }

  // ---- following the registry -------------------------------------------------------------------------------------

  private reconcile(): void {
    if (this.disposed) return;
    const commands = new Map<string, PluginEntry>();
    const servers = new Map<string, PluginEntry>();
    for (const e of this.host.registry.entries) {
      const m = e.binary?.manifest;
      if (!m || e.loadError || e.blocked || e.shadowedBy || !e.enabled) continue;
      if (m.kind === 'wasi-command') commands.set(m.id, e);
      else if (m.kind === 'language-server' && m.languageServer) servers.set(m.id, e);
    }
    // The registry fires for every controller state change too; act only when a WASI plugin changed.
    const signature = [...commands.values(), ...servers.values()].map(entryKey).sort().join('\n');
    if (signature === this.signature) return;
    this.signature = signature;
    this.commandPlugins = commands;

    for (const [id, server] of this.servers) {
      const e = servers.get(id);
      if (e && entryKey(e) === server.key) continue;
      this.servers.delete(id);
      this.retire(server, e ? 'its file changed' : 'it was disabled or removed');
    }
    for (const [id, e] of servers) {
      if (this.servers.has(id)) continue;
      this.retired.delete(id);
      const server = new WasiLanguageServer(this, e);
      this.servers.set(id, server);
      server.consider(vscode.workspace.textDocuments);
    }
    const live = new Set([...commands.values(), ...servers.values()].map((e) => `${e.file}\n${e.sha256}`));
    for (const key of this.modules.keys()) if (!live.has(key.slice(0, key.lastIndexOf('\n')))) this.modules.delete(key);
    this.changed.fire();
  }

  private retire(server: WasiLanguageServer, why: string): void {
    void server.dispose(why).then(() => {
      if (!this.servers.has(server.id)) this.retired.set(server.id, { ...server.info, state: 'stopped' });
      this.fireChanged();
    });
  }

  /** @internal for WasiLanguageServer */
  fireChanged(): void {
    if (!this.disposed) this.changed.fire();
  }

  // ---- shared services --------------------------------------------------------------------------------------------

  /** The runtime, chosen once on first use. */
  runtime(): Promise<WasiRuntime> {
    this.runtimeValue ??= selectWasiRuntime(this.host.context, (m) => this.host.logs.host.info(m)).then((r) => {
      if (r.name === 'bundled') this.host.logs.host.info('WASI programs run on the bundled runtime (ms-vscode.wasm-wasi-core is not installed)');
      return r;
    });
    return this.runtimeValue;
  }

  /** The plugin's module with its memory capped, compiled once per file content and limit. */
  module(entry: PluginEntry, maxMemoryPages: number): Promise<WebAssembly.Module> {
    const key = `${entry.file}\n${entry.sha256}\n${maxMemoryPages}`;
    let m = this.modules.get(key);
    if (!m) {
      const label = entry.binary?.label ?? entry.file;
      m = fs.promises.readFile(entry.file).then(
        (bytes) => loadPlugin(new Uint8Array(bytes), label, WORLD_SHAPE, { maxMemoryPages }),
        (e: unknown) => { throw new PluginError('not-found', entry.binary?.manifest.id ?? label, `${label} cannot be read: ${describeError(e)}. Reinstall the plugin.`); },
      ).then((r) => r.module);
      m.catch(() => this.modules.delete(key));
      this.modules.set(key, m);
    }
    return m;
  }

  /**
   * Whether the plugin may use a capability: the manifest requests it and it is granted. An undecided one is asked
   * for when `ask` is set (consent at first use, as for component plugins).
   */
  async granted(manifest: PluginManifest, capability: Capability, ask: boolean): Promise<boolean> {
    if (!manifest.capabilities.includes(capability)) return false;
    if (this.host.allows(manifest.id, capability)) return true;
    if (!ask) return false;
    return this.host.permissions.request(manifest.id, manifest.name, capability);
  }

  async grants(manifest: PluginManifest, ask: boolean): Promise<Grants> {
    const editorRead = await this.granted(manifest, 'editor-read', ask);
    const workspaceRead = await this.granted(manifest, 'workspace-read', ask);
    const workspaceWrite = workspaceRead && await this.granted(manifest, 'workspace-write', ask);
    return { editorRead, workspaceRead, workspaceWrite };
  }

  preopens(manifest: PluginManifest, grants: Grants): WasiPreopen[] {
    const access = workspaceAccess(manifest, (c) => (c === 'workspace-read' ? grants.workspaceRead : c === 'workspace-write' ? grants.workspaceWrite : false));
    return workspacePreopens(access, fileFolders());
  }

  maxMemoryPages(pluginId: string): number {
    return memoryPages(this.host.config.limitsFor(pluginId));
  }

  // ---- wasi-command: CommandSource --------------------------------------------------------------------------------

  commandItems(): CommandPick[] {
    const items: CommandPick[] = [];
    for (const [id, e] of this.commandPlugins) {
      const m = e.binary!.manifest;
      for (const cmd of m.commands) items.push({ label: cmd.title, description: m.name, detail: cmd.description, pluginId: id, commandId: cmd.id });
    }
    return items;
  }

  owns(pluginId: string): boolean {
    return this.commandPlugins.has(pluginId);
  }

  /**
   * Runs a command of a wasi-command plugin. `interactive` callers (palette, quick pick, keybinding) see failures as a
   * notification; others get `{ exitCode, stdout, stderr }` (or `{ terminal }` for terminal commands) or the error.
   * Arguments from the caller are not passed on: a command's arguments are the manifest's.
   */
  async run(pluginId: string, commandId: string, _args: unknown, interactive: boolean): Promise<unknown> {
    const entry = this.commandPlugins.get(pluginId);
    const manifest = entry?.binary?.manifest;
    try {
      if (!entry || !manifest) throw new PluginError('not-found', pluginId, `The plugin "${pluginId}" is not installed or is disabled.`);
      const run = wasiRunFor(manifest, commandId);
      if (!run) throw new PluginError('not-found', pluginId, `${manifest.name} has no command "${commandId}". Pick one of its commands with "Run Plugin Command…".`);
      return await this.runCommand(entry, manifest, commandId, run);
    } catch (e) {
      const error = asPluginError(e, pluginId);
      this.host.logs.channel(pluginId).error(`command ${commandId}: ${error.message}`);
      if (!interactive) throw error;
      this.host.notifier.pluginFailed(pluginId, error);
      return undefined;
    }
  }

  private async runCommand(entry: PluginEntry, manifest: PluginManifest, commandId: string, run: WasiRun): Promise<unknown> {
    const id = manifest.id;
    const log = this.host.logs.channel(id);
    const title = manifest.commands.find((c) => c.id === commandId)?.title ?? commandId;
    let input: string | undefined;
    if (run.stdin === 'active-document') {
      if (!(await this.granted(manifest, 'editor-read', true))) {
        throw new PluginError('permission-denied', id, `${manifest.name} needs permission to read the active document for "${title}". Grant "Read open documents" to it in the WASM Plugins view and run the command again.`);
      }
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc) throw new PluginError('not-found', id, `"${title}" reads the active document, but no editor is active. Open a document and run it again.`);
      input = doc.getText();
    }
    const grants = await this.grants(manifest, true);
    const preopens = this.preopens(manifest, grants);
    const active = vscode.window.activeTextEditor?.document.uri;
    const activeFolder = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
    const args = expandWasiArgs(run.args, preopens, {
      activeFile: active?.scheme === 'file' ? active.fsPath : undefined,
      workspaceFolder: activeFolder?.uri.scheme === 'file' ? activeFolder.uri.fsPath : fileFolders()[0]?.hostPath,
    }, id);
    const limits = this.host.config.limitsFor(id);
    const maxMemoryPages = memoryPages(limits);
    const module = await this.module(entry, maxMemoryPages);
    const runtime = await this.runtime();
    const t0 = performance.now();
    const proc = await runtime.start({
      id, label: labelOf(manifest), module, maxMemoryPages, args, preopens,
      stdin: run.stdin === 'none' ? 'closed' : 'pipe',
      terminal: run.output === 'terminal',
      // A terminal program waits for its user; anything else gets the command time limit.
      timeoutMs: run.output === 'terminal' ? undefined : limits.commandTimeoutMs,
    });
    log.info(`${commandId}: started \`${[id, ...args].join(' ')}\` on the ${runtime.name} runtime with ${describePreopens(preopens)}`);
    this.track(id, +1);
    const base = { pluginId: id, commandId, args, output: run.output };

    if (run.output === 'terminal') {
      const capture = captureOutput(proc);
      const gate = new GatedProcess(proc);
      const terminal = vscode.window.createTerminal({ name: manifest.name, pty: new GatedPseudoterminal(gate), iconPath: new vscode.ThemeIcon('terminal') });
      terminal.show();
      const finished = proc.exited.then((status) => {
        this.track(id, -1);
        const record = this.finish({ ...base, ...capture(), reason: status.reason, exitCode: status.code, ms: performance.now() - t0 });
        // The terminal shows the end; a failure (not the user closing it) is also said where it is noticed.
        if (status.reason !== 'killed' && !(status.reason === 'exited' && status.code === 0)) this.host.notifier.pluginFailed(id, this.failure(manifest, title, status, record.stderr));
        return record;
      });
      this.lastTerminalValue = { pluginId: id, commandId, terminal, opened: gate.opened, finished };
      return { terminal: terminal.name };
    }

    let collected;
    try {
      collected = await runToCompletion(proc, input);
    } finally {
      this.track(id, -1);
    }
    const { status } = collected;
    const record = this.finish({ ...base, stdout: collected.stdout, stderr: collected.stderr, reason: status.reason, exitCode: status.code, ms: performance.now() - t0 });
    const ok = status.reason === 'exited' && status.code === 0;
    if (collected.truncated) log.warn(`${commandId}: output beyond 4 MB was dropped`);
    if (run.output === 'output') {
      const channel = this.output(manifest);
      channel.appendLine(`── ${title} · ${new Date().toLocaleTimeString()} ──`);
      if (record.stdout) channel.append(record.stdout.endsWith('\n') ? record.stdout : `${record.stdout}\n`);
      if (record.stderr) channel.append(record.stderr.endsWith('\n') ? record.stderr : `${record.stderr}\n`);
      if (!ok) channel.appendLine(`── ${status.reason === 'exited' ? `exit code ${status.code}` : status.reason} ──`);
      channel.show(true);
    } else if (ok) {
      this.host.notifier.fromPlugin(id, manifest.name, 'info', record.stdout.trim() || `${title}: done (no output)`);
    }
    if (!ok) throw this.failure(manifest, title, status, record.stderr);
    return { exitCode: status.code, stdout: record.stdout, stderr: record.stderr };
  }

  private failure(manifest: PluginManifest, title: string, status: WasiExitStatus, stderr: string): PluginError {
    // Titles usually start with the plugin's name ("Word Frequency: Count…"); name it once either way.
    const what = title.startsWith(manifest.name) ? `"${title}"` : `${manifest.name}: "${title}"`;
    if (status.reason === 'exited') {
      const last = stderr.trim().split('\n').pop()?.trim();
      return new PluginError('guest-error', manifest.id, `${what} failed with exit code ${status.code}${last ? ` (${last.slice(0, 300)})` : ''}. Its output is in the plugin's log ("Show Log"); check what it was given and run it again.`);
    }
    if (status.reason === 'killed') return new PluginError('crashed', manifest.id, `${what} was stopped before it finished. Run it again.`);
    return status.error ?? new PluginError('crashed', manifest.id, `${what} stopped (${status.reason}). Run it again; if it keeps failing, see the plugin's log.`);
  }

  private finish(record: CommandRun): CommandRun {
    const log = this.host.logs.channel(record.pluginId);
    const how = record.reason === 'exited' ? `exited with code ${record.exitCode}` : record.reason;
    log.info(`${record.commandId}: ${how} after ${record.ms.toFixed(1)} ms (${record.stdout.length} characters of output)`);
    for (const line of record.stderr.split('\n')) if (line.trim()) log.warn(`${record.commandId} stderr: ${line}`);
    this.runs.set(record.pluginId, record);
    this.finished.fire(record);
    return record;
  }

  private track(pluginId: string, delta: number): void {
    const n = (this.running.get(pluginId) ?? 0) + delta;
    if (n > 0) this.running.set(pluginId, n);
    else this.running.delete(pluginId);
    this.fireChanged();
  }

  /** The plain output channel a wasi-command's reports go to (its log channel stays for the host's messages). */
  private output(manifest: PluginManifest): vscode.OutputChannel {
    let c = this.outputs.get(manifest.id);
    if (!c) {
      c = vscode.window.createOutputChannel(`${manifest.name} (WASM)`);
      this.outputs.set(manifest.id, c);
    }
    return c;
  }

  // ---- what tests and the manager read ------------------------------------------------------------------------------

  /** The sidebar's state for a WASI plugin: 'active' while its server or one of its commands runs. */
  stateOf(pluginId: string): { state: PluginStateName; error: string | null } {
    const server = this.servers.get(pluginId);
    if (server) return server.view();
    return { state: this.running.has(pluginId) ? 'active' : 'idle', error: null };
  }

  /** A language server plugin's state and measurements (the last ones, with state 'stopped', once it was stopped). */
  server(pluginId: string): ServerInfo | undefined {
    return this.servers.get(pluginId)?.info ?? this.retired.get(pluginId);
  }

  /** Kills a language server's process as a crash would (the restart logic takes over). False if none runs. */
  killServer(pluginId: string): Promise<boolean> {
    return this.servers.get(pluginId)?.killProcess() ?? Promise.resolve(false);
  }

  /** Stops a language server and starts it again if a matching document is open (Reload Plugin). */
  async restart(pluginId: string): Promise<void> {
    await this.servers.get(pluginId)?.reload();
  }

  lastRun(pluginId: string): CommandRun | undefined {
    return this.runs.get(pluginId);
  }

  get lastTerminal(): TerminalRun | undefined {
    return this.lastTerminalValue;
  }

  /** 'bundled' or 'vscode-wasm-wasi' once a WASI program ran, else undefined. */
  async runtimeName(): Promise<string | undefined> {
    return this.runtimeValue ? (await this.runtimeValue).name : undefined;
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.servers.values()) void s.dispose('the extension is shutting down');
    this.servers.clear();
    for (const c of this.outputs.values()) c.dispose();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}

// ---- language servers -------------------------------------------------------------------------------------------------

class WasiLanguageServer {
  readonly id: string;
  readonly key: string;
  private readonly manifest: PluginManifest;
  private readonly log: vscode.LogOutputChannel;
  private stateValue: ServerState = 'idle';
  private error: PluginError | undefined;
  private client: LanguageClient | undefined;
  private lib: { client: ClientLibrary; transport: TransportLibrary } | undefined;
  private proc: WasiProcess | undefined;
  /** Started before `client.start()`, so a failure to start is reported by us and not by the client. */
  private pending: WasiProcess | undefined;
  private readonly backoff = new RestartBackoff();
  private restartTimer: NodeJS.Timeout | undefined;
  /** Bumped by every stop: a launch that sees another generation after an await gives up. */
  private generation = 0;
  /** What the running server was started with; a change restarts it. */
  private environment: string | undefined;
  private disposed = false;
  private starts = 0;
  private crashes = 0;
  private firstStartMs: number | undefined;
  private lastStartMs: number | undefined;
  private lastStartPhases: ServerInfo['lastStartPhases'];
  private runtimeName: string | undefined;
  private readonly rtt: number[] = [];

  constructor(private readonly owner: WasiPlugins, private readonly entry: PluginEntry) {
    this.manifest = entry.binary!.manifest;
    this.id = this.manifest.id;
    this.key = entryKey(entry);
    this.log = owner.host.logs.channel(this.id);
  }

  get info(): ServerInfo {
    const s = this.client?.state;
    const State = this.lib?.client.State;
    return {
      pluginId: this.id,
      state: this.stateValue,
      clientState: s === undefined || !State ? 'none' : s === State.Running ? 'running' : s === State.Starting ? 'starting' : 'stopped',
      starts: this.starts,
      crashes: this.crashes,
      firstStartMs: this.firstStartMs,
      lastStartMs: this.lastStartMs,
      lastStartPhases: this.lastStartPhases,
      completionRttMs: [...this.rtt],
      runtime: this.runtimeName,
      error: this.error?.message,
    };
  }

  view(): { state: PluginStateName; error: string | null } {
    switch (this.stateValue) {
      case 'running': return { state: 'active', error: null };
      case 'starting': case 'restarting': return { state: 'starting', error: null };
      case 'failed': return { state: 'failed', error: this.error?.message ?? null };
      case 'refused': return { state: 'idle', error: this.error?.message ?? null };
      default: return { state: 'idle', error: null };
    }
  }

  private set state(state: ServerState) {
    this.stateValue = state;
    this.owner.fireChanged();
  }

  private get selector(): vscode.DocumentSelector {
    return this.manifest.languageServer!.documentSelector;
  }

  /** Starts the server when it waits for a document and one of these matches its selector. */
  consider(docs: readonly vscode.TextDocument[]): void {
    if (this.stateValue !== 'idle' || this.disposed) return;
    const doc = docs.find((d) => vscode.languages.match(this.selector, d) > 0);
    if (!doc) return;
    this.log.info(`starting the language server for ${doc.uri.toString(true)}`);
    void this.launch('first');
  }

  private async launch(why: 'first' | 'restart'): Promise<void> {
    const generation = this.generation;
    const current = () => generation === this.generation && !this.disposed;
    this.state = 'starting';
    const t0 = performance.now();
    try {
      // Ask for undecided permissions only at the first start, never from a restart the user did not cause.
      const grants = await this.owner.grants(this.manifest, why === 'first');
      if (!current()) return;
      if (!grants.editorRead) {
        this.error = new PluginError('permission-denied', this.id, `${this.manifest.name} was not started: it needs permission to read the documents it checks. Grant "Read open documents" to it in the WASM Plugins view.`);
        this.log.warn(this.error.message);
        this.state = 'refused';
        return;
      }
      const t1 = performance.now();
      this.lib ??= await loadLspLibraries();
      const t2 = performance.now();
      const proc = await this.spawn(grants);
      if (!current()) { void proc.kill(); return; }
      const t3 = performance.now();
      this.pending = proc;
      this.client ??= this.createClient(this.lib);
      await this.client.start();
      if (!current()) return;
      this.lastStartPhases = { librariesMs: t2 - t1, processMs: t3 - t2, initializeMs: performance.now() - t3 };
      // Ended between its answer to initialize and now: the close handler saw a start in progress and left it to us.
      if (this.client.state !== this.lib.client.State.Running) throw new PluginError('crashed', this.id, `${this.manifest.name} ended right after it started. Its log has the details ("Show Log").`);
      const ms = performance.now() - t0;
      this.lastStartMs = ms;
      this.firstStartMs ??= ms;
      this.error = undefined;
      this.state = 'running';
      const p = this.lastStartPhases;
      this.log.info(`language server ${why === 'first' ? 'started' : 'restarted'} in ${ms.toFixed(1)} ms on the ${this.runtimeName} runtime (LSP libraries ${p.librariesMs.toFixed(1)} ms, compile and start ${p.processMs.toFixed(1)} ms, initialize ${p.initializeMs.toFixed(1)} ms)`);
    } catch (e) {
      void this.pending?.kill();
      this.pending = undefined;
      if (!current()) return;
      const error = asPluginError(e, this.id);
      if (why === 'restart') this.crashed(`it could not start again: ${error.message}`);
      else this.fail(error);
    }
  }

  private async spawn(grants: Grants): Promise<WasiProcess> {
    const maxMemoryPages = this.owner.maxMemoryPages(this.id);
    const preopens = this.owner.preopens(this.manifest, grants);
    const args = expandWasiArgs(this.manifest.languageServer!.args, preopens, { workspaceFolder: fileFolders()[0]?.hostPath }, this.id);
    const module = await this.owner.module(this.entry, maxMemoryPages);
    const runtime = await this.owner.runtime();
    const proc = await runtime.start({ id: this.id, label: labelOf(this.manifest), module, maxMemoryPages, args, preopens, stdin: 'pipe' });
    this.starts++;
    this.runtimeName = runtime.name;
    this.environment = this.environmentKey(grants, maxMemoryPages);
    this.log.info(`server process ${this.starts} started on the ${runtime.name} runtime with ${describePreopens(preopens)}`);
    const decoder = new TextDecoder();
    let partial = '';
    proc.onStderr((chunk) => {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.log.warn(`server stderr: ${line}`);
    });
    void proc.exited.then((status) => {
      if (partial) this.log.warn(`server stderr: ${partial}`);
      this.log.info(`server process ${status.reason === 'exited' ? `exited with code ${status.code}` : `ended: ${status.error?.message ?? status.reason}`}`);
    });
    return proc;
  }

  private environmentKey(grants: Grants, pages: number): string {
    const folders = grants.workspaceRead ? fileFolders().map((f) => f.hostPath) : [];
    return JSON.stringify([grants, pages, folders]);
  }

  private createClient(lib: { client: ClientLibrary; transport: TransportLibrary }): LanguageClient {
    const { LanguageClient, CloseAction, ErrorAction, RevealOutputChannelOn } = lib.client;
    const { WasiMessageReader, WasiMessageWriter } = lib.transport;
    const ls = this.manifest.languageServer!;
    const serverOptions = async (): Promise<MessageTransports> => {
      const proc = this.pending ?? await this.spawn(await this.owner.grants(this.manifest, false));
      this.pending = undefined;
      this.proc = proc;
      this.backoff.started();
      return { reader: new WasiMessageReader(proc), writer: new WasiMessageWriter(proc) };
    };
    return new LanguageClient(`wasmPlugins.${this.id}`, this.manifest.name, serverOptions, {
      // The manifest's filters are VS Code's DocumentFilter; LSP's type insists on at least one field, as validated.
      documentSelector: ls.documentSelector.map((f) => ({ ...f })) as DocumentSelector,
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      errorHandler: {
        error: (error): ErrorHandlerResult => {
          this.log.warn(`connection: ${error.message}`);
          return { action: ErrorAction.Continue, handled: true };
        },
        closed: (): CloseHandlerResult => this.closed(CloseAction.DoNotRestart),
      },
      middleware: {
        provideCompletionItem: async (document, position, context, token, next) => {
          const t0 = performance.now();
          try {
            return await next(document, position, context, token);
          } finally {
            this.recordCompletion(performance.now() - t0);
          }
        },
      },
    });
  }

  private recordCompletion(ms: number): void {
    if (this.rtt.length === 0) this.log.info(`first completion answered in ${ms.toFixed(1)} ms`);
    else this.log.trace(`completion answered in ${ms.toFixed(1)} ms`);
    this.rtt.push(ms);
    if (this.rtt.length > MAX_RTT_SAMPLES) this.rtt.shift();
  }

  /** The connection closed without us stopping it: the process ended. */
  private closed(doNotRestart: CloseHandlerResult['action']): CloseHandlerResult {
    // While starting, the failed start() reports it (launch's catch).
    if (this.stateValue === 'running' && !this.disposed) this.crashed('its process ended');
    // The restart is ours (after the backoff delay), not the client's.
    return { action: doNotRestart, handled: true, message: `${this.manifest.name}: the connection to the server closed.` };
  }

  private crashed(what: string): void {
    this.crashes++;
    this.proc = undefined;
    const delay = this.backoff.crashed();
    if (delay === undefined) {
      this.fail(new PluginError('crashed', this.id, `${this.manifest.name} crashed ${this.backoff.recentCrashes} times in a short while and was not restarted. Its log has the details ("Show Log"); reload or re-enable the plugin to try again.`));
      return;
    }
    this.log.warn(`the language server stopped unexpectedly (${what}); restarting it in ${delay} ms`);
    this.state = 'restarting';
    const generation = this.generation;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (generation === this.generation && !this.disposed) void this.launch('restart');
    }, delay);
  }

  private fail(error: PluginError): void {
    this.error = error;
    this.state = 'failed';
    this.log.error(error.message);
    this.owner.host.notifier.pluginFailed(this.id, error);
  }

  /** Permissions, limits or workspace folders changed: start a refused server, restart one started differently. */
  environmentChanged(why: string): void {
    if (this.disposed) return;
    if (this.stateValue === 'refused') {
      if (!this.owner.host.allows(this.id, 'editor-read')) return;
      this.state = 'idle';
      this.consider(vscode.workspace.textDocuments);
      return;
    }
    // A start in progress computes its environment after any permission prompt it raised.
    if (this.stateValue !== 'running' && this.stateValue !== 'restarting') return;
    void this.owner.grants(this.manifest, false).then((grants) => {
      if (this.stateValue !== 'running' && this.stateValue !== 'restarting') return;
      if (this.environmentKey(grants, this.owner.maxMemoryPages(this.id)) !== this.environment) void this.restart(why);
    });
  }

  async killProcess(): Promise<boolean> {
    const proc = this.proc;
    if (!proc || proc.hasExited) return false;
    this.log.info('killing the server process (on request)');
    await proc.kill();
    return true;
  }

  /** Reload Plugin: a server that runs or gave up starts afresh (a new or starting one is left alone). */
  async reload(): Promise<void> {
    if (this.stateValue === 'refused') this.environmentChanged('it was reloaded');
    else if (this.stateValue === 'running' || this.stateValue === 'restarting' || this.stateValue === 'failed') await this.restart('it was reloaded');
  }

  async restart(why: string): Promise<void> {
    this.log.info(`restarting the language server: ${why}`);
    await this.stop();
    if (this.disposed) return;
    this.backoff.reset();
    this.error = undefined;
    this.state = 'idle';
    this.consider(vscode.workspace.textDocuments);
  }

  /** Stops the client (shutdown + exit, 2 s), then the process, whatever state they are in. */
  private async stop(): Promise<void> {
    this.generation++;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const client = this.client;
    const procs = [this.proc, this.pending];
    this.client = undefined;
    this.proc = undefined;
    this.pending = undefined;
    if (client) {
      if (client.state === this.lib?.client.State.Running) {
        try {
          await client.stop(STOP_TIMEOUT_MS);
        } catch (e) {
          this.log.warn(`the server did not shut down cleanly: ${describeError(e)}`);
        }
      }
    }
    await Promise.all(procs.map((p) => (p && !p.hasExited ? p.kill() : undefined)));
    // A client that never got running cannot be stopped, only disposed; either way it unregisters its features.
    await client?.dispose(STOP_TIMEOUT_MS).catch(() => undefined);
    const rtt = median(this.rtt);
    if (rtt !== undefined) this.log.info(`completion round trip: median ${rtt.toFixed(1)} ms over ${this.rtt.length} requests`);
  }

  async dispose(why: string): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.client || this.proc || this.pending) this.log.info(`stopping the language server: ${why}`);
    await this.stop();
    this.stateValue = 'stopped';
  }
}

// ---- terminal runs ----------------------------------------------------------------------------------------------------

/** Keeps up to 1 MB of a process's stdout and stderr as text. */
function captureOutput(proc: WasiProcess): () => { stdout: string; stderr: string } {
  const make = () => {
    const decoder = new TextDecoder();
    let text = '';
    return {
      add: (chunk: Uint8Array) => { if (text.length < MAX_TERMINAL_CAPTURE) text += decoder.decode(chunk, { stream: true }); },
      get text() { return text; },
    };
  };
  const out = make();
  const err = make();
  proc.onStdout(out.add);
  proc.onStderr(err.add);
  return () => ({ stdout: out.text, stderr: err.text });
}

/**
 * A process whose output is held back until VS Code opened the terminal: a pseudoterminal's writes before `open()`
 * are lost, and a program may well print before that (a prompt, a banner).
 */
class GatedProcess implements WasiProcess {
  private readonly stdout = new Emitter<Uint8Array>();
  private readonly stderr = new Emitter<Uint8Array>();
  readonly onStdout = this.stdout.event;
  readonly onStderr = this.stderr.event;
  readonly exited: Promise<WasiExitStatus>;
  readonly opened: Promise<void>;
  private release!: () => void;
  private held: { fd: 1 | 2; data: Uint8Array }[] | undefined = [];

  constructor(private readonly inner: WasiProcess) {
    this.opened = new Promise((resolve) => { this.release = resolve; });
    inner.onStdout((data) => this.deliver(1, data));
    inner.onStderr((data) => this.deliver(2, data));
    this.exited = Promise.all([inner.exited, this.opened]).then(([status]) => status);
  }

  get id(): string {
    return this.inner.id;
  }

  get hasExited(): boolean {
    return this.inner.hasExited && this.held === undefined;
  }

  open(): void {
    const held = this.held;
    this.held = undefined;
    for (const h of held ?? []) (h.fd === 1 ? this.stdout : this.stderr).fire(h.data);
    this.release();
  }

  private deliver(fd: 1 | 2, data: Uint8Array): void {
    if (this.held) this.held.push({ fd, data: data.slice() });
    else (fd === 1 ? this.stdout : this.stderr).fire(data);
  }

  writeStdin(data: Uint8Array | string): Promise<void> {
    return this.inner.writeStdin(data);
  }

  closeStdin(): void {
    this.inner.closeStdin();
  }

  kill(): Promise<WasiExitStatus> {
    return this.inner.kill();
  }
}

class GatedPseudoterminal extends WasiPseudoterminal {
  constructor(private readonly gate: GatedProcess) {
    super(gate);
  }

  override open(): void {
    super.open();
    this.gate.open();
  }
}
