#!/usr/bin/env node
// npm run test:e2e — browser UI tests against a real VS Code workbench (code-server + headless Chromium).
//
//   node test/e2e/run.mjs [--version min|max] [--filter <substring of file name>] [--extension <dir>]
//
// Contract of a test file (test/e2e/<name>.e2e.mjs, every such file is run, in name order):
//
//   export const options = {            // optional
//     userSettings: { … },              //   per-run user settings (merged over the harness defaults)
//     env: { … },                       //   extra environment for code-server / the extension host
//     workspaceFixture: '…' | null,     //   folder copied as the workspace (default test/fixtures/workspace)
//     timeout: 120_000,                 //   ms for the whole test including start-up (default 120 s)
//     versions: ['max'],                //   restrict to some versions (skipped on the others)
//   };
//   export async function run(vs, ctx) { … }   // (or `export default`) throw / reject = failure
//
// `vs` is the object from test/harness/browser.mjs launchVsCode(): a fresh code-server + Chromium per file, our
// extension loaded in development mode from the repo root, the workspace copy opened, plus helpers: runCommand,
// hasCommand, quickPick.{fill,items,waitForItem,select,submit,close}, waitForNotification, notifications,
// clearNotifications, screenshot(name), webview({has}), openViewContainer(title), openFile(path), statusBarTexts,
// `page` (Playwright) and `workspace` (the workspace folder on disk). `ctx` = { name, vscodeVersion, log(...) }.
// Screenshots go to test-results/screenshots/<test>-<vscode version>-<name>.png; a failing test also gets
// <test>-<vscode version>-failure.png. Exit code 0 only if every test passed.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchVsCode } from '../harness/browser.mjs';
import { ensureCodeServer, repoRoot, resolveVersion } from '../harness/install.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const o = { version: 'max', filter: undefined, extension: repoRoot };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const val = () => inline ?? argv[++i];
    if (flag === '--version' || flag === '--versions') o.version = val();
    else if (flag === '--filter') o.filter = val();
    else if (flag === '--extension') o.extension = resolve(val());
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.extension === repoRoot && !existsSync(join(repoRoot, 'dist', 'extension.js'))) {
    console.error('dist/extension.js is missing: run `npm run build` (and `npm run build:plugins`) first');
    return 2;
  }
  const files = readdirSync(here).filter((f) => f.endsWith('.e2e.mjs') && (!o.filter || f.includes(o.filter))).sort();
  if (files.length === 0) { console.error('no test/e2e/*.e2e.mjs files' + (o.filter ? ` matching "${o.filter}"` : '')); return 1; }
  const version = await ensureCodeServer(resolveVersion(o.version));
  console.log(`e2e: ${files.length} test file(s) against VS Code ${version.vscode} (code-server ${version.codeServer})`);
  const results = [];
  for (const file of files) {
    const name = file.replace(/\.e2e\.mjs$/, '');
    const t0 = Date.now();
    const log = (...a) => console.log(`  [${name}]`, ...a);
    let vs, launched, error, skipped = false;
    try {
      const mod = await import(pathToFileURL(join(here, file)).href);
      const run = mod.run ?? mod.default;
      if (typeof run !== 'function') throw new Error(`${file} exports no run(vs, ctx) function`);
      const opts = mod.options ?? {};
      if (opts.versions && !opts.versions.some((s) => resolveVersion(s).codeServer === version.codeServer)) { skipped = true; }
      else {
        const timeout = opts.timeout ?? 120_000;
        let timer;
        const timedOut = new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${timeout / 1000} s`)), timeout); });
        const work = (async () => {
          launched = launchVsCode({
            version, extensionDevelopmentPath: o.extension, userSettings: opts.userSettings, env: opts.env,
            workspaceFixture: opts.workspaceFixture, screenshotPrefix: `${name}-${version.vscode}-`,
          });
          vs = await launched;
          await run(vs, { name, vscodeVersion: version.vscode, log });
        })();
        work.catch(() => {}); // after a timeout it may still reject; the race below reports the timeout
        try { await Promise.race([timedOut, work]); } finally { clearTimeout(timer); }
      }
    } catch (e) {
      error = e;
      if (vs) await vs.screenshot('failure').then((f) => log(`screenshot: ${f}`)).catch(() => {});
    } finally {
      if (!vs && launched) vs = await launched.catch(() => undefined); // timed out during start-up: still clean up
      await vs?.close().catch((e) => log(`cleanup failed: ${e.message}`));
    }
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    results.push({ name, ok: !error, skipped });
    if (skipped) console.log(`SKIP  ${name} (not for VS Code ${version.vscode})`);
    else if (error) console.log(`FAIL  ${name} (${secs} s)\n      ${String(error.stack ?? error).split('\n').slice(0, 6).join('\n      ')}`);
    else console.log(`PASS  ${name} (${secs} s)`);
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`\ne2e on VS Code ${version.vscode}: ${results.filter((r) => r.ok && !r.skipped).length} passed, ${failed.length} failed, ${results.filter((r) => r.skipped).length} skipped`);
  return failed.length ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => { console.error(`e2e: ${e.message}`); process.exit(1); });
