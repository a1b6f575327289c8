#!/usr/bin/env node
// npm run test:electron — the same in-VS-Code suite (out/test/host/index.js) in desktop VS Code (Electron), through
// @vscode/test-electron. For a desktop/CI machine that can download VS Code from update.code.visualstudio.com;
// on a machine without that access it stops within seconds with a clear message (use `npm run test:vscode`).
// Not part of `npm test`.
//
//   node test/harness/runElectronTests.mjs [--versions min,max] [--version min|max|stable|insiders|1.x.y]
//        [--grep <regex>] [--files a,b] [--settings <file.json>]
//   VSCODE_EXECUTABLE_PATH=/path/to/code  … use an installed VS Code instead of downloading (one run)
//
// Each run gets a fresh copy of test/fixtures/workspace, its own --user-data-dir (with the run's settings.json) and
// --extensions-dir, WASM_PLUGINS_TEST_RUN=1 and WASM_PLUGINS_TEST_CONFIG like the code-server harness. Downloads are
// cached by test-electron in .vscode-test/. On Linux without a display, run it under `xvfb-run -a`.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot, VERSIONS } from './install.mjs';
import { DEFAULT_USER_SETTINGS } from './codeServer.mjs';
import { loadSettings } from './runVsCodeTests.mjs';

const require = createRequire(import.meta.url);
const keepTemp = process.env.KEEP_TEMP === '1';

function parseArgs(argv) {
  const o = { versions: 'min,max', grep: undefined, files: undefined, settings: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const val = () => inline ?? argv[++i];
    switch (flag) {
      case '--versions': case '--version': o.versions = val(); break;
      case '--grep': o.grep = val(); break;
      case '--files': o.files = val().split(',').filter(Boolean); break;
      case '--settings': o.settings = resolve(val()); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return o;
}

/** min/max → the same VS Code versions the code-server harness uses; anything else goes to test-electron as is. */
const electronVersion = (s) => VERSIONS[s]?.vscode ?? s;

async function checkDownloadReachable() {
  const url = 'https://update.code.visualstudio.com/api/releases/stable';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (e) {
    throw new Error(`cannot reach ${url} (${e.cause?.code ?? e.cause?.message ?? e.message}).\n` +
      '@vscode/test-electron downloads desktop VS Code from there, so it cannot run on this machine.\n' +
      'Use `npm run test:vscode` (real VS Code via code-server, works offline except for the npm registry), or set\n' +
      'VSCODE_EXECUTABLE_PATH to an installed VS Code binary.');
  }
}

async function runOne(version, o, testElectron) {
  const label = `electron ${version}`;
  const root = mkdtempSync(join(tmpdir(), 'wph-electron-'));
  const t0 = Date.now();
  try {
    const workspace = join(root, 'workspace');
    const fixture = join(repoRoot, 'test', 'fixtures', 'workspace');
    if (existsSync(fixture)) cpSync(fixture, workspace, { recursive: true }); else mkdirSync(workspace);
    const userData = join(root, 'user-data');
    mkdirSync(join(userData, 'User'), { recursive: true });
    const settings = { ...DEFAULT_USER_SETTINGS, ...loadSettings([join(repoRoot, 'test', 'host', 'settings.json'), o.settings], { repoRoot, workspace }) };
    writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    const configFile = join(root, 'run-config.json');
    writeFileSync(configFile, JSON.stringify({ launcher: 'test-electron', vscodeVersion: version, workspace, repoRoot, grep: o.grep, files: o.files, settings }, null, 2));

    let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH;
    if (!vscodeExecutablePath) {
      try {
        vscodeExecutablePath = await testElectron.downloadAndUnzipVSCode({ version, timeout: 15_000, cachePath: join(repoRoot, '.vscode-test') });
      } catch (e) {
        throw new Error(`downloading VS Code ${version} failed: ${e.message}`);
      }
    }
    console.log(`[${label}] ${vscodeExecutablePath}`);
    const code = await testElectron.runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(repoRoot, 'out', 'test', 'host', 'index.js'),
      extensionTestsEnv: { WASM_PLUGINS_TEST_RUN: '1', WASM_PLUGINS_TEST_CONFIG: configFile },
      // Built-in extensions stay on (users have them); other installed extensions are kept out by the empty
      // extensions dir.
      launchArgs: [workspace, `--user-data-dir=${userData}`, `--extensions-dir=${join(root, 'extensions')}`, '--disable-telemetry'],
    });
    return { version, ok: code === 0, seconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    return { version, ok: false, seconds: (Date.now() - t0) / 1000, error: e.message };
  } finally {
    if (keepTemp) console.log(`[${label}] KEEP_TEMP=1: kept ${root}`); else rmSync(root, { recursive: true, force: true });
  }
}

async function main() {
  let o;
  try { o = parseArgs(process.argv.slice(2)); } catch (e) { console.error(e.message); return 2; }
  const missing = ['dist/extension.js', 'out/test/host/index.js'].filter((f) => !existsSync(join(repoRoot, f)));
  if (missing.length) { console.error(`missing build output: ${missing.join(', ')} — run \`npm run build\` first`); return 2; }
  let testElectron;
  try { testElectron = require('@vscode/test-electron'); } catch { console.error('@vscode/test-electron is not installed: run `npm ci`'); return 2; }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.warn('warning: no DISPLAY — desktop VS Code needs one on Linux; run under `xvfb-run -a npm run test:electron`.');
  }
  const versions = process.env.VSCODE_EXECUTABLE_PATH ? ['local'] : [...new Set(o.versions.split(',').map((s) => electronVersion(s.trim())).filter(Boolean))];
  if (!process.env.VSCODE_EXECUTABLE_PATH) {
    try { await checkDownloadReachable(); } catch (e) { console.error(`test:electron: ${e.message}`); return 1; }
  }
  const results = [];
  for (const v of versions) {
    const r = await runOne(v, o, testElectron);
    results.push(r);
    // A failed download for one version means the next one would fail the same way: stop early.
    if (r.error?.startsWith('downloading')) break;
  }
  console.log('\n=== VS Code (Electron) test summary ===');
  for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  VS Code ${r.version}: ${r.seconds.toFixed(1)} s${r.error ? ` — ${r.error}` : ''}`);
  return results.length === versions.length && results.every((r) => r.ok) ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
