// Per-plugin resource limits come from user settings, so they are checked like any untrusted input: unknown keys and
// non-numbers are ignored and reported, out-of-range values clamped and reported, and nothing a settings file can
// hold makes resolution throw.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS, memoryPages, PAGE_BYTES, resolveLimits } from '../../src/core/limits';

describe('resolving resource limits', () => {
  test('without overrides the defaults apply and nothing is reported', () => {
    assert.deepEqual(resolveLimits(), { limits: DEFAULT_LIMITS, problems: [] });
    assert.deepEqual(resolveLimits(undefined, {}), { limits: DEFAULT_LIMITS, problems: [] });
  });

  test('overrides apply in order: a later one (per plugin) wins over an earlier one (global)', () => {
    const { limits, problems } = resolveLimits({ commandTimeoutMs: 20_000, memoryMB: 64 }, { memoryMB: 128 });
    assert.equal(limits.commandTimeoutMs, 20_000);
    assert.equal(limits.memoryMB, 128);
    assert.equal(limits.hookTimeoutMs, DEFAULT_LIMITS.hookTimeoutMs);
    assert.deepEqual(problems, []);
  });

  test('values outside the sane range are clamped and each is reported with the range used', () => {
    const { limits, problems } = resolveLimits({ commandTimeoutMs: 0, memoryMB: 1e9, willSaveTimeoutMs: -5, maxQueuedCalls: 10_000 });
    assert.equal(limits.commandTimeoutMs, 10);
    assert.equal(limits.memoryMB, 4096);
    assert.equal(limits.willSaveTimeoutMs, 10);
    assert.equal(limits.maxQueuedCalls, 10_000);
    assert.deepEqual(problems, [
      'limit "commandTimeoutMs" = 0 is outside 10…600000; using 10',
      'limit "memoryMB" = 1000000000 is outside 1…4096; using 4096',
      'limit "willSaveTimeoutMs" = -5 is outside 10…5000; using 10',
    ]);
  });

  test('values that are not finite numbers are ignored and reported', () => {
    const { limits, problems } = resolveLimits({ memoryMB: '512', hookTimeoutMs: NaN, panelTimeoutMs: Infinity, resultMB: null, logLinesPerSecond: [5] });
    assert.deepEqual(limits, DEFAULT_LIMITS);
    assert.deepEqual(problems, ['memoryMB', 'hookTimeoutMs', 'panelTimeoutMs', 'resultMB', 'logLinesPerSecond'].map((k) => `limit "${k}" must be a number`));
  });

  test('unknown keys are reported, including names every object inherits, and settings JSON cannot make it throw', () => {
    const hostile = JSON.parse('{"__proto__": 5, "constructor": 7, "toString": 1, "hasOwnProperty": 2, "timeout": 3}') as Record<string, unknown>;
    const { limits, problems } = resolveLimits(hostile);
    assert.deepEqual(limits, DEFAULT_LIMITS);
    assert.deepEqual(problems, ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'timeout'].map((k) => `unknown limit "${k}"`));
    assert.equal(Object.getPrototypeOf(limits), Object.prototype, 'the result\'s prototype is untouched');
  });

  test('overrides that are not objects are skipped', () => {
    assert.deepEqual(resolveLimits(null as never, 5 as never, 'x' as never).limits, DEFAULT_LIMITS);
  });

  test('the memory limit becomes whole 64 KiB pages for the module\'s memory maximum', () => {
    assert.equal(PAGE_BYTES, 65536);
    assert.equal(memoryPages(DEFAULT_LIMITS), 256 * 16);
    assert.equal(memoryPages({ ...DEFAULT_LIMITS, memoryMB: 1 }), 16);
  });
});
