// The WIT parser against wasm-tools' own parser test corpus (test/fixtures/wit-corpus, see its README).
//
// What is compared, exactly:
// - Pass cases: `witToJson(input, { features: ['active'] })` must be deep-equal to `NAME.wit.json`. No
//   normalisation at all (key order, `docs`, `stability` compared as they are). Enabling the feature `active` is
//   what wasm-tools' test runner does when it writes those files; it is an input setting, not a normalisation.
// - Fail cases: a `WitError` whose message is `file:line:col: message`; where the reference names a location the
//   file, line and column must match, and the reference message must end with ours (it adds context prefixes).
// - Known gaps are `todo` tests (they run and report but do not fail the suite); the score test requires ≥ 95% of
//   pass cases equal and every fail case rejected as above.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { witToJson, WitError } from '../../src/core/wit/index';

const repoRoot = path.resolve(__dirname, '../../..');
const corpus = path.join(repoRoot, 'test', 'fixtures', 'wit-corpus');

/** Pass cases the parser is known not to handle, with the reason. */
const KNOWN_GAPS: Record<string, string> = {
  'kinds-of-deps': 'its deps include WIT packages encoded as WebAssembly (.wat/.wasm), which are not decoded',
};

function inputOf(dir: string, name: string): string {
  const file = path.join(dir, `${name}.wit`);
  return fs.existsSync(file) ? file : path.join(dir, name);
}

function caseNames(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => f.slice(0, -suffix.length)).sort();
}

interface PassOutcome { equal: boolean; detail: string }

function runPassCase(name: string): PassOutcome {
  const dir = path.join(corpus, 'pass');
  const expected: unknown = JSON.parse(fs.readFileSync(path.join(dir, `${name}.wit.json`), 'utf8'));
  try {
    const actual = witToJson(inputOf(dir, name), { features: ['active'] });
    assert.deepStrictEqual(actual, expected);
    return { equal: true, detail: '' };
  } catch (e) {
    return { equal: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

interface FailOutcome { ok: boolean; detail: string }

/** The location the reference message names, as `relative/file.wit`, line and column, if any. */
function referenceLocation(result: string): { file: string; line: number; column: number } | undefined {
  const m = /--> tests\/ui\/parse-fail\/(\S+?):(\d+):(\d+)/.exec(result)
    ?? /^tests\/ui\/parse-fail\/(\S+?):(\d+):(\d+):/.exec(result);
  return m === null ? undefined : { file: m[1], line: Number(m[2]), column: Number(m[3]) };
}

function runFailCase(name: string): FailOutcome {
  const dir = path.join(corpus, 'fail');
  const result = fs.readFileSync(path.join(dir, `${name}.wit.result`), 'utf8');
  let error: unknown;
  try {
    witToJson(inputOf(dir, name), { features: ['active'] });
  } catch (e) {
    error = e;
  }
  if (error === undefined) return { ok: false, detail: 'accepted, but the reference rejects it' };
  if (!(error instanceof WitError)) return { ok: false, detail: `threw ${String(error)} instead of a WitError` };
  const prefix = `${error.file}:${error.line}:${error.column}: `;
  if (!error.message.startsWith(prefix) || error.line < 1 || error.column < 1) {
    return { ok: false, detail: `message is not 'file:line:col: message': ${error.message}` };
  }
  const where = referenceLocation(result);
  if (where !== undefined) {
    const file = path.relative(dir, error.file).split(path.sep).join('/');
    if (file !== where.file || error.line !== where.line || error.column !== where.column) {
      return { ok: false, detail: `at ${file}:${error.line}:${error.column}, reference at ${where.file}:${where.line}:${where.column}` };
    }
  }
  const refFirstLine = result.split('\n')[0];
  const ourFirstLine = error.reason.split('\n')[0];
  if (!refFirstLine.endsWith(ourFirstLine)) {
    return { ok: false, detail: `message '${ourFirstLine}' is not the reference's '${refFirstLine}'` };
  }
  return { ok: true, detail: '' };
}

const passNames = caseNames(path.join(corpus, 'pass'), '.wit.json');
const failNames = caseNames(path.join(corpus, 'fail'), '.wit.result');
const passOutcomes = new Map<string, PassOutcome>();
const failOutcomes = new Map<string, FailOutcome>();

describe('the WIT parser on the wasm-tools corpus', () => {
  describe('pass cases resolve to the same JSON as wasm-tools', () => {
    for (const name of passNames) {
      const gap = KNOWN_GAPS[name];
      test(`${name} gives the reference JSON`, gap === undefined ? {} : { todo: gap }, () => {
        const outcome = runPassCase(name);
        passOutcomes.set(name, outcome);
        assert.ok(outcome.equal, outcome.detail);
      });
    }
  });

  describe('fail cases are rejected with a located error', () => {
    for (const name of failNames) {
      test(`${name} is rejected at the reference location`, () => {
        const outcome = failOutcomes.get(name) ?? runFailCase(name);
        failOutcomes.set(name, outcome);
        assert.ok(outcome.ok, outcome.detail);
      });
    }
  });

  test('at least 95% of pass cases and all fail cases match the reference', (t) => {
    for (const name of passNames) if (!passOutcomes.has(name)) passOutcomes.set(name, runPassCase(name));
    for (const name of failNames) if (!failOutcomes.has(name)) failOutcomes.set(name, runFailCase(name));
    const passed = [...passOutcomes.values()].filter((o) => o.equal).length;
    const rejected = [...failOutcomes.values()].filter((o) => o.ok).length;
    const score = `WIT corpus: pass ${passed}/${passNames.length} equal to reference (no normalisation), ` +
      `fail ${rejected}/${failNames.length} rejected with the reference location`;
    t.diagnostic(score);
    const misses = [...passOutcomes].filter(([, o]) => !o.equal).map(([n]) => n);
    if (misses.length > 0) t.diagnostic(`pass cases not equal: ${misses.join(', ')}`);
    assert.ok(passed / passNames.length >= 0.95, score);
    assert.equal(rejected, failNames.length, score);
  });
});
