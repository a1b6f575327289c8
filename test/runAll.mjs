// `npm test`: the whole suite, in the order a fresh clone needs it. Every step runs even after a failure (so one run
// shows everything that is broken), except that nothing runs on top of a failed build. Exits non-zero on any failure
// and ends with one summary line per step.
//
//   node test/runAll.mjs [--skip vscode,e2e] [--only core]
//
// Steps: build (type-check + bundle) → build:plugins → core (plain Node: unit, loader, sandbox, WIT corpus, binding
// drift, short fuzz run) → vscode (in-VS-Code suite on the oldest and newest supported VS Code) → activation (with 0
// and 50 extra plugins, in real VS Code) → e2e (browser UI).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const listArg = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] ? args[i + 1].split(',') : undefined;
};
const skip = new Set(listArg('--skip') ?? (process.env.WASM_PLUGINS_SKIP_TESTS ?? '').split(',').filter(Boolean));
const only = listArg('--only');

const node = process.execPath;
const steps = [
  { name: 'build', cmd: [node, 'esbuild.mjs'], fatal: true },
  { name: 'build:plugins', cmd: [node, 'plugins/build.mjs'], fatal: true },
  { name: 'core', cmd: [node, 'node_modules/typescript/bin/tsc', '-p', 'test/core/tsconfig.json'], then: () => [node, '--test', ...coreTestFiles()] },
  { name: 'vscode', cmd: [node, 'test/harness/runVsCodeTests.mjs'] },
  { name: 'activation', cmd: [node, 'test/harness/activationScaling.mjs', '--version', 'max'] },
  { name: 'e2e', cmd: [node, 'test/e2e/run.mjs'] },
];

/** Only *.test.js: given a folder, node --test would also run every helper module under a `test/` path. */
function coreTestFiles() {
  const dir = join(root, 'out', 'test', 'core');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => join('out', 'test', 'core', f)) : [];
}

function run(cmd) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd: root, stdio: 'inherit', env: process.env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (e) => { console.error(e.message); resolve(1); });
  });
}

const results = [];
let blocked = false;
for (const step of steps) {
  if (skip.has(step.name) || (only && !only.includes(step.name))) {
    results.push({ name: step.name, status: 'skipped', seconds: 0 });
    continue;
  }
  if (blocked) {
    results.push({ name: step.name, status: 'not run (build failed)', seconds: 0 });
    continue;
  }
  console.log(`\n=== ${step.name} ===`);
  const t0 = Date.now();
  let code = await run(step.cmd);
  if (code === 0 && step.then) code = await run(step.then());
  const seconds = Math.round((Date.now() - t0) / 1000);
  results.push({ name: step.name, status: code === 0 ? 'passed' : `FAILED (exit ${code})`, seconds });
  if (code !== 0 && step.fatal) blocked = true;
}

console.log('\n=== npm test summary ===');
for (const r of results) console.log(`${r.status.startsWith('passed') ? 'PASS' : r.status === 'skipped' ? 'SKIP' : 'FAIL'}  ${r.name.padEnd(14)} ${r.status}${r.seconds ? ` in ${r.seconds} s` : ''}`);
const failed = results.filter((r) => !['passed', 'skipped'].includes(r.status));
console.log(failed.length === 0 ? 'all steps passed' : `${failed.length} step(s) failed: ${failed.map((f) => f.name).join(', ')}`);
process.exit(failed.length === 0 ? 0 : 1);
