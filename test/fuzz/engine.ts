// The fuzz engine. The main thread supervises; the inputs run in a worker thread that publishes the index of the
// input it is on in shared memory and flushes its counts every few hundred inputs. If one input runs longer than the
// bound, the main thread terminates the worker, runs that input once more alone with twice the bound (a busy machine
// can stall a worker), records a HANG if it times out again, and starts a new worker after it. A worker that dies
// (out of memory, an uncaught error) is a CRASH of the input it was on. Every crash and hang is written as a
// regression fixture. This file is also the worker's entry point (see the bottom).

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { iterationSeed, Rng } from './rng';
import {
  Corpus, decodeInput, encodeInput, FIXTURE_EXT, generate, Input, inputMeta, loadCorpus, Outcome, parseMeta, runInput, TargetName,
  targetOfFixture, crash,
} from './targets';

export const DEFAULT_TIMEOUT_MS = 2000;

/** Repo root from out/test/fuzz/engine.js (or test/fuzz/engine.ts). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'fuzz-regressions');

export interface Finding {
  readonly target: TargetName;
  readonly kind: 'crash' | 'hang';
  readonly key: string;
  readonly detail: string;
  /** Campaign findings: where the input came from. */
  readonly seed?: number;
  readonly iteration?: number;
  readonly iterationSeed?: string;
  /** Fixture replays: the file. Campaign findings: the fixture written for it, if any. */
  file?: string;
}

export interface TargetSummary {
  readonly target: TargetName;
  readonly seed: number;
  readonly iterations: number;
  /** `value`, each PluginError reason (`compile:` for compilePlugin's), `wit-error`, `wit-too-deep`, `crash:…`, `hang`. */
  readonly outcomes: Record<string, number>;
  /** WIT only: normalised error messages and how often each came up (the 200 most frequent). */
  readonly witErrors?: Record<string, number>;
  readonly crashes: number;
  readonly hangs: number;
  /** Inputs that exceeded the bound once but finished when run again alone. */
  readonly slow: number;
  /** Their iterations, to look into (`--replay`). */
  readonly slowIterations: readonly number[];
  readonly findings: readonly Finding[];
  readonly ms: number;
  readonly msPer1000: number;
}

export interface FuzzOptions {
  readonly seed: number;
  /** Per target, or one number for all. */
  readonly iterations: number | Partial<Record<TargetName, number>>;
  readonly targets: readonly TargetName[];
  readonly root?: string;
  readonly timeoutMs?: number;
  /** Where crash and hang inputs are written; `null` writes nothing. */
  readonly fixturesDir?: string | null;
  readonly onProgress?: (target: TargetName, done: number, total: number) => void;
  /** For testing the engine itself: iterations at which the worker spins forever or exits. */
  readonly simulate?: Simulate;
}

export interface Simulate {
  readonly hang?: readonly number[];
  readonly die?: readonly number[];
}

export interface FuzzSummary {
  readonly seed: number;
  readonly timeoutMs: number;
  readonly seedBinaries: readonly string[];
  readonly targets: readonly TargetSummary[];
  readonly clean: boolean;
}

// ---- protocol between the supervisor and the worker --------------------------------------------------------------

type Source =
  | { readonly kind: 'campaign'; readonly target: TargetName; readonly seed: number }
  | { readonly kind: 'files'; readonly files: readonly string[] };

interface WorkerJob {
  readonly fuzzWorker: true;
  readonly root: string;
  readonly source: Source;
  readonly from: number;
  readonly to: number;
  readonly skip: readonly number[];
  readonly simulate?: Simulate;
  /** Int32Array[0]: index of the input being run, -1 when none; [1]: 0 while generating it, 1 while running it. */
  readonly shared: SharedArrayBuffer;
}

interface RawFinding { readonly index: number; readonly key: string; readonly detail: string }

interface FlushMessage {
  readonly type: 'flush';
  /** Every input below this index (from this worker's `from`) is counted. */
  readonly upTo: number;
  readonly counts: Record<string, number>;
  readonly details: Record<string, number>;
  readonly findings: readonly RawFinding[];
}

interface SpanResult {
  readonly upTo: number;
  readonly counts: Record<string, number>;
  readonly details: Record<string, number>;
  readonly findings: RawFinding[];
  readonly end: { kind: 'done' } | { kind: 'hang'; index: number; generating: boolean } | { kind: 'died'; index: number; error: string };
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Runs inputs [from, to) of `source` in one worker until they are done, one hangs or the worker dies. */
function runSpan(root: string, source: Source, from: number, to: number, skip: readonly number[], timeoutMs: number,
  onFlush?: (upTo: number) => void, simulate?: Simulate): Promise<SpanResult> {
  return new Promise((resolve, reject) => {
    const shared = new SharedArrayBuffer(8);
    const current = new Int32Array(shared);
    current[0] = -1;
    const job: WorkerJob = { fuzzWorker: true, root, source, from, to, skip, shared, simulate };
    const worker = new Worker(__filename, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    const result = { upTo: from, counts: {} as Record<string, number>, details: {} as Record<string, number>, findings: [] as RawFinding[] };
    let settled = false;
    let lastIndex = -1;
    let since = Date.now();
    const finish = (end: SpanResult['end']) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      void worker.terminate();
      resolve({ ...result, end });
    };
    const timer = setInterval(() => {
      const index = Atomics.load(current, 0);
      const now = Date.now();
      if (index !== lastIndex) { lastIndex = index; since = now; return; }
      if (index >= 0 && now - since > timeoutMs) finish({ kind: 'hang', index, generating: Atomics.load(current, 1) === 0 });
    }, Math.min(50, timeoutMs / 4));
    worker.on('message', (m: FlushMessage | { type: 'end' }) => {
      if (settled) return; // a flush that raced a hang: its inputs are run again after the restart
      if (m.type === 'flush') {
        result.upTo = m.upTo;
        add(result.counts, m.counts);
        add(result.details, m.details);
        result.findings.push(...m.findings);
        onFlush?.(m.upTo);
      } else if (m.type === 'end') {
        finish({ kind: 'done' });
      }
    });
    worker.on('error', (e) => {
      const index = Atomics.load(current, 0);
      if (index < 0 && !settled) {
        settled = true;
        clearInterval(timer);
        reject(new Error(`the fuzz worker failed outside any input: ${e.stack ?? e.message}`));
        return;
      }
      finish({ kind: 'died', index, error: e.stack ?? String(e) });
    });
    worker.on('exit', (code) => {
      if (settled) return;
      const index = Atomics.load(current, 0);
      if (index < 0) {
        settled = true;
        clearInterval(timer);
        reject(new Error(`the fuzz worker exited with code ${code} outside any input`));
        return;
      }
      finish({ kind: 'died', index, error: `the worker exited with code ${code}` });
    });
  });
}

interface Supervised {
  readonly counts: Record<string, number>;
  readonly details: Record<string, number>;
  readonly findings: (RawFinding & { kind: 'crash' | 'hang' })[];
  readonly slow: number[];
}

/** Runs all `n` inputs of `source`, restarting the worker after each hang or death. */
async function supervise(root: string, source: Source, n: number, timeoutMs: number, onFlush?: (upTo: number) => void,
  simulate?: Simulate): Promise<Supervised> {
  const counts: Record<string, number> = {};
  const details: Record<string, number> = {};
  const findings: (RawFinding & { kind: 'crash' | 'hang' })[] = [];
  const skip = new Set<number>();
  const slow: number[] = [];
  let from = 0;
  while (from < n) {
    const r = await runSpan(root, source, from, n, [...skip], timeoutMs, onFlush, simulate);
    add(counts, r.counts);
    add(details, r.details);
    findings.push(...r.findings.map((f) => ({ ...f, kind: 'crash' as const })));
    from = r.upTo;
    if (r.end.kind === 'done') break;
    const index = r.end.index;
    if (r.end.kind === 'hang') {
      // Once more, alone, with twice the bound: a hang has to be reproducible.
      const again = await runSpan(root, source, index, index + 1, [], timeoutMs * 2, undefined, simulate);
      if (again.end.kind === 'done') {
        slow.push(index);
        add(counts, again.counts);
        add(details, again.details);
        findings.push(...again.findings.map((f) => ({ ...f, kind: 'crash' as const })));
      } else if (again.end.kind === 'hang') {
        const key = again.end.generating ? 'hang:generating' : 'hang';
        counts[key] = (counts[key] ?? 0) + 1;
        findings.push({
          index, kind: 'hang', key,
          detail: `did not finish within ${timeoutMs} ms, nor within ${timeoutMs * 2} ms when run again alone` +
            (again.end.generating ? ' (while the fuzzer was still generating the input: a bug in the fuzzer)' : ''),
        });
      } else {
        counts['crash:worker-died'] = (counts['crash:worker-died'] ?? 0) + 1;
        findings.push({ index, kind: 'crash', key: 'crash:worker-died', detail: again.end.error });
      }
    } else {
      counts['crash:worker-died'] = (counts['crash:worker-died'] ?? 0) + 1;
      findings.push({ index, kind: 'crash', key: 'crash:worker-died', detail: r.end.error });
    }
    skip.add(index);
  }
  return { counts, details, findings, slow };
}

// ---- campaigns ---------------------------------------------------------------------------------------------------

export function iterationsFor(options: Pick<FuzzOptions, 'iterations'>, target: TargetName): number {
  return typeof options.iterations === 'number' ? options.iterations : options.iterations[target] ?? 0;
}

const corpusCache = new Map<string, Corpus>();
function corpusFor(root: string, target: TargetName): Corpus {
  const key = `${root}\0${target}`;
  let c = corpusCache.get(key);
  if (c === undefined) corpusCache.set(key, (c = loadCorpus(root, [target])));
  return c;
}

/** The input of one iteration, exactly as the campaign made it. */
export function inputOf(root: string, target: TargetName, seed: number, iteration: number): Input {
  return generate(target, corpusFor(root, target), Rng.forIteration(seed, target, iteration));
}

/** Regenerates and runs one iteration in this thread (no hang protection). */
export async function replayIteration(root: string, target: TargetName, seed: number, iteration: number): Promise<{ input: Input; outcome: Outcome }> {
  const input = inputOf(root, target, seed, iteration);
  return { input, outcome: await runInput(target, input) };
}

const hex8 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Writes an input as `<target>-<sha256 prefix>.<ext>` with a `.txt` beside it; returns the fixture's path. */
export function writeFixture(dir: string, target: TargetName, input: Input, info: Record<string, string>): string {
  const bytes = encodeInput(target, input);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const file = path.join(dir, `${target}-${hash}.${FIXTURE_EXT[target]}`);
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, bytes);
  const lines = Object.entries({ target, ...inputMeta(target, input), ...info, note: input.note }).map(([k, v]) => `${k}: ${v}`);
  fs.writeFileSync(`${file.replace(/\.[a-z]+$/, '')}.txt`, `${lines.join('\n')}\n`);
  return file;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const root = options.root ?? REPO_ROOT;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fixturesDir = options.fixturesDir === undefined ? FIXTURES_DIR : options.fixturesDir;
  const summaries: TargetSummary[] = [];
  for (const target of options.targets) {
    const n = iterationsFor(options, target);
    const started = performance.now();
    const s = await supervise(root, { kind: 'campaign', target, seed: options.seed }, n, timeoutMs,
      (upTo) => options.onProgress?.(target, upTo, n), options.simulate);
    const ms = performance.now() - started;
    const findings: Finding[] = s.findings.sort((a, b) => a.index - b.index).map((f) => ({
      target, kind: f.kind, key: f.key, detail: f.detail, seed: options.seed, iteration: f.index,
      iterationSeed: hex8(iterationSeed(options.seed, target, f.index)),
    }));
    if (fixturesDir !== null) {
      for (const f of findings) {
        const input = inputOf(root, target, options.seed, f.iteration!);
        f.file = writeFixture(fixturesDir, target, input, {
          kind: f.kind, seed: String(options.seed), iteration: String(f.iteration), 'iteration-seed': f.iterationSeed!,
          outcome: f.key, replay: `npm run fuzz -- --target ${target} --seed ${options.seed} --replay ${f.iteration}`,
          error: f.detail.replace(/\n/g, '\n  '),
        });
      }
    }
    const witErrors = target === 'wit'
      ? Object.fromEntries(Object.entries(s.details).sort((a, b) => b[1] - a[1]).slice(0, 200)) : undefined;
    summaries.push({
      target, seed: options.seed, iterations: n, outcomes: s.counts, ...(witErrors ? { witErrors } : {}),
      crashes: findings.filter((f) => f.kind === 'crash').length, hangs: findings.filter((f) => f.kind === 'hang').length,
      slow: s.slow.length, slowIterations: s.slow, findings, ms: Math.round(ms), msPer1000: n > 0 ? Math.round((ms / n) * 1000 * 10) / 10 : 0,
    });
  }
  const seedBinaries = options.targets.includes('loader-binary') ? corpusFor(root, 'loader-binary').binaries.map((b) => b.name) : [];
  return { seed: options.seed, timeoutMs, seedBinaries, targets: summaries, clean: summaries.every((t) => t.crashes === 0 && t.hangs === 0) };
}

/** One line per target: iterations, outcomes by kind, crashes, hangs, time. */
export function formatTarget(t: TargetSummary): string {
  const order = (k: string) => (k === 'value' ? 0 : k.startsWith('crash') || k === 'hang' ? 3 : k.startsWith('compile:') ? 2 : 1);
  const outcomes = Object.entries(t.outcomes)
    .sort(([a, x], [b, y]) => order(a) - order(b) || y - x || (a < b ? -1 : 1))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const slow = t.slow > 0 ? `, slow ${t.slow}` : '';
  return `${t.target.padEnd(15)} seed ${t.seed}  ${t.iterations} iterations  [${outcomes}]  crashes ${t.crashes}, hangs ${t.hangs}${slow}  ` +
    `${(t.ms / 1000).toFixed(1)} s (${t.msPer1000} ms per 1000)`;
}

/** Each crash or hang: what, where it is saved, how to replay it. */
export function formatFindings(s: FuzzSummary): string[] {
  const lines: string[] = [];
  for (const t of s.targets) {
    for (const f of t.findings) {
      lines.push(`${f.kind.toUpperCase()} ${t.target} iteration ${f.iteration} (iteration seed ${f.iterationSeed}): ${f.key}`);
      lines.push(`  ${f.detail.split('\n').slice(0, 6).join('\n  ')}`);
      if (f.file) lines.push(`  saved as ${path.relative(process.cwd(), f.file)}`);
      lines.push(`  replay: npm run fuzz -- --target ${t.target} --seed ${t.seed} --replay ${f.iteration}`);
    }
    for (const i of t.slowIterations) {
      lines.push(`slow: ${t.target} iteration ${i} exceeded the bound once but finished when run again alone ` +
        `(npm run fuzz -- --target ${t.target} --seed ${t.seed} --replay ${i})`);
    }
  }
  return lines;
}

// ---- regression fixtures -----------------------------------------------------------------------------------------

/** The input files in a fixtures folder (not the `.txt` notes, not README). */
export function fixtureFiles(dir = FIXTURES_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => targetOfFixture(f) !== undefined).sort().map((f) => path.join(dir, f));
}

/** Reads a saved input. Its target comes from its name (`<target>-<hash>.<ext>`), else `target`, else its extension. */
export function readFixture(file: string, target?: TargetName): { target: TargetName; input: Input } {
  const byExt = (Object.keys(FIXTURE_EXT) as TargetName[]).find((t) => file.endsWith(`.${FIXTURE_EXT[t]}`));
  target = targetOfFixture(path.basename(file)) ?? target ?? byExt;
  if (target === undefined) throw new Error(`${file}: cannot tell its target; name it <target>-<hash>.<ext> or pass --target`);
  const txt = file.replace(/\.[a-z]+$/, '.txt');
  const meta = fs.existsSync(txt) ? parseMeta(fs.readFileSync(txt, 'utf8')) : {};
  return { target, input: decodeInput(target, new Uint8Array(fs.readFileSync(file)), meta) };
}

/** Replays fixture files in a worker (with the hang bound); returns the outcomes and any crash or hang. */
export async function replayFixtures(files: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS, root = REPO_ROOT): Promise<{ outcomes: Record<string, number>; findings: Finding[] }> {
  if (files.length === 0) return { outcomes: {}, findings: [] };
  const s = await supervise(root, { kind: 'files', files }, files.length, timeoutMs);
  return {
    outcomes: s.counts,
    findings: s.findings.map((f) => ({ target: targetOfFixture(path.basename(files[f.index]))!, kind: f.kind, key: f.key, detail: f.detail, file: files[f.index] })),
  };
}

// ---- the worker --------------------------------------------------------------------------------------------------

/** Own properties of the built-in prototypes, to notice an input that polluted them. */
function prototypeShape(): string {
  return [Object.prototype, Array.prototype, String.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).length).join(',');
}

async function workerMain(job: WorkerJob): Promise<void> {
  const current = new Int32Array(job.shared);
  const port = parentPort!;
  const { source } = job;
  const corpus = source.kind === 'campaign' ? loadCorpus(job.root, [source.target]) : undefined;
  const skip = new Set(job.skip);
  let counts: Record<string, number> = {};
  let details: Record<string, number> = {};
  let findings: RawFinding[] = [];
  let pending = 0;
  let lastFlush = Date.now();
  const flush = (upTo: number) => {
    const m: FlushMessage = { type: 'flush', upTo, counts, details, findings };
    port.postMessage(m);
    counts = {};
    details = {};
    findings = [];
    pending = 0;
    lastFlush = Date.now();
  };
  let shape = prototypeShape();
  for (let i = job.from; i < job.to; i++) {
    if (skip.has(i)) continue;
    Atomics.store(current, 1, 0);
    Atomics.store(current, 0, i);
    if (job.simulate?.hang?.includes(i)) { Atomics.store(current, 1, 1); for (;;) { /* spin: a simulated hang */ } }
    if (job.simulate?.die?.includes(i)) process.exit(3);
    let outcome: Outcome;
    try {
      if (source.kind === 'campaign') {
        const input = generate(source.target, corpus!, Rng.forIteration(source.seed, source.target, i));
        Atomics.store(current, 1, 1);
        outcome = await runInput(source.target, input);
      } else {
        const { target, input } = readFixture(source.files[i]);
        Atomics.store(current, 1, 1);
        outcome = await runInput(target, input);
      }
    } catch (e) {
      outcome = crash(e, 'harness:');
    }
    const now = prototypeShape();
    if (now !== shape) {
      shape = now;
      outcome = crash(new Error(`the input added properties to a built-in prototype (${now})`), 'pollution:');
    }
    counts[outcome.key] = (counts[outcome.key] ?? 0) + 1;
    if (outcome.kind === 'error' && outcome.detail !== undefined) details[outcome.detail] = (details[outcome.detail] ?? 0) + 1;
    if (outcome.kind === 'crash') {
      findings.push({ index: i, key: outcome.key, detail: outcome.detail ?? '' });
      flush(i + 1);
    } else if (++pending >= 256 || Date.now() - lastFlush > 200) {
      flush(i + 1);
    }
  }
  Atomics.store(current, 0, -1);
  flush(job.to);
  port.postMessage({ type: 'end' });
}

if (!isMainThread && (workerData as Partial<WorkerJob> | undefined)?.fuzzWorker === true) {
  void workerMain(workerData as WorkerJob);
}
