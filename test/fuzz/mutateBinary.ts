// Byte-level mutations of WebAssembly binaries. Every operator is blind to meaning but knows where the sections are
// (a lenient scan that never throws), so half of the positions land inside a randomly chosen section instead of
// mostly in the code section, which is where most bytes of a real plugin are.

import { MANIFEST_SECTION } from '../../src/core/manifest';
import { customSection, encodeU32, readModule, renameExports } from '../../src/core/wasm/binary';
import { Rng } from './rng';

export interface RawSection {
  readonly id: number;
  readonly start: number;
  /** Offset of the LEB128 size field. */
  readonly sizeStart: number;
  readonly payloadStart: number;
  readonly end: number;
}

/** Reads an LEB128 u32 of at most 5 bytes without throwing. */
export function peekLeb(b: Uint8Array, pos: number): { value: number; length: number } | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= b.length) return undefined;
    const byte = b[pos + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, length: i + 1 };
  }
  return undefined;
}

/** The sections as far as they can be told apart; stops at the first inconsistency. */
export function scanSections(b: Uint8Array): RawSection[] {
  const out: RawSection[] = [];
  let pos = 8;
  while (pos < b.length) {
    const size = peekLeb(b, pos + 1);
    if (size === undefined) break;
    const payloadStart = pos + 1 + size.length;
    const end = payloadStart + size.value;
    if (end > b.length) break;
    out.push({ id: b[pos], start: pos, sizeStart: pos + 1, payloadStart, end });
    pos = end;
  }
  return out;
}

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x0b, 0x20, 0x40, 0x41, 0x60, 0x63, 0x64, 0x6f, 0x70, 0x7b, 0x7f, 0x80, 0x81, 0xc0, 0xfe, 0xff];
const INTERESTING_U32 = [0, 1, 2, 7, 0x3f, 0x40, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0xffff, 0x10000, 0x10001, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_SEQUENCES: readonly number[][] = [
  [0x80, 0x80, 0x80, 0x80, 0x00], // overlong zero
  [0xff, 0xff, 0xff, 0xff, 0x0f], // u32 max
  [0xff, 0xff, 0xff, 0xff, 0x7f], // too large for u32
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], // too long
  [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // a header in the middle
  [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00], // a component header
  [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], // invalid UTF-8
  [0x05, 0x03, 0x01, 0x00, 0x01], // memory section, 1 page
  [0x05, 0x04, 0x01, 0x04, 0x80, 0x80], // memory64, truncated
  [0x01, 0x04, 0x01, 0x60, 0x00, 0x00], // type section with one () -> ()
  [0x02, 0x00], [0x07, 0x00], [0x00, 0x00], [0x0a, 0x00], // empty sections
];
const MAX_SIZE = 4 << 20;

const concat = (...parts: (Uint8Array | readonly number[])[]): Uint8Array => {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/** A position in `b`: half the time uniform, half the time inside a random section (so small sections get hit). */
function position(rng: Rng, b: Uint8Array, sections: readonly RawSection[]): number {
  if (b.length === 0) return 0;
  if (sections.length > 0 && rng.chance(0.5)) {
    const s = rng.pick(sections);
    return rng.int(s.start, Math.max(s.start, s.end - 1));
  }
  return rng.below(b.length);
}

function chunkLength(rng: Rng): number {
  return rng.small(rng.chance(0.9) ? 64 : 4096);
}

function randomBytes(rng: Rng, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.below(256));
  return out;
}

/** A u32 LEB128, minimal or padded to 5 bytes (overlong), for a value the size field should not have. */
function weirdLeb(rng: Rng, current: number): number[] {
  const value = rng.weighted<number>([
    [3, Math.max(0, current + rng.int(-16, 16))],
    [1, 0],
    [1, current * 2],
    [2, rng.pick(INTERESTING_U32)],
    [1, rng.u32()],
  ]) >>> 0;
  if (rng.chance(0.2)) {
    const out: number[] = [];
    let v = value;
    for (let i = 0; i < 4; i++) { out.push((v & 0x7f) | 0x80); v = Math.floor(v / 128); }
    out.push(v & 0x7f);
    return out;
  }
  if (rng.chance(0.05)) return rng.pick(INTERESTING_SEQUENCES.slice(0, 4));
  return encodeU32(value);
}

function randomName(rng: Rng): string {
  return rng.weighted<string>([
    [3, MANIFEST_SECTION],
    [1, ''],
    [1, 'name'],
    [1, 'producers'],
    [1, 'x'.repeat(rng.small(300))],
    [1, String.fromCharCode(...randomBytes(rng, rng.small(8)))],
  ]);
}

function memorySection(rng: Rng): number[] {
  const count = rng.weighted<number>([[1, 0], [6, 1], [2, 2], [1, 0x7f]]);
  const payload: number[] = [...encodeU32(count)];
  for (let i = 0; i < Math.min(count, 3); i++) {
    const flags = rng.chance(0.9) ? rng.below(8) : rng.below(256);
    payload.push(flags);
    const limit = () => (flags & 4) !== 0 && rng.chance(0.5)
      ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, rng.pick([0x00, 0x7f, 0x01])]
      : encodeU32(rng.pick([0, 1, 2, 16, 256, 4096, 16384, 65535, 65536, 65537, 0xffffffff, rng.u32()]));
    payload.push(...limit());
    if ((flags & 1) !== 0) payload.push(...limit());
  }
  if (rng.chance(0.1)) payload.push(...randomBytes(rng, rng.small(4)));
  return [0x05, ...encodeU32(payload.length), ...payload];
}

type Mutator = (rng: Rng, b: Uint8Array, sections: RawSection[], others: readonly Uint8Array[]) => Uint8Array;

const MUTATORS: readonly (readonly [number, string, Mutator])[] = [
  [6, 'flip-bits', (rng, b, s) => {
    const out = b.slice();
    for (let i = rng.count(8); i > 0 && out.length > 0; i--) out[position(rng, out, s)] ^= 1 << rng.below(8);
    return out;
  }],
  [6, 'interesting-byte', (rng, b, s) => {
    const out = b.slice();
    for (let i = rng.count(4); i > 0 && out.length > 0; i--) out[position(rng, out, s)] = rng.pick(INTERESTING_BYTES);
    return out;
  }],
  [2, 'random-byte', (rng, b, s) => {
    const out = b.slice();
    if (out.length > 0) out[position(rng, out, s)] = rng.below(256);
    return out;
  }],
  [6, 'section-size', (rng, b, s) => {
    if (s.length === 0) return b;
    const sec = rng.pick(s);
    return concat(b.subarray(0, sec.sizeStart), weirdLeb(rng, sec.end - sec.payloadStart), b.subarray(sec.payloadStart));
  }],
  [6, 'payload-leb', (rng, b, s) => {
    // Any LEB128 inside a payload: a count, an index, a name length, a limit.
    const at = position(rng, b, s);
    const leb = peekLeb(b, at);
    if (leb === undefined) return b;
    return concat(b.subarray(0, at), weirdLeb(rng, leb.value), b.subarray(at + leb.length));
  }],
  [3, 'section-id', (rng, b, s) => {
    if (s.length === 0) return b;
    const out = b.slice();
    out[rng.pick(s).start] = rng.chance(0.8) ? rng.below(14) : rng.pick([14, 15, 0x40, 0x7f, 0x80, 0xff]);
    return out;
  }],
  [4, 'delete-chunk', (rng, b, s) => {
    if (s.length > 0 && rng.chance(0.3)) {
      const sec = rng.pick(s);
      return concat(b.subarray(0, sec.start), b.subarray(sec.end));
    }
    const at = position(rng, b, s);
    return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + chunkLength(rng))));
  }],
  [3, 'duplicate-chunk', (rng, b, s) => {
    if (s.length > 0 && rng.chance(0.4)) {
      const sec = rng.pick(s);
      const to = rng.chance(0.5) ? sec.end : rng.pick(s).start;
      return concat(b.subarray(0, to), b.subarray(sec.start, sec.end), b.subarray(to));
    }
    const from = position(rng, b, s);
    const chunk = b.subarray(from, Math.min(b.length, from + chunkLength(rng)));
    const to = rng.chance(0.5) ? from + chunk.length : position(rng, b, s);
    return concat(b.subarray(0, to), chunk, b.subarray(to));
  }],
  [3, 'insert-chunk', (rng, b, s) => {
    const at = s.length > 0 && rng.chance(0.5) ? rng.pick([...s.map((x) => x.start), b.length]) : position(rng, b, s);
    const chunk = rng.weighted<readonly number[] | Uint8Array>([
      [3, randomBytes(rng, rng.small(32))],
      [3, INTERESTING_SEQUENCES[rng.below(INTERESTING_SEQUENCES.length)]],
      [2, customSection(randomName(rng), Uint8Array.from(randomBytes(rng, rng.small(64))))],
      [2, memorySection(rng)],
    ]);
    return concat(b.subarray(0, at), chunk, b.subarray(at));
  }],
  [3, 'truncate', (rng, b, s) => {
    const at = s.length > 0 && rng.chance(0.5)
      ? Math.max(0, rng.pick(s).start + rng.int(-2, 3))
      : rng.chance(0.1) ? rng.below(12) : rng.below(b.length + 1);
    return b.subarray(0, Math.min(at, b.length)).slice();
  }],
  [3, 'splice', (rng, b, s, others) => {
    const other = rng.pick(others);
    const os = scanSections(other);
    if (rng.chance(0.5) || s.length === 0 || os.length === 0) {
      // Head of one module, tail of the other, cut at section boundaries (or anywhere).
      const cutA = s.length > 0 && rng.chance(0.8) ? rng.pick(s).start : rng.below(b.length + 1);
      const cutB = os.length > 0 && rng.chance(0.8) ? rng.pick(os).start : rng.below(other.length + 1);
      return concat(b.subarray(0, cutA), other.subarray(cutB));
    }
    // One section of the other module, inserted at a section boundary.
    const sec = rng.pick(os);
    const at = rng.pick([...s.map((x) => x.start), b.length]);
    return concat(b.subarray(0, at), other.subarray(sec.start, sec.end), b.subarray(at));
  }],
  [2, 'swap-sections', (rng, b, s) => {
    if (s.length < 2) return b;
    let i = rng.below(s.length);
    let j = rng.below(s.length);
    if (i === j) return b;
    if (i > j) [i, j] = [j, i];
    const [x, y] = [s[i], s[j]];
    return concat(b.subarray(0, x.start), b.subarray(y.start, y.end), b.subarray(x.end, y.start), b.subarray(x.start, x.end), b.subarray(y.end));
  }],
  [1, 'header', (rng, b) => {
    const out = b.slice();
    if (out.length === 0) return out;
    out[rng.below(Math.min(8, out.length))] = rng.pick([0x00, 0x01, 0x02, 0x0d, 0x61, 0xff, rng.below(256)]);
    return out;
  }],
  [3, 'memory-limits', (rng, b, s) => {
    const mem = s.find((x) => x.id === 5);
    const replacement = memorySection(rng);
    if (mem === undefined) {
      const at = s.length > 0 ? rng.pick(s).start : b.length;
      return concat(b.subarray(0, at), replacement, b.subarray(at));
    }
    return concat(b.subarray(0, mem.start), replacement, b.subarray(mem.end));
  }],
  [2, 'shuffle-exports', (rng, b) => {
    // Gives exports each other's names: memory as a function, run-command with activate's signature, …
    let names: string[];
    try { names = readModule(b).exports.map((e) => e.name); } catch { return b; }
    if (names.length === 0) return b;
    const extra = ['memory', 'cabi_realloc', 'run-command', 'handle-event', 'render-panel', 'panel-message', 'activate', ''];
    const pool = [...names, ...extra];
    try {
      return renameExports(b, (n) => (rng.chance(0.3) ? rng.pick(pool) : n));
    } catch {
      return b;
    }
  }],
];

const TOTAL_WEIGHT_TABLE: readonly (readonly [number, readonly [string, Mutator]])[] = MUTATORS.map(([w, n, m]) => [w, [n, m]] as const);

/** Applies 1–8 stacked mutations to `seed`; returns the new bytes and the names of the operators applied. */
export function mutateBinary(rng: Rng, seed: Uint8Array, others: readonly Uint8Array[]): { bytes: Uint8Array; ops: string[] } {
  let b = seed;
  const ops: string[] = [];
  for (let n = rng.count(8); n > 0; n--) {
    const [opName, op] = rng.weighted(TOTAL_WEIGHT_TABLE);
    const next = op(rng, b, scanSections(b), others);
    if (next.length > MAX_SIZE) continue;
    b = next;
    ops.push(opName);
  }
  return { bytes: b === seed ? seed.slice() : b, ops };
}
