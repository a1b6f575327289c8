// Editor events reach plugin hooks inside a real VS Code: saves are observed, will-save edits land in the saved file,
// changes arrive batched and complete, and every one of the eight events is delivered.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WasmPluginsApi } from '../../src/extension';
import { pluginCommandId } from '../../src/host/commands';
import { extensionApi, NON_ASCII, openFile, until, workspaceRoot } from './support';

const config = () => vscode.workspace.getConfiguration('wasmPlugins');

describe('editor events and plugin hooks', () => {
  let api: WasmPluginsApi;

  before(async () => {
    api = await extensionApi();
  });

  it('a save hook observes every save (word count counts them in its status bar item)', async () => {
    const editor = await openFile('saved.txt', 'first\n');
    const before = (await vscode.commands.executeCommand<{ saves: number }>(pluginCommandId('word-count', 'save-count'), {})).saves;
    for (let i = 1; i <= 3; i++) {
      await editor.edit((b) => b.insert(new vscode.Position(0, 0), `${i} `));
      assert.ok(await editor.document.save(), 'the document saved');
      await until(`status "Saved ${before + i} times"`, () => api.host.statusItems.text('word-count') === `Saved ${before + i} times`);
    }
    const after = await vscode.commands.executeCommand<{ saves: number }>(pluginCommandId('word-count', 'save-count'), {});
    assert.equal(after.saves, before + 3);
  });

  it('a will-save hook\'s edit lands in the saved file (trailing whitespace is gone on disk)', async () => {
    const dirty = `a line with spaces   \n${NON_ASCII}\t \n\tindented stays\nlast  `;
    const editor = await openFile('trailing.txt', 'x');
    await editor.edit((b) => b.replace(new vscode.Range(0, 0, editor.document.lineCount, 0), dirty));
    assert.ok(await editor.document.save(), 'the document saved');
    const onDisk = fs.readFileSync(path.join(workspaceRoot(), 'trailing.txt'), 'utf8');
    assert.equal(onDisk, `a line with spaces\n${NON_ASCII}\n\tindented stays\nlast`);
    assert.equal(editor.document.getText(), onDisk);
    assert.equal(editor.document.isDirty, false);
  });

  it('a change hook receives every change, batched (TODO tracker), and its diagnostics follow the text', async () => {
    await config().update('changeDebounceMs', 300, vscode.ConfigurationTarget.Global);
    try {
      const editor = await openFile('batched.md', 'start\n');
      const before = await vscode.commands.executeCommand<{ batches: number; changes: number }>(pluginCommandId('todo-tracker', 'todo-stats'), {});
      const edits = 40;
      let seen = 0;
      const counted = vscode.workspace.onDidChangeTextDocument((e) => { if (e.document === editor.document) seen += e.contentChanges.length; });
      // Forty edits one after the other, as fast as VS Code takes them (concurrent applyEdits may be refused).
      for (let i = 0; i < edits; i++) {
        const we = new vscode.WorkspaceEdit();
        we.insert(editor.document.uri, new vscode.Position(0, 0), i % 10 === 0 ? `TODO item ${i} ✓\n` : 'x');
        assert.ok(await vscode.workspace.applyEdit(we), `VS Code applied edit ${i}`);
      }
      counted.dispose();
      assert.equal(seen, edits, 'VS Code reported one content change per edit');
      let last = before;
      const stats = await until(`all changes to reach the plugin (last seen: ${JSON.stringify(last)})`, async () => {
        last = await vscode.commands.executeCommand<{ batches: number; changes: number }>(pluginCommandId('todo-tracker', 'todo-stats'), {});
        return last.changes - before.changes >= edits ? last : undefined;
      }).catch((e: Error) => { throw new Error(`${e.message}; before ${JSON.stringify(before)}, last ${JSON.stringify(last)}`); });
      assert.equal(stats.changes - before.changes, edits, 'no change lost or duplicated');
      assert.ok(stats.batches - before.batches < edits / 2, `changes were batched (${stats.batches - before.batches} batches for ${edits} changes)`);
      const diagnostics = await until('4 TODO diagnostics', () => {
        const d = vscode.languages.getDiagnostics(editor.document.uri).filter((x) => x.code === 'todo');
        return d.length === 4 ? d : undefined;
      });
      for (const d of diagnostics) assert.equal(editor.document.getText(d.range), 'TODO');
    } finally {
      await config().update('changeDebounceMs', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
