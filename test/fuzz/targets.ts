// The three fuzz targets: how an iteration's input is made from its seed, how it is run, and the oracle that sorts
// what happened into a value, a typed error (by reason) or a crash. Also how an input is saved as a regression fixture
// and read back.

import { isDeepStrictEqual } from 'node:util';
import { compilePlugin, inspectPlugin, PluginBinary } from '../../src/core/runtime/loader';
import { WORLD_SHAPE } from '../../src/core/runtime/abi';
import { PluginError } from '../../src/core/errors';
import { validateManifest } from '../../src/core/manifest';
import { parseWitSources, WitError, WitOptions, WitSource } from '../../src/core/wit/index';
import { appendManifest, SeedBinary, seedBinaries, seedManifests, syntheticBase, WitCase, witCases } from './corpus';
import { mutateBinary } from './mutateBinary';
import { mutateManifest } from './mutateManifest';
import { mutateWit } from './mutateWit';
import { Rng } from './rng';

export const TARGET_NAMES = ['loader-binary', 'loader-manifest', 'wit'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export function isTargetName(s: string): s is TargetName {
  return (TARGET_NAMES as readonly string[]).includes(s);
}

/** What one input did. `key` is what the summary counts: `value`, a PluginError reason, `wit-error`, … */
export interface Outcome {
  readonly kind: 'value' | 'error' | 'crash';
  readonly key: string;
  /** For crashes: the error with its stack. For WIT errors: the normalised message. */
  readonly detail?: string;
}

export interface LoaderInput { readonly bytes: Uint8Array; readonly maxMemoryPages: number; readonly note: string }
export interface ManifestInput { readonly payload: Uint8Array; readonly note: string }
export interface WitInput { readonly main: readonly WitSource[]; readonly deps: readonly (readonly WitSource[])[]; readonly options: WitOptions; readonly note: string }
export type Input = LoaderInput | ManifestInput | WitInput;

/** Reasons `inspectPlugin` documents, and the ones `compilePlugin` adds. Any other reason is a crash. */
export const INSPECT_REASONS: ReadonlySet<string> = new Set(['not-wasm', 'truncated', 'component-binary', 'invalid-module', 'manifest-missing',
  'manifest-invalid', 'manifest-too-large', 'api-version', 'missing-export', 'unknown-import']);
export const COMPILE_REASONS: ReadonlySet<string> = new Set(['invalid-module', 'memory-limit']);

const MEMORY_PAGES = [0, 1, 2, 17, 256, 4096, 4096, 4096, 65536];
const LABEL = 'fuzz.wasm';

export function crash(e: unknown, what = ''): Outcome {
  const name = e instanceof Error ? e.constructor.name : typeof e;
  let text: string;
  try {
    text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : `non-Error thrown: ${String(e)}`;
  } catch {
    text = 'unprintable throw';
  }
  return { kind: 'crash', key: `crash:${what}${name}`, detail: text };
}

// ---- the corpus each target needs --------------------------------------------------------------------------------

export interface Corpus {
  readonly binaries: readonly SeedBinary[];
  readonly manifests: readonly unknown[];
  readonly wit: readonly WitCase[];
}

export function loadCorpus(root: string, targets: readonly TargetName[]): Corpus {
  return {
    binaries: targets.includes('loader-binary') ? seedBinaries(root) : [],
    manifests: targets.includes('loader-manifest') ? seedManifests(root) : [],
    wit: targets.includes('wit') ? witCases(root) : [],
  };
}

// ---- generating --------------------------------------------------------------------------------------------------

export function generate(target: TargetName, corpus: Corpus, rng: Rng): Input {
  switch (target) {
    case 'loader-binary': {
      // The synthetic seeds (the first four) are small, so mutations hit their structure: a third of the inputs.
      const synthetic = corpus.binaries.filter((b) => b.name.startsWith('synthetic'));
      const seed = rng.chance(0.33) && synthetic.length > 0 ? rng.pick(synthetic) : rng.pick(corpus.binaries);
      const { bytes, ops } = mutateBinary(rng, seed.bytes, corpus.binaries.map((b) => b.bytes));
      const maxMemoryPages = rng.pick(MEMORY_PAGES);
      return { bytes, maxMemoryPages, note: `seed ${seed.name}; ${ops.join(', ')}` };
    }
    case 'loader-manifest': {
      const { payload, ops } = mutateManifest(rng, corpus.manifests);
      return { payload, note: ops.join(', ') };
    }
    case 'wit': {
      // Pass cases are valid WIT, so their mutants get further into the resolver: three quarters of the inputs.
      const pass = corpus.wit.filter((w) => w.name.startsWith('pass/'));
      const c = rng.chance(0.75) && pass.length > 0 ? rng.pick(pass) : rng.pick(corpus.wit);
      const donor = rng.pick(corpus.wit);
      const m = mutateWit(rng, c.main, c.deps, rng.pick(donor.main).text);
      const options: WitOptions = rng.weighted<WitOptions>([[6, { features: ['active'] }], [2, {}], [1, { allFeatures: true }], [1, { features: ['x', 'active', ''] }]]);
      return { main: m.main, deps: m.deps, options, note: `case ${c.name}; ${m.ops.join(', ')}` };
    }
  }
}

// ---- running and judging -----------------------------------------------------------------------------------------

function judgePluginError(e: unknown, allowed: ReadonlySet<string>, prefix: string): Outcome {
  if (!(e instanceof PluginError)) return crash(e, prefix);
  if (!allowed.has(e.reason)) return crash(new Error(`undocumented reason "${e.reason}": ${e.message}`), prefix);
  if (typeof e.message !== 'string' || e.message.length === 0 || typeof e.pluginId !== 'string') {
    return crash(new Error(`PluginError("${e.reason}") without a message or plugin id`), prefix);
  }
  return { kind: 'error', key: prefix + e.reason };
}

/** Properties every accepted plugin has. Returns a problem, or undefined. */
function checkBinary(b: PluginBinary, bytes: Uint8Array): string | undefined {
  if (b.size !== bytes.length) return `size ${b.size} but the input has ${bytes.length} bytes`;
  if (!/^[0-9a-f]{64}$/.test(b.sha256)) return `sha256 is ${b.sha256}`;
  // A manifest the validator accepted must validate again, to the same value.
  let again: unknown;
  try {
    again = validateManifest(JSON.parse(JSON.stringify(b.manifest)), LABEL).manifest;
  } catch (e) {
    return `its manifest does not validate a second time: ${(e as Error).message}`;
  }
  if (!isDeepStrictEqual(again, b.manifest)) return 'its manifest validates a second time to a different value';
  for (const f of b.postReturns) if (!b.exports.includes(f)) return `post-return "${f}" for a function it does not export`;
  return undefined;
}

export async function runLoader(bytes: Uint8Array, maxMemoryPages: number): Promise<Outcome> {
  let binary: PluginBinary;
  try {
    binary = inspectPlugin(bytes, LABEL, WORLD_SHAPE);
  } catch (e) {
    return judgePluginError(e, INSPECT_REASONS, '');
  }
  const problem = checkBinary(binary, bytes);
  if (problem !== undefined) return crash(new Error(`inspectPlugin accepted the input but ${problem}`), 'invariant:');
  try {
    await compilePlugin(bytes, binary, { maxMemoryPages });
  } catch (e) {
    return judgePluginError(e, COMPILE_REASONS, 'compile:');
  }
  return { kind: 'value', key: 'value' };
}

/** A WIT error message with names and numbers blanked, so the summary can count kinds of errors. */
export function normaliseWitReason(reason: string): string {
  return reason
    .replace(/`[^`]*`/g, '`_`')
    .replace(/"[^"]*"/g, '"_"')
    .replace(/'[^']*'/g, "'_'")
    .replace(/\d+/g, 'N')
    .slice(0, 80);
}

export function runWit(input: WitInput): Outcome {
  let json: unknown;
  try {
    json = parseWitSources(input.main, input.deps, input.options);
  } catch (e) {
    if (!(e instanceof WitError)) return crash(e);
    // The parser's own guard turns anything unexpected into a WitError and keeps the original as its cause: a stack
    // overflow on absurd nesting is an accepted answer, anything else (a TypeError, …) is a bug it papered over.
    if (e.cause !== undefined) {
      const c = e.cause;
      if (c instanceof RangeError && /call stack/i.test(c.message)) return { kind: 'error', key: 'wit-too-deep' };
      return crash(c, 'wit-internal:');
    }
    if (!(Number.isInteger(e.line) && e.line >= 1 && Number.isInteger(e.column) && e.column >= 1 && typeof e.file === 'string')) {
      return crash(new Error(`WitError with a bad location ${e.file}:${e.line}:${e.column}`), 'invariant:');
    }
    return { kind: 'error', key: 'wit-error', detail: normaliseWitReason(e.reason) };
  }
  try {
    JSON.stringify(json);
  } catch (e) {
    return crash(e, 'invariant:');
  }
  return { kind: 'value', key: 'value' };
}

/** Runs one input through its target. Never throws: whatever escapes is a crash. */
export async function runInput(target: TargetName, input: Input): Promise<Outcome> {
  try {
    switch (target) {
      case 'loader-binary': {
        const i = input as LoaderInput;
        return await runLoader(i.bytes, i.maxMemoryPages);
      }
      case 'loader-manifest':
      {
        const payload = (input as ManifestInput).payload;
        return await runLoader(appendManifest(syntheticBase(payload), payload), 4096);
      }
      case 'wit':
        return runWit(input as WitInput);
    }
  } catch (e) {
    return crash(e, 'harness:');
  }
}

// ---- regression fixtures -----------------------------------------------------------------------------------------

export const FIXTURE_EXT: Record<TargetName, string> = { 'loader-binary': 'bin', 'loader-manifest': 'json', 'wit': 'wit' };

const FILE_MARK = '//@fuzz-file ';
const JSON_FILE_MARK = '//@fuzz-file-json ';
const OPTIONS_MARK = '//@fuzz-wit-options ';

/** A WIT input as one `.wit` file: marker comment lines name each file (and its group); the rest is the text. */
export function encodeWitBundle(input: WitInput): string {
  const parts = [`${OPTIONS_MARK}${JSON.stringify(input.options)}\n`];
  const add = (group: string, f: WitSource) => {
    // Text with lone surrogates cannot be written as UTF-8 (and text with a line like a marker would be split), so
    // such a file is stored as a JSON string on one line.
    if (f.text.isWellFormed() && !/^\/\/@fuzz-/m.test(f.text)) {
      parts.push(`${FILE_MARK}${group} ${f.path}\n${f.text}\n`);
    } else {
      parts.push(`${JSON_FILE_MARK}${group} ${f.path}\n${JSON.stringify(f.text)}\n`);
    }
  };
  input.main.forEach((f) => add('main', f));
  input.deps.forEach((d, i) => d.forEach((f) => add(`dep${i}`, f)));
  return parts.join('');
}

export function decodeWitBundle(text: string): WitInput {
  if (!text.startsWith(OPTIONS_MARK) && !text.startsWith(FILE_MARK) && !text.startsWith(JSON_FILE_MARK)) {
    return { main: [{ path: 'input.wit', text }], deps: [], options: { features: ['active'] }, note: 'plain .wit file' };
  }
  let options: WitOptions = {};
  const main: WitSource[] = [];
  const deps = new Map<string, WitSource[]>();
  // Split at marker lines; each file's text runs up to the newline before the next marker.
  const marker = /^\/\/@fuzz-(wit-options|file|file-json) (.*)$/gm;
  const marks = [...text.matchAll(marker)];
  marks.forEach((m, i) => {
    const bodyStart = m.index! + m[0].length + 1;
    const bodyEnd = i + 1 < marks.length ? marks[i + 1].index! - 1 : text.length - 1;
    const body = text.slice(bodyStart, Math.max(bodyStart, bodyEnd));
    if (m[1] === 'wit-options') { options = JSON.parse(m[2]) as WitOptions; return; }
    const space = m[2].indexOf(' ');
    const group = m[2].slice(0, space);
    const file: WitSource = { path: m[2].slice(space + 1), text: m[1] === 'file-json' ? JSON.parse(body) as string : body };
    if (group === 'main') main.push(file);
    else deps.set(group, [...(deps.get(group) ?? []), file]);
  });
  const depList = [...deps.entries()].sort(([a], [b]) => Number(a.slice(3)) - Number(b.slice(3))).map(([, files]) => files);
  return { main, deps: depList, options, note: 'fixture' };
}

export function encodeInput(target: TargetName, input: Input): Uint8Array {
  switch (target) {
    case 'loader-binary': return (input as LoaderInput).bytes;
    case 'loader-manifest': return (input as ManifestInput).payload;
    case 'wit': return new TextEncoder().encode(encodeWitBundle(input as WitInput));
  }
}

/** Extra lines for the fixture's `.txt`, needed to replay it. */
export function inputMeta(target: TargetName, input: Input): Record<string, string> {
  return target === 'loader-binary' ? { 'max-memory-pages': String((input as LoaderInput).maxMemoryPages) } : {};
}

export function decodeInput(target: TargetName, bytes: Uint8Array, meta: Record<string, string>): Input {
  switch (target) {
    case 'loader-binary': {
      const pages = Number(meta['max-memory-pages'] ?? 4096);
      return { bytes, maxMemoryPages: Number.isFinite(pages) ? pages : 4096, note: 'fixture' };
    }
    case 'loader-manifest': return { payload: bytes, note: 'fixture' };
    case 'wit': return decodeWitBundle(new TextDecoder().decode(bytes));
  }
}

/** `loader-binary-1a2b….bin` → its target. */
export function targetOfFixture(fileName: string): TargetName | undefined {
  return [...TARGET_NAMES].sort((a, b) => b.length - a.length).find((t) => fileName.startsWith(`${t}-`) && fileName.endsWith(`.${FIXTURE_EXT[t]}`));
}

/** Parses `key: value` lines of a fixture's `.txt`. */
export function parseMeta(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z-]+): (.*)$/.exec(line);
    if (m && !(m[1] in out)) out[m[1]] = m[2];
  }
  return out;
}
