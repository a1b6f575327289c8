// A tight loop of in-process command calls, for `node --cpu-prof out/bench/profileCall.js [command|hook] [bytes]`:
// how docs/performance.md found where the ABI layer spends its time. It profiles the compiled bindings;
// WASM_PLUGINS_ABI=library profiles @vscode/wasm-component-model's generic path instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPlugin } from '../src/core/runtime/loader';
import { WORLD_SHAPE } from '../src/core/runtime/abi';
import { HostDispatcher } from '../src/core/runtime/hostDispatcher';
import { InProcessRunner } from '../src/core/sandbox/runner';

async function main(): Promise<void> {
  const kind = process.argv[2] ?? 'command';
  const size = Number(process.argv[3] ?? 100);
  const file = path.resolve(__dirname, '../../dist/test-plugins/bench-echo.wasm');
  const { binary, module } = await loadPlugin(new Uint8Array(fs.readFileSync(file)), 'bench-echo.wasm', WORLD_SHAPE, { maxMemoryPages: 4096 });
  const dispatcher = new HostDispatcher('bench-echo', {} as never, { allows: () => true }, { warn: () => undefined });
  const runner = new InProcessRunner(module, binary, dispatcher);
  const s = 'x'.repeat(size);
  const event = { tag: 'documentSaved', value: { uri: s, languageId: 'plaintext', version: 1, lineCount: 1, isDirty: false } } as never;
  const started = process.hrtime.bigint();
  const n = 1_000_000;
  for (let i = 0; i < n; i++) {
    if (kind === 'hook') runner.callSync('handle-event', [event]);
    else runner.callSync('run-command', ['echo', s]);
  }
  process.stdout.write(`${kind} ${size} B: ${(Number(process.hrtime.bigint() - started) / n / 1000).toFixed(2)} µs/call\n`);
}
void main();
