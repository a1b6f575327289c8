// `wasm-plugins generate [--check]`: turns every `wit/since-vX.Y.Z/` folder into TypeScript bindings in
// `src/core/generated/vX_Y_Z/` (wit2ts output plus the `api.wit.json` it was made from). `--check` regenerates
// into a temporary folder and fails if the committed files differ, so CI catches WIT edits without regeneration.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Command } from './main';
import { Io } from './io';
import { formatWitJson, witToJson, WitError, WitJson } from '../core/wit/index';

const USAGE = 'usage: wasm-plugins generate [--check]\n';
const VERSION_DIR = /^since-v(\d+)\.(\d+)\.(\d+)$/;
const JSON_FILE = 'api.wit.json';

interface Wit2ts {
  processDocument(document: unknown, options: Record<string, unknown>): void;
}

/** wit2ts' own entry point parses `process.argv`, so its document processor is called directly instead. */
function loadWit2ts(root: string): Wit2ts | undefined {
  for (let dir = root; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', '@vscode', 'wasm-component-model', 'lib', 'tools', 'wit2ts.js');
    if (fs.existsSync(file)) {
      // An absolute path, because the package's `exports` map does not expose its tools.
      return createRequire(path.join(root, 'package.json'))(file) as Wit2ts;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function generateInto(wit2ts: Wit2ts, json: WitJson, outDir: string): void {
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, JSON_FILE), formatWitJson(json));
  // wit2ts may annotate the document while it works; give it its own copy.
  wit2ts.processDocument(JSON.parse(JSON.stringify(json)), {
    help: false,
    version: false,
    outDir,
    filter: undefined,
    input: undefined,
    target: 'ts',
    nameStyle: 'ts',
    stdin: false,
    structure: 'auto',
    singleWorld: false,
    keep: { result: false, option: false, own: false, borrow: false },
  });
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r); else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

export const generateCommand: Command = {
  summary: 'generate TypeScript bindings from wit/since-vX.Y.Z/ into src/core/generated/ (--check: verify only)',
  usage: USAGE,
  async run(args: string[], io: Io): Promise<number> {
    let check = false;
    for (const a of args) {
      if (a === '--check') check = true;
      else if (a === '--help' || a === '-h') { io.out(USAGE); return 0; }
      else { io.err(`wasm-plugins generate: unexpected argument '${a}'\n${USAGE}`); return 2; }
    }
    const root = io.cwd;
    const witRoot = path.join(root, 'wit');
    const versions = fs.existsSync(witRoot)
      ? fs.readdirSync(witRoot, { withFileTypes: true })
        .filter((e) => e.isDirectory() && VERSION_DIR.test(e.name))
        .map((e) => e.name)
        .sort()
      : [];
    if (versions.length === 0) {
      io.err('wasm-plugins generate: no wit/since-vX.Y.Z/ folders found\n');
      return 1;
    }
    const wit2ts = loadWit2ts(root);
    if (wit2ts === undefined) {
      io.err('wasm-plugins generate: @vscode/wasm-component-model is not installed (run `npm install`)\n');
      return 1;
    }

    const generatedRoot = path.join(root, 'src', 'core', 'generated');
    const tmp = check ? fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-plugins-generate-')) : undefined;
    try {
      const differing: string[] = [];
      for (const dir of versions) {
        const m = VERSION_DIR.exec(dir) as RegExpExecArray;
        const outName = `v${m[1]}_${m[2]}_${m[3]}`;
        let json: WitJson;
        try {
          json = witToJson(path.join('wit', dir), { cwd: root });
        } catch (e) {
          if (e instanceof WitError) { io.err(`${e.message}\n`); return 1; }
          throw e;
        }
        const committed = path.join(generatedRoot, outName);
        const target = tmp === undefined ? committed : path.join(tmp, outName);
        // The folder holds generated files only; clearing it drops files a renamed world no longer produces.
        if (tmp === undefined) fs.rmSync(committed, { recursive: true, force: true });
        try {
          generateInto(wit2ts, json, target);
        } catch (e) {
          io.err(`wasm-plugins generate: wit2ts failed on wit/${dir}: ${e instanceof Error ? e.message : String(e)}\n`);
          return 1;
        }
        if (tmp === undefined) {
          for (const f of listFiles(committed)) io.out(`wrote ${path.relative(root, path.join(committed, f))}\n`);
          continue;
        }
        const names = new Set([...listFiles(target), ...listFiles(committed)]);
        for (const f of [...names].sort()) {
          const a = path.join(target, f);
          const b = path.join(committed, f);
          const same = fs.existsSync(a) && fs.existsSync(b) && fs.readFileSync(a).equals(fs.readFileSync(b));
          if (!same) differing.push(path.relative(root, b));
        }
      }
      if (tmp === undefined) return 0;
      if (differing.length > 0) {
        io.err(`generated bindings are out of date with wit/:\n${differing.map((f) => `  ${f}\n`).join('')}run \`npm run generate\`\n`);
        return 1;
      }
      io.out('generated bindings are up to date\n');
      return 0;
    } finally {
      if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
