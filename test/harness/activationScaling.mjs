// Activation with 0 and with 50 extra installed plugins, measured inside real VS Code (the extension host's clock:
// from loading the extension's code to the end of activate(), and to the end of the first discovery).
//
//   node test/harness/activationScaling.mjs [--version min|max] [--count 50]
//
// The 50 plugins are distinct binaries: the kitchen-sink test plugin with 50 different manifests (ids, names), put in a
// folder listed in `wasmPlugins.paths`. Each scenario starts a fresh VS Code (cold metadata cache) and runs
// test/host/activation.test.ts. Prints both figures and their ratio and writes test-results/activation-scaling.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (flag, fallback) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : fallback; };
const version = opt('--version', 'max');
const count = Number(opt('--count', '50'));

const work = mkdtempSync(join(tmpdir(), 'wasm-plugins-activation-'));
const pluginDir = join(work, 'plugins');
mkdirSync(pluginDir);

// Build the CLI once, then embed 50 manifests in-process.
const built = spawnSync(process.execPath, [join(root, 'bin', 'wasm-plugins.js'), '--help'], { cwd: root, encoding: 'utf8' });
if (built.status !== 0) throw new Error(`cannot build the CLI: ${built.stderr}`);
const cli = createRequire(import.meta.url)(join(root, 'out', 'cli', 'wasm-plugins.js'));
const source = join(root, 'dist', 'test-plugins', 'kitchen-sink.wasm');
const base = JSON.parse(readFileSync(join(root, 'plugins', 'test', 'kitchen-sink', 'plugin.json'), 'utf8'));
const quiet = { out() {}, err: (t) => process.stderr.write(t), cwd: root };
for (let i = 0; i < count; i++) {
  const id = `generated-${String(i).padStart(2, '0')}`;
  // No events and no startup activation: installed, not needed yet (a plugin that subscribes to editor events starts
  // with the first event, which is not what this measures).
  const manifest = { ...base, id, name: `Generated ${i}`, version: `1.0.${i}`, capabilities: [], activationEvents: [], events: [], configuration: [] };
  const mfile = join(work, `${id}.json`);
  writeFileSync(mfile, JSON.stringify(manifest));
  const code = await cli.main(['embed-manifest', source, mfile, '-o', join(pluginDir, `${id}.wasm`)], quiet);
  if (code !== 0) throw new Error(`embed-manifest failed for ${id}`);
}

function scenario(extra) {
  const settings = join(work, `settings-${extra}.json`);
  writeFileSync(settings, JSON.stringify({ 'wasmPlugins.paths': extra > 0 ? [pluginDir] : [] }));
  const config = join(work, `config-${extra}.json`);
  return new Promise((resolve, reject) => {
    const metrics = [];
    const child = spawn(process.execPath, [join(root, 'test', 'harness', 'runVsCodeTests.mjs'), '--version', version, '--files', 'activation', '--settings', settings],
      { cwd: root, env: { ...process.env, WASM_PLUGINS_EXPECTED_EXTRA: String(extra) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        process.stdout.write(`[${extra} extra] ${line}\n`);
        const m = line.match(/\[wasm-plugins-metric\] (\{.*\})/);
        if (m) metrics.push(JSON.parse(m[1]));
      }
    });
    child.on('exit', (code) => (code === 0 ? resolve(metrics) : reject(new Error(`the ${extra}-plugin scenario failed (exit ${code})`))));
    void config;
  });
}

try {
  const zero = await scenario(0);
  const fifty = await scenario(count);
  const pick = (ms, name) => ms.find((m) => m.name === name)?.value;
  const result = {
    version, count,
    activationMs: { zero: pick(zero, 'activation'), fifty: pick(fifty, 'activation') },
    discoveryMs: { zero: pick(zero, 'discovery'), fifty: pick(fifty, 'discovery') },
  };
  result.activationRatio = result.activationMs.fifty / result.activationMs.zero;
  result.discoveryRatio = result.discoveryMs.fifty / result.discoveryMs.zero;
  mkdirSync(join(root, 'test-results'), { recursive: true });
  writeFileSync(join(root, 'test-results', 'activation-scaling.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`activation: ${result.activationMs.zero.toFixed(1)} ms with 0 extra plugins, ${result.activationMs.fifty.toFixed(1)} ms with ${count} (ratio ${result.activationRatio.toFixed(2)})`);
  console.log(`first discovery (cold cache): ${result.discoveryMs.zero.toFixed(1)} ms with 0, ${result.discoveryMs.fifty.toFixed(1)} ms with ${count} (ratio ${result.discoveryRatio.toFixed(2)})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
