// The example language server (plugins/examples/todo-lsp-rust, a WASI program) driven by vscode-jsonrpc — the same
// JSON-RPC machinery vscode-languageclient runs on — through the bundled WASI runtime and the stdio transport. Nothing
// is mocked: the real client library talks to the real wasm server. Also: the base-protocol framer on its own, fed
// the awkward chunkings a pipe can produce.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMessageConnection, MessageConnection } from 'vscode-jsonrpc/node';
import { encodeLspMessage, LspFramer, LspFramingError, WasiMessageReader, WasiMessageWriter } from '../../src/core/wasi/lspTransport';
import { RestartBackoff } from '../../src/core/wasi/restartBackoff';
import type { WasiProcess } from '../../src/core/wasi/types';
import { start, within } from './support/wasi';

interface Range { start: { line: number; character: number }; end: { line: number; character: number } }
interface Diagnostic { range: Range; severity: number; code: string; source: string; message: string }
interface CompletionItem { label: string; detail: string; textEdit: { range: Range; newText: string } }
interface PublishDiagnostics { uri: string; version?: number; diagnostics: Diagnostic[] }

const range = (line: number, from: number, to: number): Range => ({ start: { line, character: from }, end: { line, character: to } });

interface Session {
  readonly process: WasiProcess;
  readonly connection: MessageConnection;
  readonly reader: WasiMessageReader;
  readonly writer: WasiMessageWriter;
  /** Resolves with the next publishDiagnostics for `uri`. */
  diagnostics(uri: string): Promise<PublishDiagnostics>;
  initializeResult: { capabilities: Record<string, unknown>; serverInfo: { name: string } };
  startMs: number;
}

async function session(): Promise<Session> {
  const t0 = performance.now();
  const process = await start('todo-lsp.wasm');
  const reader = new WasiMessageReader(process);
  const writer = new WasiMessageWriter(process);
  const connection = createMessageConnection(reader, writer);
  const waiting = new Map<string, ((p: PublishDiagnostics) => void)[]>();
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnostics) => {
    const list = waiting.get(p.uri) ?? [];
    list.shift()?.(p);
  });
  connection.listen();
  const initializeResult = await within(connection.sendRequest<Session['initializeResult']>('initialize', { processId: null, rootUri: null, capabilities: {} }), 10_000, 'initialize');
  const startMs = performance.now() - t0;
  await connection.sendNotification('initialized', {});
  return {
    process, connection, reader, writer, initializeResult, startMs,
    diagnostics(uri) {
      return within(new Promise<PublishDiagnostics>((resolve) => {
        const list = waiting.get(uri) ?? [];
        list.push(resolve);
        waiting.set(uri, list);
      }), 5000, `diagnostics for ${uri}`);
    },
  };
}

const open = (s: Session, uri: string, text: string, version = 1) =>
  s.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'plaintext', version, text } });

const completion = (s: Session, uri: string, line: number, character: number) =>
  within(s.connection.sendRequest<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: { line, character } }), 5000, 'completion');

const hover = (s: Session, uri: string, line: number, character: number) =>
  within(s.connection.sendRequest<{ contents: { kind: string; value: string }; range: Range } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } }), 5000, 'hover');

const TASKS = [
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

describe('the TODO language server over the WASI runtime', () => {
  const sessions: Session[] = [];
  after(async () => {
    for (const s of sessions) {
      s.connection.dispose();
      await s.process.kill();
    }
  });
  const fresh = async () => {
    const s = await session();
    sessions.push(s);
    return s;
  };

  test('initialize answers with full text sync, completion and hover', async () => {
    const s = await fresh();
    assert.deepEqual(s.initializeResult.capabilities, {
      textDocumentSync: { openClose: true, change: 1 },
      completionProvider: { triggerCharacters: ['@', '#', '-', '('], resolveProvider: false },
      hoverProvider: true,
    });
    assert.equal(s.initializeResult.serverInfo.name, 'todo-lsp');
  });

  test('opening a document with mistakes publishes one diagnostic per mistake, with UTF-16 ranges', async () => {
    const s = await fresh();
    const published = s.diagnostics('file:///w/home.todo');
    await open(s, 'file:///w/home.todo', TASKS, 7);
    const p = await published;
    assert.equal(p.version, 7);
    assert.deepEqual(p.diagnostics.map((d) => [d.range, d.severity, d.code, d.message]), [
      [range(1, 20, 30), 1, 'bad-date', '"2026-02-30" does not exist: February 2026 has 28 days'],
      [range(2, 29, 35), 1, 'bad-priority', 'unknown priority "urgent": use high, medium or low'],
      [range(3, 0, 15), 1, 'malformed-line', 'not a task: a task starts with "- [ ] " (open) or "- [x] " (done), a heading with "# "'],
      [range(4, 2, 5), 1, 'bad-checkbox', 'the checkbox must be "[ ]" (open) or "[x]" (done)'],
      [range(5, 0, 14), 2, 'duplicate-task', 'duplicate task "buy milk" (first on line 2)'],
      // 😀 is two UTF-16 code units (four UTF-8 bytes): the range starts at 23, not 25.
      [range(7, 23, 33), 1, 'bad-date', '"2999-13-01" has month 13; months run from 01 to 12'],
      [range(8, 21, 37), 3, 'overdue', 'overdue: it was due 2020-01-01'],
    ]);
    assert.ok(p.diagnostics.every((d) => d.source === 'todo'));
  });

  test('a change that fixes every mistake publishes an empty list, and closing clears the document', async () => {
    const s = await fresh();
    const uri = 'file:///w/fix.todo';
    const first = s.diagnostics(uri);
    await open(s, uri, '- [ ] task @due(2026-02-30)\n');
    assert.equal((await first).diagnostics.length, 1);
    const second = s.diagnostics(uri);
    await s.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: '- [ ] task @due(2999-02-28)\n' }] });
    assert.deepEqual(await second, { uri, version: 2, diagnostics: [] });
    const third = s.diagnostics(uri);
    await s.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    assert.deepEqual((await third).diagnostics, []);
  });

  test('completion offers new tasks at the start of a line, the file\'s own tags after #, attributes after @', async () => {
    const s = await fresh();
    const uri = 'file:///w/complete.todo';
    const published = s.diagnostics(uri);
    await open(s, uri, ['- [ ] a #home #work', '- [ ] b #home', '- [ ] c #', '- [ ] d @', '- [ ] e @due(', ''].join('\n'));
    await published;

    const lineStart = await completion(s, uri, 5, 0);
    assert.deepEqual(lineStart.map((i) => i.label), ['- [ ] ', '- [x] ', '# ']);
    assert.deepEqual(lineStart[0].textEdit, { range: range(5, 0, 0), newText: '- [ ] ' });

    const tags = await completion(s, uri, 2, 9);
    assert.deepEqual(tags.map((i) => [i.label, i.detail]), [['#home', 'used in 2 tasks'], ['#work', 'used in 1 task']]);
    assert.deepEqual(tags[0].textEdit, { range: range(2, 8, 9), newText: '#home' });

    const attributes = await completion(s, uri, 3, 9);
    assert.deepEqual(attributes.map((i) => i.label), ['@due', '@prio(high)', '@prio(medium)', '@prio(low)']);
    assert.match(attributes[0].textEdit.newText, /^@due\(\d{4}-\d{2}-\d{2}\)$/);

    const dates = await completion(s, uri, 4, 13);
    assert.deepEqual(dates.map((i) => i.detail), ['today', 'tomorrow', 'in a week']);
    assert.ok(dates.every((i) => /^@due\(\d{4}-\d{2}-\d{2}\)$/.test(i.label)));
    assert.deepEqual(dates[0].textEdit.range, range(4, 8, 13));

    assert.deepEqual(await completion(s, uri, 0, 7), [], 'inside a word of the task text there is nothing to offer');
  });

  test('hover shows a task\'s status, due date, tags and section, and a tag\'s open/done tally', async () => {
    const s = await fresh();
    const uri = 'file:///w/hover.todo';
    const published = s.diagnostics(uri);
    await open(s, uri, TASKS);
    await published;
    assert.deepEqual(await hover(s, uri, 6, 3), {
      contents: { kind: 'markdown', value: '**Done** — paid rent\n\nDue: 2025-01-01\n\nTags: #home\n\nSection: Home' },
      range: range(6, 0, 38),
    });
    assert.deepEqual(await hover(s, uri, 1, 34), {
      contents: { kind: 'markdown', value: '**#home** — 2 open, 1 done' },
      range: range(1, 32, 37),
    });
    assert.equal((await hover(s, uri, 0, 2))?.contents.value, '**Home** — 5 open, 1 done');
    assert.equal(await hover(s, uri, 3, 2), null, 'a malformed line has no hover');
  });

  test('shutdown and exit end the process with code 0, and the reader closes without an error', async () => {
    const s = await session();
    const errors: Error[] = [];
    s.reader.onError((e) => errors.push(e));
    const closed = new Promise<void>((resolve) => s.reader.onClose(() => resolve()));
    assert.equal(await within(s.connection.sendRequest('shutdown'), 5000, 'shutdown'), null);
    await s.connection.sendNotification('exit');
    const status = await within(s.process.exited, 5000, 'the server to exit');
    assert.deepEqual(status, { reason: 'exited', code: 0 });
    await within(closed, 5000, 'the reader to close');
    assert.deepEqual(errors, []);
    s.connection.dispose();
  });

  test('exit without shutdown ends the process with code 1, which the reader reports as an error', async () => {
    const s = await session();
    const error = new Promise<Error>((resolve) => s.reader.onError(resolve));
    await s.connection.sendNotification('exit');
    assert.deepEqual(await within(s.process.exited, 5000, 'the server to exit'), { reason: 'exited', code: 1 });
    assert.match((await within(error, 5000, 'a reader error')).message, /todo-lsp exited with code 1/);
    s.connection.dispose();
  });

  test('a server killed while it waits for input surfaces as an error and a close on the reader, and writes fail', async () => {
    const s = await session();
    const error = new Promise<Error>((resolve) => s.reader.onError(resolve));
    const readerClosed = new Promise<void>((resolve) => s.reader.onClose(() => resolve()));
    const writerClosed = new Promise<void>((resolve) => s.writer.onClose(() => resolve()));
    const status = await s.process.kill();
    assert.equal(status.reason, 'killed');
    assert.match((await within(error, 5000, 'a reader error')).message, /todo-lsp was stopped/);
    await within(readerClosed, 5000, 'the reader to close');
    await within(writerClosed, 5000, 'the writer to close');
    await assert.rejects(s.writer.write({ jsonrpc: '2.0', method: 'initialized', params: {} } as never), /cannot take more input/);
    s.connection.dispose();
  });

  test('measured: start to initialize response, and the median completion round trip over 100 requests', async (t) => {
    const s = await fresh();
    const uri = 'file:///w/bench.todo';
    const lines = Array.from({ length: 200 }, (_, i) => `- [ ] task number ${i} #tag${i % 7} @due(2999-01-${String((i % 28) + 1).padStart(2, '0')})`);
    const published = s.diagnostics(uri);
    await open(s, uri, [...lines, '- [ ] last #', ''].join('\n'));
    assert.deepEqual((await published).diagnostics.map((d) => d.code), ['empty-tag'], 'only the "#" being typed is flagged');
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      const items = await completion(s, uri, 200, 12);
      times.push(performance.now() - t0);
      assert.equal(items.length, 7);
    }
    times.sort((a, b) => a - b);
    const median = (times[49] + times[50]) / 2;
    t.diagnostic(`start → initialize response: ${s.startMs.toFixed(1)} ms`);
    t.diagnostic(`completion round trip (201-line document, 7 tags): median ${median.toFixed(2)} ms, p90 ${times[89].toFixed(2)} ms, min ${times[0].toFixed(2)} ms`);
    assert.ok(median < 1000, `median completion took ${median} ms`);
  });
});

describe('LSP base-protocol framing', () => {
  const message = { jsonrpc: '2.0', id: 1, method: 'x', params: { text: 'grüße 😀 — done' } };
  const bytes = encodeLspMessage(message);

  test('a message fed one byte at a time comes out whole, once, at its last byte', () => {
    const framer = new LspFramer();
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const got = framer.push(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1) assert.deepEqual(got, [], `nothing before the last byte (byte ${i})`);
      out.push(...got);
    }
    assert.deepEqual(out.map((b) => JSON.parse(b)), [message]);
    assert.equal(framer.pending, 0);
  });

  test('several messages in one chunk, and a chunk boundary inside a multi-byte character, decode correctly', () => {
    const framer = new LspFramer();
    const three = Buffer.concat([bytes, encodeLspMessage({ id: 2 }), bytes]);
    // Cut inside 😀 (four bytes in UTF-8) of the last message.
    const cut = three.lastIndexOf(Buffer.from('😀')) + 2;
    const first = framer.push(three.subarray(0, cut));
    assert.deepEqual(first.map((b) => JSON.parse(b)), [message, { id: 2 }]);
    assert.deepEqual(framer.push(three.subarray(cut)).map((b) => JSON.parse(b)), [message]);
  });

  test('headers may carry a Content-Type and any case, and CR LF split across chunks', () => {
    const framer = new LspFramer();
    const body = Buffer.from('{"a":1}');
    const framed = Buffer.concat([Buffer.from(`content-length: ${body.length}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r`), Buffer.from('\n'), body]);
    assert.deepEqual(framer.push(framed.subarray(0, framed.length - body.length)), []);
    assert.deepEqual(framer.push(body), ['{"a":1}']);
  });

  test('a malformed header is reported, and the framer resynchronises on the next message', () => {
    const framer = new LspFramer();
    assert.throws(() => framer.push(Buffer.from('Content-Length: abc\r\n\r\n{}')), (e: unknown) => e instanceof LspFramingError && /bad Content-Length "abc"/.test(e.message));
    assert.deepEqual(framer.push(bytes).map((b) => JSON.parse(b)), [message]);
  });

  test('garbage without a header end is refused after 8 KiB, and a later message still comes through', () => {
    const framer = new LspFramer();
    assert.throws(() => framer.push(Buffer.from(`Content-Length: 1${'x'.repeat(9000)}`)), /no end of header within 8192 bytes/);
    assert.deepEqual(framer.push(Buffer.concat([Buffer.from('more garbage'), bytes])).map((b) => JSON.parse(b)), [message]);
  });

  test('a message larger than the limit is refused before its body is buffered', () => {
    const framer = new LspFramer(1000);
    assert.throws(() => framer.push(Buffer.from('Content-Length: 5000\r\n\r\n')), /5000 bytes exceeds the limit of 1000/);
  });

  test('a body that is not UTF-8 is reported as such', () => {
    const framer = new LspFramer();
    assert.throws(() => framer.push(Buffer.concat([Buffer.from('Content-Length: 2\r\n\r\n'), Buffer.from([0xc3, 0x28])])), /not valid UTF-8/);
  });
});

describe('restarting a crashed language server', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => { t += ms; } };
  };

  test('delays double from 0.5 s, capped, and the sixth crash within three minutes gives up', () => {
    const c = clock();
    const b = new RestartBackoff({ initialDelayMs: 500, maxDelayMs: 4000, factor: 2, maxRestarts: 5, windowMs: 180_000, stableAfterMs: 60_000 }, c.now);
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      b.started();
      c.advance(1000);
      delays.push(b.crashed());
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 4000, undefined]);
    assert.equal(b.recentCrashes, 6);
  });

  test('a server that ran for a minute is forgiven its earlier crashes', () => {
    const c = clock();
    const b = new RestartBackoff(undefined, c.now);
    b.started(); c.advance(10); b.crashed();
    b.started(); c.advance(10); b.crashed();
    b.started(); c.advance(60_000);
    assert.equal(b.crashed(), 500);
  });

  test('crashes older than the window no longer count, and reset forgets them all', () => {
    const c = clock();
    const b = new RestartBackoff(undefined, c.now);
    for (let i = 0; i < 5; i++) { b.started(); c.advance(10); b.crashed(); }
    c.advance(180_000);
    b.started(); c.advance(10);
    assert.equal(b.crashed(), 500);
    b.reset();
    assert.equal(b.recentCrashes, 0);
  });
});
