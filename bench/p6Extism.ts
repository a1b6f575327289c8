// P6 — a peer: the same echo workload through @extism/extism (its own plugin format: plugins/bench/echo-extism, a C
// plugin written by hand against the Extism kernel ABI), run in a worker (`runInWorker: true`, the peer of our
// isolation) and awaited, against our isolated call awaited the same way (WorkerRunner.call) — the like-for-like
// pair — and our blocking WorkerRunner.callSync.

import { interleaved, ratios, stats } from './harness';
import { Figure, Measurement, ratioCheck } from './report';
import { assertEqual, CALL, EXTISM_PLUGIN, isolated, loadEcho, packageVersion, payload, pluginBytes, sizeLabel } from './setup';

export interface P6Options {
  readonly rounds: number;
  readonly warmupRounds: number;
  readonly roundMs: number;
  readonly sizes: readonly number[];
}

interface ExtismPlugin {
  call(fn: string, input?: string | Uint8Array): Promise<{ text(): string } | null>;
  close(): Promise<void>;
}

export async function runP6(options: P6Options): Promise<Figure> {
  // CommonJS entry of @extism/extism: the default export is createPlugin.
  const createPlugin = require('@extism/extism') as (manifest: unknown, opts: unknown) => Promise<ExtismPlugin>;
  const extism = await createPlugin({ wasm: [{ data: pluginBytes(EXTISM_PLUGIN) }] }, { useWasi: false, runInWorker: true });
  const plugin = await loadEcho();
  const runner = isolated(plugin);
  const measurements: Record<string, Measurement> = {};
  const checks: Figure['checks'] = [];
  const details: Record<string, unknown> = { extism: packageVersion('@extism/extism') };
  try {
    for (const size of options.sizes) {
      const label = sizeLabel(size);
      const args = payload(size);
      assertEqual((await extism.call('echo', args))?.text(), args, 'extism echo');
      assertEqual(await runner.call('run-command', ['echo', args], CALL), { value: args, actions: [] }, 'ours call');
      assertEqual(runner.callSync('run-command', ['echo', args], CALL), { value: args, actions: [] }, 'ours callSync');

      const result = await interleaved([
        { name: 'extism (worker)', run: async (n) => { for (let i = 0; i < n; i++) (await extism.call('echo', args))!.text(); } },
        { name: 'ours call (worker, async)', run: async (n) => { for (let i = 0; i < n; i++) await runner.call('run-command', ['echo', args], CALL); } },
        { name: 'ours callSync (worker)', run: (n) => { for (let i = 0; i < n; i++) runner.callSync('run-command', ['echo', args], CALL); } },
      ], { rounds: options.rounds, warmupRounds: options.warmupRounds, roundMs: options.roundMs, minCalls: 20 });
      const r = (name: string) => result.perRound.get(name)!;
      for (const name of result.perRound.keys()) measurements[`${name} ${label}`] = { ...stats(r(name)), unit: 'µs/call', over: 'rounds' };
      checks.push(ratioCheck(`${label}: extism / ours call`, ratios(r('extism (worker)'), r('ours call (worker, async)')), '≥ 2.0×', (v) => v >= 2.0));
      const sync = ratios(r('extism (worker)'), r('ours callSync (worker)'));
      checks.push({ name: `${label}: extism / ours callSync`, value: sync.median, unit: '×', spread: { min: sync.min, max: sync.max }, target: 'reference', met: null });
      details[`callsPerRound ${label}`] = Object.fromEntries(result.callsPerRound);
    }
  } finally {
    await extism.close();
    await runner.dispose();
  }
  return {
    id: 'P6',
    title: 'peer: the echo workload through @extism/extism in a worker',
    status: 'measured',
    note: 'the Extism plugin reads its input and writes its output 8 bytes per host call, as Extism\'s own C PDK does.',
    measurements,
    checks,
    details,
  };
}
