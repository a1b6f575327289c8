// P2 — an isolated call: the synchronous round trip to a plugin in its worker (WorkerRunner.callSync: the request
// goes through the shared channel, the worker wakes from Atomics.wait, runs the export, answers, the caller wakes
// from Atomics.wait), timed call by call for percentiles. Side by side: a postMessage round trip to a worker that
// echoes the same request object over a MessageChannel (the transport a plain worker design would use), and the
// asynchronous WorkerRunner.call the product awaits (Atomics.waitAsync), and a bare blocking Atomics ping-pong between
// two threads that do nothing else: what waking a blocked thread costs on this machine at this moment. On a VM with an
// idle second CPU that is ~50 µs; the channel spins briefly before it blocks (channel.ts, SPINS), which is why a
// plugin call can be faster than that ping-pong.

import { MessageChannel, Worker } from 'node:worker_threads';
import { interleavedLatency, percentile, stats } from './harness';
import { Figure, Measurement } from './report';
import { assertEqual, CALL, isolated, loadEcho } from './setup';

export interface P2Options {
  readonly rounds: number;
  readonly warmupRounds: number;
  readonly callsPerRound: number;
}

const ECHO_WORKER = `
const { workerData } = require('node:worker_threads');
const port = workerData.port;
port.on('message', (m) => port.postMessage(m));
`;

/** A worker that answers every message on a MessagePort with the same message. */
export async function postMessageEcho(): Promise<{ roundTrip(message: unknown): Promise<unknown>; close(): Promise<void> }> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(ECHO_WORKER, { eval: true, workerData: { port: port2 }, transferList: [port2] });
  let pending: ((m: unknown) => void) | undefined;
  port1.on('message', (m) => { const p = pending; pending = undefined; p?.(m); });
  const roundTrip = (message: unknown) => new Promise<unknown>((resolve) => { pending = resolve; port1.postMessage(message); });
  await roundTrip('ready');
  return {
    roundTrip,
    async close() { port1.close(); await worker.terminate(); },
  };
}

const PING_WORKER = `
const { workerData } = require('node:worker_threads');
const s = new Int32Array(workerData);
for (;;) {
  while (Atomics.load(s, 0) !== 1) Atomics.wait(s, 0, Atomics.load(s, 0));
  Atomics.store(s, 0, 2);
  Atomics.notify(s, 0);
}
`;

/** The floor of any synchronous cross-thread call: flip a shared int and wait for the other thread to flip it back. */
function atomicsPingPong(): { roundTrip(): void; close(): Promise<number> } {
  const shared = new SharedArrayBuffer(4);
  const s = new Int32Array(shared);
  const worker = new Worker(PING_WORKER, { eval: true, workerData: shared });
  return {
    roundTrip() {
      Atomics.store(s, 0, 1);
      Atomics.notify(s, 0);
      while (Atomics.load(s, 0) === 1) Atomics.wait(s, 0, 1);
      Atomics.store(s, 0, 0);
    },
    close: () => worker.terminate(),
  };
}

export async function runP2(options: P2Options): Promise<Figure> {
  const plugin = await loadEcho();
  const runner = isolated(plugin);
  const echo = await postMessageEcho();
  const ping = atomicsPingPong();
  const args = '"1"';
  const request = { op: 'call', fn: 'run-command', args: ['echo', args] };
  try {
    assertEqual(runner.callSync('run-command', ['echo', args], CALL), { value: args, actions: [] }, 'callSync');
    assertEqual(await runner.call('run-command', ['echo', args], CALL), { value: args, actions: [] }, 'call');
    assertEqual(await echo.roundTrip(request), request, 'postMessage echo');

    const result = await interleavedLatency([
      { name: 'ours callSync (Atomics.wait)', call: () => { runner.callSync('run-command', ['echo', args], CALL); } },
      { name: 'postMessage round trip', call: async () => { await echo.roundTrip(request); } },
      { name: 'ours call (async, Atomics.waitAsync)', call: async () => { await runner.call('run-command', ['echo', args], CALL); } },
      { name: 'bare blocking Atomics ping-pong', call: () => { ping.roundTrip(); } },
    ], options);

    const measurements: Record<string, Measurement> = {};
    const pct: Record<string, { p50: number; p99: number }> = {};
    for (const [name, samples] of result.samples) {
      const p50 = percentile(samples, 50);
      const p99 = percentile(samples, 99);
      pct[name] = { p50, p99 };
      // The value is the percentile over all calls; min/max are those of the same percentile in each round.
      const p50s = stats(result.roundMedians.get(name)!);
      const p99s = stats(result.roundP99s.get(name)!);
      measurements[`${name} p50`] = { median: p50, min: p50s.min, max: p50s.max, n: samples.length, unit: 'µs', over: 'calls', note: 'min/max: of the per-round p50s' };
      measurements[`${name} p99`] = { median: p99, min: p99s.min, max: p99s.max, n: samples.length, unit: 'µs', over: 'calls', note: 'min/max: of the per-round p99s' };
    }
    const sync = pct['ours callSync (Atomics.wait)'];
    const post = pct['postMessage round trip'];
    const floor = pct['bare blocking Atomics ping-pong'];
    const rounds = result.roundMedians;
    const perRoundRatio = stats(rounds.get('postMessage round trip')!.map((x, i) => x / rounds.get('ours callSync (Atomics.wait)')![i]));
    return {
      id: 'P2',
      title: 'isolated call: synchronous round trip to the plugin worker',
      status: 'measured',
      note: 'tiny payload (command echo, args "1"); per-call times with process.hrtime.bigint; p99 on a shared 2-core machine mostly measures the scheduler.',
      measurements,
      checks: [
        { name: 'callSync round trip p50', value: sync.p50, unit: 'µs', target: '≤ 15 µs', met: sync.p50 <= 15 },
        { name: 'callSync round trip p99', value: sync.p99, unit: 'µs', target: '≤ 100 µs', met: sync.p99 <= 100 },
        { name: 'bare blocking Atomics ping-pong p50 / callSync p50', value: floor.p50 / sync.p50, unit: '×', target: 'reference', met: null },
        {
          name: 'postMessage p50 / callSync p50', value: post.p50 / sync.p50, unit: '×',
          spread: { min: perRoundRatio.min, max: perRoundRatio.max }, target: 'reference', met: null,
        },
      ],
      details: { callsPerRound: options.callsPerRound, rounds: options.rounds },
    };
  } finally {
    await echo.close();
    await ping.close();
    await runner.dispose();
  }
}
