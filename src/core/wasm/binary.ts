// A small reader and writer for the WebAssembly binary format: just enough to read a plugin's imports, exports,
// memory limits and custom sections without compiling it, and to add or rewrite those parts. Discovery, the loader's
// checks and the fuzzer all go through here, so every malformed input must end in a `BinaryError`, never in a
// RangeError or an endless loop.

export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;

export const enum SectionId {
  Custom = 0,
  Type = 1,
  Import = 2,
  Function = 3,
  Table = 4,
  Memory = 5,
  Global = 6,
  Export = 7,
  Start = 8,
  Element = 9,
  Code = 10,
  Data = 11,
  DataCount = 12,
  Tag = 13,
}

export type BinaryErrorReason = 'not-wasm' | 'truncated' | 'component' | 'malformed';

export class BinaryError extends Error {
  constructor(readonly reason: BinaryErrorReason, message: string, readonly offset: number) {
    super(message);
    this.name = 'BinaryError';
  }
}

export interface Section {
  readonly id: number;
  /** Offset of the section id byte. */
  readonly start: number;
  /** Offset of the first payload byte. */
  readonly payloadStart: number;
  /** Offset one past the last payload byte. */
  readonly end: number;
  /** The name of a custom section. */
  readonly name?: string;
}

export type ExternKind = 'func' | 'table' | 'memory' | 'global' | 'tag';
const EXTERN_KINDS: readonly ExternKind[] = ['func', 'table', 'memory', 'global', 'tag'];

export interface Limits {
  readonly min: number;
  readonly max?: number;
  readonly shared: boolean;
  readonly memory64: boolean;
}

export interface ImportEntry {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternKind;
  /** For functions, the index of its type. */
  readonly typeIndex?: number;
  readonly limits?: Limits;
}

export interface ExportEntry {
  readonly name: string;
  readonly kind: ExternKind;
  readonly index: number;
}

export interface FuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface ModuleInfo {
  readonly sections: readonly Section[];
  readonly imports: readonly ImportEntry[];
  readonly exports: readonly ExportEntry[];
  readonly types: readonly FuncType[];
  /** Type index of every function defined in the module (not the imported ones). */
  readonly functionTypes: readonly number[];
  /** Memories defined in the module (not imported). */
  readonly memories: readonly Limits[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Cursor over a byte range; every read checks the bound it was given. */
export class Reader {
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number) {}

  get done(): boolean { return this.pos >= this.end; }

  byte(): number {
    if (this.pos >= this.end) throw new BinaryError('truncated', `unexpected end of data at byte ${this.pos}`, this.pos);
    return this.bytes[this.pos++];
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    const at = this.pos;
    for (;;) {
      const b = this.byte();
      if (shift === 28 && (b & 0x70) !== 0) throw new BinaryError('malformed', `LEB128 u32 too large at byte ${at}`, at);
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 28) throw new BinaryError('malformed', `LEB128 u32 too long at byte ${at}`, at);
    }
  }

  /** Reads an LEB128 u64 as a number (exact up to 2^53, enough for memory limits). */
  u64(): number {
    let result = 0;
    let shift = 0;
    const at = this.pos;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new BinaryError('malformed', `LEB128 u64 too long at byte ${at}`, at);
    }
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) {
      throw new BinaryError('truncated', `needs ${n} bytes at byte ${this.pos} but only ${this.end - this.pos} remain`, this.pos);
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string {
    const at = this.pos;
    const raw = this.take(this.u32());
    try {
      return utf8.decode(raw);
    } catch {
      throw new BinaryError('malformed', `name at byte ${at} is not valid UTF-8`, at);
    }
  }
}

/** The component-model binary starts like a module but with version 0x0d and layer 1. */
export function isComponentBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && WASM_MAGIC.every((b, i) => bytes[i] === b) && bytes[6] === 0x01 && bytes[7] === 0x00 && bytes[4] !== 0x01;
}

/** Splits a module into its sections, checking the header and every section length. */
export function readSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 4 || !WASM_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new BinaryError('not-wasm', 'does not start with the WebAssembly magic bytes \\0asm', 0);
  }
  if (bytes.length < 8) throw new BinaryError('truncated', `file ends inside the header (${bytes.length} bytes)`, bytes.length);
  if (isComponentBinary(bytes)) {
    throw new BinaryError('component', 'is a WebAssembly component, not a core module', 4);
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new BinaryError('malformed', `unsupported binary version ${Array.from(bytes.subarray(4, 8)).join(',')}`, 4);
  }
  const sections: Section[] = [];
  const r = new Reader(bytes, 8, bytes.length);
  while (!r.done) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    const payloadStart = r.pos;
    if (size > bytes.length - payloadStart) {
      throw new BinaryError('truncated', `section ${id} at byte ${start} claims ${size} bytes but only ${bytes.length - payloadStart} remain`, start);
    }
    const end = payloadStart + size;
    if (id === SectionId.Custom) {
      // A custom section's payloadStart points after its name.
      const nr = new Reader(bytes, payloadStart, end);
      const name = nr.name();
      sections.push({ id, start, payloadStart: nr.pos, end, name });
    } else {
      if (id > SectionId.Tag) throw new BinaryError('malformed', `unknown section id ${id} at byte ${start}`, start);
      sections.push({ id, start, payloadStart, end });
    }
    r.pos = end;
  }
  return sections;
}

function readLimits(r: Reader): Limits {
  const at = r.pos;
  const flags = r.byte();
  if (flags > 7) throw new BinaryError('malformed', `bad limits flags ${flags} at byte ${at}`, at);
  const memory64 = (flags & 4) !== 0;
  const min = memory64 ? r.u64() : r.u32();
  const max = (flags & 1) !== 0 ? (memory64 ? r.u64() : r.u32()) : undefined;
  return { min, max, shared: (flags & 2) !== 0, memory64 };
}

function readValType(r: Reader): number {
  const at = r.pos;
  const t = r.byte();
  // i32 i64 f32 f64 v128 funcref externref, and the (ref null? ht) forms of the reference-types proposals.
  if ([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f].includes(t)) return t;
  if (t === 0x63 || t === 0x64) { r.u32(); return t; }
  throw new BinaryError('malformed', `unknown value type 0x${t.toString(16)} at byte ${at}`, at);
}

function readTableType(r: Reader): void {
  readValType(r);
  readLimits(r);
}

function readGlobalType(r: Reader): void {
  readValType(r);
  r.byte();
}

function expectEnd(r: Reader, what: string): void {
  if (r.pos !== r.end) throw new BinaryError('malformed', `${what} section has ${r.end - r.pos} trailing bytes`, r.pos);
}

/** Reads the sections a plugin host cares about. Code and data are skipped (the engine validates them). */
export function readModule(bytes: Uint8Array): ModuleInfo {
  const sections = readSections(bytes);
  const imports: ImportEntry[] = [];
  const exports: ExportEntry[] = [];
  const types: FuncType[] = [];
  const functionTypes: number[] = [];
  const memories: Limits[] = [];
  for (const s of sections) {
    const r = new Reader(bytes, s.payloadStart, s.end);
    switch (s.id) {
      case SectionId.Type: {
        for (let n = r.u32(), i = 0; i < n; i++) {
          const at = r.pos;
          const form = r.byte();
          if (form !== 0x60) throw new BinaryError('malformed', `unsupported type form 0x${form.toString(16)} at byte ${at}`, at);
          const params: number[] = [];
          for (let k = r.u32(), j = 0; j < k; j++) params.push(readValType(r));
          const results: number[] = [];
          for (let k = r.u32(), j = 0; j < k; j++) results.push(readValType(r));
          types.push({ params, results });
        }
        expectEnd(r, 'type');
        break;
      }
      case SectionId.Import: {
        for (let n = r.u32(), i = 0; i < n; i++) {
          const module = r.name();
          const name = r.name();
          const at = r.pos;
          const k = r.byte();
          const kind = EXTERN_KINDS[k];
          if (kind === undefined) throw new BinaryError('malformed', `unknown import kind ${k} at byte ${at}`, at);
          if (kind === 'func') imports.push({ module, name, kind, typeIndex: r.u32() });
          else if (kind === 'memory') imports.push({ module, name, kind, limits: readLimits(r) });
          else if (kind === 'table') { readTableType(r); imports.push({ module, name, kind }); }
          else if (kind === 'global') { readGlobalType(r); imports.push({ module, name, kind }); }
          else { r.byte(); r.u32(); imports.push({ module, name, kind }); }
        }
        expectEnd(r, 'import');
        break;
      }
      case SectionId.Function: {
        for (let n = r.u32(), i = 0; i < n; i++) functionTypes.push(r.u32());
        expectEnd(r, 'function');
        break;
      }
      case SectionId.Memory: {
        for (let n = r.u32(), i = 0; i < n; i++) memories.push(readLimits(r));
        expectEnd(r, 'memory');
        break;
      }
      case SectionId.Export: {
        for (let n = r.u32(), i = 0; i < n; i++) {
          const name = r.name();
          const at = r.pos;
          const k = r.byte();
          const kind = EXTERN_KINDS[k];
          if (kind === undefined) throw new BinaryError('malformed', `unknown export kind ${k} at byte ${at}`, at);
          exports.push({ name, kind, index: r.u32() });
        }
        expectEnd(r, 'export');
        break;
      }
      default:
        break;
    }
  }
  return { sections, imports, exports, types, functionTypes, memories };
}

// ---- writing ---------------------------------------------------------------------------------------------------------

export function encodeU32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function encodeName(name: string): number[] {
  const raw = utf8Encoder.encode(name);
  return [...encodeU32(raw.length), ...raw];
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function section(id: number, payload: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(id, ...encodeU32(payload.length)), payload]);
}

export function customSection(name: string, payload: Uint8Array): Uint8Array {
  return section(SectionId.Custom, concat([Uint8Array.from(encodeName(name)), payload]));
}

/** Returns the payloads of every custom section with this name, in order. */
export function customSections(bytes: Uint8Array, name: string, sections: readonly Section[] = readSections(bytes)): Uint8Array[] {
  return sections.filter((s) => s.id === SectionId.Custom && s.name === name).map((s) => bytes.subarray(s.payloadStart, s.end));
}

/** Replaces every custom section of this name by one with the given payload (or none), appended at the end. */
export function setCustomSection(bytes: Uint8Array, name: string, payload: Uint8Array | undefined): Uint8Array {
  const sections = readSections(bytes);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of sections) {
    if (s.id === SectionId.Custom && s.name === name) continue;
    parts.push(bytes.subarray(s.start, s.end));
  }
  if (payload !== undefined) parts.push(customSection(name, payload));
  return concat(parts);
}

/** Rewrites the export section with new names; `rename` returns the new name (or the same). */
export function renameExports(bytes: Uint8Array, rename: (name: string) => string): Uint8Array {
  const info = readModule(bytes);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of info.sections) {
    if (s.id !== SectionId.Export) { parts.push(bytes.subarray(s.start, s.end)); continue; }
    const payload: number[] = [...encodeU32(info.exports.length)];
    for (const e of info.exports) payload.push(...encodeName(rename(e.name)), EXTERN_KINDS.indexOf(e.kind), ...encodeU32(e.index));
    parts.push(section(SectionId.Export, Uint8Array.from(payload)));
  }
  return concat(parts);
}

/**
 * Caps every memory the module defines at `maxPages` 64 KiB pages by rewriting the memory section's limits, so the
 * engine itself refuses `memory.grow` past the cap (the guest's allocator sees a failed grow, as on a full machine).
 * Returns the bytes unchanged when no memory needs a lower maximum. Throws when a memory's minimum exceeds the cap.
 */
export function capMemories(bytes: Uint8Array, maxPages: number): Uint8Array {
  const info = readModule(bytes);
  const needs = info.memories.some((m) => !m.memory64 && (m.max === undefined || m.max > maxPages));
  if (!needs) return bytes;
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of info.sections) {
    if (s.id !== SectionId.Memory) { parts.push(bytes.subarray(s.start, s.end)); continue; }
    const payload: number[] = [...encodeU32(info.memories.length)];
    for (const m of info.memories) {
      if (m.memory64) throw new BinaryError('malformed', '64-bit memories are not supported', s.start);
      if (m.min > maxPages) {
        throw new BinaryError('malformed', `memory needs ${m.min} pages at start but the cap is ${maxPages} pages`, s.start);
      }
      const max = m.max === undefined ? maxPages : Math.min(m.max, maxPages);
      payload.push((m.shared ? 2 : 0) | 1, ...encodeU32(m.min), ...encodeU32(max));
    }
    parts.push(section(SectionId.Memory, Uint8Array.from(payload)));
  }
  return concat(parts);
}
