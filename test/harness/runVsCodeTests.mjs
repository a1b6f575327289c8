#!/usr/bin/env node
// npm run test:vscode — runs the in-VS-Code suite (out/test/host/index.js, `run()` contract) inside real VS Code:
// code-server (server + web workbench + Node extension host) opened by headless Chromium, once per version.
//
//   node test/harness/runVsCodeTests.mjs [--versions min,max] [--version min|max] [--grep <regex>] [--files a,b]
//        [--settings <file.json>] [--extension <dir>] [--tests <index.js>] [--timeout <minutes per version>]
//
// Per version: installs code-server if needed (test/harness/install.mjs), copies test/fixtures/workspace into a
// fresh temp folder, writes the user settings and a run-config JSON (WASM_PLUGINS_TEST_CONFIG), starts code-server,
// opens /?folder=…&payload=[extensionDevelopmentPath, extensionTestsPath] and waits for the workbench to call
// codeAutomationExit(code). Reporter lines ([wasm-plugins-test]) are printed live, prefixed with the VS Code version;
// metric lines ([wasm-plugins-metric]) are printed and saved with the result in test-results/vscode-<version>.json.
// Exit code: 0 only when every version ran and passed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureCodeServer, repoRoot, resolveVersions } from './install.mjs';
import { makeRunRoot, openWorkbench, startCodeServer, verbose } from './codeServer.mjs';

export const TAGS = {
  test: '[wasm-plugins-test]', metric: '[wasm-plugins-metric]', info: '[wasm-plugins-test-info]', result: '[wasm-plugins-test-result]',
};

function parseArgs(argv) {
  const o = { versions: 'min,max', grep: undefined, files: undefined, settings: undefined, extension: repoRoot, tests: undefined, timeoutMin: 10 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const val = () => inline ?? argv[++i];
    switch (flag) {
      case '--versions': case '--version': o.versions = val(); break;
      case '--grep': o.grep = val(); break;
      case '--files': o.files = val().split(',').filter(Boolean); break;
      case '--settings': o.settings = resolve(val()); break;
      case '--extension': o.extension = resolve(val()); break;
      case '--tests': o.tests = resolve(val()); break;
      case '--timeout': o.timeoutMin = Number(val()); break;
      case '-h': case '--help':
        console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
        process.exit(0);
      default: throw new Error(`unknown argument ${argv[i]} (see --help)`);
    }
  }
  o.tests ??= join(o.extension, 'out', 'test', 'host', 'index.js');
  return o;
}

/** Settings for the run: test/host/settings.json (optional, ${repoRoot}/${workspace} substituted) + --settings file. */
export function loadSettings(files, vars) {
  let settings = {};
  for (const f of files) {
    if (!f || !existsSync(f)) continue;
    let text = readFileSync(f, 'utf8');
    for (const [k, v] of Object.entries(vars)) text = text.split(`\${${k}}`).join(v);
    try { settings = { ...settings, ...JSON.parse(text) }; } catch (e) { throw new Error(`invalid JSON in ${f}: ${e.message}`); }
  }
  return settings;
}

/** Turns one extension-host console line into a harness event (null when it is not ours). */
export function classifyLine(line) {
  for (const [kind, tag] of Object.entries(TAGS)) {
    const at = line.indexOf(tag);
    if (at < 0) continue;
    const rest = line.slice(at + tag.length).replace(/^ /, '');
    if (kind === 'test') return { kind, text: rest };
    try { return { kind, text: rest, data: JSON.parse(rest) }; } catch { return { kind, text: rest, data: rest }; }
  }
  return null;
}

/** Runs the suite once against one VS Code version. Never throws: returns a result record. */
export async function runSuite(v, o) {
  const t0 = Date.now();
  const label = `vscode ${v.vscode}`;
  const say = (line) => console.log(`[${label}] ${line}`);
  const result = {
    vscode: v.vscode, codeServer: v.codeServer, alias: v.alias, node: undefined, ok: false, exitCode: undefined,
    passes: undefined, failures: undefined, pending: undefined, wallSeconds: 0, error: undefined, metrics: [], startedAt: new Date().toISOString(),
  };
  let server, wb;
  try {
    const cs = await ensureCodeServer(v);
    const root = makeRunRoot();
    const configFile = join(root, 'run-config.json');
    const workspaceDir = join(root, 'workspace');
    const settings = loadSettings([join(o.extension, 'test', 'host', 'settings.json'), o.settings], { repoRoot: o.extension, workspace: workspaceDir });
    writeFileSync(configFile, JSON.stringify({
      launcher: 'code-server', vscodeVersion: v.vscode, codeServerVersion: v.codeServer, workspace: workspaceDir, repoRoot: o.extension,
      grep: o.grep, files: o.files, settings,
    }, null, 2));
    server = await startCodeServer({
      version: cs, root, userSettings: settings,
      workspaceFixture: join(o.extension, 'test', 'fixtures', 'workspace'),
      env: { WASM_PLUGINS_TEST_RUN: '1', WASM_PLUGINS_TEST_CONFIG: configFile },
    });
    say(`code-server ${v.codeServer} on ${server.base} (started in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    let sawInfo = false;
    let resolveInfo;
    const infoSeen = new Promise((r) => { resolveInfo = r; });
    wb = await openWorkbench(server, {
      extensionDevelopmentPath: o.extension, extensionTestsPath: o.tests,
      onLog(line) {
        const ev = classifyLine(line);
        if (!ev) { if (verbose) say(`(workbench log) ${line}`); return; }
        if (ev.kind === 'test') { say(ev.text); if (ev.text.startsWith('suite failed: ')) result.suiteError = ev.text.slice(14); }
        else if (ev.kind === 'metric') { result.metrics.push(ev.data); say(`${TAGS.metric} ${ev.text}`); }
        else if (ev.kind === 'info') { sawInfo = true; result.node = ev.data?.node; result.info = ev.data; resolveInfo(); say(`extension host: VS Code ${ev.data?.vscode}, Node ${ev.data?.node}, ${ev.data?.appName}, uiKind ${ev.data?.uiKind}, remote ${ev.data?.remoteName}`); }
        else if (ev.kind === 'result') Object.assign(result, { passes: ev.data?.passes, failures: ev.data?.failures, pending: ev.data?.pending });
      },
    });
    const crashed = new Promise((_, reject) => {
      wb.page.once('crash', () => reject(new Error('the workbench page crashed')));
      server.exitPromise.then((e) => reject(new Error(`code-server exited while the suite ran (code ${e.code}, signal ${e.signal})\n${server.logTail()}`)));
    });
    crashed.catch(() => {});
    const timer = (ms, msg) => { let t; const p = new Promise((_, rej) => { t = setTimeout(() => rej(new Error(msg)), ms); }); p.catch(() => {}); return { p, clear: () => clearTimeout(t) }; };
    const overall = timer(o.timeoutMin * 60_000, `the suite did not finish within ${o.timeoutMin} min`);
    const startupMs = Math.min(180_000, o.timeoutMin * 60_000);
    const startup = timer(startupMs, `the workbench never started the suite (no [wasm-plugins-test-info] line within ${startupMs / 1000} s): `
      + 'the extension host did not load the suite index or run() hangs before mocha starts — see the code-server log (KEEP_TEMP=1) or rerun with HARNESS_VERBOSE=1');
    try {
      await Promise.race([infoSeen, wb.exitCode, startup.p, crashed]);
      startup.clear();
      result.exitCode = await Promise.race([wb.exitCode, overall.p, crashed]);
    } finally { overall.clear(); startup.clear(); }
    if (!sawInfo && result.exitCode !== 0) result.error = 'the suite exited before it reported (did out/test/host/index.js load? is mocha installed?)';
    result.ok = result.exitCode === 0 && sawInfo;
    if (!result.ok && result.failures === undefined && result.suiteError) result.error ??= result.suiteError;
    if (result.exitCode === 0 && !sawInfo) result.error = 'exit code 0 but the suite never reported: is extensionTestsPath the harness suite index?';
  } catch (e) {
    result.error = e.message;
  } finally {
    if (!result.ok && wb?.page) {
      const shots = join(repoRoot, 'test-results', 'screenshots');
      mkdirSync(shots, { recursive: true });
      const file = join(shots, `vscode-${v.vscode}-failure.png`);
      await wb.page.screenshot({ path: file, timeout: 10_000 }).then(() => say(`screenshot: ${file}`)).catch(() => {});
    }
    await wb?.close();
    await server?.stop();
  }
  result.wallSeconds = Math.round((Date.now() - t0) / 100) / 10;
  if (result.error) say(`ERROR: ${result.error}`);
  const outDir = join(repoRoot, 'test-results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, `vscode-${v.vscode}.json`), JSON.stringify(result, null, 2) + '\n');
  return result;
}

async function main() {
  let o;
  try { o = parseArgs(process.argv.slice(2)); } catch (e) { console.error(e.message); return 2; }
  const missing = [join(o.extension, 'dist', 'extension.js'), o.tests].filter((f) => !existsSync(f));
  if (o.extension === repoRoot && missing.length) {
    console.error(`missing build output: ${missing.map((f) => f.replace(repoRoot + '/', '')).join(', ')}\nrun \`npm run build\` first (it bundles the extension and test/host/*.ts → out/test/host/).`);
    return 2;
  }
  if (!existsSync(o.tests)) { console.error(`suite index not found: ${o.tests}`); return 2; }
  let versions;
  try { versions = resolveVersions(o.versions); } catch (e) { console.error(e.message); return 2; }

  const results = [];
  for (const v of versions) results.push(await runSuite(v, o));

  console.log('\n=== VS Code test summary ===');
  for (const r of results) {
    const counts = r.passes === undefined ? 'no result' : `${r.passes} passed, ${r.failures} failed${r.pending ? `, ${r.pending} pending` : ''}`;
    console.log(`${r.ok ? 'PASS' : 'FAIL'}  VS Code ${r.vscode} (code-server ${r.codeServer}, extension host Node ${r.node ?? '?'}): ${counts}, ${r.wallSeconds} s${r.error ? ` — ${r.error.split('\n')[0]}` : ''}`);
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
}
