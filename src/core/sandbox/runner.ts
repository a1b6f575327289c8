// How the host calls a plugin: one interface, two implementations. `WorkerRunner` (the default) runs the plugin in its
// own worker thread so a runaway call can be cut off by terminating the worker; `InProcessRunner` calls the instance
// directly on the current thread (no isolation: for benchmarks and tests of the ABI layer). Both call `activate`
// before the first call on every fresh instance, serialise calls (a plugin instance is single-threaded), and report
// failures as PluginError.

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Channel, ChannelBuffers, createChannelBuffers, MessageTooLarge, plainValue, SPINS, State } from './channel';
import type { CallRequest, CallResponse, HostRequest, WorkerInit } from './pluginWorker';
import { PluginInstance } from '../runtime/instance';
import { PluginBinary } from '../runtime/loader';
import { HostDispatcher, HostReply } from '../runtime/hostDispatcher';
import { Types, WorldExports, WorldFunction } from '../runtime/abi';
import { PluginError } from '../errors';
import { initSpare, WorkerPool, WorkerSpec } from './workerPool';

export interface CallOptions {
  /** The call fails with reason 'timeout' after this long; the worker is terminated. */
  readonly timeoutMs: number;
}

export type Args<F extends WorldFunction> = Parameters<WorldExports[F]>;
export type Result<F extends WorldFunction> = ReturnType<WorldExports[F]>;

export interface RunnerEvents {
  /** Text the plugin printed (stdout/stderr through the WASI stubs). */
  onOutput?(stream: 'stdout' | 'stderr', text: string): void;
  /** The instance was replaced after a failure (trap, timeout, crash). */
  onRestart?(cause: PluginError): void;
  /** Log lines the worker dropped for exceeding the rate limit (reported with each call's answer). */
  onDroppedLogLines?(count: number): void;
}

export interface PluginRunner {
  readonly isolated: boolean;
  call<F extends WorldFunction>(fn: F, args: Args<F>, options: CallOptions): Promise<Result<F>>;
  /** Linear memory of the live instance, as of its last call. */
  readonly memoryBytes: number | undefined;
  /** Calls `deactivate` (best effort, bounded) and releases the instance. Later calls fail with 'disposed'. */
  dispose(options?: CallOptions): Promise<void>;
}

export interface WorkerRunnerOptions {
  /** Path of the bundled worker entry (pluginWorker.js). Defaults to the file next to this module. */
  readonly workerPath?: string;
  /** Largest result a call may return, in bytes of JSON. */
  readonly maxResultBytes: number;
  /** V8 heap limits for the worker (the wasm memory is capped separately, in the module). */
  readonly resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number; stackSizeMb?: number };
  /** Log lines per second that cross from the worker; the rest are dropped inside the worker and counted. */
  readonly logLinesPerSecond?: number;
  /** Calls that may wait behind the running one; more are refused with reason 'busy'. Unbounded by default. */
  readonly maxQueuedCalls?: number;
  /** Where a worker already started comes from (when one fits); without it, or when none fits, one is started. */
  readonly pool?: WorkerPool;
}

/** The start options of the workers a runner with these options uses (what a pool's spare must match). */
export function workerSpec(options: Pick<WorkerRunnerOptions, 'workerPath' | 'resourceLimits'>): WorkerSpec {
  return { workerPath: options.workerPath ?? path.join(__dirname, 'pluginWorker.js'), resourceLimits: options.resourceLimits };
}

/** Serialises async work: one call in flight per plugin. */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Calls waiting or running. */
  get size(): number {
    return this.pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task, task).finally(() => { this.pending--; });
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** An error the guest returned from activate, reworded to say that activation is what failed. */
function activationError(e: unknown, binary: PluginBinary): unknown {
  if (!(e instanceof PluginError) || e.reason !== 'guest-error') return e;
  const who = `${binary.manifest.name} (${binary.manifest.id})`;
  return new PluginError('guest-error', binary.manifest.id, `${who} failed to activate: ${e.message.replace(`${who}: `, '')}`);
}

function deactivateDefault(): CallOptions {
  return { timeoutMs: 2000 };
}

/** Iterations the extension host's event loop may spend looking for an answer before it awaits one (≈ 2–5 µs). */
const ASYNC_SPINS = Math.min(SPINS, 2000);

export class WorkerRunner implements PluginRunner {
  readonly isolated = true;
  private worker: Worker | undefined;
  private channel: Channel | undefined;
  private buffers: ChannelBuffers | undefined;
  private exited: Promise<{ exit: number; error?: Error }> | undefined;
  private needsActivate = true;
  private disposed = false;
  private disposing: Promise<void> | undefined;
  private readonly queue = new Queue();
  private lastMemory: number | undefined;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly binary: PluginBinary,
    private readonly dispatcher: HostDispatcher,
    private readonly options: WorkerRunnerOptions,
    private readonly events: RunnerEvents = {},
  ) {}

  get memoryBytes(): number | undefined {
    return this.lastMemory;
  }

  /** Whether a worker thread is alive right now (it starts on the first call). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  call<F extends WorldFunction>(fn: F, args: Args<F>, options: CallOptions): Promise<Result<F>> {
    const max = this.options.maxQueuedCalls;
    // The queue holds the running call plus the waiting ones.
    if (max !== undefined && this.queue.size > max) {
      return Promise.reject(new PluginError('busy', this.id,
        `${this.who} is busy with one call and has ${this.queue.size - 1} more waiting; ${fn} was refused. The plugin is too slow for the work sent to it: try again later, or disable it if it stays busy.`));
    }
    return this.queue.run(async () => {
      this.assertUsable();
      const started = Date.now();
      if (fn === 'activate') {
        // Explicit activation (the controller's start) reports failures like the implicit one does: naming it.
        await this.activate(options);
        return undefined as Result<F>;
      }
      if (this.needsActivate) await this.activate(options);
      const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
      // The time spent activating counts against the call, but the error names the limit the user configured.
      const value = await this.exec({ op: 'call', fn, args }, remaining, options.timeoutMs);
      if (fn === 'activate') this.needsActivate = false;
      return value as Result<F>;
    });
  }

  /**
   * A synchronous round trip that blocks the calling thread (at most `timeoutMs`). Only for measuring the bridge
   * itself and for callers that cannot await; host functions must answer synchronously during it.
   */
  callSync<F extends WorldFunction>(fn: F, args: Args<F>, options: CallOptions): Result<F> {
    this.assertUsable();
    const deadline = Date.now() + options.timeoutMs;
    if (this.needsActivate && fn !== 'activate') {
      try {
        this.execSync({ op: 'call', fn: 'activate', args: [] }, deadline, options.timeoutMs);
      } catch (e) {
        throw activationError(e, this.binary);
      }
      this.needsActivate = false;
    }
    const value = this.execSync({ op: 'call', fn, args }, deadline, options.timeoutMs) as Result<F>;
    if (fn === 'activate') this.needsActivate = false;
    return value;
  }

  private execSync(request: CallRequest & { op: 'call' }, deadline: number, timeoutMs: number): unknown {
    const channel = this.ensureWorker();
    if (channel.state !== State.Idle) throw new PluginError('internal', this.id, 'callSync while another call is in flight');
    channel.send(State.Call, request);
    for (;;) {
      let state: State = channel.state as State;
      while (state === State.Call || state === State.HostReturn) {
        const left = deadline - Date.now();
        if (left <= 0) {
          this.kill();
          throw this.timeoutError(request.fn, timeoutMs);
        }
        state = channel.waitWhile(state, left, SPINS);
      }
      if (state === State.Return) {
        const response = channel.read() as CallResponse;
        channel.setState(State.Idle);
        return this.unwrap(response);
      }
      if (state === State.HostCall) {
        const hostRequest = channel.read() as HostRequest;
        let reply: HostReply | null = null;
        if (hostRequest.kind === 'host') {
          reply = this.dispatcher.replySync(hostRequest.iface, hostRequest.fn, [...hostRequest.args])
            ?? { err: { tag: Types.HostError.failed, value: `${hostRequest.iface}.${hostRequest.fn} is asynchronous and cannot answer a synchronous call` } };
        } else this.events.onOutput?.(hostRequest.stream, hostRequest.text);
        this.sendReply(channel, reply);
        continue;
      }
      // The worker died (State.Dead) while we were blocked.
      this.kill();
      throw new PluginError('crashed', this.id, `${this.who} stopped unexpectedly during ${request.fn}. It restarts on the next call.`);
    }
  }

  dispose(options: CallOptions = deactivateDefault()): Promise<void> {
    // Calls still waiting fail with 'disposed'; the running one finishes or times out. Whether there is a live,
    // activated instance to deactivate is decided then, not now: a call that times out meanwhile kills the worker,
    // and a fresh instance must not be started only to be deactivated.
    this.disposed = true;
    this.disposing ??= this.queue.run(async () => {
      if (this.worker !== undefined && !this.needsActivate) {
        await this.exec({ op: 'call', fn: 'deactivate', args: [] }, options.timeoutMs).catch(() => undefined);
      }
      this.kill();
    });
    return this.disposing;
  }

  private get id(): string {
    return this.binary.manifest.id;
  }

  private get who(): string {
    return `${this.binary.manifest.name} (${this.id})`;
  }

  private assertUsable(): void {
    if (this.disposed) throw new PluginError('disposed', this.id, `${this.who} was unloaded. Run the command again; if it stays unavailable, reload the plugin.`);
  }

  private async activate(options: CallOptions): Promise<void> {
    try {
      await this.exec({ op: 'call', fn: 'activate', args: [] }, options.timeoutMs);
      this.needsActivate = false;
    } catch (e) {
      throw activationError(e, this.binary);
    }
  }

  private ensureWorker(): Channel {
    if (this.worker !== undefined) return this.channel!;
    const buffers = createChannelBuffers();
    const init: WorkerInit = { module: this.module, binary: this.binary, buffers, maxResultBytes: this.options.maxResultBytes, logLinesPerSecond: this.options.logLinesPerSecond };
    const spec = workerSpec(this.options);
    // A spare from the pool has loaded the worker code already: it only needs the init. It is this plugin's alone
    // from now on and is terminated like any other worker (never handed back).
    const spare = this.options.pool?.take(spec);
    if (spare !== undefined) initSpare(spare, init);
    const worker = spare ?? new Worker(spec.workerPath, {
      workerData: init,
      resourceLimits: spec.resourceLimits,
      execArgv: [],
      stdout: true,
      stderr: true,
      name: `wasm-plugin:${this.id}`,
    });
    // Unread stdout/stderr streams of a worker must still be drained.
    worker.stdout.resume();
    worker.stderr.resume();
    this.exited = new Promise((resolve) => {
      let error: Error | undefined;
      // Without an 'error' listener a worker crash would be thrown in the extension host.
      worker.on('error', (e) => { error = e; });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.markDead();
        resolve({ exit: code, error });
      });
    });
    this.worker = worker;
    this.buffers = buffers;
    this.channel = new Channel(buffers, { prepare: plainValue });
    this.needsActivate = true;
    return this.channel;
  }

  private markDead(): void {
    if (this.buffers) {
      const control = new Int32Array(this.buffers.control);
      Atomics.store(control, 0, State.Dead);
      Atomics.notify(control, 0);
    }
    this.worker = undefined;
    this.channel = undefined;
    this.buffers = undefined;
    this.needsActivate = true;
  }

  private kill(): void {
    const worker = this.worker;
    this.markDead();
    if (worker !== undefined) void worker.terminate();
  }

  private timeoutError(fn: WorldFunction, timeoutMs: number): PluginError {
    return new PluginError('timeout', this.id,
      `${this.who} did not answer ${fn} within ${timeoutMs} ms and was stopped. It restarts on the next call; if it keeps timing out, raise "wasmPlugins.limits" for it or disable it.`);
  }

  private sendReply(channel: Channel, reply: HostReply | null): void {
    try {
      channel.send(State.HostReturn, reply);
    } catch (e) {
      if (!(e instanceof MessageTooLarge)) throw e;
      channel.send(State.HostReturn, { err: { tag: Types.HostError.tooLarge, value: e.message } } satisfies HostReply);
    }
  }

  private unwrap(response: CallResponse): unknown {
    if (response.droppedLogLines) this.events.onDroppedLogLines?.(response.droppedLogLines);
    if ('error' in response) {
      const error = PluginError.fromJSON(response.error);
      if (error.isFatalToInstance) {
        this.needsActivate = true;
        this.events.onRestart?.(error);
      }
      throw error;
    }
    this.lastMemory = response.memoryBytes;
    return response.ok;
  }

  private async exec(request: CallRequest, timeoutMs: number, limitMs = timeoutMs): Promise<unknown> {
    const channel = this.ensureWorker();
    const exited = this.exited!;
    const fn = request.op === 'call' ? request.fn : 'activate';
    // The budget is the plugin's own running time: it pauses while a host function runs (which may wait for the
    // user, e.g. a permission prompt) and resumes when the guest continues.
    let timer: NodeJS.Timeout | undefined;
    let left = timeoutMs;
    let since = performance.now();
    let fire: (v: 'timeout') => void = () => undefined;
    const timeout = new Promise<'timeout'>((resolve) => { fire = resolve; });
    const arm = () => { since = performance.now(); timer = setTimeout(() => fire('timeout'), Math.max(0, left)); };
    const pause = () => { clearTimeout(timer); left -= performance.now() - since; };
    arm();
    try {
      channel.send(State.Call, request);
      let state: number = State.Call;
      for (;;) {
        // Not raced against `exited`: a reaction added to that long-lived promise on every call is never released
        // (~300 bytes per call, for the life of the worker). Its exit handler sets the state to Dead, which ends
        // this wait as well.
        // Most calls answer within microseconds: look for the answer briefly before handing the wait to the event
        // loop (which costs a thread wake-up and a turn of the loop); the loop is blocked for a few µs at most.
        const quick = channel.poll(state, ASYNC_SPINS);
        let next: State | 'timeout' = quick ?? await Promise.race([channel.waitWhileAsync(state), timeout]);
        // The extension host may have been too busy to notice an answer that came in time: take the answer.
        if (next === 'timeout' && channel.state === State.Return) next = State.Return;
        if (next === 'timeout') {
          this.kill();
          const error = this.timeoutError(fn, limitMs);
          this.events.onRestart?.(error);
          throw error;
        }
        if (next === State.Dead) {
          // The exit's error, when the exit has been reported already (it has, when the exit is what set Dead).
          const exit = await Promise.race([exited, Promise.resolve(undefined)]);
          const detail = exit?.error ? `: ${exit.error.message}` : '';
          const error = new PluginError('crashed', this.id, `${this.who} stopped unexpectedly during ${fn}${detail}. It restarts on the next call.`);
          this.kill();
          this.events.onRestart?.(error);
          throw error;
        }
        state = next;
        if (state === State.Return) {
          const response = channel.read() as CallResponse;
          channel.setState(State.Idle);
          return this.unwrap(response);
        }
        if (state === State.HostCall) {
          const hostRequest = channel.read() as HostRequest;
          let reply: HostReply | null = null;
          if (hostRequest.kind === 'host') {
            pause();
            reply = await this.dispatcher.reply(hostRequest.iface, hostRequest.fn, [...hostRequest.args]);
            arm();
          } else this.events.onOutput?.(hostRequest.stream, hostRequest.text);
          if (this.channel !== channel) continue; // killed while the host function ran; the next race reports it
          this.sendReply(channel, reply);
          state = State.HostReturn;
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs the plugin on the calling thread: no timeouts can interrupt it. Host functions must be synchronous. */
export class InProcessRunner implements PluginRunner {
  readonly isolated = false;
  private instance: PluginInstance | undefined;
  private disposed = false;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly binary: PluginBinary,
    private readonly dispatcher: HostDispatcher,
    private readonly events: RunnerEvents = {},
  ) {}

  get memoryBytes(): number | undefined {
    return this.instance?.memoryBytes;
  }

  /** The live instance, creating and activating one when needed. */
  current(): PluginInstance {
    if (this.disposed) throw new PluginError('disposed', this.binary.manifest.id, `${this.binary.manifest.name} was unloaded.`);
    if (this.instance === undefined || this.instance.failure !== undefined) {
      if (this.instance?.failure) this.events.onRestart?.(this.instance.failure);
      const instance = PluginInstance.create(this.module, this.binary, (iface, fn, args) => this.hostCall(iface, fn, args), {
        onOutput: this.events.onOutput,
      });
      try {
        instance.call('activate');
      } catch (e) {
        throw activationError(e, this.binary);
      }
      this.instance = instance;
    }
    return this.instance;
  }

  async call<F extends WorldFunction>(fn: F, args: Args<F>, _options: CallOptions): Promise<Result<F>> {
    return this.callSync(fn, args);
  }

  callSync<F extends WorldFunction>(fn: F, args: Args<F>): Result<F> {
    const instance = this.current();
    if (fn === 'activate') return undefined as Result<F>;
    return (instance.call as (f: F, ...a: Args<F>) => Result<F>)(fn, ...args);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    try {
      if (this.instance && !this.instance.failure) this.instance.call('deactivate');
    } catch {
      // Best effort: the plugin is going away either way.
    }
    this.disposed = true;
    this.instance = undefined;
  }

  private hostCall(iface: string, fn: string, args: unknown[]): unknown {
    const reply = this.dispatcher.replySync(iface, fn, args)
      ?? { err: { tag: Types.HostError.failed, value: `${iface}.${fn} is asynchronous; run this plugin isolated` } };
    if (!('err' in reply)) return reply.ok;
    throw new Types.HostError.Error_(Types.HostError._ctor(reply.err.tag as Types.HostError['tag'], reply.err.value));
  }
}
