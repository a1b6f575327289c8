// P1 — the cost of one in-process call, for a command (run-command "echo") and a hook (handle-event document-saved →
// [set-status(uri)]), with 100 B and 10 KB strings in and out, against
//   raw: the same module's raw_echo export with manual pointer/length handling (cabi_realloc + encodeInto, call,
//        decode the {ptr,len} area, raw_free) — the floor any ABI layer adds to;
//   jco: the same module as a component transpiled by jco, calling the same world exports.
// "ours" is the path the product takes in-process: InProcessRunner.callSync → PluginInstance.call → the compiled
// bindings (src/core/runtime/compiledAbi.ts, generated from @vscode/wasm-component-model's types) + post-return.
// "library" is the same runner with the library's generic path (WASM_PLUGINS_ABI=library: FunctionType.callWasm),
// which was "ours" before the compiled bindings: their speed-up is measured side by side too.

import { interleaved, ratios, Stats, stats } from './harness';
import { loadJcoEcho } from './jco';
import { Check, Figure, Measurement, ratioCheck } from './report';
import { assertEqual, inProcess, LoadedPlugin, loadEcho, payload, savedEvent, sizeLabel, uriOf } from './setup';
import { InProcessRunner } from '../src/core/sandbox/runner';

export interface P1Options {
  readonly rounds: number;
  readonly warmupRounds: number;
  readonly roundMs: number;
  readonly sizes: readonly number[];
}

interface RawExports {
  memory: WebAssembly.Memory;
  cabi_realloc(oldPtr: number, oldSize: number, align: number, newSize: number): number;
  raw_echo(ptr: number, len: number): number;
  raw_free(area: number): void;
}

/** A ratio shown for reference (no target): how much faster the compiled bindings are than the library's path. */
function reference(name: string, r: Stats): Check {
  return { ...ratioCheck(name, r, 'reference', () => true), met: null };
}

/** The raw baseline: what a host does by hand for string in → string out, with no ABI library. */
export function rawEcho(module: WebAssembly.Module): (s: string) => string {
  const ex = new WebAssembly.Instance(module, {}).exports as unknown as RawExports;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return (s: string) => {
    const len = Buffer.byteLength(s, 'utf8');
    const ptr = ex.cabi_realloc(0, 0, 1, len);
    encoder.encodeInto(s, new Uint8Array(ex.memory.buffer, ptr, len));
    const area = ex.raw_echo(ptr, len);
    const buffer = ex.memory.buffer;
    const words = new Uint32Array(buffer, area, 2);
    const out = decoder.decode(new Uint8Array(buffer, words[0], words[1]));
    ex.raw_free(area);
    return out;
  };
}

/** An in-process runner whose instance uses the given ABI path (the instance is created by `current()`). */
function inProcessWith(plugin: LoadedPlugin, abi: 'compiled' | 'library'): InProcessRunner {
  const saved = process.env.WASM_PLUGINS_ABI;
  process.env.WASM_PLUGINS_ABI = abi;
  try {
    const runner = inProcess(plugin);
    runner.current();
    return runner;
  } finally {
    if (saved === undefined) delete process.env.WASM_PLUGINS_ABI;
    else process.env.WASM_PLUGINS_ABI = saved;
  }
}

export async function runP1(options: P1Options, log: (s: string) => void): Promise<Figure> {
  const plugin = await loadEcho();
  const runner = inProcessWith(plugin, 'compiled');
  const library = inProcessWith(plugin, 'library');
  const raw = rawEcho(plugin.module);
  const jco = await loadJcoEcho(plugin.bytes);
  log(`  jco component ${jco.cached ? 'reused' : 'built'} (${jco.dir})`);

  const measurements: Record<string, Measurement> = {};
  const checks: Figure['checks'] = [];
  const details: Record<string, unknown> = {};
  for (const size of options.sizes) {
    const label = sizeLabel(size);
    const args = payload(size);
    const uri = uriOf(size);
    const event = savedEvent(uri);
    const jcoEvent = { tag: 'document-saved', val: { uri, languageId: 'plaintext', version: 1, lineCount: 1, isDirty: false } };

    // Every path must do the real work before it is timed.
    assertEqual(raw(args), args, 'raw_echo');
    assertEqual(runner.callSync('run-command', ['echo', args]), { value: args, actions: [] }, 'ours run-command');
    assertEqual(runner.callSync('handle-event', [event]), [{ tag: 'setStatus', value: uri }], 'ours handle-event');
    assertEqual(library.callSync('run-command', ['echo', args]), { value: args, actions: [] }, 'library run-command');
    assertEqual(library.callSync('handle-event', [event]), [{ tag: 'setStatus', value: uri }], 'library handle-event');
    assertEqual(jco.echo.runCommand('echo', args), { value: args, actions: [] }, 'jco runCommand');
    assertEqual(jco.echo.handleEvent(jcoEvent), [{ tag: 'set-status', val: uri }], 'jco handleEvent');

    const result = await interleaved([
      { name: 'raw', run: (n) => { for (let i = 0; i < n; i++) raw(args); } },
      { name: 'ours command', run: (n) => { for (let i = 0; i < n; i++) runner.callSync('run-command', ['echo', args]); } },
      { name: 'ours hook', run: (n) => { for (let i = 0; i < n; i++) runner.callSync('handle-event', [event]); } },
      { name: 'jco command', run: (n) => { for (let i = 0; i < n; i++) jco.echo.runCommand('echo', args); } },
      { name: 'jco hook', run: (n) => { for (let i = 0; i < n; i++) jco.echo.handleEvent(jcoEvent); } },
      { name: 'library command', run: (n) => { for (let i = 0; i < n; i++) library.callSync('run-command', ['echo', args]); } },
      { name: 'library hook', run: (n) => { for (let i = 0; i < n; i++) library.callSync('handle-event', [event]); } },
    ], { rounds: options.rounds, warmupRounds: options.warmupRounds, roundMs: options.roundMs, minCalls: 50 });

    const r = (name: string) => result.perRound.get(name)!;
    for (const name of result.perRound.keys()) {
      measurements[`${name} ${label}`] = { ...stats(r(name)), unit: 'µs/call', over: 'rounds' };
    }
    checks.push(
      ratioCheck(`command ${label}: ours / raw`, ratios(r('ours command'), r('raw')), '≤ 2.0×', (v) => v <= 2.0),
      ratioCheck(`hook ${label}: ours / raw`, ratios(r('ours hook'), r('raw')), '≤ 2.0×', (v) => v <= 2.0),
      ratioCheck(`command ${label}: jco / ours`, ratios(r('jco command'), r('ours command')), '≥ 3.0×', (v) => v >= 3.0),
      ratioCheck(`hook ${label}: jco / ours`, ratios(r('jco hook'), r('ours hook')), '≥ 3.0×', (v) => v >= 3.0),
      reference(`command ${label}: library / ours`, ratios(r('library command'), r('ours command'))),
      reference(`hook ${label}: library / ours`, ratios(r('library hook'), r('ours hook'))),
    );
    details[`callsPerRound ${label}`] = Object.fromEntries(result.callsPerRound);
    // The same ratios over process CPU time instead of wall-clock time: a cross-check that waiting for a core did not
    // decide the headline.
    const cpu = (name: string) => result.cpuPerRound.get(name)!;
    details[`cpu-time ratios ${label}`] = {
      'command ours/raw': ratios(cpu('ours command'), cpu('raw')).median,
      'hook ours/raw': ratios(cpu('ours hook'), cpu('raw')).median,
      'command jco/ours': ratios(cpu('jco command'), cpu('ours command')).median,
      'hook jco/ours': ratios(cpu('jco hook'), cpu('ours hook')).median,
      'command library/ours': ratios(cpu('library command'), cpu('ours command')).median,
      'hook library/ours': ratios(cpu('library hook'), cpu('ours hook')).median,
    };
  }
  await runner.dispose();
  await library.dispose();
  return {
    id: 'P1',
    title: 'in-process call cost (command and hook) vs raw export and jco',
    status: 'measured',
    note: 'raw = raw_echo(ptr,len) on the same module; the hook also carries a 9-byte language id and the document fields, raw does not. ours = compiled bindings; library = @vscode/wasm-component-model\'s generic path (WASM_PLUGINS_ABI=library).',
    measurements,
    checks,
    details,
  };
}
