// The fuzzer (test/fuzz, `npm run fuzz`) as part of the test suite: every input it ever saved as a regression fixture
// must still end in a value or a typed error, and a short seeded run of every target, through the same engine as
// `npm run fuzz` (worker thread, hang bound), must find no crash and no hang.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixtureFiles, formatFindings, formatTarget, inputOf, REPO_ROOT, replayFixtures, runFuzz } from '../fuzz/engine';
import { decodeWitBundle, encodeInput, encodeWitBundle, runInput, TARGET_NAMES, WitInput } from '../fuzz/targets';

/** The short run: about 2000 inputs, a few seconds. FUZZ_SEED picks another seed for a one-off run. */
const SHORT_RUN = { 'loader-binary': 800, 'loader-manifest': 600, 'wit': 600 } as const;
const SEED = Number(process.env.FUZZ_SEED ?? 20_250_601);

describe('fuzzing the loader and the WIT parser', () => {
  test('every saved fuzz input still ends in a value or a typed error', async () => {
    const files = fixtureFiles();
    const { outcomes, findings } = await replayFixtures(files);
    const total = Object.values(outcomes).reduce((a, b) => a + b, 0);
    assert.equal(total, files.length, 'every fixture was run');
    assert.deepEqual(
      findings.map((f) => `${path.basename(f.file ?? '')}: ${f.kind} ${f.key}\n${f.detail.split('\n').slice(0, 4).join('\n')}`),
      [],
      'a fixed crash came back',
    );
  });

  test('a short seeded run of every target finds no crash and no hang', async (t) => {
    const summary = await runFuzz({
      seed: SEED,
      iterations: SHORT_RUN,
      targets: TARGET_NAMES,
      // A failing input is kept where git does not see it; `npm run fuzz` with the printed seed saves it for real.
      fixturesDir: path.join(REPO_ROOT, 'test-results', 'fuzz-regressions'),
    });
    const report = [...summary.targets.map(formatTarget), ...formatFindings(summary)].join('\n');
    for (const line of summary.targets.map(formatTarget)) t.diagnostic(line);
    assert.ok(summary.clean, report);
    for (const s of summary.targets) {
      const n = Object.values(s.outcomes).reduce((a, b) => a + b, 0);
      assert.equal(n, SHORT_RUN[s.target], `${s.target}: every iteration has an outcome\n${report}`);
      // The mutations must neither be too timid nor too destructive to reach both ends.
      assert.ok((s.outcomes.value ?? 0) > 0, `${s.target}: no input was accepted\n${report}`);
      assert.ok(n - (s.outcomes.value ?? 0) > 0, `${s.target}: no input was rejected\n${report}`);
    }
  });
});

describe('the fuzz engine', () => {
  test('an input that never finishes is a hang, a worker that dies is a crash, and the run goes on after both', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-engine-'));
    try {
      const summary = await runFuzz({
        seed: 3, iterations: 12, targets: ['loader-manifest'], timeoutMs: 400, fixturesDir: dir, simulate: { hang: [4], die: [9] },
      });
      const [t] = summary.targets;
      assert.equal(summary.clean, false);
      assert.deepEqual(t.findings.map((f) => [f.iteration, f.kind, f.key]), [[4, 'hang', 'hang'], [9, 'crash', 'crash:worker-died']]);
      assert.equal(Object.values(t.outcomes).reduce((a, b) => a + b, 0), 12, 'the other ten inputs ran');
      // Each finding is saved as a fixture named by target and hash, with a note on how to replay it.
      const saved = fs.readdirSync(dir).sort();
      assert.equal(saved.filter((f) => /^loader-manifest-[0-9a-f]{16}\.json$/.test(f)).length, 2, saved.join(', '));
      const note = fs.readFileSync(path.join(dir, saved.find((f) => f.endsWith('.txt'))!), 'utf8');
      assert.match(note, /^seed: 3$/m);
      assert.match(note, /^replay: npm run fuzz -- --target loader-manifest --seed 3 --replay (4|9)$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the same seed gives the same inputs and outcomes, and each iteration regenerates alone', async () => {
    for (const target of TARGET_NAMES) {
      for (let i = 0; i < 25; i++) {
        const x = inputOf(REPO_ROOT, target, 99, i);
        const y = inputOf(REPO_ROOT, target, 99, i);
        assert.deepEqual(encodeInput(target, y), encodeInput(target, x), `${target}: iteration ${i} regenerates byte for byte`);
        assert.deepEqual(await runInput(target, y), await runInput(target, x), `${target}: iteration ${i} ends the same way`);
      }
      assert.notDeepEqual(encodeInput(target, inputOf(REPO_ROOT, target, 100, 7)), encodeInput(target, inputOf(REPO_ROOT, target, 99, 7)),
        `${target}: another seed, another input`);
    }
  });
});

describe('the fuzz fixture format', () => {
  test('a WIT input of several files, lone surrogates and marker-like lines included, survives being saved', () => {
    const input: WitInput = {
      main: [{ path: 'pass/a/root.wit', text: 'package a:b;\ninterface i {}\n' }, { path: 'pass/a/two.wit', text: 'no newline at the end' }],
      deps: [[{ path: 'pass/a/deps/x.wit', text: 'package x:y;\ud800 lone\n' }], [{ path: 'pass/a/deps/z.wit', text: '//@fuzz-file main fake.wit\n\n' }]],
      options: { features: ['active'] },
      note: '',
    };
    const bytes = new TextEncoder().encode(encodeWitBundle(input));
    const back = decodeWitBundle(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    assert.deepEqual({ ...back, note: '' }, input);
  });
});
