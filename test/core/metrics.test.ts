// The numbers the plugin manager shows (calls, errors by reason, call-time percentiles) and the token bucket behind
// the log and panel-message rate limits. Time is a fake clock here, so every expectation is exact.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PluginMetrics, RateLimiter } from '../../src/core/metrics';
import { FakeClock } from './support/controllers';

describe('plugin metrics', () => {
  test('before any call there are no percentiles and all counts are zero', () => {
    const s = new PluginMetrics().snapshot();
    assert.equal(s.calls, 0);
    assert.equal(s.errors, 0);
    assert.deepEqual(s.errorsByReason, {});
    assert.equal(s.p50Ms, undefined);
    assert.equal(s.p99Ms, undefined);
    assert.equal(s.lastCallMs, undefined);
  });

  test('calls and errors are counted, errors by their reason', () => {
    const m = new PluginMetrics();
    m.record(1);
    m.record(2, 'timeout');
    m.record(3, 'trap');
    m.record(4, 'timeout');
    const s = m.snapshot();
    assert.equal(s.calls, 4);
    assert.equal(s.errors, 3);
    assert.deepEqual(s.errorsByReason, { timeout: 2, trap: 1 });
    assert.equal(s.lastCallMs, 4);
  });

  test('percentiles come from the recorded durations: p50 in the middle, p99 near the top', () => {
    const m = new PluginMetrics();
    for (let i = 100; i >= 1; i--) m.record(i); // order must not matter
    const s = m.snapshot();
    assert.ok(s.p50Ms! >= 50 && s.p50Ms! <= 51, `p50 ${s.p50Ms}`);
    assert.ok(s.p99Ms! >= 99 && s.p99Ms! <= 100, `p99 ${s.p99Ms}`);
  });

  test('one slow call among many fast ones shows in p99, not in p50', () => {
    const m = new PluginMetrics();
    for (let i = 0; i < 99; i++) m.record(1);
    m.record(5000);
    const s = m.snapshot();
    assert.equal(s.p50Ms, 1);
    assert.ok(s.p99Ms! >= 1);
    for (let i = 0; i < 2; i++) m.record(5000);
    assert.equal(m.snapshot().p99Ms, 5000, 'three slow calls in 102 are the top 1 %');
  });

  test('percentiles reflect recent calls: a plugin that became fast stops looking slow', () => {
    const m = new PluginMetrics();
    for (let i = 0; i < 1000; i++) m.record(900);
    for (let i = 0; i < 1000; i++) m.record(2);
    const s = m.snapshot();
    assert.equal(s.p50Ms, 2);
    assert.equal(s.p99Ms, 2);
    assert.equal(s.calls, 2000, 'the count is since start, not over the window');
  });

  test('a snapshot is a copy: later calls do not change it', () => {
    const m = new PluginMetrics();
    m.record(1, 'trap');
    const s = m.snapshot();
    m.record(1, 'trap');
    assert.deepEqual(s.errorsByReason, { trap: 1 });
  });
});

describe('the rate limiter', () => {
  test('a burst of the rate passes at once, the next is refused, and one more fits per 1/rate seconds', () => {
    const clock = new FakeClock();
    const r = new RateLimiter(10, clock.now);
    for (let i = 0; i < 10; i++) assert.equal(r.take(), true, `take ${i}`);
    assert.equal(r.take(), false);
    clock.advance(99);
    assert.equal(r.take(), false);
    clock.advance(1);
    assert.equal(r.take(), true);
    assert.equal(r.take(), false);
  });

  test('a long pause refills no more than one burst', () => {
    const clock = new FakeClock();
    const r = new RateLimiter(5, clock.now);
    clock.advance(3_600_000);
    let passed = 0;
    while (r.take()) passed++;
    assert.equal(passed, 5);
  });

  test('a smaller burst than the rate limits how much passes at once', () => {
    const clock = new FakeClock();
    const r = new RateLimiter(100, clock.now, 3);
    assert.deepEqual([r.take(), r.take(), r.take(), r.take()], [true, true, true, false]);
    clock.advance(10);
    assert.equal(r.take(), true);
  });

  test('a rate below one per second still lets one through, then waits', () => {
    const clock = new FakeClock();
    const r = new RateLimiter(0.5, clock.now);
    assert.equal(r.take(), true);
    clock.advance(1999);
    assert.equal(r.take(), false);
    clock.advance(1);
    assert.equal(r.take(), true);
  });

  test('a clock that steps backwards (the wall clock was set back an hour) does not lock the limiter', () => {
    const clock = new FakeClock();
    const r = new RateLimiter(10, clock.now);
    for (let i = 0; i < 10; i++) r.take();
    clock.advance(-3_600_000);
    r.take();
    clock.advance(1000);
    assert.equal(r.take(), true, 'a second after the step, the rate is available again');
  });
});
