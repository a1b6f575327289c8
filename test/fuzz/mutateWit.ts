// Token-level mutations of WIT text. A rough tokenizer (identifiers, integers, punctuation, comments, whitespace;
// it never fails) gives the units; operators delete, duplicate, swap and replace them, insert keywords, punctuation,
// attributes, unicode and deeply nested types, splice in tokens from other corpus files, and truncate.

import type { WitSource } from '../../src/core/wit/index';
import { Rng } from './rng';

const TOKEN = /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|\s+|%?[\p{L}_][\p{L}\p{N}_-]*|\d+|->|[\s\S]/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** Corpus texts are tokenized once (mutated texts are not cached). */
const corpusTokens = new Map<string, readonly string[]>();
function tokensOfCorpusText(text: string): readonly string[] {
  let t = corpusTokens.get(text);
  if (t === undefined) corpusTokens.set(text, (t = tokenize(text)));
  return t;
}

const IDENTIFIER = /^%?[\p{L}_][\p{L}\p{N}_-]*$/u;
/** A mutated file stays below this many characters (an input is about the parser, not about the size of its input). */
const MAX_CHARS = 512 * 1024;

const isTrivia = (t: string) => /^\s/.test(t) || t.startsWith('//') || t.startsWith('/*');

const KEYWORDS = [
  'package', 'interface', 'world', 'use', 'type', 'func', 'record', 'resource', 'enum', 'flags', 'variant', 'import', 'export',
  'include', 'with', 'as', 'from', 'static', 'constructor', 'borrow', 'own', 'list', 'option', 'result', 'tuple', 'future',
  'stream', 'async', 'string', 'char', 'bool', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'f32', 'f64', 'float32',
  'float64', 'error-context', 'map', '_', 'self', 'handle',
];
const PUNCT = ['{', '}', '(', ')', '<', '>', ',', ';', ':', '=', '.', '/', '@', '->', '*', '+', '-', '%', '::', '"', '\\', '#', '!', '?', '`'];
const SNIPPETS = [
  '@since(version = 1.0.0)', '@since(version = 0.0.1)', '@unstable(feature = active)', '@unstable(feature = inactive)',
  '@deprecated(version = 0.1.0)', '@since(', '@since(version =', '@unstable(feature = x) @since(version = 1.0.0)', '@since(feature = x)',
  '/// doc comment\n', '/** doc */', '/* unterminated', '/* /* nested */ */', '*/', '//', '\n', '\r\n', '\t',
  'package a:b;', 'package a:b@1.0.0;', 'package a:b { }', 'package foo:bar@0.1.0-pre+build {', 'interface i { }', 'world w { }',
  'use a:b/c.{d};', 'use self.x.{y as z};', 'use foo:bar/baz@1.0.0;', 'include a:b/c with { x as y }', 'import f: func();',
  'export i;', 'type t = u32;', 'resource r { constructor(); m: func(); static s: func() -> r; }', 'record r { a: u8, }',
  'variant v { a, b(u8), }', 'enum e { a, b }', 'flags f { a, b }', 'f: async func(a: borrow<r>) -> result<_, string>;',
  'type x = stream<future<list<u8, 4>>>;', 'type y = map<string, u32>;', 'type z = list<u8, 0>;', 'type e = error-context;',
  'import a:b/c@1.2.3;', 'export %interface: interface { }', '%', '%%', '%a', 'a:b/c', 'a:b/c@', '@1.0.0', '@1.0.0-rc',
];
const NUMBERS = ['0', '1', '00', '01', '4294967295', '4294967296', '18446744073709551615', '18446744073709551616', '99999999999999999999999999', '1e3', '0x10'];
const UNICODE = ['\u0000', '\u0007', '\u000b', '\u000c', '\u0085', '\u00a0', '\u1680', '\u2028', '\u2029', '\u200b', '\u200d', '\u202e',
  '\u2066', '\ufeff', '\ufffd', '\uffff', '\ud800', '\udfff', '\ud83d', '\u0301', 'é', 'ß', 'İ', 'ǅ', 'Ⅻ', '٣', '日本', '🎉', '👩‍👩‍👧', 'ﬁ', '\u{10ffff}'];
const NEST: readonly (readonly [string, string, string])[] = [
  ['list<', 'u8', '>'], ['option<', 'u8', '>'], ['tuple<', 'u8', '>'], ['result<', 'u8', '>'], ['result<_, ', 'u8', '>'],
  ['future<', 'u8', '>'], ['stream<', 'u8', '>'], ['borrow<', 'r', '>'], ['{', '', '}'], ['(', '', ')'], ['<', '', '>'],
  ['interface i { ', '', ' }'], ['package a:b { ', '', ' }'], ['/*', '', '*/'], ['record r { a: ', 'u8', ' }'],
];

function randomIdentifier(rng: Rng, known: readonly string[]): string {
  if (known.length > 0 && rng.chance(0.5)) return rng.pick(known);
  return rng.pick(['a', 'x', 'foo', 'Foo', 'a-b', 'a--b', '-a', 'a-', '1a', 'a1', 'a-1', 'A-B', 'a_b', '%a', '%interface',
    'x'.repeat(rng.small(10_000)), 'é', 'λ', 'a\u0301', 'self', 'crate']);
}

type Op = (rng: Rng, tokens: string[], ctx: { identifiers: readonly string[]; donor: readonly string[] }) => string[];

/** Long chains and wide items that stress the resolver rather than the parser: they are valid WIT (mostly). */
function chain(rng: Rng): string {
  const n = rng.weighted<number>([[3, 10], [3, 100], [2, 500], [1, 2000]]);
  const seq = (f: (i: number) => string, sep = ' ') => Array.from({ length: n }, (_, i) => f(i)).join(sep);
  switch (rng.below(10)) {
    case 0: return `interface chain { ${seq((i) => `type t${i} = t${i + 1};`)} type t${n} = u32; }`;
    case 1: return `interface chain { type t${n} = u32; ${seq((i) => `type t${n - i - 1} = t${n - i};`)} }`;
    case 2: return `interface chain { ${seq((i) => `type t${i} = ${rng.pick(['list', 'option', 'tuple', 'future', 'stream'])}<t${i + 1}>;`)} type t${n} = string; }`;
    case 3: return `${seq((i) => `interface c${i} { use c${i + 1}.{t}; }`)} interface c${n} { type t = u8; }`;
    case 4: return `${seq((i) => `world w${i} { include w${i + 1}; }`)} world w${n} { import f: func(); export g: func(); }`;
    case 5: return `interface wide { ${rng.pick(['record', 'variant', 'enum', 'flags'])} x { ${seq((i) => `f${i}${rng.chance(0.5) ? ': u8' : ''}`, ', ')} } }`;
    case 6: return `interface wide { type t = tuple<${seq(() => 'u8', ', ')}>; f: func(${seq((i) => `a${i}: t`, ', ')}) -> t; }`;
    case 7: return `interface cyc { type a = b; type b = list<a>; ${seq((i) => `type c${i} = c${(i + 1) % n};`)} }`;
    case 8: return `interface res { resource r0; ${seq((i) => `resource r${i + 1} { m: func(x: borrow<r${i}>) -> own<r${i}>; }`)} }`;
    default: return `world big { ${seq((i) => `${rng.pick(['import', 'export'])} i${i}: interface { f: func(); }`)} }`;
  }
}

/** Index of a random non-trivia token, or undefined. */
function realToken(rng: Rng, tokens: readonly string[]): number | undefined {
  for (let tries = 0; tries < 16 && tokens.length > 0; tries++) {
    const i = rng.below(tokens.length);
    if (!isTrivia(tokens[i])) return i;
  }
  return tokens.length > 0 ? rng.below(tokens.length) : undefined;
}

const insertAt = (tokens: string[], at: number, ...items: string[]) => [...tokens.slice(0, at), ...items, ...tokens.slice(at)];

const OPS: readonly (readonly [number, string, Op])[] = [
  [5, 'delete-tokens', (rng, t) => {
    const i = realToken(rng, t);
    return i === undefined ? t : [...t.slice(0, i), ...t.slice(i + rng.small(rng.chance(0.9) ? 4 : 200))];
  }],
  [3, 'duplicate-tokens', (rng, t) => {
    const i = realToken(rng, t);
    if (i === undefined) return t;
    const run = t.slice(i, i + rng.small(rng.chance(0.8) ? 8 : 400));
    return insertAt(t, rng.chance(0.5) ? i + run.length : rng.below(t.length + 1), ...run);
  }],
  [3, 'swap-tokens', (rng, t) => {
    const i = realToken(rng, t);
    const j = realToken(rng, t);
    if (i === undefined || j === undefined) return t;
    const out = t.slice();
    [out[i], out[j]] = [out[j], out[i]];
    return out;
  }],
  [4, 'insert-keyword', (rng, t) => insertAt(t, rng.below(t.length + 1), ' ', rng.pick(KEYWORDS), ' ')],
  [4, 'insert-punct', (rng, t) => insertAt(t, rng.below(t.length + 1), rng.pick(PUNCT))],
  [5, 'replace-token', (rng, t, ctx) => {
    const i = realToken(rng, t);
    if (i === undefined) return t;
    const out = t.slice();
    out[i] = rng.weighted<string>([[3, rng.pick(KEYWORDS)], [2, rng.pick(PUNCT)], [3, randomIdentifier(rng, ctx.identifiers)], [1, rng.pick(NUMBERS)]]);
    return out;
  }],
  [3, 'insert-snippet', (rng, t) => insertAt(t, rng.below(t.length + 1), ' ', rng.pick(SNIPPETS), ' ')],
  [3, 'deep-nesting', (rng, t) => {
    const [open, inner, close] = rng.pick(NEST);
    const depth = rng.weighted<number>([[4, 4], [4, 16], [3, 64], [2, 256], [2, 1000], [1, 5000]]);
    const balanced = rng.chance(0.85);
    const text = open.repeat(depth) + inner + (balanced ? close.repeat(depth) : close.repeat(rng.below(depth)));
    return insertAt(t, rng.below(t.length + 1), text);
  }],
  [3, 'unicode', (rng, t) => {
    const c = rng.chance(0.8) ? rng.pick(UNICODE) : String.fromCodePoint(rng.below(0x110000));
    const i = rng.below(t.length + 1);
    if (i < t.length && rng.chance(0.5)) {
      // Inside a token, e.g. an identifier.
      const tok = t[i];
      const at = rng.below(tok.length + 1);
      const out = t.slice();
      out[i] = tok.slice(0, at) + c + tok.slice(at);
      return out;
    }
    return insertAt(t, i, c);
  }],
  [2, 'chain', (rng, t) => [...t, '\n', chain(rng), '\n']],
  [2, 'truncate', (rng, t) => {
    const i = rng.below(t.length + 1);
    const out = t.slice(0, i);
    if (i < t.length && rng.chance(0.5)) out.push(t[i].slice(0, rng.below(t[i].length)));
    return out;
  }],
  [3, 'splice', (rng, t, ctx) => {
    if (ctx.donor.length === 0) return t;
    const from = rng.below(ctx.donor.length);
    return insertAt(t, rng.below(t.length + 1), ...ctx.donor.slice(from, from + rng.small(200)));
  }],
  [2, 'numbers', (rng, t) => {
    const nums = t.map((x, i) => (/^\d/.test(x) ? i : -1)).filter((i) => i >= 0);
    const out = t.slice();
    if (nums.length > 0) out[rng.pick(nums)] = rng.pick(NUMBERS);
    else return insertAt(t, rng.below(t.length + 1), rng.pick(NUMBERS));
    return out;
  }],
  [2, 'identifier', (rng, t) => {
    const ids = t.map((x, i) => (IDENTIFIER.test(x) ? i : -1)).filter((i) => i >= 0);
    if (ids.length === 0) return t;
    const i = rng.pick(ids);
    const out = t.slice();
    const id = out[i];
    out[i] = rng.pick([id.toUpperCase(), `${id}-`, `-${id}`, `${id}--x`, `%${id}`, `${id}1`, `1${id}`, `${id}-1`, `${id}\u0301`, id.repeat(rng.small(Math.ceil(20_000 / id.length))), `${id}_x`]);
    return out;
  }],
  [2, 'lines', (rng, t) => {
    const lines = t.join('').split('\n');
    const i = rng.below(lines.length);
    if (rng.chance(0.5)) lines.splice(i, 1); else lines.splice(i, 0, lines[rng.below(lines.length)]);
    return tokenize(lines.join('\n'));
  }],
];

const OP_TABLE: readonly (readonly [number, readonly [string, Op]])[] = OPS.map(([w, n, op]) => [w, [n, op]] as const);

export interface WitMutation {
  readonly main: WitSource[];
  readonly deps: WitSource[][];
  readonly ops: string[];
}

/** Mutates one (sometimes two) of the files of a case; sometimes drops, duplicates or moves a whole file. */
export function mutateWit(rng: Rng, main: readonly WitSource[], deps: readonly (readonly WitSource[])[], donor: string): WitMutation {
  for (const f of [...main, ...deps.flat()]) tokensOfCorpusText(f.text);
  const groups: WitSource[][] = [main.map((f) => ({ ...f })), ...deps.map((d) => d.map((f) => ({ ...f })))];
  const ops: string[] = [];
  const files = () => groups.flatMap((g, gi) => g.map((f, fi) => ({ gi, fi, f })));
  if (rng.chance(0.06) && files().length > 1) {
    const { gi, fi } = rng.pick(files());
    groups[gi].splice(fi, 1);
    ops.push('drop-file');
  } else if (rng.chance(0.04)) {
    const { f } = rng.pick(files());
    const gi = rng.below(groups.length);
    groups[gi].push({ path: `${f.path.replace(/\.wit$/, '')}-copy.wit`, text: f.text });
    ops.push('duplicate-file');
  }
  const donorTokens = tokensOfCorpusText(donor);
  for (let edit = rng.chance(0.15) ? 2 : 1; edit > 0; edit--) {
    const all = files();
    if (all.length === 0) break;
    const { gi, fi, f } = rng.pick(all);
    const cached = corpusTokens.get(f.text);
    let tokens = cached ? [...cached] : tokenize(f.text);
    const identifiers = [...new Set(tokens.filter((x) => IDENTIFIER.test(x)))];
    for (let n = rng.count(5); n > 0; n--) {
      const [name, op] = rng.weighted(OP_TABLE);
      const next = op(rng, tokens, { identifiers, donor: donorTokens });
      if (next.reduce((len, x) => len + x.length, 0) > MAX_CHARS) break;
      tokens = next;
      ops.push(name);
    }
    groups[gi][fi] = { path: f.path, text: tokens.join('') };
  }
  return { main: groups[0], deps: groups.slice(1).filter((g) => g.length > 0), ops };
}
