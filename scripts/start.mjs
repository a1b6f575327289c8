#!/usr/bin/env node
// npm start — try the extension in a real VS Code in your browser, from a fresh clone, in one command:
//   1. `npm ci` when node_modules is missing          4. copies test/fixtures/workspace to .build/playground/ (once)
//   2. `npm run build` and `npm run build:plugins`     5. starts code-server on 127.0.0.1:$PORT (default 8080, or a
//   3. installs code-server (newest; --version min)       free port when taken) and prints the URL that opens the
//                                                          playground with our extension in development mode
// Runs until Ctrl-C, then stops code-server and cleans up. Reload the browser tab after rebuilding (`npm run build`)
// to pick up changes ("Developer: Reload Window").
//
//   npm start [-- --version min|max] [-- --no-build] [-- --check]
//     --no-build   skip steps 1–2 (reuse dist/ as it is)
//     --check      instead of waiting for Ctrl-C: open the URL in headless Chromium, verify our command is in the
//                  palette, print the result and exit (0 = working)
// State kept between runs: .build/start/ (user data: settings, UI state) and .build/playground/ (the workspace).
// Delete them to start over.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCodeServer, repoRoot, resolveVersion } from '../test/harness/install.mjs';
import { freePort, portAvailable, startCodeServer } from '../test/harness/codeServer.mjs';

const argv = process.argv.slice(2);
const opt = { version: 'max', build: true, check: false };
for (let i = 0; i < argv.length; i++) {
  const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
  if (flag === '--version') opt.version = inline ?? argv[++i];
  else if (flag === '--no-build') opt.build = false;
  else if (flag === '--check') opt.check = true;
  else { console.error(`unknown argument ${argv[i]} (use --version min|max, --no-build, --check)`); process.exit(2); }
}

const say = (m) => console.log(`[start] ${m}`);
function step(title, cmd, args) {
  const t0 = Date.now();
  say(`${title} …`);
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[start] ${title} failed (${r.error?.message ?? `exit ${r.status}`}); fix the error above and run \`npm start\` again.`);
    process.exit(1);
  }
  say(`${title}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function main() {
  if (opt.build) {
    if (!existsSync(join(repoRoot, 'node_modules'))) step('npm ci', 'npm', ['ci']);
    step('npm run build', 'npm', ['run', 'build']);
    step('npm run build:plugins', 'npm', ['run', 'build:plugins']);
  }
  if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) { console.error('[start] dist/extension.js is missing: run `npm run build`'); return 1; }

  const version = await ensureCodeServer(resolveVersion(opt.version));
  const playground = join(repoRoot, '.build', 'playground');
  if (!existsSync(playground)) {
    cpSync(join(repoRoot, 'test', 'fixtures', 'workspace'), playground, { recursive: true });
    say(`created the playground workspace ${playground}`);
  }
  const state = join(repoRoot, '.build', 'start', version.codeServer); // per version: an older VS Code must not read a newer one's state
  mkdirSync(state, { recursive: true });

  const wanted = Number(process.env.PORT || 8080);
  let port = wanted;
  if (!(await portAvailable(port))) {
    port = await freePort();
    say(`port ${wanted} is taken, using ${port}`);
  }
  const server = await startCodeServer({
    version, port, workspace: playground,
    userDataDir: join(state, 'user-data'), extensionsDir: join(state, 'extensions'), keepExistingSettings: true,
  });
  const url = server.workbenchUrl({ folder: playground, extensionDevelopmentPath: repoRoot });
  console.log(`\n  VS Code ${version.vscode} (code-server ${version.codeServer}, Node ${version.nodeVersion}) with WASM Plugin Host in development mode:\n\n  ${url}\n`);
  console.log(`  Open it in a browser on this machine (the address must stay 127.0.0.1:${port}: it is part of the extension path).`);
  console.log(`  From elsewhere: ssh -L ${port}:127.0.0.1:${port} <this machine>, then open the same URL. Ctrl-C stops.`);
  if (version.extraArgs.includes('enable-smoke-test-driver')) {
    console.log('  Note: VS Code ≥ 1.133 loads a development extension from the URL only with the smoke-test driver enabled,\n' +
      '  which also hides notification toasts: notifications are in the bell (status bar, bottom right).\n' +
      '  `npm start -- --version min` (VS Code 1.100) shows toasts.');
  }
  console.log('');

  if (opt.check) {
    const { workbenchHelpers } = await import('../test/harness/browser.mjs');
    const { openWorkbench } = await import('../test/harness/codeServer.mjs');
    let wb;
    try {
      wb = await openWorkbench(server, { url }); // exactly the printed URL
      const vs = workbenchHelpers(wb.page, { screenshotPrefix: 'start-check-' });
      await vs.waitForWorkbench();
      await vs.findCommand('WASM Plugins: Run Plugin Command…');
      const shot = await vs.screenshot('palette');
      say(`check passed: the workbench loaded and the palette lists "WASM Plugins: Run Plugin Command…" (${shot})`);
      return 0;
    } catch (e) {
      console.error(`[start] check failed: ${e.message}`);
      return 1;
    } finally {
      await wb?.close();
      await server.stop();
    }
  }

  const stop = async (sig) => { say(`${sig}: stopping code-server …`); await server.stop(); process.exit(0); };
  process.removeAllListeners('SIGINT'); process.removeAllListeners('SIGTERM');
  process.once('SIGINT', () => stop('Ctrl-C'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  const e = await server.exitPromise;
  console.error(`[start] code-server exited (code ${e.code}, signal ${e.signal}). Last log lines:\n${server.logTail()}`);
  await server.stop();
  return 1;
}

main().then((code) => { if (code !== undefined) process.exit(code); }, (e) => { console.error(`[start] ${e.message}`); process.exit(1); });
