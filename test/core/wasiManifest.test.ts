// Manifests of the WASI kinds (wasi-command, language-server): their fields, defaults and the readable errors for
// every way they can be wrong; and the loader's per-kind import rule, over the real example programs and small
// modules assembled here byte by byte.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveActivationEvents, MANIFEST_SECTION, ParsedManifest, PluginManifest, validateManifest, wasiRunFor } from '../../src/core/manifest';
import { PluginError } from '../../src/core/errors';
import { inspectPlugin } from '../../src/core/runtime/loader';
import { WORLD_SHAPE } from '../../src/core/runtime/abi';
import { customSections, encodeU32, setCustomSection } from '../../src/core/wasm/binary';
import { expandWasiArgs, guestPathOf, workspaceAccess, workspacePreopens } from '../../src/core/wasi/preopens';
import { wasmBytes } from './support/wasi';

const base = { id: 'tool', name: 'Tool', version: '1.0.0', apiVersion: '0.1.0' };
const command = { ...base, kind: 'wasi-command', commands: [{ id: 'run', title: 'Run Tool' }, { id: 'other', title: 'Other' }] };
const server = { ...base, kind: 'language-server', capabilities: ['editor-read'], languageServer: { documentSelector: [{ pattern: '**/*.todo' }] } };

function valid(value: unknown): ParsedManifest {
  return validateManifest(value, 'plugin.json');
}

/** The validation error's message; fails the test when the manifest is accepted. */
function invalid(value: unknown): string {
  try {
    valid(value);
  } catch (e) {
    assert.ok(e instanceof PluginError, String(e));
    assert.equal(e.reason, 'manifest-invalid');
    return e.message;
  }
  assert.fail('the manifest was accepted');
}

describe('wasi-command manifests', () => {
  test('without "wasi" a command gets the defaults: no arguments, no stdin, output to the output channel', () => {
    const { manifest, warnings } = valid(command);
    assert.deepEqual(manifest.wasi, { args: [], stdin: 'none', output: 'output', commands: {} });
    assert.deepEqual(warnings, []);
    assert.deepEqual(wasiRunFor(manifest, 'run'), { args: [], stdin: 'none', output: 'output' });
  });

  test('per-command settings override the plugin-wide ones, field by field', () => {
    const { manifest } = valid({
      ...command, capabilities: ['editor-read'],
      wasi: { args: ['--top', '10'], stdin: 'active-document', commands: { other: { args: ['--json'], output: 'notification' } } },
    });
    assert.deepEqual(wasiRunFor(manifest, 'run'), { args: ['--top', '10'], stdin: 'active-document', output: 'output' });
    assert.deepEqual(wasiRunFor(manifest, 'other'), { args: ['--json'], stdin: 'active-document', output: 'notification' });
    assert.equal(wasiRunFor(manifest, 'missing'), undefined);
  });

  test('the validated manifest keeps exactly the normalised fields, so what is embedded is what was checked', () => {
    const { manifest } = valid({ ...command, wasi: { output: 'terminal', stdin: 'terminal' } });
    assert.deepEqual(JSON.parse(JSON.stringify(manifest)).wasi, { args: [], stdin: 'terminal', output: 'terminal', commands: {} });
  });

  test('a wasi-command without commands is refused: running one is how users start it', () => {
    assert.match(invalid({ ...base, kind: 'wasi-command' }), /a wasi-command plugin needs at least one entry in "commands"/);
  });

  test('stdin from the active document needs "editor-read"', () => {
    assert.match(invalid({ ...command, wasi: { stdin: 'active-document' } }), /"wasi" reads the active document on stdin: add "editor-read" to "capabilities"/);
    assert.match(invalid({ ...command, capabilities: [], wasi: { commands: { other: { stdin: 'active-document' } } } }), /"wasi\.commands\.other" reads the active document/);
  });

  test('stdin from the terminal needs output to the terminal too', () => {
    assert.match(invalid({ ...command, wasi: { stdin: 'terminal' } }), /reads stdin from the terminal, so its "output" must be "terminal" too \(it is "output"\)/);
  });

  test('unknown stdin and output values list the allowed ones', () => {
    const message = invalid({ ...command, wasi: { stdin: 'clipboard', output: 'popup' } });
    assert.match(message, /"wasi\.stdin" is "clipboard"; use one of none, active-document, terminal/);
    assert.match(message, /"wasi\.output" is "popup"; use one of output, terminal, notification/);
  });

  test('arguments may use ${file} and ${workspaceFolder} with "workspace-read", and nothing else', () => {
    const { manifest } = valid({ ...command, capabilities: ['workspace-read'], wasi: { args: ['${file}', '--root=${workspaceFolder}', '', 'a$b'] } });
    assert.deepEqual(manifest.wasi?.args, ['${file}', '--root=${workspaceFolder}', '', 'a$b']);
    assert.match(invalid({ ...command, wasi: { args: ['${file}'] } }), /"wasi\.args\[0\]" uses \$\{file\}, a path inside the workspace: add "workspace-read"/);
    assert.match(invalid({ ...command, capabilities: ['workspace-read'], wasi: { args: ['${env:HOME}', '${file'] } }),
      /"wasi\.args\[0\]" uses "\$\{env:HOME\}"; the variables are \$\{file\}, \$\{workspaceFolder\}.*"wasi\.args\[1\]" uses "\$\{file"/);
  });

  test('arguments are capped in number and length, and may not hide control characters', () => {
    assert.match(invalid({ ...command, wasi: { args: Array.from({ length: 51 }, () => 'x') } }), /"wasi\.args" has 51 entries; the limit is 50/);
    assert.match(invalid({ ...command, wasi: { args: ['x'.repeat(1001)] } }), /"wasi\.args\[0\]" is 1001 characters long; the limit is 1000/);
    assert.match(invalid({ ...command, wasi: { args: ['a\u0000b'] } }), /"wasi\.args\[0\]" contains control characters/);
  });

  test('per-command settings must name declared commands', () => {
    assert.match(invalid({ ...command, wasi: { commands: { nope: {} } } }), /"wasi\.commands\.nope" names command "nope", which "commands" does not declare/);
  });

  test('unknown fields in "wasi" are warnings, not errors', () => {
    const { warnings } = valid({ ...command, wasi: { colour: 'red', commands: { run: { tty: true } } } });
    assert.deepEqual(warnings, ['unknown field "colour" in wasi is ignored', 'unknown field "tty" in wasi.commands.run is ignored']);
  });
});

describe('language-server manifests', () => {
  test('a document selector of patterns, languages and schemes is kept as written', () => {
    const { manifest, warnings } = valid({
      ...server, languageServer: { documentSelector: [{ pattern: '**/*.{todo,tasks}' }, { language: 'plaintext', scheme: 'untitled' }], args: ['--stdio'] },
    });
    assert.deepEqual(manifest.languageServer, { documentSelector: [{ pattern: '**/*.{todo,tasks}' }, { language: 'plaintext', scheme: 'untitled' }], args: ['--stdio'] });
    assert.deepEqual(warnings, []);
  });

  test('language selectors imply onLanguage activation events; pattern-only ones imply none', () => {
    const { manifest } = valid({ ...server, languageServer: { documentSelector: [{ pattern: '**/*.todo' }, { language: 'ini' }] } });
    assert.deepEqual(effectiveActivationEvents(manifest), ['onLanguage:ini']);
  });

  test('"languageServer" is required, and its selector may be neither missing nor empty', () => {
    assert.match(invalid({ ...server, languageServer: undefined }), /"languageServer" is missing: a language-server plugin needs \{ "documentSelector": \[\.\.\.\] \}/);
    assert.match(invalid({ ...server, languageServer: {} }), /"languageServer\.documentSelector" is missing/);
    assert.match(invalid({ ...server, languageServer: { documentSelector: [] } }), /"languageServer\.documentSelector" is empty/);
  });

  test('a filter must narrow something, and each of its fields is checked', () => {
    const message = invalid({ ...server, languageServer: { documentSelector: [{}, { language: 'C++ code' }, { scheme: 'File' }, { pattern: '**/*.{a,{b,c}}' }, { pattern: '[abc' }] } });
    assert.match(message, /"languageServer\.documentSelector\[0\]" matches every document: give it a "language", "scheme" or "pattern"/);
    assert.match(message, /"languageServer\.documentSelector\[1\]\.language" is "C\+\+ code"; use a VS Code language id/);
    assert.match(message, /"languageServer\.documentSelector\[2\]\.scheme" is "File"; use a URI scheme/);
    assert.match(message, /"languageServer\.documentSelector\[3\]\.pattern" is "\*\*\/\*\.\{a,\{b,c\}\}"; groups \{a,b\} cannot nest/);
    assert.match(message, /"languageServer\.documentSelector\[4\]\.pattern" is "\[abc"; a "\[" is never closed/);
  });

  test('a language server needs "editor-read" and cannot declare commands', () => {
    assert.match(invalid({ ...server, capabilities: [] }), /receives the text of the documents it handles: add "editor-read"/);
    assert.match(invalid({ ...server, commands: [{ id: 'x', title: 'X' }] }), /"commands" cannot be used by a language-server plugin/);
  });

  test('unknown fields in a selector filter are warnings', () => {
    assert.deepEqual(valid({ ...server, languageServer: { documentSelector: [{ pattern: '*.x', notebook: 'y' }] } }).warnings,
      ['unknown field "notebook" in languageServer.documentSelector[0] is ignored']);
  });
});

describe('rules shared by the WASI kinds', () => {
  test('panels, events and configuration are refused: a WASI program has no exports to receive them', () => {
    const message = invalid({ ...command, panels: [{ id: 'p', title: 'P' }], events: ['document-saved'], configuration: ['editor.tabSize'] });
    assert.match(message, /"panels" cannot be used: a wasi-command plugin is a WASI program, which has no exports to receive them; remove it/);
    assert.match(message, /"events" cannot be used/);
    assert.match(message, /"configuration" cannot be used/);
  });

  test('capabilities a WASI program cannot use are warnings; so is workspace-write without workspace-read', () => {
    const { warnings } = valid({ ...command, capabilities: ['notifications', 'workspace-write'] });
    assert.deepEqual(warnings, [
      'capability "notifications" does nothing for a wasi-command plugin (a WASI program only reads workspace files and document text); remove it',
      '"workspace-write" without "workspace-read" gives a WASI program no files at all (folders are mounted only for reading, or for reading and writing); add "workspace-read"',
    ]);
  });

  test('"wasi" and "languageServer" belong to their own kinds only', () => {
    assert.match(invalid({ ...base, wasi: {} }), /"wasi" is only for plugins of kind "wasi-command" \(this one is "component"\)/);
    assert.match(invalid({ ...command, languageServer: { documentSelector: [{ language: 'x' }] } }), /"languageServer" is only for plugins of kind "language-server" \(this one is "wasi-command"\)/);
  });

  test('all problems are reported together, in one message that says what to do', () => {
    const message = invalid({ ...base, kind: 'wasi-command', events: ['document-saved'], wasi: { stdin: 'nope' } });
    assert.match(message, /^The manifest of tool is invalid: "events" cannot be used.*; a wasi-command plugin needs at least one entry in "commands".*; "wasi\.stdin" is "nope".*\. Fix the plugin's manifest and rebuild it\.$/);
  });
});

describe('preopens and argument variables follow the granted capabilities', () => {
  const m = (capabilities: string[]): PluginManifest => valid({ ...command, capabilities }).manifest;
  const all = () => true;

  test('access needs the capability declared and granted; write counts only with read', () => {
    assert.equal(workspaceAccess(m([]), all), 'none');
    assert.equal(workspaceAccess(m(['workspace-read']), all), 'read');
    assert.equal(workspaceAccess(m(['workspace-read', 'workspace-write']), all), 'read-write');
    assert.equal(workspaceAccess(m(['workspace-read', 'workspace-write']), (c) => c !== 'workspace-write'), 'read');
    assert.equal(workspaceAccess(m(['workspace-read']), () => false), 'none');
    assert.equal(workspaceAccess(m(['workspace-write']), all), 'none');
  });

  test('one folder is /workspace; several are /workspaces/<name>, made unique and safe', () => {
    assert.deepEqual(workspacePreopens('none', [{ name: 'a', hostPath: '/a' }]), []);
    assert.deepEqual(workspacePreopens('read', [{ name: 'a', hostPath: '/a' }]), [{ guestPath: '/workspace', hostPath: '/a', writable: false }]);
    assert.deepEqual(workspacePreopens('read-write', [{ name: 'app', hostPath: '/x/app' }, { name: 'app', hostPath: '/y/app' }, { name: '../up', hostPath: '/z' }]).map((p) => [p.guestPath, p.writable]),
      [['/workspaces/app', true], ['/workspaces/app-2', true], ['/workspaces/.._up', true]]);
  });

  test('${file} becomes the guest path of the active file, and a file the program cannot see is refused with advice', () => {
    const preopens = workspacePreopens('read', [{ name: 'w', hostPath: '/home/u/w' }]);
    assert.equal(guestPathOf('/home/u/w/src/a.todo', preopens), '/workspace/src/a.todo');
    assert.equal(guestPathOf('/home/u/other.txt', preopens), undefined);
    assert.deepEqual(expandWasiArgs(['${file}', '--in=${workspaceFolder}'], preopens, { activeFile: '/home/u/w/a b.txt', workspaceFolder: '/home/u/w' }, 'tool'),
      ['/workspace/a b.txt', '--in=/workspace']);
    assert.throws(() => expandWasiArgs(['${file}'], preopens, { activeFile: '/etc/passwd' }, 'tool'),
      (e: unknown) => e instanceof PluginError && e.reason === 'permission-denied' && /outside the workspace folders, or the plugin was not granted "workspace-read"/.test(e.message));
    assert.throws(() => expandWasiArgs(['${file}'], [], {}, 'tool'), /there is none\. Open a file of the workspace/);
  });
});

// ---- the loader's import rule per kind -------------------------------------------------------------------------------

function withManifest(bytes: Uint8Array, manifest: unknown): Uint8Array {
  return setCustomSection(bytes, MANIFEST_SECTION, new TextEncoder().encode(JSON.stringify(manifest)));
}

function manifestOf(bytes: Uint8Array): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(customSections(bytes, MANIFEST_SECTION)[0])) as Record<string, unknown>;
}

function rejects(bytes: Uint8Array, reason: string, pattern: RegExp): void {
  assert.throws(() => inspectPlugin(bytes, 'program.wasm', WORLD_SHAPE), (e: unknown) => {
    assert.ok(e instanceof PluginError, String(e));
    assert.equal(e.reason, reason, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

const str = (s: string) => [...encodeU32(s.length), ...Buffer.from(s)];
const sect = (id: number, payload: number[]) => [id, ...encodeU32(payload.length), ...payload];

/** A module importing `imports` (module, name, params, results) and exporting memory and `_start` (unless told not to). */
function program(imports: [string, string, number[], number[]][], exportStart = true): Uint8Array {
  const types = [...imports.map(([, , p, r]) => [0x60, ...encodeU32(p.length), ...p, ...encodeU32(r.length), ...r]), [0x60, 0, 0]];
  const startType = types.length - 1;
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...sect(1, [...encodeU32(types.length), ...types.flat()]),
    ...sect(2, [...encodeU32(imports.length), ...imports.flatMap(([m, n], i) => [...str(m), ...str(n), 0x00, ...encodeU32(i)])]),
    ...sect(3, [1, ...encodeU32(startType)]),
    ...sect(5, [1, 0x00, 1]),
    ...sect(7, exportStart ? [2, ...str('memory'), 0x02, 0, ...str('_start'), 0x00, ...encodeU32(imports.length)] : [1, ...str('memory'), 0x02, 0]),
    ...sect(10, [1, 2, 0, 0x0b]),
  ];
  return Uint8Array.from(bytes);
}

const I32 = 0x7f;
const I64 = 0x7e;
const commandManifest = { ...base, kind: 'wasi-command', commands: [{ id: 'run', title: 'Run' }] };

describe('the loader accepts WASI programs for the WASI kinds only', () => {
  test('the example programs load with their manifests, as WASI programs with no world exports', () => {
    for (const [file, kind] of [['word-freq.wasm', 'wasi-command'], ['todo-lsp.wasm', 'language-server'], ['wasi-probe.wasm', 'wasi-command']]) {
      const b = inspectPlugin(wasmBytes(file), file, WORLD_SHAPE);
      assert.equal(b.manifest.kind, kind);
      assert.equal(b.usesWasi, true);
      assert.deepEqual([b.exports, b.postReturns, b.warnings], [[], [], []]);
    }
  });

  test('any preview1 function with its right signature is accepted', () => {
    const b = inspectPlugin(withManifest(program([
      ['wasi_snapshot_preview1', 'path_open', [I32, I32, I32, I32, I32, I64, I64, I32, I32], [I32]],
      ['wasi_snapshot_preview1', 'poll_oneoff', [I32, I32, I32, I32], [I32]],
      ['wasi_snapshot_preview1', 'proc_exit', [I32], []],
      ['wasi_snapshot_preview1', 'sock_accept', [I32, I32, I32], [I32]],
    ]), commandManifest), 'program.wasm', WORLD_SHAPE);
    assert.equal(b.usesWasi, true);
  });

  test('a wrong preview1 signature, an unknown WASI name and a host-API import are each named', () => {
    rejects(withManifest(program([['wasi_snapshot_preview1', 'fd_write', [I32], [I32]]]), commandManifest), 'unknown-import',
      /"wasi_snapshot_preview1" "fd_write" has signature \(i32\) -> \(i32\) but WASI preview1's is \(i32, i32, i32, i32\) -> \(i32\)/);
    rejects(withManifest(program([['wasi_snapshot_preview1', 'thread_spawn', [I32], [I32]]]), commandManifest), 'unknown-import',
      /"wasi_snapshot_preview1" "thread_spawn" is not a WASI preview1 function/);
    rejects(withManifest(program([['wasm-plugin-host:api/log', 'write', [I32, I32, I32], []]]), commandManifest), 'unknown-import',
      /a wasi-command plugin is a WASI program and may import only "wasi_snapshot_preview1" functions.*Build it as a WASI preview1 program/);
  });

  test('a WASI program without _start is refused with advice to build a command', () => {
    rejects(withManifest(program([], false), commandManifest), 'missing-export', /lacks exports: "_start" \(the program entry point\).*not as a library/);
  });

  test('the same program declared as a component still gets only the capability-free WASI stubs', () => {
    const bytes = wasmBytes('word-freq.wasm');
    const m = manifestOf(bytes);
    rejects(withManifest(bytes, { ...m, kind: 'component', wasi: undefined }), 'unknown-import', /"wasi_snapshot_preview1" "path_open" is a WASI function this host does not provide to plugins/);
  });
});
