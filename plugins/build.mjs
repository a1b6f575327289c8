#!/usr/bin/env node
// `npm run build:plugins`: builds every plugin from source and embeds its manifest.
//
//   plugins/examples/<folder>/ → dist/plugins/<id>.wasm        (shipped examples)
//   plugins/test/<folder>/     → dist/test-plugins/<id>.wasm   (fixtures for the host's own tests)
//   plugins/bench/<folder>/    → dist/test-plugins/<id>.wasm   (the plugins `npm run bench` measures)
//   plugins/hostile/<folder>/  → dist/test-plugins/<id>.wasm   (hostile plugins: the host must survive them)
//
// A plugin folder holds its source, its manifest (`plugin.json`, or `manifest.mjs` whose default export is the
// manifest object or a function returning it) and optionally `build.json` (see plugins/README.md, "Building"). The
// language is inferred from the sources (`*.c`, `*.rs`, `*.ts`) unless build.json says otherwise.
//
// Incremental: a plugin is rebuilt unless the SHA-256 of everything that goes into it (its folder, the SDK of its
// language, this script, the manifest embedder's sources, the compiler's version and the flags) and of the output
// file itself match what the last successful build recorded. A failed build deletes the plugin's output, so a stale
// module is never left behind.
//
// Usage: node plugins/build.mjs [--force] [--jobs N] [--verbose] [plugin folder or id …]

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCRIPT = fileURLToPath(import.meta.url);
const PLUGINS = path.dirname(SCRIPT);
const ROOT = path.dirname(PLUGINS);
const require = createRequire(path.join(ROOT, 'package.json'));
const rel = (p) => path.relative(ROOT, p) || '.';

const GROUPS = [
  { dir: path.join(PLUGINS, 'examples'), out: path.join(ROOT, 'dist', 'plugins') },
  { dir: path.join(PLUGINS, 'test'), out: path.join(ROOT, 'dist', 'test-plugins') },
  { dir: path.join(PLUGINS, 'bench'), out: path.join(ROOT, 'dist', 'test-plugins') },
  { dir: path.join(PLUGINS, 'hostile'), out: path.join(ROOT, 'dist', 'test-plugins') },
];
const STAMPS = path.join(ROOT, 'dist', '.plugin-stamps');
const SDK = { c: path.join(PLUGINS, 'sdk', 'c'), rust: path.join(PLUGINS, 'sdk', 'rust'), assemblyscript: path.join(PLUGINS, 'sdk', 'assemblyscript') };
const LANGUAGES = ['c', 'rust', 'assemblyscript'];
const BUILD_JSON_FIELDS = ['language', 'sources', 'sdk', 'unchecked', 'kebabExports', 'flags'];

class BuildError extends Error {}

// ---- command line ---------------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { force: false, verbose: false, jobs: Math.max(1, os.availableParallelism?.() ?? os.cpus().length), only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force' || a === '-f') opts.force = true;
    else if (a === '--verbose' || a === '-v') opts.verbose = true;
    else if (a === '--jobs' || a === '-j') opts.jobs = Math.max(1, Number.parseInt(argv[++i], 10) || 1);
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node plugins/build.mjs [--force] [--jobs N] [--verbose] [plugin folder or id …]\n');
      process.exit(0);
    } else if (a.startsWith('-')) throw new BuildError(`unknown option ${a} (try --help)`);
    else opts.only.push(a);
  }
  return opts;
}

// ---- files and hashes -----------------------------------------------------------------------------------------------

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'build' || e.name === 'node_modules' || e.name === 'target' || e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !e.name.endsWith('.md')) out.push(p);   // documentation does not change the output
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

function hashFiles(files) {
  const h = createHash('sha256');
  for (const f of [...new Set(files)].sort()) h.update(`${rel(f)}\0${sha256(fs.readFileSync(f))}\n`);
  return h.digest('hex');
}

// ---- discovery ------------------------------------------------------------------------------------------------------

function discover() {
  const plugins = [];
  for (const group of GROUPS) {
    if (!fs.existsSync(group.dir)) continue;
    for (const e of fs.readdirSync(group.dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory()) continue;
      const dir = path.join(group.dir, e.name);
      if (!fs.existsSync(path.join(dir, 'plugin.json')) && !fs.existsSync(path.join(dir, 'manifest.mjs'))) continue;
      plugins.push({ name: e.name, dir, group });
    }
  }
  return plugins;
}

// Plugins of the WASI kinds are whole WASI programs (a `main`, run through `_start`), not implementations of the
// plugin world: they are compiled as commands (C: with crt1, Rust: --target wasm32-wasi as a binary) and without SDK.
const WASI_PROGRAM_KINDS = ['wasi-command', 'language-server'];

function readConfig(p, manifest) {
  const file = path.join(p.dir, 'build.json');
  let config = {};
  if (fs.existsSync(file)) {
    try {
      config = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new BuildError(`${rel(file)} is not valid JSON: ${e.message}`);
    }
    for (const k of Object.keys(config)) {
      if (!BUILD_JSON_FIELDS.includes(k)) throw new BuildError(`${rel(file)}: unknown field "${k}" (known: ${BUILD_JSON_FIELDS.join(', ')})`);
    }
  }
  const files = fs.readdirSync(p.dir);
  const byExt = (ext) => files.filter((f) => f.endsWith(ext));
  let language = config.language;
  if (language === undefined) {
    const found = [byExt('.c').length && 'c', byExt('.rs').length && 'rust', byExt('.ts').length && 'assemblyscript'].filter(Boolean);
    if (found.length !== 1) {
      throw new BuildError(found.length === 0
        ? 'no sources found (*.c, *.rs or *.ts next to plugin.json)'
        : `sources in several languages (${found.join(', ')}): set "language" in build.json`);
    }
    language = found[0];
  }
  if (!LANGUAGES.includes(language)) throw new BuildError(`build.json: "language" must be one of ${LANGUAGES.join(', ')}`);
  const wasiProgram = WASI_PROGRAM_KINDS.includes(manifest?.kind);
  if (wasiProgram && language === 'assemblyscript') throw new BuildError(`a ${manifest.kind} plugin is a WASI program: write it in C or Rust`);
  let sources = config.sources;
  if (sources === undefined) {
    if (language === 'c') sources = byExt('.c').sort();
    else {
      const ext = language === 'rust' ? '.rs' : '.ts';
      const entry = ['plugin' + ext, (language === 'rust' ? 'lib' : 'index') + ext].find((f) => files.includes(f)) ?? (byExt(ext).length === 1 ? byExt(ext)[0] : undefined);
      if (!entry) throw new BuildError(`several ${ext} files and none is named plugin${ext}: set "sources" in build.json`);
      sources = [entry];
    }
  }
  if (!Array.isArray(sources) || sources.length === 0 || !sources.every((s) => typeof s === 'string')) {
    throw new BuildError('build.json: "sources" must be a non-empty list of file names');
  }
  if (language !== 'c' && sources.length !== 1) throw new BuildError(`build.json: a ${language} plugin has exactly one entry source`);
  for (const s of sources) if (!fs.existsSync(path.join(p.dir, s))) throw new BuildError(`source ${s} does not exist`);
  const flags = config.flags ?? [];
  if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string')) throw new BuildError('build.json: "flags" must be a list of strings');
  return {
    language,
    sources: sources.map((s) => path.join(p.dir, s)),
    sdk: config.sdk ?? !wasiProgram,
    wasiProgram,
    unchecked: config.unchecked ?? false,
    kebabExports: config.kebabExports ?? language === 'assemblyscript',
    flags,
  };
}

// ---- toolchains -----------------------------------------------------------------------------------------------------

function which(cmd, envPath = process.env.PATH ?? '') {
  if (cmd.includes('/')) return fs.existsSync(cmd) ? cmd : undefined;
  for (const d of envPath.split(path.delimiter)) {
    if (!d) continue;
    const p = path.join(d, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch { /* not here */ }
  }
  return undefined;
}

const APT_C = 'install clang-14 lld-14 wasi-libc: sudo apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32';
const APT_RUST = 'install Debian\'s rustc with the wasm32 standard library: sudo apt-get install rustc libstd-rust-dev-wasm32 ' +
  '(or point WASM_PLUGINS_RUSTC at a rustc that has the wasm32-unknown-unknown target)';

const toolchains = {};
function toolchain(language) {
  toolchains[language] ??= (() => {
    try {
      if (language === 'c') return cToolchain();
      if (language === 'rust') return rustToolchain();
      return asToolchain();
    } catch (e) {
      return { error: e.message };
    }
  })();
  if (toolchains[language].error) throw new BuildError(toolchains[language].error);
  return toolchains[language];
}

function cToolchain() {
  const clang = which(process.env.WASM_PLUGINS_CLANG ?? 'clang-14') ?? (process.env.WASM_PLUGINS_CLANG ? undefined : which('clang'));
  if (!clang) throw new Error(`clang-14 is not installed; ${APT_C}`);
  // clang runs binaryen's wasm-opt by itself when one is on PATH (node_modules/.bin has one): keep it out.
  const cleanPath = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d && !fs.existsSync(path.join(d, 'wasm-opt'))).join(path.delimiter);
  const env = { ...process.env, PATH: cleanPath };
  const version = spawnSync(clang, ['--version'], { encoding: 'utf8', env });
  if (version.status !== 0) throw new Error(`${clang} does not run (${version.stderr || version.error}); ${APT_C}`);
  const sysroot = process.env.WASM_PLUGINS_WASI_SYSROOT ?? '/usr';
  const libc = [path.join(sysroot, 'lib', 'wasm32-wasi', 'libc.a'), path.join(sysroot, 'lib', 'libc.a')];
  if (!fs.existsSync(path.join(sysroot, 'include', 'wasm32-wasi', 'stdlib.h')) && !fs.existsSync(path.join(sysroot, 'include', 'stdlib.h'))) {
    throw new Error(`wasi-libc headers are missing under ${sysroot}; ${APT_C}`);
  }
  if (!libc.some((f) => fs.existsSync(f))) throw new Error(`wasi-libc (libc.a) is missing under ${sysroot}; ${APT_C}`);
  return { clang, env, sysroot, fingerprint: `${clang}\n${version.stdout.trim()}` };
}

function rustToolchain() {
  const rustc = which(process.env.WASM_PLUGINS_RUSTC ?? '/usr/bin/rustc') ?? (process.env.WASM_PLUGINS_RUSTC ? undefined : which('rustc'));
  if (!rustc) throw new Error(`rustc is not installed; ${APT_RUST}`);
  const version = spawnSync(rustc, ['-vV'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`${rustc} does not run (${(version.stderr || String(version.error)).trim()}); ${APT_RUST}`);
  const libdir = spawnSync(rustc, ['--print', 'target-libdir', '--target', 'wasm32-unknown-unknown'], { encoding: 'utf8' });
  const dir = libdir.stdout.trim();
  if (libdir.status !== 0 || !fs.existsSync(dir) || !fs.readdirSync(dir).some((f) => f.startsWith('libstd-'))) {
    throw new Error(`${rustc} has no wasm32-unknown-unknown standard library; ${APT_RUST}`);
  }
  // WASI programs need the wasm32-wasi standard library too (Debian ships it in the same package).
  const wasiDir = spawnSync(rustc, ['--print', 'target-libdir', '--target', 'wasm32-wasi'], { encoding: 'utf8' }).stdout?.trim();
  const wasi = Boolean(wasiDir) && fs.existsSync(wasiDir) && fs.readdirSync(wasiDir).some((f) => f.startsWith('libstd-'));
  return { rustc, wasi, fingerprint: `${rustc}\n${version.stdout.trim()}` };
}

function asToolchain() {
  let asc;
  try {
    asc = require.resolve('assemblyscript/bin/asc.js');
  } catch {
    throw new Error('AssemblyScript is not installed: run `npm install` in the repository (devDependency "assemblyscript")');
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(asc), '..', 'package.json'), 'utf8'));
  return { asc, fingerprint: `assemblyscript ${pkg.version}` };
}

function compileCommand(language, tc, config, out) {
  if (language === 'c') {
    const args = ['--target=wasm32-wasi', `--sysroot=${tc.sysroot}`, '-O2', '-Wall', '-Wextra',
      ...(config.wasiProgram ? [] : ['-nostartfiles', '-Wl,--no-entry']), '-Wl,--strip-all', ...config.flags];
    if (config.sdk) args.push('-I', SDK.c);
    args.push('-o', out, ...config.sources);
    if (config.sdk) args.push(path.join(SDK.c, 'wasm_plugin.c'));
    return { cmd: tc.clang, args, env: tc.env };
  }
  if (language === 'rust') {
    if (config.wasiProgram && !tc.wasi) throw new BuildError(`${tc.rustc} has no wasm32-wasi standard library; ${APT_RUST}`);
    return {
      cmd: tc.rustc,
      args: ['--edition', '2021', '--target', config.wasiProgram ? 'wasm32-wasi' : 'wasm32-unknown-unknown',
        '--crate-type', config.wasiProgram ? 'bin' : 'cdylib', '-C', 'opt-level=s',
        '-C', 'panic=abort', '-C', 'strip=symbols', ...config.flags, '-o', out, config.sources[0]],
      env: process.env,
    };
  }
  return {
    cmd: process.execPath,
    args: [tc.asc, config.sources[0], '-O3', '--runtime', 'incremental', '--use', 'abort=', ...config.flags, '-o', out],
    env: process.env,
  };
}

function run({ cmd, args, env }, cwd) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', (e) => resolve({ code: -1, output: String(e) }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

// ---- manifest embedding (the CLI's embed-manifest, bundled once and run in-process) ---------------------------------

let embedder;
async function loadEmbedder() {
  if (embedder) return embedder;
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    throw new BuildError('esbuild is not installed: run `npm install` in the repository');
  }
  const entry = path.join(ROOT, 'src', 'cli', 'embedManifest.ts');
  const result = await esbuild.build({
    entryPoints: [entry], absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', format: 'cjs', write: false,
    metafile: true, logLevel: 'silent', external: ['vscode'],
  }).catch((e) => { throw new BuildError(`cannot bundle ${rel(entry)}: ${e.message}`); });
  const tmp = path.join(os.tmpdir(), `wasm-plugins-embed-${process.pid}-${Date.now()}.cjs`);
  fs.writeFileSync(tmp, result.outputFiles[0].contents);
  try {
    const mod = require(tmp);
    const inputs = Object.keys(result.metafile.inputs).map((f) => path.resolve(ROOT, f)).filter((f) => fs.existsSync(f));
    embedder = { command: mod.embedManifestCommand, inputs };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return embedder;
}

async function embed(moduleFile, manifestFile, outFile, config) {
  const { command } = await loadEmbedder();
  const io = { stdout: '', stderr: '', cwd: ROOT, out(t) { io.stdout += t; }, err(t) { io.stderr += t; } };
  const args = [moduleFile, manifestFile, '-o', outFile];
  if (config.kebabExports) args.push('--kebab-exports');
  if (config.unchecked) args.push('--unchecked');
  const code = await command.run(args, io);
  if (code !== 0) throw new BuildError(`embed-manifest failed:\n${io.stderr.trim()}`);
  return io.stderr.trim();   // warnings
}

async function loadManifest(p, buildDir) {
  const json = path.join(p.dir, 'plugin.json');
  if (fs.existsSync(json)) {
    let manifest;
    try {
      manifest = JSON.parse(fs.readFileSync(json, 'utf8'));
    } catch (e) {
      throw new BuildError(`${rel(json)} is not valid JSON: ${e.message}`);
    }
    return { file: json, manifest };
  }
  const mjs = path.join(p.dir, 'manifest.mjs');
  const mod = await import(`${pathToFileURL(mjs).href}?t=${Date.now()}`);
  const manifest = typeof mod.default === 'function' ? await mod.default() : mod.default;
  const file = path.join(buildDir, 'plugin.json');
  fs.writeFileSync(file, JSON.stringify(manifest));
  return { file, manifest };
}

// ---- one plugin -----------------------------------------------------------------------------------------------------

function formatSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

function stampFile(p) {
  return path.join(STAMPS, `${path.basename(p.group.dir)}-${p.name}.json`);
}

async function buildPlugin(p, opts) {
  const started = Date.now();
  const buildDir = path.join(p.dir, 'build');
  fs.mkdirSync(buildDir, { recursive: true });
  const { file: manifestFile, manifest } = await loadManifest(p, buildDir);
  const id = typeof manifest?.id === 'string' && /^[a-z][a-z0-9-]*$/.test(manifest.id) ? manifest.id : p.name;
  p.id = id;
  const outFile = path.join(p.group.out, `${id}.wasm`);
  const stamp = stampFile(p);
  let previous;
  try {
    previous = JSON.parse(fs.readFileSync(stamp, 'utf8'));
  } catch { /* first build */ }
  const removeOutputs = () => {
    fs.rmSync(stamp, { force: true });
    fs.rmSync(outFile, { force: true });
    if (previous?.output && previous.output !== rel(outFile)) fs.rmSync(path.join(ROOT, previous.output), { force: true });
  };
  try {
    const config = readConfig(p, manifest);
    const tc = toolchain(config.language);
    const { inputs: embedInputs } = await loadEmbedder();
    const inputFiles = [...listFiles(p.dir), SCRIPT, ...embedInputs];
    if (config.sdk) inputFiles.push(...listFiles(SDK[config.language]));
    const inputHash = sha256(JSON.stringify({ files: hashFiles(inputFiles), tc: tc.fingerprint, config: { ...config, sources: config.sources.map(rel) } }));
    if (!opts.force && previous?.inputs === inputHash && previous.output === rel(outFile) && fs.existsSync(outFile) &&
        sha256(fs.readFileSync(outFile)) === previous.outputHash) {
      return { id, outFile, language: config.language, size: fs.statSync(outFile).size, fresh: true, ms: Date.now() - started };
    }
    // From here on the old output is stale: remove it (and the stamp) so that a failure leaves nothing behind.
    removeOutputs();
    const moduleFile = path.join(buildDir, 'module.wasm');
    fs.rmSync(moduleFile, { force: true });
    const command = compileCommand(config.language, tc, config, moduleFile);
    if (opts.verbose) process.stdout.write(`  $ ${[command.cmd, ...command.args].map((a) => (/[\s']/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
    const { code, output } = await run(command, p.dir);
    if (code !== 0 || !fs.existsSync(moduleFile)) {
      throw new BuildError(`${path.basename(command.cmd)} failed (exit ${code}):\n${output.trim()}`);
    }
    fs.mkdirSync(p.group.out, { recursive: true });
    const warnings = await embed(moduleFile, manifestFile, outFile, config);
    const outputHash = sha256(fs.readFileSync(outFile));
    fs.mkdirSync(STAMPS, { recursive: true });
    fs.writeFileSync(stamp, JSON.stringify({ inputs: inputHash, output: rel(outFile), outputHash }, null, 2) + '\n');
    return {
      id, outFile, language: config.language, size: fs.statSync(outFile).size, fresh: false, ms: Date.now() - started,
      notes: [output.trim(), warnings].filter(Boolean).join('\n'),
    };
  } catch (e) {
    // Whatever failed (toolchain, compiler, manifest), the plugin has no current build: never leave an old one.
    removeOutputs();
    throw e;
  }
}

// ---- main -----------------------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let plugins = discover();
  if (opts.only.length > 0) {
    const wanted = new Set(opts.only);
    plugins = plugins.filter((p) => wanted.has(p.name) || wanted.has(rel(p.dir)) || wanted.has(path.basename(p.dir)) ||
      (() => { try { return wanted.has(JSON.parse(fs.readFileSync(path.join(p.dir, 'plugin.json'), 'utf8')).id); } catch { return false; } })());
    if (plugins.length === 0) throw new BuildError(`no plugin matches ${opts.only.join(', ')}`);
  }
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < plugins.length) {
      const p = plugins[next++];
      const where = rel(p.dir);
      try {
        const r = await buildPlugin(p, opts);
        const status = r.fresh ? 'fresh' : 'built';
        process.stdout.write(`${status}  ${r.id.padEnd(16)} ${formatSize(r.size).padStart(9)}  ${r.language.padEnd(14)} ${rel(r.outFile)}` +
          `${r.fresh ? '' : `  (${(r.ms / 1000).toFixed(1)} s)`}\n`);
        if (r.notes) process.stdout.write(r.notes.replace(/^/gm, '       | ') + '\n');
      } catch (e) {
        failed++;
        const message = e instanceof BuildError ? e.message : (e && e.stack) || String(e);
        process.stderr.write(`FAILED ${p.id ?? p.name} (${where}): ${message.replace(/\n/g, '\n       | ')}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, plugins.length) }, worker));
  if (failed > 0) {
    process.stderr.write(`${failed} of ${plugins.length} plugin(s) failed to build.\n`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`build:plugins: ${e instanceof BuildError ? e.message : (e && e.stack) || e}\n`);
  process.exitCode = 1;
});
