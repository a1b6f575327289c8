#!/usr/bin/env node
// The plugin-author command line (`npx wasm-plugins …`). It runs the TypeScript sources in src/cli directly: they are
// bundled on the fly with esbuild (a few tens of milliseconds), so the command never runs a stale build.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const root = path.join(__dirname, '..');
const outFile = path.join(root, 'out', 'cli', 'wasm-plugins.js');
require('esbuild').buildSync({
  entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
  bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: 'inline',
  outfile: outFile, logLevel: 'error',
  external: ['vscode'],
});
fs.chmodSync(outFile, 0o755);
require(outFile).main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`wasm-plugins: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
