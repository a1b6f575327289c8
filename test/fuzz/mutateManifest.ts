// Structure-aware mutations of a manifest. The manifest is held as a JSON tree whose objects are lists of entries,
// so a key can appear twice and "__proto__" is just a key; very deep nesting is a single node that serialises as
// N opening and N closing brackets, so neither this code nor the tree is ever deep. After serialising, a quarter of
// the inputs also get byte-level damage: invalid UTF-8, truncation, padding past the size limit.

import { EDITOR_EVENTS, LIMITS, MAX_MANIFEST_BYTES, PLUGIN_KINDS } from '../../src/core/manifest';
import { CAPABILITIES } from '../../src/core/capabilities';
import { Rng } from './rng';

export type J =
  | { readonly k: 'null' }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'num'; readonly raw: string }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'arr'; items: J[] }
  | { readonly k: 'obj'; entries: [string, J][] }
  /** `open` × depth, then `inner`, then `close` × depth. */
  | { readonly k: 'deep'; readonly open: string; readonly close: string; readonly depth: number; readonly inner: J };

export function fromValue(v: unknown, depth = 0): J {
  if (depth > 64) return { k: 'null' };
  if (v === null || v === undefined) return { k: 'null' };
  if (typeof v === 'boolean') return { k: 'bool', v };
  if (typeof v === 'number') return { k: 'num', raw: JSON.stringify(v) };
  if (typeof v === 'string') return { k: 'str', v };
  if (Array.isArray(v)) return { k: 'arr', items: v.map((x) => fromValue(x, depth + 1)) };
  return { k: 'obj', entries: Object.entries(v as Record<string, unknown>).map(([key, x]) => [key, fromValue(x, depth + 1)]) };
}

/** Serialisations are cut off past this many characters (the loader rejects anything past 64 KiB unread anyway). */
const MAX_TEXT = 4 * MAX_MANIFEST_BYTES;

export function serialize(j: J): string {
  const out = { parts: [] as string[], size: 0 };
  write(j, out);
  const text = out.parts.join('');
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}

function write(j: J, out: { parts: string[]; size: number }): void {
  const put = (s: string) => { out.parts.push(s); out.size += s.length; };
  if (out.size > MAX_TEXT) return;
  switch (j.k) {
    case 'null': put('null'); return;
    case 'bool': put(j.v ? 'true' : 'false'); return;
    case 'num': put(j.raw); return;
    case 'str': put(JSON.stringify(j.v)); return;
    case 'arr':
      put('[');
      j.items.forEach((x, i) => { if (i > 0) put(','); write(x, out); });
      put(']');
      return;
    case 'obj':
      put('{');
      j.entries.forEach(([key, v], i) => { put(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`); write(v, out); });
      put('}');
      return;
    case 'deep':
      put(j.open.repeat(j.depth));
      write(j.inner, out);
      put(j.close.repeat(j.depth));
  }
}

/** Nodes in a tree, counting at most up to `cap`. */
function size(j: J, cap = Infinity): number {
  let n = 0;
  const stack: J[] = [j];
  while (stack.length > 0 && n < cap) {
    const x = stack.pop()!;
    n++;
    if (x.k === 'arr') stack.push(...x.items);
    else if (x.k === 'obj') for (const [, v] of x.entries) stack.push(v);
    else if (x.k === 'deep') stack.push(x.inner);
  }
  return n;
}

/** A copy that shares nothing, so growing one part cannot grow another. */
function clone(j: J): J {
  switch (j.k) {
    case 'arr': return { k: 'arr', items: j.items.map(clone) };
    case 'obj': return { k: 'obj', entries: j.entries.map(([key, v]): [string, J] => [key, clone(v)]) };
    case 'deep': return { ...j, inner: clone(j.inner) };
    default: return j;
  }
}

/** Trees stay below this many nodes, so that generating an input stays cheap (the size limit is bytes anyway). */
const MAX_NODES = 20_000;

/** Every container node with a way to replace one of its children. */
interface Slot {
  readonly get: () => J;
  readonly set: (v: J) => void;
  readonly key?: string;
}

function slots(root: { value: J }): Slot[] {
  const out: Slot[] = [{ get: () => root.value, set: (v) => { root.value = v; } }];
  const walk = (j: J) => {
    if (j.k === 'arr') {
      j.items.forEach((item, i) => { out.push({ get: () => j.items[i], set: (v) => { j.items[i] = v; } }); walk(item); });
    } else if (j.k === 'obj') {
      j.entries.forEach((entry, i) => { out.push({ key: entry[0], get: () => j.entries[i][1], set: (v) => { j.entries[i][1] = v; } }); walk(entry[1]); });
    }
  };
  walk(root.value);
  return out;
}

function containers(root: J, kind: 'arr' | 'obj'): J[] {
  const out: J[] = [];
  const walk = (j: J) => {
    if (j.k === kind) out.push(j);
    if (j.k === 'arr') j.items.forEach(walk);
    else if (j.k === 'obj') j.entries.forEach(([, v]) => walk(v));
  };
  walk(root);
  return out;
}

const NASTY_CHARS = [
  '\u0000', '\u0001', '\u0008', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f', '\u0085', '\u009f', '\u00a0', '\u00ad',
  '\u200b', '\u200d', '\u200e', '\u200f', '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067',
  '\u2068', '\u2069', '\ufeff', '\ufffd', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff', '\u0301', '\u0308\u0308\u0308',
  'İ', 'ß', 'ﬁ', 'Ω', 'Å', '日', '🎉', '👩‍👩‍👧', '\ud83d', '%', '$', '"', '\\', '/', '..', ':', '*', '<', '>', '|', '?',
];

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'length', 'then', 'toJSON'];

const NUMBERS = ['0', '-0', '1', '-1', '1.5', '1e999', '-1e999', '1e-400', '123456789012345678901234567890', '9007199254740993', '0.1', '1E2', '100'];

function interestingString(rng: Rng, slotKey: string | undefined): string {
  const generic = ['', ' ', 'a', 'A', 'a-', '-a', 'a--b', '1a', 'a b', 'a'.repeat(LIMITS.id), 'a'.repeat(LIMITS.id + 1),
    '../../evil', '..\\evil', '/etc/passwd', 'C:\\Windows', 'con', 'nul', '%s%n', '${process.exit()}', '<script>x</script>',
    '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'undefined', 'null', '\u202egnp.exe', 'new\nline',
    'x'.repeat(LIMITS.title), 'x'.repeat(LIMITS.title + 1), 'x'.repeat(LIMITS.description + 1)];
  const versions = ['0.1.0', '1.0.0', '0.0.0', '1.2.3-rc.1', '1.2.3-', '01.2.3', '1.2', '1.2.3.4', '1.2.3+build', 'v1.2.3',
    '99999999999999999999.0.0', '1.2.3-α', '1.2.3\n', ' 1.2.3', '9.0.0', '0.1.0-0', '0.1.00'];
  const activation = ['onStartup', '*', 'onCommand:say-hello', 'onCommand:', 'onCommand', 'onPanel:main-panel', 'onPanel:nope',
    'onEvent:document-saved', 'onEvent:', 'onEvent:__proto__', 'onLanguage:typescript', 'onLanguage:', 'onLanguage:c++',
    `onLanguage:${'x'.repeat(65)}`, 'onLanguage:a b', 'onCommand:toString', 'onCommand:constructor', ':', 'onStartup:', 'workspaceContains:**'];
  const settings = ['editor.tabSize', 'a', 'a.', '.a', 'a..b', 'a.b-c_d', 'a/b', 'x'.repeat(LIMITS.settingKey + 1), '__proto__.polluted'];
  const key = slotKey ?? '';
  const dict = /version/i.test(key) ? versions
    : key === 'kind' ? [...PLUGIN_KINDS, 'Component', 'toString', '__proto__', 'wasi']
      : key === 'events' ? [...EDITOR_EVENTS, 'Document-saved', 'document-saved ', 'toString']
        : key === 'capabilities' ? [...CAPABILITIES, 'Notifications', 'toString', '__proto__', 'hasOwnProperty', 'log']
          : key === 'activationEvents' ? activation
            : key === 'configuration' ? settings
              : generic;
  const base = rng.chance(0.8) ? rng.pick(dict) : rng.pick([...versions, ...activation, ...settings, ...generic]);
  return rng.chance(0.2) ? withNastyChars(rng, base) : base;
}

function withNastyChars(rng: Rng, s: string): string {
  let out = s;
  for (let n = rng.count(4); n > 0; n--) {
    const at = rng.below(out.length + 1);
    const c = rng.chance(0.8) ? rng.pick(NASTY_CHARS) : String.fromCharCode(rng.below(0x10000));
    out = out.slice(0, at) + c + out.slice(at);
  }
  return out;
}

function hugeString(rng: Rng): string {
  const n = rng.pick([65, 81, 101, 201, 501, 1000, 10_000, 40_000, 70_000]);
  const unit = rng.pick(['a', 'x-', 'é', '日', '🎉', '\u202e', '\\', '"', ' ']);
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

function randomValue(rng: Rng, depth = 0): J {
  const kind = rng.below(depth > 2 ? 4 : 6);
  switch (kind) {
    case 0: return { k: 'null' };
    case 1: return { k: 'bool', v: rng.chance(0.5) };
    case 2: return { k: 'num', raw: rng.pick(NUMBERS) };
    case 3: return { k: 'str', v: interestingString(rng, undefined) };
    case 4: return { k: 'arr', items: Array.from({ length: rng.below(4) }, () => randomValue(rng, depth + 1)) };
    default: return { k: 'obj', entries: Array.from({ length: rng.below(4) }, (): [string, J] => [rng.pick(['id', 'title', 'description', ...PROTO_KEYS]), randomValue(rng, depth + 1)]) };
  }
}

/** A value of a kind other than `j`'s. */
function retype(rng: Rng, j: J): J {
  for (let tries = 0; tries < 8; tries++) {
    const v = randomValue(rng);
    if (v.k !== j.k) return v;
  }
  return { k: 'null' };
}

const KNOWN_FIELDS = ['id', 'name', 'version', 'apiVersion', 'kind', 'description', 'publisher', 'commands', 'panels', 'events', 'capabilities',
  'activationEvents', 'configuration', '$schema', 'wasi', 'languageServer'];
const WASI_ARGS = ['', '--top', '10', '${file}', '${workspaceFolder}', '${file', '${}', '${env:HOME}', '$${file}', '${file}${file}', '-', '--', 'x'.repeat(1001)];

function wasiRunValue(rng: Rng, commandIds: readonly string[]): J {
  const entries: [string, J][] = [];
  if (rng.chance(0.7)) entries.push(['args', { k: 'arr', items: Array.from({ length: rng.small(6) }, () => ({ k: 'str', v: rng.chance(0.8) ? rng.pick(WASI_ARGS) : interestingString(rng, undefined) }) as J) }]);
  if (rng.chance(0.6)) entries.push(['stdin', { k: 'str', v: rng.pick(['none', 'active-document', 'terminal', 'file', '', 'toString']) }]);
  if (rng.chance(0.6)) entries.push(['output', { k: 'str', v: rng.pick(['output', 'terminal', 'notification', 'stdout', '']) }]);
  if (commandIds.length > 0 && rng.chance(0.4)) {
    entries.push(['commands', { k: 'obj', entries: Array.from({ length: rng.small(3) }, (): [string, J] => [rng.chance(0.7) ? rng.pick(commandIds) : rng.pick(PROTO_KEYS), rng.chance(0.8) ? wasiRunValue(rng, []) : randomValue(rng)]) }]);
  }
  return { k: 'obj', entries };
}

function languageServerValue(rng: Rng): J {
  const filter = (): J => ({ k: 'obj', entries: [
    ...(rng.chance(0.5) ? [['language', { k: 'str', v: rng.pick(['plaintext', 'typescript', 'c++', '', 'a b', 'x'.repeat(65)]) }] as [string, J]] : []),
    ...(rng.chance(0.4) ? [['scheme', { k: 'str', v: rng.pick(['file', 'untitled', 'vscode-notebook-cell', 'File', '1file', '', 'a'.repeat(33)]) }] as [string, J]] : []),
    ...(rng.chance(0.5) ? [['pattern', { k: 'str', v: rng.pick(['**/*.todo', '**/*.{a,b}', '{a,{b}}', '}', '[a-z', '[{]', '{', '', '**', 'x'.repeat(201)]) }] as [string, J]] : []),
  ] });
  const entries: [string, J][] = [];
  if (rng.chance(0.9)) entries.push(['documentSelector', { k: 'arr', items: Array.from({ length: rng.pick([0, 1, 2, 3, 21]) }, filter) }]);
  if (rng.chance(0.5)) entries.push(['args', { k: 'arr', items: Array.from({ length: rng.small(4) }, () => ({ k: 'str', v: rng.pick(WASI_ARGS) }) as J) }]);
  return { k: 'obj', entries };
}

function fieldValue(rng: Rng, field: string, root: J): J {
  const str = (key: string) => ({ k: 'str', v: interestingString(rng, key) }) as J;
  const list = (make: () => J) => ({ k: 'arr', items: Array.from({ length: rng.small(8) }, make) }) as J;
  const ids = root.k === 'obj' ? root.entries.filter(([k]) => k === 'commands' || k === 'panels').flatMap(([, v]) => (v.k === 'arr' ? v.items : []))
    .flatMap((c) => (c.k === 'obj' ? c.entries.filter(([k, x]) => k === 'id' && x.k === 'str').map(([, x]) => (x as { v: string }).v) : [])) : [];
  switch (field) {
    case 'commands': case 'panels':
      return list(() => ({ k: 'obj', entries: [['id', str('id')], ['title', str('title')]] }));
    case 'events': case 'capabilities': case 'configuration':
      return list(() => str(field));
    case 'wasi':
      return wasiRunValue(rng, ids);
    case 'languageServer':
      return languageServerValue(rng);
    case 'activationEvents':
      return list(() => ({ k: 'str', v: ids.length > 0 && rng.chance(0.3) ? `${rng.pick(['onCommand', 'onPanel'])}:${rng.pick(ids)}` : interestingString(rng, field) }));
    default:
      return str(field);
  }
}

type Op = (rng: Rng, root: { value: J }) => void;

const OPS: readonly (readonly [number, string, Op])[] = [
  [3, 'drop-field', (rng, root) => {
    const objs = containers(root.value, 'obj') as Extract<J, { k: 'obj' }>[];
    const o = objs.length > 0 ? rng.pick(objs) : undefined;
    if (o && o.entries.length > 0) o.entries.splice(rng.below(o.entries.length), 1);
  }],
  [2, 'duplicate-field', (rng, root) => {
    const objs = containers(root.value, 'obj') as Extract<J, { k: 'obj' }>[];
    const o = objs.length > 0 ? rng.pick(objs) : undefined;
    if (!o || o.entries.length === 0) return;
    const [key, v] = rng.pick(o.entries);
    o.entries.splice(rng.below(o.entries.length + 1), 0, [key, rng.chance(0.5) ? clone(v) : retype(rng, v)]);
  }],
  [4, 'retype', (rng, root) => {
    const all = slots(root);
    const s = rng.pick(all.length > 1 && rng.chance(0.95) ? all.slice(1) : all);
    s.set(retype(rng, s.get()));
  }],
  [6, 'set-string', (rng, root) => {
    const all = slots(root).slice(1);
    if (all.length === 0) return;
    const s = rng.pick(all);
    s.set({ k: 'str', v: interestingString(rng, s.key) });
  }],
  [5, 'known-field', (rng, root) => {
    // Set a known field (top level, or inside a command or panel) to a value made for it.
    const r = root.value;
    if (r.k !== 'obj') return;
    const targets: Extract<J, { k: 'obj' }>[] = [r, ...(containers(r, 'obj') as Extract<J, { k: 'obj' }>[]).filter((o) => o !== r)];
    const o = rng.chance(0.7) ? r : rng.pick(targets);
    const field = o === r ? rng.pick(KNOWN_FIELDS) : rng.pick(['id', 'title', 'description']);
    const value = fieldValue(rng, field, r);
    const i = o.entries.findIndex(([k]) => k === field);
    if (i >= 0) o.entries[i][1] = value; else o.entries.push([field, value]);
  }],
  [3, 'huge-string', (rng, root) => {
    const all = slots(root).slice(1);
    if (all.length > 0) rng.pick(all).set({ k: 'str', v: hugeString(rng) });
  }],
  [4, 'unicode', (rng, root) => {
    const strs = slots(root).filter((s) => s.get().k === 'str');
    if (strs.length === 0) return;
    const s = rng.pick(strs);
    s.set({ k: 'str', v: withNastyChars(rng, (s.get() as { v: string }).v) });
  }],
  [3, 'number-for-string', (rng, root) => {
    const strs = slots(root).filter((s) => s.get().k === 'str');
    if (strs.length > 0) rng.pick(strs).set({ k: 'num', raw: rng.pick(NUMBERS) });
  }],
  [3, 'prototype-key', (rng, root) => {
    const objs = containers(root.value, 'obj') as Extract<J, { k: 'obj' }>[];
    if (objs.length === 0) return;
    const o = rng.pick(objs);
    const value = rng.chance(0.5)
      ? { k: 'obj', entries: [['id', { k: 'str', v: 'polluted' }], ['polluted', { k: 'bool', v: true }], ['title', { k: 'str', v: 'P' }]] } as J
      : randomValue(rng);
    o.entries.splice(rng.below(o.entries.length + 1), 0, [rng.pick(PROTO_KEYS), value]);
  }],
  [3, 'deep-nesting', (rng, root) => {
    const all = slots(root);
    const s = rng.pick(rng.chance(0.9) ? all.slice(1).length > 0 ? all.slice(1) : all : all);
    const [open, close] = rng.pick([['[', ']'], ['{"a":', '}'], ['[1,', ']'], ['{"__proto__":', '}'], ['{"id":"x","kind":', '}']]);
    s.set({ k: 'deep', open, close, depth: rng.pick([2, 10, 100, 1000, 3000, 8000, 20_000, 40_000]), inner: rng.chance(0.5) ? s.get() : randomValue(rng) });
  }],
  [3, 'grow-array', (rng, root) => {
    const arrs = containers(root.value, 'arr') as Extract<J, { k: 'arr' }>[];
    if (arrs.length === 0) return;
    const a = rng.pick(arrs);
    const pool = a.items.length > 0 ? a.items : [randomValue(rng)];
    const each = Math.max(1, Math.ceil(size({ k: 'arr', items: pool }, MAX_NODES) / pool.length));
    const room = Math.max(0, MAX_NODES - size(root.value, MAX_NODES));
    const n = Math.min(rng.pick([0, 1, 2, 9, 17, 21, 51, 101, 201, 1000]), a.items.length + Math.floor(room / each));
    a.items = Array.from({ length: n }, (_, i) => (i < a.items.length ? a.items[i] : clone(pool[i % pool.length])));
  }],
  [1, 'shuffle-keys', (rng, root) => {
    for (const o of containers(root.value, 'obj') as Extract<J, { k: 'obj' }>[]) {
      for (let i = o.entries.length - 1; i > 0; i--) {
        const j = rng.below(i + 1);
        [o.entries[i], o.entries[j]] = [o.entries[j], o.entries[i]];
      }
    }
  }],
  [1, 'replace-root', (rng, root) => {
    root.value = rng.chance(0.5) ? randomValue(rng) : { k: 'arr', items: [root.value] };
  }],
];

const OP_TABLE: readonly (readonly [number, readonly [string, Op]])[] = OPS.map(([w, n, op]) => [w, [n, op]] as const);

const INVALID_UTF8: readonly number[][] = [[0xff], [0xfe], [0x80], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x8e]];

function byteDamage(rng: Rng, bytes: Uint8Array): { bytes: Uint8Array; op: string } {
  const at = rng.below(bytes.length + 1);
  const join = (...parts: ArrayLike<number>[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let i = 0;
    for (const p of parts) { out.set(p, i); i += p.length; }
    return out;
  };
  switch (rng.below(7)) {
    case 0: return { bytes: bytes.slice(0, at), op: 'truncate' };
    case 1: return { bytes: join(bytes.subarray(0, at), rng.pick(INVALID_UTF8), bytes.subarray(at)), op: 'invalid-utf8' };
    case 2: return { bytes: join([0xef, 0xbb, 0xbf], bytes), op: 'bom' };
    case 3: {
      // Whitespace padding to just under, at or just over the size limit.
      const target = MAX_MANIFEST_BYTES + rng.int(-2, 2);
      const pad = Math.max(0, target - bytes.length);
      return { bytes: join(bytes, new Uint8Array(pad).fill(0x20)), op: 'pad-to-limit' };
    }
    case 4: return { bytes: join(bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + rng.small(8)))), op: 'delete-bytes' };
    case 5: return { bytes: join(bytes.subarray(0, at), [0x00], bytes.subarray(at)), op: 'nul' };
    default: {
      const b = bytes.slice();
      if (b.length > 0) b[rng.below(b.length)] = rng.pick([0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x00, 0x80, 0xff]);
      return { bytes: b, op: 'json-byte' };
    }
  }
}

/** A mutated manifest payload (the bytes of the custom section) and the operators applied. */
export function mutateManifest(rng: Rng, seeds: readonly unknown[]): { payload: Uint8Array; ops: string[] } {
  const root = { value: fromValue(rng.pick(seeds)) };
  const ops: string[] = [];
  for (let n = rng.count(6); n > 0; n--) {
    const [name, op] = rng.weighted(OP_TABLE);
    op(rng, root);
    ops.push(name);
  }
  let payload: Uint8Array = new TextEncoder().encode(serialize(root.value));
  if (rng.chance(0.25)) {
    const d = byteDamage(rng, payload);
    payload = d.bytes;
    ops.push(d.op);
  }
  return { payload, ops };
}
