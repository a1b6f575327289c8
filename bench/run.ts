// `npm run bench [-- --quick] [-- --only P1,P2] [-- --out file.json]`: runs the benchmarks of docs/performance.md,
// prints a table with every figure's target and whether it is met, and writes bench-results/latest.json.
// Needs `npm run build:plugins` (the plugins under plugins/bench/).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BenchReport, Figure, FigureId, machineInfo, printReport, SCHEMA_VERSION } from './report';
import { runP1 } from './p1CallCost';
import { runP2 } from './p2Isolated';
import { runP3 } from './p3Activation';
import { runP4 } from './p4FanOut';
import { runP5 } from './p5Memory';
import { runP6 } from './p6Extism';
import { packageVersion, RESULTS_DIR, ROOT } from './setup';

interface Args {
  readonly quick: boolean;
  readonly only: ReadonlySet<FigureId> | undefined;
  readonly out: string;
  readonly p5Variants: readonly string[];
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let only: Set<FigureId> | undefined;
  let out = path.join(RESULTS_DIR, 'latest.json');
  let p5Variants: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick' || a === '-q') quick = true;
    else if (a === '--only') only = new Set(argv[++i].split(',').map((s) => s.trim().toUpperCase() as FigureId));
    else if (a === '--out') out = path.resolve(argv[++i]);
    else if (a === '--p5-variants') p5Variants = argv[++i].split(',').map((v) => v.trim());
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench [-- --quick] [-- --only P1,P2,P3,P4,P5,P6] [-- --out file.json] [-- --p5-variants all|young-1,old-8,…]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return { quick, only, out, p5Variants };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const q = args.quick;
  const method = {
    timing: 'process.hrtime.bigint around N calls (P1, P6) or around each call (P2); µs per call. performance.now() around each start, first call and delivery (P3, P4); ms',
    rounds: 'interleaved: each round runs every case once, rotating which goes first; calls per round calibrated after the warm-up to ~roundMs per case',
    statistics: 'median/min/max over measured rounds (P1, P6), over single calls (P2, P4 percentiles; P3 first calls) or child-process runs (P3 starts, P5); ratios are medians of per-round ratios',
    // Short rounds, many of them: on a shared machine a round that lost its core is an outlier the median ignores.
    P1: q ? { rounds: 40, warmupRounds: 3, roundMs: 3 } : { rounds: 150, warmupRounds: 5, roundMs: 5 },
    P2: q ? { rounds: 5, warmupRounds: 1, callsPerRound: 400 } : { rounds: 20, warmupRounds: 2, callsPerRound: 2000 },
    P3: q ? { plugins: 50, rounds: 3, warmupRounds: 1, firstCallRounds: 6 } : { plugins: 50, rounds: 12, warmupRounds: 1, firstCallRounds: 20 },
    P4: q ? { plugins: 10, changesPerSecond: 1000, seconds: 2 } : { plugins: 10, changesPerSecond: 1000, seconds: 10 },
    P5: q ? { plugins: 20, runs: 1 } : { plugins: 20, runs: 3 },
    P6: q ? { rounds: 10, warmupRounds: 1, roundMs: 10 } : { rounds: 40, warmupRounds: 2, roundMs: 20 },
    sizes: [100, 10240],
    versions: {
      '@vscode/wasm-component-model': packageVersion('@vscode/wasm-component-model'),
      '@bytecodealliance/jco': packageVersion('@bytecodealliance/jco'),
      '@extism/extism': packageVersion('@extism/extism'),
    },
  };
  const started = Date.now();
  const machine = machineInfo();
  const log = (s: string) => process.stdout.write(`${s}\n`);
  const wanted = (id: FigureId) => args.only === undefined || args.only.has(id);
  const figures: Figure[] = [];
  const run = async (id: FigureId, title: string, fn: () => Promise<Figure>) => {
    if (!wanted(id)) return;
    const t = Date.now();
    log(`${id} ${title} …`);
    try {
      figures.push(await fn());
    } catch (e) {
      process.stderr.write(`${id} failed: ${(e as Error).stack ?? String(e)}\n`);
      figures.push({ id, title, status: 'failed', note: (e as Error).message, measurements: {}, checks: [] });
    }
    log(`  ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };

  await run('P1', 'in-process call cost', () => runP1({ ...method.P1, sizes: method.sizes }, log));
  await run('P2', 'isolated synchronous round trip', () => runP2(method.P2));
  await run('P3', 'activation scaling', () => runP3(method.P3));
  await run('P4', 'event fan-out', () => runP4(method.P4));
  await run('P5', 'memory per isolated plugin', () => runP5({ ...method.P5, variants: args.p5Variants }));
  await run('P6', 'peer: @extism/extism', () => runP6({ ...method.P6, sizes: method.sizes }));

  const report: BenchReport = {
    schema: SCHEMA_VERSION,
    when: new Date(started).toISOString(),
    quick: q,
    durationSeconds: (Date.now() - started) / 1000,
    machine,
    method,
    figures: figures.sort((a, b) => a.id.localeCompare(b.id)),
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  printReport(report, (s) => process.stdout.write(s));
  log(`\nwritten ${path.relative(ROOT, args.out)}`);
  if (figures.some((f) => f.status === 'failed')) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
