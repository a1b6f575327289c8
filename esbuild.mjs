// The one build script: type-checks every TypeScript project (esbuild only strips types), then bundles
//   dist/extension.js      the extension (Node extension host)
//   dist/pluginWorker.js   the plugin worker thread entry
//   dist/webview/*.js      the webview front ends (browser)
//   out/test/host/*.js     the suite that runs inside VS Code (mocha, `run()` contract)
// Usage: node esbuild.mjs [--watch] [--no-check] [--production]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const production = args.has('--production');

const typeProjects = ['src/core/tsconfig.json', 'tsconfig.json', 'src/webview/tsconfig.json', 'test/core/tsconfig.json'];

function typeCheck() {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  let failed = false;
  for (const project of typeProjects) {
    if (!existsSync(join(root, project))) continue;
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`type check failed: ${project}`);
      failed = true;
    }
  }
  return !failed;
}

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const testEntries = existsSync(join(root, 'test/host'))
  ? readdirSync(join(root, 'test/host')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => `test/host/${f}`)
  : [];
const webviewEntries = existsSync(join(root, 'src/webview'))
  ? readdirSync(join(root, 'src/webview')).filter((f) => /^[a-z]\w*Main\.ts$/.test(f)).map((f) => `src/webview/${f}`)
  : [];

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts', pluginWorker: 'src/core/sandbox/pluginWorker.ts', wasiWorker: 'src/core/wasi/wasiWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
  },
  webviewEntries.length > 0 && {
    ...common,
    entryPoints: webviewEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  },
  testEntries.length > 0 && {
    ...common,
    entryPoints: testEntries,
    outdir: 'out/test/host',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // mocha is loaded by the suite's index at run time; vscode is provided by the extension host.
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
  },
].filter(Boolean);

if (!args.has('--no-check') && !typeCheck()) process.exit(1);

// Codicons for the webviews: their CSP loads styles and fonts only from the extension's own files.
mkdirSync(join(root, 'dist/webview'), { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(join(root, 'node_modules/@vscode/codicons/dist', f), join(root, 'dist/webview', f));

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('esbuild: watching for changes');
} else {
  rmSync(join(root, 'out/test/host'), { recursive: true, force: true });
  await Promise.all(builds.map((options) => esbuild.build(options)));
  console.log(`esbuild: built ${builds.length} bundles${production ? ' (production)' : ''}`);
}
