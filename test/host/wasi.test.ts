// WASI plugins inside a real VS Code: the TODO language server (plugins/examples/todo-lsp-rust, Rust → wasm32-wasi)
// behind a real vscode-languageclient LanguageClient, and the word-freq command (plugins/examples/word-freq-c,
// C → wasm32-wasi). Nothing is mocked: VS Code asks the client, the client talks LSP to the wasm server over its stdio.
// Records lsp-start (compile + start + initialize) and lsp-completion-rtt (median client → server → client round trip
// of 50 completion requests), plus the end-to-end time of `vscode.executeCompletionItemProvider`.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { WasmPluginsApi } from '../../src/extension';
import { pluginCommandId } from '../../src/host/commands';
import type { ServerInfo } from '../../src/host/wasi/wasiPlugins';
import { extensionApi, journalMark, notification, openFile, until, waitForEvent } from './support';
import { log, metric } from './index';

const LSP = 'todo-lsp';
const WORDS = 'word-freq';

/** The mistakes of the server's own core test (test/core/languageServer.test.ts), with the dates fixed in time. */
const MISTAKES = [
  '# Home',
  '- [ ] buy milk @due(2026-02-30) #home',
  '- [ ] call mom #family @prio(urgent)',
  'just some words',
  '- [y] broken checkbox',
  '- [ ] buy milk',
  '- [x] paid rent @due(2025-01-01) #home',
  '- [ ] fix 😀 bike @due(2999-13-01) #home',
  '- [ ] renew passport @due(2020-01-01)',
  '',
].join('\n');

const { Error: E, Warning: W, Information: I } = vscode.DiagnosticSeverity;
const EXPECTED = [
  [[1, 20, 30], E, 'bad-date', '"2026-02-30" does not exist: February 2026 has 28 days'],
  [[2, 29, 35], E, 'bad-priority', 'unknown priority "urgent": use high, medium or low'],
  [[3, 0, 15], E, 'malformed-line', 'not a task: a task starts with "- [ ] " (open) or "- [x] " (done), a heading with "# "'],
  [[4, 2, 5], E, 'bad-checkbox', 'the checkbox must be "[ ]" (open) or "[x]" (done)'],
  [[5, 0, 14], W, 'duplicate-task', 'duplicate task "buy milk" (first on line 2)'],
  // 😀 is two UTF-16 code units: the range starts at 23, as VS Code counts.
  [[7, 23, 33], E, 'bad-date', '"2999-13-01" has month 13; months run from 01 to 12'],
  [[8, 21, 37], I, 'overdue', 'overdue: it was due 2020-01-01'],
];

function todoDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'todo');
}

function shape(d: vscode.Diagnostic): unknown[] {
  const code = typeof d.code === 'object' ? d.code.value : d.code;
  return [[d.range.start.line, d.range.start.character, d.range.end.character], d.severity, String(code), d.message];
}

function shapes(uri: vscode.Uri): unknown[] {
  return todoDiagnostics(uri).map(shape).sort((a, b) => (a[0] as number[])[0] - (b[0] as number[])[0]);
}

function completions(uri: vscode.Uri, line: number, character: number): Thenable<vscode.CompletionList> {
  return vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(line, character));
}

/** The server's items: they carry a detail (word-based suggestions, if any, do not). */
function items(list: vscode.CompletionList): [string, string][] {
  return list.items.filter((i) => i.detail !== undefined)
    .map((i): [string, string] => [typeof i.label === 'string' ? i.label : i.label.label, i.detail!]);
}

async function hoverText(uri: vscode.Uri, line: number, character: number): Promise<string[]> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, character));
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)));
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e as Error); });
  });
}

describe('WASI plugins', () => {
  let api: WasmPluginsApi;
  const server = (): ServerInfo | undefined => api.host.wasi.server(LSP);
  const sidebarState = (id: string) => api.host.manager.snapshot().plugins.find((p) => p.id === id && p.source === 'bundled')?.state;

  before(async () => {
    api = await extensionApi();
  });

  after(async () => {
    await api.host.manager.setEnabled(LSP, true);
    await vscode.workspace.getConfiguration('wasmPlugins').update('pluginLimits', undefined, vscode.ConfigurationTarget.Global);
    api.host.wasi.lastTerminal?.terminal.dispose();
  });

  describe('the TODO language server', () => {
    let home: vscode.TextDocument;

    it('waits for a .todo file before it starts', function () {
      if (vscode.workspace.textDocuments.some((d) => d.fileName.endsWith('.todo'))) this.skip();
      const s = server();
      assert.ok(s, 'todo-lsp is known as a language server');
      assert.equal(s.state, 'idle');
      assert.equal(s.starts, 0);
      assert.equal(sidebarState(LSP), 'idle');
    });

    it('opening a .todo file with mistakes shows the server\'s diagnostics with the README\'s messages and ranges', async () => {
      const t0 = performance.now();
      home = (await openFile('lsp/home.todo', MISTAKES)).document;
      await until('the server\'s 7 diagnostics for home.todo', () => todoDiagnostics(home.uri).length === EXPECTED.length, 30_000);
      metric('lsp-first-diagnostics', performance.now() - t0, 'ms', { note: 'openTextDocument → diagnostics visible, server start included' });
      assert.deepEqual(shapes(home.uri), EXPECTED);
      const s = server()!;
      assert.equal(s.state, 'running');
      assert.equal(s.clientState, 'running');
      assert.equal(s.starts, 1);
      // Our extension works without ms-vscode.wasm-wasi-core and uses it when it is there.
      assert.equal(s.runtime, vscode.extensions.getExtension('ms-vscode.wasm-wasi-core') ? 'vscode-wasm-wasi' : 'bundled');
      metric('lsp-start', s.firstStartMs!, 'ms', { runtime: s.runtime, ...s.lastStartPhases, note: 'load the LSP libraries + compile + start the WASI process + initialize answered' });
      assert.equal(sidebarState(LSP), 'active');
    });

    it('completion offers new tasks at the start of a line and the file\'s tags after "#", most used first', async () => {
      const doc = (await openFile('lsp/complete.todo', '- [ ] a #home\n- [ ] b #home #work\n- [ ] c #\n\n')).document;
      // VS Code returns the items in its own order (by sort text, then label), not the server's.
      assert.deepEqual(items(await completions(doc.uri, 3, 0)).sort(), [['# ', 'heading'], ['- [ ] ', 'new open task'], ['- [x] ', 'new done task']]);
      assert.deepEqual(items(await completions(doc.uri, 2, 9)).sort(), [['#home', 'used in 2 tasks'], ['#work', 'used in 1 task']]);

      const already = server()!.completionRttMs.length;
      const endToEnd: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t0 = performance.now();
        const list = await completions(doc.uri, 2, 9);
        endToEnd.push(performance.now() - t0);
        assert.equal(items(list).length, 2);
      }
      const rtt = server()!.completionRttMs.slice(already);
      assert.equal(rtt.length, 50, 'each request went through the client once');
      metric('lsp-completion-rtt', median(rtt), 'ms', { samples: rtt.length, p90: percentile(rtt, 0.9), note: 'LanguageClient → wasm server → LanguageClient' });
      metric('lsp-completion-e2e', median(endToEnd), 'ms', { samples: endToEnd.length, p90: percentile(endToEnd, 0.9), note: 'vscode.executeCompletionItemProvider, through the workbench' });
    });

    it('hover shows a task\'s status, due date, priority, tags, notes and section, and the tallies of tags and headings', async () => {
      const doc = (await openFile('lsp/hover.todo', '# Errands\n- [ ] buy milk @due(2999-12-01) @prio(high) #home #shop\n  from the corner shop\n- [x] post letter #home\n')).document;
      assert.deepEqual(await hoverText(doc.uri, 1, 8), ['**Open** — buy milk\n\nDue: 2999-12-01\n\nPriority: high\n\nTags: #home, #shop\n\nNotes: 1 line\n\nSection: Errands']);
      const tag = doc.lineAt(1).text.indexOf('#home') + 2;
      assert.deepEqual(await hoverText(doc.uri, 1, tag), ['**#home** — 1 open, 1 done']);
      assert.deepEqual(await hoverText(doc.uri, 0, 3), ['**Errands** — 1 open, 1 done']);
    });

    it('killing the server process restarts it, and diagnostics follow edits again', async () => {
      const before = server()!;
      assert.equal(await api.host.wasi.killServer(LSP), true);
      const after = await until('the server to run again', () => {
        const s = server();
        return s?.state === 'running' && s.starts === before.starts + 1 ? s : undefined;
      }, 20_000);
      assert.equal(after.crashes, before.crashes + 1);
      metric('lsp-restart', after.lastStartMs!, 'ms', { ...after.lastStartPhases, note: 'after a crash, backoff delay not included' });

      const edit = new vscode.WorkspaceEdit();
      edit.replace(home.uri, home.lineAt(3).range, '- [ ] just some words');
      assert.ok(await vscode.workspace.applyEdit(edit));
      const fixed = EXPECTED.filter((d) => d[2] !== 'malformed-line');
      await until('diagnostics without the fixed line', () => JSON.stringify(shapes(home.uri)) === JSON.stringify(fixed));
    });

    it('disabling the plugin stops the server and removes its diagnostics and hovers; enabling it starts it again', async () => {
      const hoverDoc = vscode.workspace.textDocuments.find((d) => d.fileName.endsWith('hover.todo'))!;
      await api.host.manager.setEnabled(LSP, false);
      const stopped = await until('the server to stop', () => (server()?.state === 'stopped' ? server() : undefined));
      assert.equal(stopped.clientState, 'none');
      await until('home.todo\'s diagnostics to go', () => todoDiagnostics(home.uri).length === 0);
      assert.deepEqual(await hoverText(hoverDoc.uri, 1, 8), [], 'no server answers hovers');
      assert.equal(sidebarState(LSP), 'disabled');

      await api.host.manager.setEnabled(LSP, true);
      await until('the server to run again for the open .todo files', () => server()?.state === 'running', 20_000);
      await until('home.todo\'s diagnostics to come back', () => todoDiagnostics(home.uri).length === EXPECTED.length - 1);
      assert.equal(server()!.starts, 1, 'a new server, counted afresh');
    });
  });

  describe('the word-freq command', () => {
    it('is offered in "Run Plugin Command…" and registered under stable ids', async () => {
      const ours = api.host.commands.commandItems().filter((i) => i.pluginId === WORDS);
      assert.deepEqual(ours.map((i) => i.commandId).sort(), ['count', 'interactive', 'top-words']);
      assert.ok(ours.every((i) => i.description === 'Word Frequency'));
      const all = await vscode.commands.getCommands(true);
      for (const c of ['count', 'interactive', 'top-words']) assert.ok(all.includes(pluginCommandId(WORDS, c)), `${pluginCommandId(WORDS, c)} is registered`);
    });

    it('counts the active document and shows the report in its output channel', async () => {
      await openFile('wf/words.txt', 'the cat and the hat\nthe end\n');
      const finished = waitForEvent(api.host.wasi.onDidFinishRun, (r) => r.pluginId === WORDS && r.commandId === 'count', 'count to finish', 20_000);
      await vscode.commands.executeCommand(pluginCommandId(WORDS, 'count'));
      const run = await finished;
      assert.equal(run.output, 'output');
      assert.equal(run.exitCode, 0);
      assert.equal(run.stdout, 'lines 2\nwords 7\nchars 28\nbytes 28\nunique words 5\ntop 5:\n       3  the\n       1  and\n       1  cat\n       1  end\n       1  hat\n');
      log(`word-freq count ran in ${run.ms.toFixed(1)} ms`);

      // Scripts get the report as the command's value; top-words runs with the manifest's extra arguments.
      const value = await vscode.commands.executeCommand<{ exitCode: number; stdout: string }>(pluginCommandId(WORDS, 'top-words'), {});
      assert.equal(value.exitCode, 0);
      assert.equal(value.stdout, run.stdout);
      assert.deepEqual(api.host.wasi.lastRun(WORDS)?.args, ['--top', '30']);
    });

    it('reads what is typed into its terminal until Ctrl+D', async () => {
      const finished = waitForEvent(api.host.wasi.onDidFinishRun, (r) => r.pluginId === WORDS && r.commandId === 'interactive', 'the terminal run to finish', 20_000);
      await vscode.commands.executeCommand(pluginCommandId(WORDS, 'interactive'));
      const t = api.host.wasi.lastTerminal;
      assert.ok(t && t.commandId === 'interactive');
      await within(t.opened, 15_000, 'the terminal to open');
      assert.equal(sidebarState(WORDS), 'active', 'the sidebar shows it running');
      t.terminal.sendText('one two two', true);
      t.terminal.sendText('\x04', false);
      const run = await finished;
      assert.equal(run.exitCode, 0);
      assert.equal(run.stdout, 'lines 1\nwords 3\nchars 12\nbytes 12\nunique words 2\ntop 2:\n       2  two\n       1  one\n');
      await until('the sidebar to show it idle', () => sidebarState(WORDS) === 'idle');
    });

    it('a run that exits with an error says so, naming the plugin, with "Show Log"', async () => {
      // 1.25 MB of memory cannot hold 22 000 distinct words: the program reports "out of memory" and exits with 3.
      // (Not many more: past 24 576 words it asks for a 1 MB table, and word-freq hangs when that allocation fails.)
      await vscode.workspace.getConfiguration('wasmPlugins').update('pluginLimits', { [WORDS]: { memoryMB: 1.25 } }, vscode.ConfigurationTarget.Global);
      await until('the limit to apply', () => api.host.config.limitsFor(WORDS).memoryMB === 1.25);
      await openFile('wf/many-words.txt', Array.from({ length: 22_000 }, (_, i) => `w${i}`).join(' '));
      const mark = journalMark(api);
      await vscode.commands.executeCommand(pluginCommandId(WORDS, 'count'));
      const shown = await notification(api, /Count Active Document" failed with exit code 3 \(word-freq: out of memory\)/, mark);
      assert.equal(shown.level, 'error');
      assert.equal(shown.pluginId, WORDS);
      assert.match(shown.message, /Word Frequency/);
      assert.deepEqual(shown.actions, ['Show Log']);
      assert.equal(api.host.wasi.lastRun(WORDS)?.exitCode, 3);
    });
  });
});
