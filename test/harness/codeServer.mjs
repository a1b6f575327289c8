// Library: a real VS Code (code-server: VS Code server + web workbench + Node extension host) plus headless Chromium.
//
//   const server = await startCodeServer({ version: await ensureCodeServer('max'), workspaceFixture, userSettings, env });
//   const wb = await openWorkbench(server, { extensionDevelopmentPath, extensionTestsPath, onLog, onExit });
//   …
//   await wb.close(); await server.stop();            (or: await withCodeServer(opts, async (server) => …))
//
// Isolation: every run gets its own temp root (HOME, TMPDIR, XDG_*, user data, extensions dir, workspace copy,
// Chromium profile all live inside it), a random free port on 127.0.0.1 and its own process group, which stop()
// kills as a whole. The temp root is removed at the end unless KEEP_TEMP=1. Nothing here sleeps for a fixed time:
// every wait polls a condition or waits for an event, bounded by a timeout with an error that says what failed.
import { spawn } from 'node:child_process';
import { createWriteStream, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkChromium, chromiumPath, loadPlaywright, repoRoot } from './install.mjs';

export { repoRoot };
export const keepTemp = process.env.KEEP_TEMP === '1';
export const verbose = process.env.HARNESS_VERBOSE === '1';

/** Settings every run starts from (a per-run `userSettings` object is merged over them). */
export const DEFAULT_USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'window.restoreWindows': 'none',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

// ---------- process bookkeeping: whatever happens, no orphans ----------
const live = new Set(); // { pgid, root } of running code-servers

/** Live (non-zombie) processes in a process group, read from /proc. */
export function groupMembers(pgid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp …
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

function killGroup(pgid, signal) {
  try { process.kill(-pgid, signal); } catch { /* already gone */ }
}

function syncCleanup() {
  for (const s of live) {
    killGroup(s.pgid, 'SIGKILL');
    if (!keepTemp) rmSync(s.root, { recursive: true, force: true });
  }
  live.clear();
}
process.once('exit', syncCleanup);
let signalsHooked = false;
/** Installed with the first code-server: Ctrl-C / SIGTERM kill the process groups and remove the temp roots. */
function hookSignals() {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => { syncCleanup(); process.exit(sig === 'SIGINT' ? 130 : 143); });
  }
}

// ---------- small utilities ----------
export const deadline = (ms, what) => {
  let timer;
  const promise = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s: ${what}`)), ms); });
  promise.catch(() => {});
  return { promise, cancel: () => clearTimeout(timer) };
};

/** Polls `check` (async, truthy = done) every `interval` ms until `timeout`; `describe` explains a timeout. */
export async function waitFor(check, { timeout = 30_000, interval = 100, describe = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try { const r = await check(); if (r) return r; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out after ${timeout / 1000} s waiting for ${describe}${last ? ` (last error: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => { const { port } = srv.address(); srv.close(() => resolvePort(port)); });
  });
}

/** True when `port` can be bound on `host` right now. */
export function portAvailable(port, host = '127.0.0.1') {
  return new Promise((resolvePort) => {
    const srv = createServer();
    srv.once('error', () => resolvePort(false));
    srv.listen(port, host, () => srv.close(() => resolvePort(true)));
  });
}

/** A fresh temp root for one run. Short path on purpose: VS Code puts IPC sockets under it (108-byte limit). */
export function makeRunRoot(prefix = 'wph-vscode-') {
  return mkdtempSync(join(process.env.HARNESS_TMPDIR || tmpdir(), prefix));
}

// ---------- code-server ----------
/**
 * Starts code-server and waits until /healthz answers.
 * @param {object} o
 * @param {object} o.version            result of ensureCodeServer()
 * @param {string} [o.root]             temp root (default: a fresh one; removed by stop() unless KEEP_TEMP=1)
 * @param {number} [o.port]             default: a random free port
 * @param {string} [o.host]             default 127.0.0.1
 * @param {object} [o.userSettings]     merged over DEFAULT_USER_SETTINGS into <user-data>/User/settings.json
 * @param {string|null} [o.workspaceFixture]  folder copied to <root>/workspace (server.workspace); null = none
 * @param {string} [o.workspace]        use this folder as is instead of a copy (e.g. the npm start playground)
 * @param {object} [o.env]              extra environment (code-server passes it on to the extension host)
 * @param {string[]} [o.extraArgs]      extra code-server arguments
 * @param {number} [o.startTimeout]     ms to wait for /healthz (default 90 s)
 * @param {boolean} [o.isolateHome]     default true: HOME/TMPDIR/XDG_* inside the root
 * @param {string} [o.userDataDir]      user data outside the root (kept by stop(); e.g. npm start's persistent one)
 * @param {string} [o.extensionsDir]    extensions dir outside the root
 * @param {boolean} [o.keepExistingSettings]  do not overwrite an existing User/settings.json
 */
export async function startCodeServer(o) {
  const v = o.version;
  const host = o.host ?? '127.0.0.1';
  const root = o.root ?? makeRunRoot();
  const port = o.port ?? await freePort(host);
  const dirs = {
    home: join(root, 'home'), tmp: join(root, 'tmp'),
    userData: o.userDataDir ?? join(root, 'user-data'), extensions: o.extensionsDir ?? join(root, 'extensions'),
    xdgData: join(root, 'xdg', 'data'), xdgConfig: join(root, 'xdg', 'config'), xdgCache: join(root, 'xdg', 'cache'), xdgState: join(root, 'xdg', 'state'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  const settingsFile = join(dirs.userData, 'User', 'settings.json');
  if (!(o.keepExistingSettings && existsSync(settingsFile))) {
    writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...(o.userSettings ?? {}) }, null, 2));
  }
  const configFile = join(root, 'code-server.yaml');
  writeFileSync(configFile, `bind-addr: ${host}:${port}\nauth: none\ncert: false\n`);

  let workspace = o.workspace;
  if (!workspace && o.workspaceFixture !== null) {
    workspace = join(root, 'workspace');
    const fixture = o.workspaceFixture ?? join(repoRoot, 'test', 'fixtures', 'workspace');
    if (existsSync(fixture)) cpSync(fixture, workspace, { recursive: true });
    else mkdirSync(workspace, { recursive: true });
  }

  const env = {
    ...process.env,
    ...(v.env ?? {}),
    HOME: dirs.home, TMPDIR: dirs.tmp,
    XDG_DATA_HOME: dirs.xdgData, XDG_CONFIG_HOME: dirs.xdgConfig, XDG_CACHE_HOME: dirs.xdgCache, XDG_STATE_HOME: dirs.xdgState,
    XDG_RUNTIME_DIR: dirs.tmp,
    ...(o.env ?? {}),
  };
  // A VS Code launched from inside VS Code (e.g. the harness run from an integrated terminal) must not join the
  // parent's IPC; code-server also re-execs itself when it sees these.
  for (const k of Object.keys(env)) if (/^(VSCODE_|ELECTRON_RUN_AS_NODE$|CODE_SERVER_PARENT_PID$)/.test(k) && !(o.env && k in o.env)) delete env[k];
  if (o.isolateHome === false) { env.HOME = process.env.HOME; }

  const args = [
    v.bin,
    '--auth', 'none', '--bind-addr', `${host}:${port}`, '--config', configFile,
    '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--ignore-last-opened',
    ...(v.extraArgs ?? []), ...(o.extraArgs ?? []),
  ];
  const logFile = join(root, 'code-server.log');
  const logStream = createWriteStream(logFile);
  const tail = [];
  const child = spawn(v.node, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  const record = { pgid, root };
  live.add(record);
  hookSignals();
  let exited = null;
  const exitPromise = new Promise((r) => child.once('exit', (code, signal) => { exited = { code, signal }; r(exited); }));
  const onData = (chunk) => {
    logStream.write(chunk);
    for (const line of chunk.toString().split('\n')) if (line.trim()) { tail.push(line); if (tail.length > 80) tail.shift(); }
    if (verbose) process.stderr.write(`[code-server] ${chunk}`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.once('error', (e) => { exited = { error: e }; });

  const base = `http://${host}:${port}`;
  const server = {
    version: v, root, port, host, base, dirs, workspace, logFile, pid: child.pid, settingsFile,
    logTail: (n = 40) => tail.slice(-n).join('\n'),
    /** vscode-remote URI of a path on the server (what the workbench payload needs). */
    remote: (p) => `vscode-remote://${host}:${port}${resolve(p)}`,
    /** Workbench URL that opens `folder` and passes a payload (e.g. extensionDevelopmentPath). */
    workbenchUrl({ folder = workspace, extensionDevelopmentPath, extensionTestsPath, payload = [] } = {}) {
      const p = [...payload];
      if (extensionDevelopmentPath) p.push(['extensionDevelopmentPath', server.remote(extensionDevelopmentPath)]);
      if (extensionTestsPath) p.push(['extensionTestsPath', server.remote(extensionTestsPath)]);
      if (!p.some(([k]) => k === 'skipWelcome')) p.push(['skipWelcome', 'true']);
      const q = [];
      if (folder) q.push(`folder=${encodeURIComponent(resolve(folder))}`);
      q.push(`payload=${encodeURIComponent(JSON.stringify(p))}`);
      return `${base}/?${q.join('&')}`;
    },
    exited: () => exited,
    exitPromise,
    /** Kills code-server's whole process group and removes the temp root (unless KEEP_TEMP=1). Safe to call twice. */
    async stop() {
      if (record.stopped) return record.stopped;
      record.stopped = (async () => {
        killGroup(pgid, 'SIGTERM');
        try {
          await waitFor(() => groupMembers(pgid).length === 0, { timeout: 5000, interval: 50, describe: 'code-server to exit' });
        } catch {
          killGroup(pgid, 'SIGKILL');
          await waitFor(() => groupMembers(pgid).length === 0, { timeout: 5000, interval: 50, describe: 'code-server to die after SIGKILL' }).catch(() => {});
        }
        child.stdout.destroy(); child.stderr.destroy();
        await new Promise((r) => logStream.end(r));
        live.delete(record);
        if (keepTemp) console.error(`[harness] KEEP_TEMP=1: kept ${root} (code-server log: ${logFile})`);
        else rmSync(root, { recursive: true, force: true });
      })();
      return record.stopped;
    },
  };

  try {
    await waitFor(async () => {
      if (exited) throw Object.assign(new Error('exited'), { fatal: true });
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    }, { timeout: o.startTimeout ?? 90_000, interval: 100, describe: `code-server ${v.codeServer} to answer ${base}/healthz` }).catch((e) => {
      if (exited) throw new Error(`code-server ${v.codeServer} exited during start-up (${exited.error?.message ?? `code ${exited.code}, signal ${exited.signal}`})`);
      throw e;
    });
  } catch (e) {
    const msg = `${e.message}\n--- last lines of ${logFile} ---\n${server.logTail()}\n---`;
    await server.stop();
    throw new Error(msg);
  }
  return server;
}

// ---------- the workbench in headless Chromium ----------
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/**
 * Opens the workbench of `server` in a fresh headless Chromium profile.
 * @param {object} server  from startCodeServer
 * @param {object} [o]
 * @param {string} [o.extensionDevelopmentPath]  load this extension in development mode
 * @param {string} [o.extensionTestsPath]        run this suite (its exit code arrives via onExit / wb.exitCode)
 * @param {(line: string, type: string) => void} [o.onLog]  every extension-host console line (codeAutomationLog)
 * @param {(code: number) => void} [o.onExit]    codeAutomationExit(code), called by the workbench after the tests
 * @param {string} [o.folder]                    folder to open (default server.workspace)
 * @param {string} [o.url]                       open exactly this URL instead (e.g. the one npm start printed)
 * @param {{width:number,height:number}} [o.viewport]
 * @returns {Promise<{browser, context, page, url, exitCode: Promise<number>, close: () => Promise<void>}>}
 */
export async function openWorkbench(server, o = {}) {
  checkChromium();
  const chromium = await loadPlaywright();
  const profile = mkdtempSync(join(server.root, 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS,
    viewport: o.viewport ?? { width: 1400, height: 900 },
    env: { ...process.env, HOME: server.dirs.home, TMPDIR: server.dirs.tmp, XDG_CONFIG_HOME: server.dirs.xdgConfig, XDG_CACHE_HOME: server.dirs.xdgCache },
  });
  const page = context.pages()[0] ?? await context.newPage();
  let resolveExit;
  const exitCode = new Promise((r) => { resolveExit = r; });
  await page.exposeFunction('codeAutomationExit', (code) => { o.onExit?.(code); resolveExit(Number(code)); });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = Array.isArray(args) ? args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') : String(args);
    for (const line of text.split('\n')) o.onLog?.(line, type);
  });
  if (verbose) {
    page.on('console', (m) => console.error(`[browser:${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => console.error(`[browser:pageerror] ${e.message}`));
  }
  const url = o.url ?? server.workbenchUrl({ folder: o.folder, extensionDevelopmentPath: o.extensionDevelopmentPath, extensionTestsPath: o.extensionTestsPath, payload: o.payload });
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  let closed;
  return {
    browser: context, context, page, url, exitCode,
    async close() {
      closed ??= context.close().catch(() => {});
      return closed;
    },
  };
}

/** Starts code-server, runs fn(server), always stops it. */
export async function withCodeServer(opts, fn) {
  const server = await startCodeServer(opts);
  try { return await fn(server); } finally { await server.stop(); }
}
