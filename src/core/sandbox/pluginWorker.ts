// Entry point of a plugin's worker thread. It owns one PluginInstance and serves calls that arrive through the
// channel, blocking in Atomics.wait between them (no event loop turns: the only way in is the channel, the only way
// out of a runaway call is `worker.terminate()` from the extension host). Host imports are forwarded to the
// extension host and this thread blocks until the answer is written back, so host functions may be asynchronous there.
//
// The init (module, binary, channel buffers, limits) comes as workerData, or, for a spare started ahead of time by the
// worker pool (workerPool.ts), in one message: the spare loads this code, says it is ready, and waits for it.

import { parentPort, workerData } from 'node:worker_threads';
import { Channel, ChannelBuffers, MessageTooLarge, plainValue, SPINS, State } from './channel';
import { PluginInstance } from '../runtime/instance';
import { PluginBinary } from '../runtime/loader';
import { HostReply } from '../runtime/hostDispatcher';
import { EXPORTS, IMPORTS, Types, WorldFunction } from '../runtime/abi';
import { compileExport, compileImport } from '../runtime/compiledAbi';
import { PluginError } from '../errors';
import { RateLimiter } from '../metrics';
import type { PoolMessage } from './workerPool';

export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly binary: PluginBinary;
  readonly buffers: ChannelBuffers;
  readonly maxResultBytes: number;
  /** Log lines per second that cross to the extension host; the rest are dropped here and counted. */
  readonly logLinesPerSecond?: number;
}

export type CallRequest =
  | { readonly op: 'call'; readonly fn: WorldFunction; readonly args: readonly unknown[] }
  | { readonly op: 'memory' };

export type CallResponse =
  | { readonly ok: unknown; readonly memoryBytes: number; readonly droppedLogLines?: number }
  | { readonly error: ReturnType<PluginError['toJSON']>; readonly droppedLogLines?: number };

export type HostRequest =
  | { readonly kind: 'host'; readonly iface: string; readonly fn: string; readonly args: readonly unknown[] }
  | { readonly kind: 'output'; readonly stream: 'stdout' | 'stderr'; readonly text: string };

/**
 * Blocks until the extension host sends a call. It waits while the state is the value it just read, never a value
 * read again: between two reads the extension host may set Idle and then Call (it does not notify for Idle), and a
 * wait "while Call" would sleep through that call until the call timed out and the worker was killed.
 */
export function waitForCall(channel: Pick<Channel, 'state' | 'waitWhile'>, spins = SPINS): void {
  let state = channel.state;
  while (state !== State.Call) state = channel.waitWhile(state, Infinity, spins);
}

/**
 * What a spare does while it waits: the plugin-independent part of a first call. The world's bindings are compiled
 * per function type and cached in this thread (compiledAbi.ts); doing it here takes ~7 ms off the first call of the
 * plugin that gets this worker. A failure is left for the instance to meet (and report) when it really needs them.
 */
function prepareBindings(): void {
  try {
    for (const b of EXPORTS.values()) compileExport(b.type);
    for (const imp of IMPORTS) for (const f of imp.functions.values()) compileImport(f.type);
  } catch {
    // Not this spare's business: PluginInstance.create compiles again and turns a failure into the plugin's error.
  }
}

function serve(init: WorkerInit): never {
  const channel = new Channel(init.buffers, { prepare: plainValue, maxMessageBytes: init.maxResultBytes });
  const id = init.binary.manifest.id;

  const ask = (request: HostRequest): unknown => {
    channel.send(State.HostCall, request);
    while (channel.state === State.HostCall) channel.waitWhile(State.HostCall, Infinity, SPINS);
    return channel.read();
  };
  // A log flood is cut here, before each line costs a round trip to the extension host.
  const logLimiter = init.logLinesPerSecond === undefined ? undefined : new RateLimiter(init.logLinesPerSecond);
  let droppedLogLines = 0;
  const hostCall = (iface: string, fn: string, args: unknown[]): unknown => {
    if (logLimiter !== undefined && iface === 'log' && !logLimiter.take()) {
      droppedLogLines++;
      return undefined;
    }
    const reply = ask({ kind: 'host', iface, fn, args }) as HostReply;
    if (!('err' in reply)) return reply.ok;
    throw new Types.HostError.Error_(Types.HostError._ctor(reply.err.tag as Types.HostError['tag'], reply.err.value));
  };
  const onOutput = (stream: 'stdout' | 'stderr', text: string) => { ask({ kind: 'output', stream, text }); };

  let instance: PluginInstance | undefined;
  for (;;) {
    waitForCall(channel);
    const request = channel.read() as CallRequest;
    let response: CallResponse;
    try {
      // A trap leaves the instance broken: start a fresh one from the compiled module (cheap, synchronous).
      if (instance === undefined || instance.failure !== undefined) instance = PluginInstance.create(init.module, init.binary, hostCall, { onOutput, maxResultBytes: init.maxResultBytes });
      response = request.op === 'memory'
        ? { ok: undefined, memoryBytes: instance.memoryBytes }
        : { ok: (instance.call as (fn: WorldFunction, ...a: unknown[]) => unknown)(request.fn, ...request.args), memoryBytes: instance.memoryBytes };
    } catch (e) {
      const error = e instanceof PluginError ? e : new PluginError('internal', id, `the plugin worker failed: ${String(e)}`);
      response = { error: error.toJSON() };
    }
    if (droppedLogLines > 0) {
      response = { ...response, droppedLogLines };
      droppedLogLines = 0;
    }
    try {
      channel.send(State.Return, response);
    } catch (e) {
      if (!(e instanceof MessageTooLarge)) throw e;
      channel.send(State.Return, {
        error: new PluginError('result-too-large', id, `${init.binary.manifest.name} (${id}) returned ${e.bytes} bytes; the limit is ${e.limit}. Raise "wasmPlugins.limits.resultMB" if this is expected, or tell the plugin's author.`).toJSON(),
      } satisfies CallResponse);
    }
  }
}

if (workerData !== null && typeof workerData === 'object' && 'buffers' in workerData) serve(workerData as WorkerInit);
else if (workerData !== null && typeof workerData === 'object' && 'spare' in workerData && parentPort !== null) {
  const port = parentPort;
  const onMessage = (m: PoolMessage) => {
    if (m?.kind !== 'init') return;
    port.off('message', onMessage);
    serve(m.init);
  };
  port.on('message', onMessage);
  prepareBindings();
  port.postMessage({ kind: 'ready' } satisfies PoolMessage);
}
