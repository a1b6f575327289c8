// `npm run fuzz -- [options]`: the command line of the fuzzer. See test/fuzz/README.md.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_TIMEOUT_MS, FIXTURES_DIR, formatFindings, formatTarget, readFixture, REPO_ROOT, replayIteration, runFuzz } from './engine';
import { encodeInput, isTargetName, runInput, TARGET_NAMES, TargetName } from './targets';
import { minimize } from './minimize';
import { iterationSeed } from './rng';
import { MANIFEST_SEEDS, updateManifestSeeds } from './corpus';

const USAGE = `usage: npm run fuzz -- [options]

  --seed S            campaign seed (integer, default 1)
  --iterations N      iterations per target (default 10000)
  --target T          loader-binary, loader-manifest or wit; repeat or comma-separate (default: all)
  --timeout MS        bound for one input before it counts as a hang (default ${DEFAULT_TIMEOUT_MS})
  --json              also write a summary to test-results/fuzz.json
  --no-fixtures       do not write crash and hang inputs to test/fixtures/fuzz-regressions/
  --replay I          run iteration I of --target/--seed alone, in this process, and print what happened
  --out FILE          with --replay: write the iteration's input to FILE
  --run FILE          run one saved input (a regression fixture) and print what happened; its target comes
                      from its name (<target>-<hash>.<ext>), --target, or its extension (.bin, .json, .wit)
  --update-seeds      refresh test/fuzz/seeds/manifests.json from the built plugins' manifests
  --minimize FILE     shrink a crashing fixture while it still crashes the same way; writes FILE's name + .min
`;

interface Args {
  seed: number;
  iterations: number;
  targets: TargetName[];
  timeoutMs: number;
  json: boolean;
  fixtures: boolean;
  replay?: number;
  out?: string;
  run?: string;
  minimize?: string;
  updateSeeds: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { seed: 1, iterations: 10_000, targets: [], timeoutMs: DEFAULT_TIMEOUT_MS, json: false, fixtures: true, updateSeeds: false };
  const int = (flag: string, v: string | undefined) => {
    if (v === undefined || !/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new Error(`${flag} needs a non-negative integer, got ${v ?? 'nothing'}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--seed': a.seed = int(name, value()); break;
      case '--iterations': a.iterations = int(name, value()); break;
      case '--timeout': a.timeoutMs = Math.max(1, int(name, value())); break;
      case '--target': {
        for (const t of (value() ?? '').split(',').filter(Boolean)) {
          if (!isTargetName(t)) throw new Error(`unknown target "${t}"; targets are ${TARGET_NAMES.join(', ')}`);
          if (!a.targets.includes(t)) a.targets.push(t);
        }
        break;
      }
      case '--json': a.json = true; break;
      case '--no-fixtures': a.fixtures = false; break;
      case '--replay': a.replay = int(name, value()); break;
      case '--out': a.out = value(); break;
      case '--run': a.run = value(); break;
      case '--minimize': a.minimize = value(); break;
      case '--update-seeds': a.updateSeeds = true; break;
      case '--help': case '-h': process.stdout.write(USAGE); process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: throw new Error(`unknown option "${flag}"`);
    }
  }
  if (a.targets.length === 0 && a.run === undefined && a.minimize === undefined) a.targets = [...TARGET_NAMES];
  return a;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.updateSeeds) {
    console.log(`${updateManifestSeeds(REPO_ROOT)} manifests written to ${MANIFEST_SEEDS}`);
    return 0;
  }
  if (args.run !== undefined || args.minimize !== undefined) {
    const file = path.resolve(args.run ?? args.minimize!);
    const { target, input } = readFixture(file, args.targets.length === 1 ? args.targets[0] : undefined);
    const outcome = await runInput(target, input);
    console.log(`${target} ${path.basename(file)}: ${outcome.kind} ${outcome.key}${outcome.detail ? `\n${outcome.detail}` : ''}`);
    if (args.minimize === undefined) return outcome.kind === 'crash' ? 1 : 0;
    if (outcome.kind !== 'crash') { console.log('not a crash: nothing to minimise'); return 0; }
    const small = await minimize(target, input, outcome, (m) => console.log(m));
    const out = file.replace(/(\.[a-z]+)$/, '.min$1');
    fs.writeFileSync(out, encodeInput(target, small));
    // The note goes along: it holds what replaying needs (e.g. the memory cap).
    const note = file.replace(/\.[a-z]+$/, '.txt');
    const prior = fs.existsSync(note) ? fs.readFileSync(note, 'utf8') : '';
    fs.writeFileSync(out.replace(/\.[a-z]+$/, '.txt'), `minimised-from: ${path.basename(file)}\n${prior}`);
    console.log(`wrote ${path.relative(process.cwd(), out)} (${encodeInput(target, small).length} bytes, from ${encodeInput(target, input).length})`);
    return 0;
  }
  if (args.replay !== undefined) {
    if (args.targets.length !== 1) throw new Error('--replay needs exactly one --target');
    const target = args.targets[0];
    const { input, outcome } = await replayIteration(REPO_ROOT, target, args.seed, args.replay);
    console.log(`${target} seed ${args.seed} iteration ${args.replay} (iteration seed 0x${iterationSeed(args.seed, target, args.replay).toString(16).padStart(8, '0')})`);
    console.log(`input: ${input.note}`);
    console.log(`outcome: ${outcome.kind} ${outcome.key}${outcome.detail ? `\n${outcome.detail}` : ''}`);
    if (args.out !== undefined) {
      fs.writeFileSync(args.out, encodeInput(target, input));
      console.log(`input written to ${args.out}`);
    }
    return outcome.kind === 'crash' ? 1 : 0;
  }

  const started = Date.now();
  let lastReport = started;
  const summary = await runFuzz({
    seed: args.seed, iterations: args.iterations, targets: args.targets, timeoutMs: args.timeoutMs,
    fixturesDir: args.fixtures ? FIXTURES_DIR : null,
    onProgress: (target, done, total) => {
      const now = Date.now();
      if (now - lastReport < 15_000) return;
      lastReport = now;
      process.stderr.write(`  … ${target}: ${done}/${total} after ${Math.round((now - started) / 1000)} s\n`);
    },
  });
  if (!summary.seedBinaries.some((b) => b.startsWith('dist/')) && args.targets.includes('loader-binary')) {
    console.log('note: no built plugins in dist/ (run `npm run build:plugins`); loader-binary mutated only the synthetic seeds');
  }
  for (const t of summary.targets) console.log(formatTarget(t));
  for (const line of formatFindings(summary)) console.log(line);
  if (args.json) {
    const out = path.join(REPO_ROOT, 'test-results', 'fuzz.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`summary written to ${path.relative(process.cwd(), out)}`);
  }
  console.log(summary.clean ? 'fuzz: clean' : 'fuzz: FOUND CRASHES OR HANGS');
  return summary.clean ? 0 : 1;
}

// Not when `node --test` picks this file up from a folder (it runs every .js under a `test` folder).
if (require.main === module && process.env.NODE_TEST_CONTEXT === undefined) {
  main().then((code) => { process.exitCode = code; }, (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.stderr.write(USAGE);
    process.exitCode = 2;
  });
}
