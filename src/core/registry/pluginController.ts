// The life of one installed plugin: compiled on first need (never at discovery), run in its sandbox, every call with
// the timeout of its kind, measured, its results' actions checked against its permissions, and restarted with
// exponential backoff after a crash or timeout — until it fails too often, when it is stopped with a reason.

import * as fs from 'node:fs';
import { PluginBinary, compilePlugin, inspectPlugin, sha256 } from '../runtime/loader';
import { Action, CommandResult, EditorEvent, HostApi, WORLD_SHAPE } from '../runtime/abi';
import { HostDispatcher, PermissionCheck } from '../runtime/hostDispatcher';
import { InProcessRunner, PluginRunner, WorkerRunner, WorkerRunnerOptions } from '../sandbox/runner';
import type { WorkerPool } from '../sandbox/workerPool';
import { PluginError, describeError } from '../errors';
import { Limits, memoryPages } from '../limits';
import { PluginMetrics, RateLimiter } from '../metrics';
import { ACTION_CAPABILITY, ACTION_LIMITS, checkActions } from '../actions';
import type { Capability } from '../capabilities';
import type { Log } from '../log';

export type PluginSource = 'bundled' | 'user' | 'workspace' | 'path';

export type ControllerState =
  /** Known from its manifest; nothing compiled or running. */
  | 'idle'
  | 'starting'
  | 'active'
  /** Stopped by the restart policy or failed to start; `error` says why. */
  | 'failed'
  | 'disposed';

export interface RestartPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** This many fatal failures within `windowMs` stop the plugin. */
  readonly maxFailures: number;
  readonly windowMs: number;
}

/** Calls arriving during a restart backoff shorter than this wait for it; longer backoffs refuse them at once. */
const MAX_WAIT_FOR_RESTART_MS = 2_000;

export const DEFAULT_RESTART_POLICY: RestartPolicy = { baseDelayMs: 250, maxDelayMs: 30_000, maxFailures: 5, windowMs: 60_000 };

export interface ControllerOptions {
  readonly file: string;
  readonly source: PluginSource;
  readonly binary: PluginBinary;
  readonly limits: Limits;
  readonly api: HostApi;
  readonly permissions: PermissionCheck;
  readonly log: Log;
  /** 'worker' (default) isolates the plugin; 'in-process' is for benchmarks and trusted tests only. */
  readonly isolation?: 'worker' | 'in-process';
  readonly workerPath?: string;
  readonly restartPolicy?: RestartPolicy;
  readonly now?: () => number;
  /** Spare workers started ahead of time (the registry's); without it every start spawns its worker. */
  readonly pool?: WorkerPool;
  /** Compiled modules shared across restarts and reloads (the registry's); without it the controller keeps its own. */
  readonly modules?: ModuleCache;
}

/** How a controller runs its plugin in a worker with these limits (also what the registry primes the pool for). */
export function workerRunnerOptions(limits: Limits, workerPath: string | undefined, pool?: WorkerPool): WorkerRunnerOptions {
  return {
    workerPath,
    maxResultBytes: limits.resultMB * 1024 * 1024,
    resourceLimits: { maxOldGenerationSizeMb: Math.max(64, limits.resultMB * 4), stackSizeMb: 4 },
    maxQueuedCalls: limits.maxQueuedCalls,
    logLinesPerSecond: limits.logLinesPerSecond,
    pool,
  };
}

/**
 * Compiled modules by content hash and memory cap, so a restart (after a crash or timeout) or a reload of an
 * unchanged file skips compiling. The file is still read and its hash checked on every start.
 */
export class ModuleCache {
  private readonly modules = new Map<string, Promise<WebAssembly.Module>>();
  private compiles = 0;

  /** Modules held. */
  get size(): number {
    return this.modules.size;
  }

  /** Compilations started so far (the rest were served from the cache). */
  get compiled(): number {
    return this.compiles;
  }

  /** `hash` is the sha256 of `bytes` (checked by the caller). */
  compile(bytes: Uint8Array, hash: string, binary: PluginBinary, maxMemoryPages: number): Promise<WebAssembly.Module> {
    const key = `${hash}/${maxMemoryPages}`;
    let module = this.modules.get(key);
    if (module === undefined) {
      this.compiles++;
      module = compilePlugin(bytes, binary, { maxMemoryPages });
      this.modules.set(key, module);
      // A module that did not compile is not remembered: the error names this plugin, and the next start says it again.
      module.catch(() => { if (this.modules.get(key) === module) this.modules.delete(key); });
    }
    return module;
  }

  /** Forgets the modules of files that are gone (hashes not in `keep`). */
  retain(keep: ReadonlySet<string>): void {
    for (const key of [...this.modules.keys()]) if (!keep.has(key.slice(0, key.indexOf('/')))) this.modules.delete(key);
  }

  clear(): void {
    this.modules.clear();
  }
}

export type CallKind = 'command' | 'hook' | 'will-save' | 'panel' | 'lifecycle';

type Listener = () => void;

export class PluginController {
  private runner: PluginRunner | undefined;
  private starting: Promise<PluginRunner> | undefined;
  private stateValue: ControllerState = 'idle';
  private errorValue: PluginError | undefined;
  private readonly failures: number[] = [];
  private backoffUntil = 0;
  private readonly listeners = new Set<Listener>();
  private readonly logLimiter: RateLimiter;
  private readonly messageLimiter: RateLimiter;
  private droppedLogsSinceSummary = 0;
  readonly metrics = new PluginMetrics();
  private binaryValue: PluginBinary;
  private readonly modules: ModuleCache;

  constructor(private readonly options: ControllerOptions) {
    this.binaryValue = options.binary;
    this.modules = options.modules ?? new ModuleCache();
    const now = options.now ?? Date.now;
    this.logLimiter = new RateLimiter(options.limits.logLinesPerSecond, now);
    this.messageLimiter = new RateLimiter(options.limits.messagesPerSecond, now);
  }

  get id(): string { return this.binaryValue.manifest.id; }
  get binary(): PluginBinary { return this.binaryValue; }
  get file(): string { return this.options.file; }
  get source(): PluginSource { return this.options.source; }
  get state(): ControllerState { return this.stateValue; }
  get error(): PluginError | undefined { return this.errorValue; }
  get limits(): Limits { return this.options.limits; }
  private get who(): string { return `${this.binaryValue.manifest.name} (${this.id})`; }
  private get now(): number { return (this.options.now ?? Date.now)(); }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private changed(): void {
    for (const l of [...this.listeners]) {
      try { l(); } catch (e) { this.options.log.error(`listener failed: ${describeError(e)}`); }
    }
  }

  private setState(state: ControllerState, error?: PluginError): void {
    this.stateValue = state;
    this.errorValue = error;
    this.changed();
  }

  allows(capability: Capability): boolean {
    return this.binaryValue.manifest.capabilities.includes(capability) && this.options.permissions.allows(capability);
  }

  /** Asks the user (through the host) for a capability the manifest requests but nobody decided on yet. */
  private requestPermission(capability: Capability): Promise<boolean> | undefined {
    if (!this.binaryValue.manifest.capabilities.includes(capability)) return undefined;
    return this.options.permissions.request?.(capability);
  }

  /** Compiles and starts the sandbox if needed, then activates. Concurrent callers share one start. */
  start(): Promise<PluginRunner> {
    if (this.runner !== undefined) return Promise.resolve(this.runner);
    if (this.stateValue === 'disposed') return Promise.reject(this.disposedError());
    if (this.stateValue === 'failed' && this.errorValue) return Promise.reject(this.errorValue);
    this.starting ??= this.doStart().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private async doStart(): Promise<PluginRunner> {
    this.setState('starting');
    const t0 = this.now;
    let runner: PluginRunner | undefined;
    try {
      const bytes = new Uint8Array(await fs.promises.readFile(this.options.file));
      const hash = sha256(bytes);
      if (hash !== this.binaryValue.sha256) {
        // The file changed after discovery (the watcher will reload it): never run code we did not validate, and
        // never run another plugin under this one's name.
        const changed = inspectPlugin(bytes, this.options.file, WORLD_SHAPE);
        if (changed.manifest.id !== this.id) {
          throw new PluginError('not-found', this.id, `${this.who}: its file now holds another plugin (${changed.manifest.id}); it is being reloaded, try again.`);
        }
        this.binaryValue = changed;
      }
      const module = await this.modules.compile(bytes, hash, this.binaryValue, memoryPages(this.options.limits));
      if (this.stateValue === 'disposed') throw this.disposedError();
      const dispatcher = new HostDispatcher(this.id, this.guardedApi(), { allows: (c) => this.allows(c), request: (c) => this.requestPermission(c) }, this.options.log);
      const events = {
        onOutput: (stream: 'stdout' | 'stderr', text: string) => this.guestLog(stream === 'stdout' ? 'info' : 'warn', text.replace(/\n$/, '')),
        onRestart: (cause: PluginError) => { this.metrics.restarts++; this.options.log.warn(`restarting: ${cause.message}`); },
        onDroppedLogLines: (count: number) => {
          if (this.metrics.droppedLogLines === 0) {
            this.options.log.warn(`log rate limit (${this.options.limits.logLinesPerSecond} lines/s) reached: dropping lines; the count is in the plugin's metrics`);
          }
          this.metrics.droppedLogLines += count;
        },
      };
      runner = this.options.isolation === 'in-process'
        ? new InProcessRunner(module, this.binaryValue, dispatcher, events)
        : new WorkerRunner(module, this.binaryValue, dispatcher, workerRunnerOptions(this.options.limits, this.options.workerPath, this.options.pool), events);
      await runner.call('activate', [], { timeoutMs: this.options.limits.commandTimeoutMs });
      // Disposed while activating: the plugin must not come back to life (the catch below releases the runner).
      if ((this.stateValue as ControllerState) === 'disposed') throw this.disposedError();
      this.runner = runner;
      this.options.log.info(`started in ${Math.round(this.now - t0)} ms (${runner.isolated ? 'isolated worker' : 'in-process'})`);
      this.setState('active');
      return runner;
    } catch (e) {
      // A runner whose activation failed would otherwise keep its worker thread alive forever.
      if (runner !== undefined) void runner.dispose({ timeoutMs: Math.min(2000, this.options.limits.commandTimeoutMs) }).catch(() => undefined);
      if (this.stateValue === 'disposed') throw this.disposedError();
      let error = e instanceof PluginError ? e : new PluginError('internal', this.id, `${this.who} could not start: ${describeError(e)}`);
      // A plugin that cannot start stays failed until reloaded; a timeout or trap in activate follows the restart policy.
      if (error.isFatalToInstance) {
        this.options.log.error(error.message);
        // The failure that stops the plugin reports that (and what to do), not "it restarts on the next call".
        if (this.noteFatal(error)) throw this.errorValue ?? error;
        this.setState('idle', error);
      } else {
        if (error.reason === 'guest-error') {
          error = new PluginError(error.reason, this.id, `${error.message.replace(/\.?$/, '.')} It stays stopped until it is reloaded: fix what it reports (or tell its author), then reload it from the plugin manager.`);
        }
        this.options.log.error(error.message);
        this.setState('failed', error);
      }
      throw error;
    }
  }

  /** Host API as the plugin sees it: the guest's log is rate limited (in the worker first, here for in-process runs). */
  private guardedApi(): HostApi {
    const api = this.options.api;
    return {
      ...api,
      log: {
        write: (level, message) => {
          if (!this.logLimiter.take()) {
            this.metrics.droppedLogLines++;
            if (this.droppedLogsSinceSummary++ === 0) {
              this.options.log.warn(`log rate limit (${this.options.limits.logLinesPerSecond} lines/s) reached: dropping lines; the count is in the plugin's metrics`);
            }
            return;
          }
          this.droppedLogsSinceSummary = 0;
          return api.log.write(level, message);
        },
      },
    };
  }

  private guestLog(level: 'info' | 'warn', text: string): void {
    if (!this.logLimiter.take()) { this.metrics.droppedLogLines++; return; }
    this.options.log[level](text);
  }

  private disposedError(): PluginError {
    return new PluginError('disposed', this.id, `${this.who} was unloaded. Run the command again; if it stays unavailable, reload the plugin.`);
  }

  /** Applies the restart policy to a fatal failure; true when it stopped the plugin (state 'failed'). */
  private noteFatal(error: PluginError): boolean {
    const t = this.now;
    const policy = this.options.restartPolicy ?? DEFAULT_RESTART_POLICY;
    this.failures.push(t);
    while (this.failures.length > 0 && this.failures[0] < t - policy.windowMs) this.failures.shift();
    if (this.failures.length >= policy.maxFailures) {
      // The last failure's own advice ("it restarts on the next call") no longer holds: keep only what happened.
      const last = error.message.replace(/\s*It restarts on the next call[\s\S]*$/, '');
      const stopped = new PluginError(error.reason, this.id,
        `${this.who} was stopped after ${this.failures.length} failures within ${Math.round(policy.windowMs / 1000)} s; the last: ${last} Fix or update the plugin, then reload it from the plugin manager.`);
      this.options.log.error(stopped.message);
      void this.stopRunner();
      this.setState('failed', stopped);
      return true;
    }
    const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (this.failures.length - 1));
    this.backoffUntil = t + delay;
    this.changed();
    return false;
  }

  private timeoutFor(kind: CallKind): number {
    const l = this.options.limits;
    switch (kind) {
      case 'command': return l.commandTimeoutMs;
      case 'hook': return l.hookTimeoutMs;
      case 'will-save': return l.willSaveTimeoutMs;
      case 'panel': return l.panelTimeoutMs;
      default: return l.commandTimeoutMs;
    }
  }

  private async call<T>(kind: CallKind, invoke: (runner: PluginRunner, timeoutMs: number) => Promise<T>): Promise<T> {
    if (this.stateValue === 'failed' && this.errorValue) throw this.errorValue;
    const wait = this.backoffUntil - this.now;
    if (wait > MAX_WAIT_FOR_RESTART_MS) {
      throw new PluginError('crashed', this.id, `${this.who} is restarting after repeated failures; try again in ${Math.ceil(wait / 1000)} s.`);
    }
    // A short backoff (the first failures) is waited out, so a user who retries at once is not turned away.
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const t0 = performance.now();
    try {
      const runner = await this.start();
      const value = await invoke(runner, this.timeoutFor(kind));
      this.metrics.record(performance.now() - t0);
      this.metrics.memoryBytes = runner.memoryBytes;
      return value;
    } catch (e) {
      const error = e instanceof PluginError ? e : new PluginError('internal', this.id, `${this.who}: ${describeError(e)}`);
      this.metrics.record(performance.now() - t0, error.reason);
      if (error.isFatalToInstance && this.stateValue === 'active') {
        if (this.noteFatal(error)) throw this.errorValue ?? error;
      } else this.changed();
      throw error;
    }
  }

  private async accept(actions: readonly Action[], what: string): Promise<Action[]> {
    // Actions need permissions like host functions do: ask for the undecided ones first (one prompt each).
    const needed = new Set<Capability>();
    for (const a of actions.slice(0, ACTION_LIMITS.actionsPerResult)) {
      const c = ACTION_CAPABILITY[a.tag as keyof typeof ACTION_CAPABILITY];
      if (c && !this.allows(c)) needed.add(c);
    }
    for (const c of needed) await this.requestPermission(c);
    const { accepted, rejected } = checkActions(actions, this.binaryValue.manifest, (c) => this.allows(c));
    for (const r of rejected) this.options.log.warn(`${what}: ignored action ${r.tag}: ${r.reason}`);
    return [...accepted];
  }

  async runCommand(commandId: string, argsJson: string): Promise<CommandResult> {
    if (!this.binaryValue.manifest.commands.some((c) => c.id === commandId)) {
      throw new PluginError('not-found', this.id, `${this.who} has no command "${commandId}".`);
    }
    const result = await this.call('command', (r, timeoutMs) => r.call('run-command', [commandId, argsJson], { timeoutMs }));
    return { value: result.value, actions: await this.accept(result.actions, `command ${commandId}`) };
  }

  async handleEvent(event: EditorEvent, kind: 'hook' | 'will-save' = 'hook'): Promise<Action[]> {
    const actions = await this.call(kind, (r, timeoutMs) => r.call('handle-event', [event], { timeoutMs }));
    return this.accept(actions, `event ${event.tag}`);
  }

  async renderPanel(panelId: string, stateJson: string): Promise<string> {
    this.assertPanel(panelId);
    return this.call('panel', (r, timeoutMs) => r.call('render-panel', [panelId, stateJson], { timeoutMs }));
  }

  /** A message from a panel page; beyond the message rate limit it is dropped (and counted). */
  async panelMessage(panelId: string, messageJson: string): Promise<Action[]> {
    this.assertPanel(panelId);
    if (!this.messageLimiter.take()) {
      this.metrics.droppedMessages++;
      throw new PluginError('rate-limited', this.id, `${this.who} gets panel messages faster than ${this.options.limits.messagesPerSecond}/s; this one was dropped.`);
    }
    const actions = await this.call('panel', (r, timeoutMs) => r.call('panel-message', [panelId, messageJson], { timeoutMs }));
    return this.accept(actions, `panel ${panelId}`);
  }

  private assertPanel(panelId: string): void {
    if (!this.binaryValue.manifest.panels.some((p) => p.id === panelId)) {
      throw new PluginError('not-found', this.id, `${this.who} has no panel "${panelId}".`);
    }
  }

  /** Stops the sandbox (deactivate, bounded); the plugin starts again on its next call. */
  async stop(): Promise<void> {
    await this.stopRunner();
    if (this.stateValue === 'active' || this.stateValue === 'starting') this.setState('idle');
  }

  private async stopRunner(): Promise<void> {
    const runner = this.runner ?? (this.starting ? await this.starting.catch(() => undefined) : undefined);
    this.runner = undefined;
    if (runner) await runner.dispose({ timeoutMs: Math.min(2000, this.options.limits.commandTimeoutMs) });
  }

  async dispose(): Promise<void> {
    if (this.stateValue === 'disposed') return;
    this.setState('disposed');
    await this.stopRunner();
    this.listeners.clear();
  }
}
