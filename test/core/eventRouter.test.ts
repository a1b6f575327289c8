// Editor events reaching plugins: every subscriber gets every event, in order, and one plugin that hangs never delays
// another. Real plugins in real workers: kitchen-sink records what it receives (`events` command), text-tools answers
// will-save with an edit, and the hostile plugins (when built) misbehave on purpose.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventRouter, RouterOptions, RouterSink } from '../../src/core/registry/eventRouter';
import type { PluginController } from '../../src/core/registry/pluginController';
import type { EditorEventKind } from '../../src/core/manifest';
import { Action, Types } from '../../src/core/runtime/abi';
import { PluginError } from '../../src/core/errors';
import { MemoryLog } from '../../src/core/log';
import { FakeHost } from './support/fakeHost';
import { kitchenSinkAs, makeController, ControllerSetup } from './support/controllers';
import { TEST_PLUGINS } from './support/plugins';
import { timed, waitFor, withTimeout } from './support/waitFor';

type Doc = Types.DocumentInfo;
const doc = (uri: string, version = 1): Doc => ({ uri, languageId: 'plaintext', version, lineCount: 3, isDirty: true });
const change = (i: number): Types.ContentChange => ({ range: { start: { line: 0, character: i }, end: { line: 0, character: i } }, text: `c${i}` });

interface Recorded {
  kind: string;
  document?: { uri: string; version: number } | null;
  changes?: { text: string }[];
  selections?: unknown[];
  sections?: string[];
  reason?: string;
}

class Sink implements RouterSink {
  readonly actionsFrom: { plugin: string; kind: EditorEventKind; actions: Action[] }[] = [];
  readonly failures: { plugin: string; kind: EditorEventKind; error: PluginError }[] = [];
  actions(plugin: PluginController, actions: Action[], kind: EditorEventKind): void {
    this.actionsFrom.push({ plugin: plugin.id, kind, actions });
  }
  failed(plugin: PluginController, error: PluginError, kind: EditorEventKind): void {
    this.failures.push({ plugin: plugin.id, kind, error });
  }
}

const everyController: PluginController[] = [];
const logs = new Map<PluginController, MemoryLog>();
after(async () => {
  await Promise.all(everyController.map((c) => c.dispose()));
});

function plugin(setup: ControllerSetup): PluginController {
  const { controller, log } = makeController({ restartPolicy: { baseDelayMs: 0, maxDelayMs: 0, maxFailures: 100, windowMs: 60_000 }, ...setup });
  everyController.push(controller);
  logs.set(controller, log);
  return controller;
}

function routerFor(plugins: PluginController[], options: Partial<RouterOptions> = {}): { router: EventRouter; sink: Sink; log: MemoryLog } {
  const sink = new Sink();
  const log = new MemoryLog();
  const router = new EventRouter({ subscribers: (kind) => plugins.filter((p) => p.binary.manifest.events.includes(kind) && p.state !== 'failed') }, sink, log, options);
  return { router, sink, log };
}

async function recorded(p: PluginController): Promise<Recorded[]> {
  return JSON.parse((await p.runCommand('events', '')).value!) as Recorded[];
}

/** Waits until the plugin has recorded events satisfying `done`, and returns them. */
function eventsOf(p: PluginController, what: string, done: (events: Recorded[]) => boolean, timeoutMs = 10_000): Promise<Recorded[]> {
  return waitFor(`${p.id} to record ${what}`, async () => {
    const events = await recorded(p);
    return done(events) ? events : undefined;
  }, { timeoutMs, intervalMs: 20 });
}

const changedTexts = (events: Recorded[]) => events.filter((e) => e.kind === 'document-changed').flatMap((e) => e.changes!.map((c) => c.text));

/** Starts the plugins (compile + worker + activate) so that timings measure delivery, not start-up. */
async function started(...plugins: PluginController[]): Promise<void> {
  await Promise.all(plugins.map(async (p) => { await p.runCommand('clear-events', ''); }));
}

describe('routing editor events to plugins', () => {
  test('an event reaches every subscribed plugin, and plugins that did not subscribe get nothing', async () => {
    const a = plugin({ plugin: kitchenSinkAs('sink-a') });
    const b = plugin({ plugin: kitchenSinkAs('sink-b') });
    const deaf = plugin({ plugin: kitchenSinkAs('sink-deaf', (m) => ({ ...m, events: ['document-saved'] })) });
    const { router } = routerFor([a, b, deaf]);
    await started(a, b, deaf);
    router.fire('document-opened', Types.EditorEvent.DocumentOpened(doc('file:///w/ö.txt')), 'file:///w/ö.txt');
    for (const p of [a, b]) {
      const events = await eventsOf(p, 'the opened document', (es) => es.length > 0);
      assert.deepEqual(events.map((e) => [e.kind, e.document?.uri]), [['document-opened', 'file:///w/ö.txt']]);
    }
    await withTimeout('the router to go idle', router.whenIdle(), 5000);
    assert.deepEqual(await recorded(deaf), []);
    router.dispose();
  });

  test('a plugin stuck in an endless loop does not delay the delivery of events to the others', async () => {
    const stuck = plugin({ plugin: kitchenSinkAs('sink-stuck'), limits: { commandTimeoutMs: 4000 } });
    const b = plugin({ plugin: kitchenSinkAs('sink-b2') });
    const c = plugin({ plugin: kitchenSinkAs('sink-c2') });
    const { router } = routerFor([stuck, b, c]);
    await started(stuck, b, c);
    let loopEnded = false;
    const loop = stuck.runCommand('loop-forever', '').catch((e: unknown) => e).finally(() => { loopEnded = true; });
    router.fire('document-opened', Types.EditorEvent.DocumentOpened(doc('file:///w/a.txt')), 'file:///w/a.txt');
    const { ms } = await timed(() => Promise.all([b, c].map((p) => eventsOf(p, 'the opened document', (es) => es.length === 1, 3000))));
    assert.equal(loopEnded, false, 'the others got the event while the stuck plugin was still looping');
    assert.ok(ms < 3000, `${Math.round(ms)} ms`);
    // The stuck plugin is not skipped: after its timeout it gets the event on a fresh instance.
    assert.ok((await loop) instanceof PluginError);
    const late = await eventsOf(stuck, 'the opened document after its restart', (es) => es.length === 1);
    assert.equal(late[0].kind, 'document-opened');
    router.dispose();
  });

  const loopHook = path.join(TEST_PLUGINS, 'hostile-loop-hook.wasm');
  test('a hook that loops forever is cut off at the hook timeout and reported, while the others already have the event',
    { skip: !fs.existsSync(loopHook) && 'hostile-loop-hook.wasm is not built' }, async () => {
      const hostile = plugin({ plugin: loopHook, limits: { hookTimeoutMs: 500 } });
      const b = plugin({ plugin: kitchenSinkAs('sink-b3') });
      const { router, sink } = routerFor([hostile, b]);
      await started(b);
      await hostile.runCommand('ok', '');
      router.fire('document-saved', Types.EditorEvent.DocumentSaved(doc('file:///w/s.txt')), 'file:///w/s.txt');
      await eventsOf(b, 'the save', (es) => es.length === 1, 1500);
      const failure = await waitFor('the hostile hook to be reported', () => sink.failures.find((f) => f.plugin === 'hostile-loop-hook'));
      assert.equal(failure.kind, 'document-saved');
      assert.equal(failure.error.reason, 'timeout');
      assert.match(failure.error.message, /within 500 ms/);
      // It keeps receiving other events afterwards.
      router.fire('document-opened', Types.EditorEvent.DocumentOpened(doc('file:///w/t.txt')), 'file:///w/t.txt');
      await waitFor('the hostile plugin to count the next event', async () => JSON.parse((await hostile.runCommand('ok', '')).value!).events >= 1);
      router.dispose();
    });

  test('a thousand changes fired in one turn arrive as one batch, all of them, in order', async () => {
    const p = plugin({ plugin: kitchenSinkAs('sink-batch') });
    const { router } = routerFor([p]);
    await started(p);
    const d = doc('file:///w/batch.txt');
    for (let i = 0; i < 1000; i++) router.documentChanged({ ...d, version: i + 2 }, [change(i)]);
    const events = await eventsOf(p, '1000 changes', (es) => changedTexts(es).length >= 1000);
    assert.deepEqual(changedTexts(events), Array.from({ length: 1000 }, (_, i) => `c${i}`));
    const batches = events.filter((e) => e.kind === 'document-changed');
    assert.equal(batches.length, 1);
    assert.equal(batches[0].document!.version, 1001, 'the batch carries the latest document state');
    router.dispose();
  });

  test('a batch is cut at maxChangesPerBatch, and the pieces arrive in order with nothing lost', async () => {
    const p = plugin({ plugin: kitchenSinkAs('sink-cut') });
    const { router } = routerFor([p], { maxChangesPerBatch: 100 });
    await started(p);
    for (let i = 0; i < 1000; i++) router.documentChanged(doc('file:///w/cut.txt', i), [change(i)]);
    const events = await eventsOf(p, '1000 changes', (es) => changedTexts(es).length >= 1000);
    assert.deepEqual(changedTexts(events), Array.from({ length: 1000 }, (_, i) => `c${i}`));
    assert.deepEqual(events.map((e) => e.changes!.length), Array(10).fill(100));
    router.dispose();
  });

  test('changes that arrive while a plugin is busy are merged into its next batch, none lost', async () => {
    // The command limit also bounds activation (worker start-up included), so it stays well above a loaded machine's.
    const p = plugin({ plugin: kitchenSinkAs('sink-busy'), limits: { commandTimeoutMs: 1500 } });
    const { router } = routerFor([p]);
    await started(p);
    const busy = p.runCommand('loop-forever', '').catch(() => undefined); // occupies the plugin for 1.5 s
    router.documentChanged(doc('file:///w/busy.txt'), [change(0)]);
    for (let turn = 1; turn <= 20; turn++) {
      router.documentChanged(doc('file:///w/busy.txt'), [change(turn)]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await busy;
    const events = await eventsOf(p, '21 changes', (es) => changedTexts(es).length >= 21);
    assert.deepEqual(changedTexts(events), Array.from({ length: 21 }, (_, i) => `c${i}`));
    assert.ok(events.length <= 2, `${events.length} batches for 21 changes made while the plugin was busy`);
    router.dispose();
  });

  test('changes still pending when the document is saved are delivered before the save', async () => {
    const p = plugin({ plugin: kitchenSinkAs('sink-save') });
    const { router } = routerFor([p]);
    await started(p);
    const uri = 'file:///w/save.txt';
    router.documentChanged(doc(uri, 2), [change(1)]);
    router.documentChanged(doc('file:///w/other.txt', 2), [change(99)]);
    router.documentChanged(doc(uri, 3), [change(2)]);
    router.fire('document-saved', Types.EditorEvent.DocumentSaved(doc(uri, 3)), uri);
    router.documentChanged(doc(uri, 4), [change(3)]);
    const events = await eventsOf(p, 'four events', (es) => es.length >= 4);
    const mine = events.filter((e) => e.document?.uri === uri);
    assert.deepEqual(mine.map((e) => [e.kind, e.changes?.map((c) => c.text)]), [
      ['document-changed', ['c1', 'c2']],
      ['document-saved', undefined],
      ['document-changed', ['c3']],
    ]);
    router.dispose();
  });

  test('a burst of selection changes reaches the plugin as the latest selection only, and later ones wait for the throttle', async () => {
    const p = plugin({ plugin: kitchenSinkAs('sink-sel') });
    const { router } = routerFor([p], { selectionThrottleMs: 1000 });
    await started(p);
    const sel = (n: number): Types.Selection[] => [{ anchor: { line: n, character: 0 }, active: { line: n, character: n } }];
    for (let i = 0; i < 50; i++) router.selectionChanged('file:///w/sel.txt', sel(i));
    const first = await eventsOf(p, 'a selection', (es) => es.length >= 1);
    assert.deepEqual(first.map((e) => e.selections), [sel(49)]);
    for (let i = 50; i < 60; i++) router.selectionChanged('file:///w/sel.txt', sel(i));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await recorded(p)).length, 1, 'within the throttle interval nothing more is sent');
    const both = await eventsOf(p, 'a second selection', (es) => es.length >= 2);
    assert.deepEqual(both.map((e) => e.selections), [sel(49), sel(59)]);
    await withTimeout('the router to go idle', router.whenIdle(), 5000);
    assert.equal((await recorded(p)).length, 2, 'nothing else was sent');
    router.dispose();
  });

  test('an event about a document is not held back by a pending throttled selection', async () => {
    const p = plugin({ plugin: kitchenSinkAs('sink-sel2') });
    const { router } = routerFor([p], { selectionThrottleMs: 5000 });
    await started(p);
    const sel: Types.Selection[] = [{ anchor: { line: 0, character: 0 }, active: { line: 0, character: 1 } }];
    router.selectionChanged('file:///w/a.txt', sel);
    await eventsOf(p, 'the first selection', (es) => es.length === 1);
    router.selectionChanged('file:///w/a.txt', sel); // throttled: due in 5 s
    await new Promise((resolve) => setImmediate(resolve));
    router.fire('document-saved', Types.EditorEvent.DocumentSaved(doc('file:///w/a.txt')), 'file:///w/a.txt');
    const events = await eventsOf(p, 'the save', (es) => es.some((e) => e.kind === 'document-saved'), 2000);
    assert.deepEqual(events.map((e) => e.kind), ['selection-changed', 'document-saved']);
    router.dispose();
  });

  test('will-save returns the edits of the plugins that answer in time and skips one that does not, within the deadline', async () => {
    const host = new FakeHost();
    const uri = 'file:///w/trailing.txt';
    host.activeDocument = { uri, languageId: 'plaintext', version: 1, text: 'a  \nb\t\nc', selections: [] };
    const tools = plugin({ plugin: 'text-tools.wasm', host, limits: { willSaveTimeoutMs: 600 } });
    const slow = plugin({ plugin: kitchenSinkAs('sink-slow'), limits: { willSaveTimeoutMs: 600, commandTimeoutMs: 3000 } });
    const { router, sink } = routerFor([tools, slow]);
    await started(slow);
    await tools.runCommand('open-preview', ''); // started
    const looping = slow.runCommand('loop-forever', '').catch(() => undefined);
    const event = Types.EditorEvent.DocumentWillSave({ document: doc(uri), reason: Types.SaveReason.manual });
    const { ms, value: answers } = await timed(() => router.willSave(event, uri));
    assert.ok(ms >= 600 && ms < 600 + 50 + 1000, `the save waited ${Math.round(ms)} ms`);
    assert.deepEqual(answers.map((a) => a.plugin.id), ['text-tools']);
    const edit = answers[0].actions[0];
    assert.equal(edit.tag, 'applyEdit');
    assert.deepEqual((edit.value as Types.DocumentEdit).edits.map((e) => [e.range.start.line, e.range.start.character, e.range.end.character, e.newText]), [[0, 1, 3, ''], [1, 1, 2, '']]);
    const skipped = sink.failures.find((f) => f.plugin === 'sink-slow');
    assert.ok(skipped, 'the late plugin was reported');
    assert.equal(skipped.error.reason, 'timeout');
    assert.match(skipped.error.message, /will-save hook within 600 ms; the file was saved without its edits/);
    await looping;
    router.dispose();
  });

  test('changes pending when will-save is asked are delivered first', async () => {
    const p = plugin({ plugin: kitchenSinkAs('sink-ws') });
    const { router } = routerFor([p]);
    await started(p);
    const uri = 'file:///w/ws.txt';
    router.documentChanged(doc(uri, 2), [change(7)]);
    const answers = await router.willSave(Types.EditorEvent.DocumentWillSave({ document: doc(uri, 2), reason: Types.SaveReason.afterDelay }), uri);
    assert.deepEqual(answers, [], 'kitchen-sink answers will-save with no edits');
    const events = await recorded(p);
    assert.deepEqual(events.map((e) => [e.kind, e.reason]), [['document-changed', undefined], ['document-will-save', 'after-delay']]);
    router.dispose();
  });

  test('configuration changes carry each plugin its own keys, and skip plugins with none', async () => {
    const a = plugin({ plugin: kitchenSinkAs('sink-cfg-a') });
    const b = plugin({ plugin: kitchenSinkAs('sink-cfg-b') });
    const { router } = routerFor([a, b]);
    await started(a, b);
    router.fire('configuration-changed', (p) => (p.id === 'sink-cfg-a' ? Types.EditorEvent.ConfigurationChanged(['editor.tabSize', 'files.eol']) : undefined));
    router.fire('document-opened', Types.EditorEvent.DocumentOpened(doc('file:///w/marker.txt')), 'file:///w/marker.txt');
    const ea = await eventsOf(a, 'both events', (es) => es.length >= 2);
    const eb = await eventsOf(b, 'the marker', (es) => es.length >= 1);
    assert.deepEqual(ea.map((e) => [e.kind, e.sections]), [['configuration-changed', ['editor.tabSize', 'files.eol']], ['document-opened', undefined]]);
    assert.deepEqual(eb.map((e) => e.kind), ['document-opened']);
    router.dispose();
  });

  const hostileEvents = path.join(TEST_PLUGINS, 'hostile-events.wasm');
  test('absurd actions from hooks are filtered before they reach the host: undeclared panels, huge status text, reversed ranges',
    { skip: !fs.existsSync(hostileEvents) && 'hostile-events.wasm is not built' }, async () => {
      const hostile = plugin({ plugin: hostileEvents });
      const { router, sink } = routerFor([hostile]);
      await hostile.runCommand('ok', '');
      router.fire('active-editor-changed', Types.EditorEvent.ActiveEditorChanged(doc('file:///w/x.txt')));
      router.selectionChanged('file:///w/x.txt', []);
      router.fire('document-will-save', Types.EditorEvent.DocumentWillSave({ document: doc('file:///w/x.txt'), reason: Types.SaveReason.manual }), 'file:///w/x.txt');
      await waitFor('three events handled', async () => JSON.parse((await hostile.runCommand('ok', '')).value!).events >= 3);
      await withTimeout('the router to go idle', router.whenIdle(), 5000);
      const all = sink.actionsFrom.flatMap((a) => a.actions);
      assert.ok(!all.some((a) => a.tag === 'openPanel' || a.tag === 'postToPanel'), 'no undeclared panel');
      assert.ok(!all.some((a) => a.tag === 'setStatus'), 'no 100 KB status text');
      assert.ok(!all.some((a) => a.tag === 'applyEdit' && (a.value as Types.DocumentEdit).edits.some((e) => e.newText === 'reversed')), 'no reversed range');
      assert.ok(!all.some((a) => a.tag === 'applyEdit' && (a.value as Types.DocumentEdit).uri === 'not a uri at all'), 'no edit to something that is not a URI');
      // Filtering is per action: the harmless notification of the same result still arrives.
      assert.ok(all.some((a) => a.tag === 'notify'), JSON.stringify(sink.actionsFrom.map((a) => a.kind)));
      const ignored = logs.get(hostile)!.lines.filter((l) => /ignored action/.test(l));
      for (const what of [/openPanel: the manifest declares no panel "undeclared"/, /postToPanel: the manifest declares no panel/, /setStatus: status text longer than 200/, /applyEdit: an edit range ends before it starts/]) {
        assert.ok(ignored.some((l) => what.test(l)), `${what} in:\n${ignored.join('\n')}`);
      }
      router.dispose();
    });

  test('whenIdle resolves once everything queued has been delivered', async () => {
    const p = plugin({ plugin: kitchenSinkAs('sink-idle') });
    const { router } = routerFor([p]);
    await started(p);
    for (let i = 0; i < 5; i++) router.fire('document-opened', Types.EditorEvent.DocumentOpened(doc(`file:///w/${i}.txt`)), `file:///w/${i}.txt`);
    await withTimeout('the router to go idle', router.whenIdle(), 5000);
    assert.equal((await recorded(p)).length, 5);
    router.dispose();
  });
});
