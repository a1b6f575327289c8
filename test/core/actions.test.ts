// What a plugin may ask the host to do with its results: each action needs the permission of its host interface, and
// its payload is checked before the VS Code adapter touches the editor with it. The inputs are the ones a hostile
// plugin would send: absurd ranges, huge counts and texts, panels it never declared, tags that are not actions.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTION_CAPABILITY, ACTION_LIMITS, checkActions } from '../../src/core/actions';
import { Action, Types } from '../../src/core/runtime/abi';
import type { Capability } from '../../src/core/capabilities';
import type { PluginManifest } from '../../src/core/manifest';

const manifest = {
  id: 'p', name: 'P', version: '1.0.0', apiVersion: '0.1.0', kind: 'component',
  commands: [], panels: [{ id: 'stats', title: 'Stats' }], events: [], capabilities: [], activationEvents: [], configuration: [],
} as unknown as PluginManifest;

const A = Types.Action;
const all = () => true;
const pos = (line: number, character: number) => ({ line, character });
const edit = (start: [number, number], end: [number, number], newText = 'x'): Types.TextEdit => ({ range: { start: pos(...start), end: pos(...end) }, newText });
const applyEdit = (edits: Types.TextEdit[], uri = 'file:///w/a.txt') => A.ApplyEdit({ uri, edits });
const diagnostics = (n: number, uri = 'file:///w/a.txt') => A.SetDiagnostics({
  uri, diagnostics: Array.from({ length: n }, (_, i) => ({ range: { start: pos(i, 0), end: pos(i, 1) }, severity: Types.Severity.error, message: 'm' })),
});

function check(actions: Action[], allows: (c: Capability) => boolean = all) {
  const r = checkActions(actions, manifest, allows);
  return { tags: r.accepted.map((a) => a.tag), rejected: r.rejected.map((x) => `${x.tag}: ${x.reason}`), accepted: r.accepted };
}

describe('checking the actions a plugin returns', () => {
  test('every action kind is accepted when permitted and well-formed, in the order given', () => {
    const actions: Action[] = [
      A.Notify({ level: Types.NotifyLevel.info, message: 'héllo ✓' }),
      A.InsertText('日本語'),
      applyEdit([edit([0, 0], [0, 1]), edit([2, 5], [3, 0])]),
      A.SetStatus('ok'),
      A.PostToPanel({ panelId: 'stats', message: '{}' }),
      A.OpenPanel('stats'),
      diagnostics(2),
    ];
    const r = check(actions);
    assert.deepEqual(r.rejected, []);
    assert.deepEqual(r.accepted, actions);
  });

  test('each action needs the permission of its host interface; opening its own panel needs none', () => {
    const granted = new Set<Capability>();
    const r = check([A.Notify({ level: Types.NotifyLevel.info, message: 'm' }), A.InsertText('t'), A.SetStatus('s'), A.OpenPanel('stats'), diagnostics(1), A.PostToPanel({ panelId: 'stats', message: '1' })],
      (c) => granted.has(c));
    assert.deepEqual(r.tags, ['openPanel']);
    assert.deepEqual(r.rejected, [
      'notify: needs the "notifications" permission',
      'insertText: needs the "editor-write" permission',
      'setStatus: needs the "status-bar" permission',
      'setDiagnostics: needs the "diagnostics" permission',
      'postToPanel: needs the "panels" permission',
    ]);
    for (const [tag, cap] of Object.entries(ACTION_CAPABILITY)) {
      if (cap === null) continue;
      assert.deepEqual(checkActions([{ tag, value: undefined } as unknown as Action], manifest, (c) => c !== cap).rejected.map((x) => x.reason), [`needs the "${cap}" permission`], tag);
    }
  });

  test('an edit range that ends before it starts is refused, on one line and across lines', () => {
    assert.deepEqual(check([applyEdit([edit([0, 5], [0, 2])])]).rejected, ['applyEdit: an edit range ends before it starts']);
    assert.deepEqual(check([applyEdit([edit([0, 0], [0, 0]), edit([5, 3], [0, 0])])]).rejected, ['applyEdit: an edit range ends before it starts']);
    assert.deepEqual(check([applyEdit([edit([7, 0], [7, 0])])]).rejected, [], 'an empty range is an insertion');
  });

  test('absurd but ordered positions (line 4,000,000,000) pass to the host, which clamps them to the document', () => {
    // VS Code validates positions against the document; the core only refuses what no document could make sense of.
    assert.deepEqual(check([applyEdit([edit([4_000_000_000, 4_000_000_000], [4_294_967_295, 4_294_967_295])])]).rejected, []);
  });

  test('an edit or diagnostics for something that is not a URI is refused', () => {
    assert.deepEqual(check([applyEdit([edit([0, 0], [0, 0])], 'not a uri at all')]).rejected, ['applyEdit: "not a uri at all" is not a document URI']);
    assert.deepEqual(check([diagnostics(1, '../../etc/hosts')]).rejected, ['setDiagnostics: "../../etc/hosts" is not a document URI']);
    assert.deepEqual(check([applyEdit([], 'untitled:Untitled-1'), diagnostics(0, 'file:///c%3A/w/x.txt')]).rejected, []);
  });

  test('more edits or diagnostics per document than the limits are refused, at the limit they pass', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => edit([i, 0], [i, 0]));
    assert.deepEqual(check([applyEdit(many(ACTION_LIMITS.editsPerDocument))]).rejected, []);
    assert.deepEqual(check([applyEdit(many(ACTION_LIMITS.editsPerDocument + 1))]).rejected, [`applyEdit: ${ACTION_LIMITS.editsPerDocument + 1} edits in one document (limit ${ACTION_LIMITS.editsPerDocument})`]);
    assert.deepEqual(check([diagnostics(ACTION_LIMITS.diagnosticsPerDocument)]).rejected, []);
    assert.deepEqual(check([diagnostics(100_000)]).rejected, ['setDiagnostics: too many diagnostics for one document']);
  });

  test('a million actions in one result: only the first thousand are considered, and that is reported once', () => {
    const notify = A.Notify({ level: Types.NotifyLevel.warning, message: 'spam' });
    const r = check(Array(1_000_000).fill(notify));
    assert.equal(r.accepted.length, ACTION_LIMITS.actionsPerResult);
    assert.deepEqual(r.rejected, [`*: 1000000 actions in one result; only the first ${ACTION_LIMITS.actionsPerResult} are considered`]);
  });

  test('over-long notification, status and inserted texts are refused; at the limit they pass', () => {
    const text = (n: number) => 'é'.repeat(n);
    assert.deepEqual(check([A.Notify({ level: Types.NotifyLevel.error, message: text(ACTION_LIMITS.notificationChars) }), A.SetStatus(text(ACTION_LIMITS.statusChars))]).rejected, []);
    assert.deepEqual(check([
      A.Notify({ level: Types.NotifyLevel.error, message: text(ACTION_LIMITS.notificationChars + 1) }),
      A.SetStatus('\u202Estatus '.repeat(15_000)),
      A.InsertText('x'.repeat(ACTION_LIMITS.textChars + 1)),
    ]).rejected, [
      `notify: notification longer than ${ACTION_LIMITS.notificationChars} characters`,
      `setStatus: status text longer than ${ACTION_LIMITS.statusChars} characters`,
      'insertText: inserted text too large',
    ]);
  });

  test('panels the manifest does not declare can be neither opened nor posted to', () => {
    assert.deepEqual(check([A.OpenPanel('undeclared'), A.PostToPanel({ panelId: '../stats', message: '{}' }), A.OpenPanel('Stats')]).rejected, [
      'openPanel: the manifest declares no panel "undeclared"',
      'postToPanel: the manifest declares no panel "../stats"',
      'openPanel: the manifest declares no panel "Stats"',
    ]);
  });

  test('a tag that is not an action is refused, even one that names a property of every object', () => {
    for (const tag of ['launchMissiles', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      assert.deepEqual(check([{ tag, value: 'x' } as unknown as Action]).rejected, [`${tag}: unknown action`], tag);
    }
  });
});
