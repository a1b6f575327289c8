// Compiled bindings: a specialised call path for the functions of the plugin world, built once per function type from
// @vscode/wasm-component-model's own type objects (size, alignment, flat types, fields, cases, discriminant types), so
// the library stays the definition of the canonical ABI while a call avoids its generic machinery (a range object per
// value, value iterators, `Buffer.from` + copy per string, type-driven recursion, an array of flat values).
//
// For one FunctionType this generates straight-line JavaScript, like jco does at transpile time: lowering writes the
// parameters straight into linear memory (a string: its exact UTF-8 length, one `cabi_realloc`, its bytes; see
// `storeStr`), the core function is called with the flat values, and lifting reads the result from one DataView of
// the memory (strings decoded once, see `decodeStr`). It reproduces the library's observable behaviour, not only the canonical ABI: the same `cabi_realloc`
// calls in the same order (so the guest sees the same allocations and bytes), the same JS values (records as plain
// objects, variants built by the bindings' own constructors, options as value-or-undefined, `result` errors thrown as
// the type's error class), the same alignment checks where the library's memory ranges make them, the same read
// budget charges (see LinearMemory in instance.ts), and traps or memory errors where the library fails. Where the
// library fails with an accident (a TypeError for a variant discriminant that has no case) this code throws a
// ComponentModelTrap instead: the same kind of failure for the instance (a trap), with a better message.
//
// Safety of the generated code: its text is made only from our own type metadata (numbers checked to be integers,
// names and tags of the generated bindings, always embedded as JSON string literals); values from the guest or the
// host only ever flow through it at run time. Anything it does not know (flags, tuples, floats, 64-bit integers,
// char, resources, typed-array lists, flat results, more than MAX_FLAT_PARAMS parameters, …) makes `compileExport` /
// `compileImport` return undefined, and the caller keeps the library's path for that function. So does an
// environment where `new Function` is forbidden.

import * as $wcm from '@vscode/wasm-component-model';
import { isAscii } from 'node:buffer';

type AnyType = $wcm.AnyComponentModelType;
type FlatType = AnyType['flatTypes'][number];

/** What the compiled code needs from the instance's linear memory (`LinearMemory` in instance.ts implements it). */
export interface AbiMemory {
  /** The whole memory as bytes; renewed when `memory.grow` detached the previous buffer. */
  u8(): Uint8Array;
  /** The whole memory as a DataView; renewed like `u8()`. */
  view(): DataView;
  /** The whole memory as a Node Buffer (for its string methods); renewed like `u8()`. */
  nodeBuffer(): Buffer;
  /** `cabi_realloc(0, 0, align, size)`: the guest's pointer as the i32 it returned (a bogus one may be negative). */
  allocPtr(align: number, size: number): number;
  /** Charges `size` bytes to the read budget of the current lift; throws once the budget is exhausted. */
  charge(size: number): void;
}

/** The core export, as WebAssembly hands it to JavaScript. */
export type CoreFunction = (...args: number[]) => unknown;

export interface BoundExport {
  /** Lowers the parameters, calls the core export, lifts its result, then calls post-return (if any). */
  readonly call: (...params: unknown[]) => unknown;
  /** `call` with the parameters as one array. */
  readonly callWith: (params: readonly unknown[]) => unknown;
  /** Only lowers the parameters and returns the flat values (for the differential tests). */
  readonly lower: (...params: unknown[]) => unknown[];
  /** Only lifts a result from the value the core export returned (for the differential tests). */
  readonly lift: (ret: number) => unknown;
}

export interface CompiledExport {
  bind(memory: AbiMemory, core: CoreFunction, post: ((ret: number) => unknown) | undefined): BoundExport;
}

/**
 * The host side of one import. It gets the lifted arguments and returns the value the guest receives; for a `result`
 * return type that is the ok value, and an error result is thrown as the type's error class (as with the library).
 */
export type ImportService = (...args: unknown[]) => unknown;

export interface CompiledImport {
  /**
   * The function to put into the import object. `memory` is asked at every call (the memory exists only once the
   * module is instantiated); `fallback` (the library's function for the same import) serves calls whose arity is not
   * the core signature's, which only JavaScript callers can make.
   */
  bind(memory: () => AbiMemory, service: ImportService, fallback: (...args: number[]) => unknown): (...args: number[]) => unknown;
}

const exportCache = new WeakMap<$wcm.FunctionType, CompiledExport | null>();
const importCache = new WeakMap<$wcm.FunctionType, CompiledImport | null>();

/** The compiled export binding of `type`, or undefined when its types need the library's path. */
export function compileExport(type: $wcm.FunctionType): CompiledExport | undefined {
  let c = exportCache.get(type);
  if (c === undefined) {
    c = build<CompiledExport>(() => new ExportGen(type).generate());
    exportCache.set(type, c);
  }
  return c ?? undefined;
}

/** The compiled import binding of `type`, or undefined when its types need the library's path. */
export function compileImport(type: $wcm.FunctionType): CompiledImport | undefined {
  let c = importCache.get(type);
  if (c === undefined) {
    c = build<CompiledImport>(() => new ImportGen(type).generate());
    importCache.set(type, c);
  }
  return c ?? undefined;
}

/** Why a function is not compiled (for tests and logs); undefined when it is. */
export function whyNotCompiled(type: $wcm.FunctionType, direction: 'export' | 'import'): string | undefined {
  try {
    const generated = direction === 'export' ? new ExportGen(type).generate() : new ImportGen(type).generate();
    new Function('R', 'K', generated.source);
    return undefined;
  } catch (e) {
    return e instanceof Unsupported ? e.message : String(e);
  }
}

interface Generated {
  readonly source: string;
  readonly constants: readonly unknown[];
}

function build<C>(generate: () => Generated): C | null {
  try {
    const generated = generate();
    // See "Safety of the generated code" above.
    const factory = new Function('R', 'K', generated.source) as (r: typeof RUNTIME, k: readonly unknown[]) => C;
    return factory(RUNTIME, generated.constants);
  } catch {
    // A type the compiler does not know, code generation forbidden (a content security policy), or a bug of the
    // generator (the tests require every function of the world to compile, see `whyNotCompiled`): the library's
    // path it is.
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Run-time support of the generated code.

const utf8Decoder = new TextDecoder('utf-8');   // like the library's: not fatal, a leading BOM is dropped
const utf8Encoder = new TextEncoder();

/** Strings up to this length are measured and, when ASCII, copied by a loop: cheaper than any native call. */
const SHORT_STRING = 16;
/** Up to this length, `Buffer.byteLength` is cheaper than encoding into the scratch area (see `storeStr`). */
const MEDIUM_STRING = 512;
/**
 * Longer strings are encoded once into this scratch area to learn their exact UTF-8 length (see `storeStr`). It grows
 * to 3 bytes per UTF-16 code unit of the longest such string, at most MAX_SCRATCH (longer strings do without it).
 */
let scratch = new Uint8Array(0);
const MAX_SCRATCH = 256 << 10;
/** From this many bytes on, an ASCII string is decoded as Latin-1 (a copy) instead of by the UTF-8 decoder. */
const LONG_DECODE = 512;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;   // including a lone surrogate, which is encoded as U+FFFD
  }
  return n;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Memory's range alignment as the library computes it for a range at `ptr` (`Alignment.getAlignment`). */
function alignOf(ptr: number): number {
  if (ptr % 8 === 0) return 8;
  if (ptr % 4 === 0) return 4;
  if (ptr % 2 === 0) return 2;
  return 1;
}

const rt = {
  /** The byte length of the string `storeStr` wrote last (read right after the call). */
  bytes: 0,
};

/**
 * Allocates a string's UTF-8 bytes in the guest and writes them: one `cabi_realloc(0, 0, 1, length)` with the exact
 * length, as the library does, then the bytes. Returns the pointer; the length is in `rt.bytes`.
 *
 * The exact length is what costs: `Buffer.byteLength` scans the string at about 7 bytes/ns (1.4 µs for 10 KB), more
 * than encoding it. So a short string is measured and copied by JavaScript loops; a medium one is measured by
 * `Buffer.byteLength` and, when ASCII, copied as Latin-1 (cheaper than `encodeInto`); a long one is encoded once into
 * a scratch area with `encodeInto` (which reports the length) and copied into the guest (a memcpy): 0.6 µs for 10 KB
 * instead of 1.9 µs for byteLength + encodeInto. Strings too long for the scratch area take the medium way.
 */
function storeStr(mem: AbiMemory, s: unknown): number {
  if (typeof s !== 'string') return storeBytes(mem, encodeOther(s));
  const n = s.length;
  if (n <= SHORT_STRING) {
    const len = utf8Length(s);
    const ptr = mem.allocPtr(1, len);
    const u8 = checkedTarget(mem, ptr, len);
    if (len === n) for (let i = 0; i < n; i++) u8[ptr + i] = s.charCodeAt(i);
    else utf8Encoder.encodeInto(s, u8.subarray(ptr, ptr + len));
    rt.bytes = len;
    return ptr;
  }
  if (n <= MEDIUM_STRING) {
    const len = byteLength(s);
    const ptr = mem.allocPtr(1, len);
    const u8 = checkedTarget(mem, ptr, len);
    // Same length in bytes as in UTF-16 code units: ASCII, whose UTF-8 is its Latin-1 (written by a plain copy).
    if (len === n) latin1Write(mem.nodeBuffer(), s, ptr, len);
    else utf8Encoder.encodeInto(s, u8.subarray(ptr, ptr + len));
    rt.bytes = len;
    return ptr;
  }
  if (n * 3 <= MAX_SCRATCH) {
    if (scratch.length < n * 3) scratch = new Uint8Array(Math.max(n * 3, 4096));
    const len = utf8Encoder.encodeInto(s, scratch).written;
    const ptr = mem.allocPtr(1, len);
    checkedTarget(mem, ptr, len).set(scratch.subarray(0, len), ptr);
    rt.bytes = len;
    return ptr;
  }
  const len = byteLength(s);
  const ptr = mem.allocPtr(1, len);
  utf8Encoder.encodeInto(s, checkedTarget(mem, ptr, len).subarray(ptr, ptr + len));
  rt.bytes = len;
  return ptr;
}

/** The memory, after the check the library's copy (TypedArray#set) makes: even 0 bytes outside it are refused. */
function checkedTarget(mem: AbiMemory, ptr: number, len: number): Uint8Array {
  const u8 = mem.u8();
  if (ptr < 0 || ptr + len > u8.length) throw new RangeError('offset is out of bounds');
  return u8;
}

/** What the library's encoder (in Node: `Buffer.from(v ?? '')`) makes of a value that is not a string. */
function encodeOther(v: unknown): Uint8Array {
  return Buffer.from((v ?? '') as string, 'utf-8');
}

function storeBytes(mem: AbiMemory, data: Uint8Array): number {
  const ptr = mem.allocPtr(1, data.length);
  mem.u8().set(data, ptr);
  rt.bytes = data.length;
  return ptr;
}

/**
 * Decodes `n` bytes at `p` after the same checks as the library's memory (see LinearMemory.getUint8Array), into the
 * same string as the library's TextDecoder: in Node, `TextDecoder#decode` (not fatal) drops a leading BOM and then
 * decodes exactly like `Buffer#toString('utf8')` (both end in V8's UTF-8 decoder, which replaces invalid sequences
 * the WHATWG way; the differential tests fuzz this), which is cheaper to call and needs no view object. A long ASCII
 * string is copied as Latin-1, which gives the same string a third faster.
 */
function decodeStr(mem: AbiMemory, p: number, n: number): string {
  const u8 = mem.u8();
  if (!Number.isInteger(n) || n < 0 || p + n > u8.length) {
    throw new $wcm.MemoryError(`Memory access is out of bounds. Accessing [0, ${n}], allocated[${p}, ${n}]`);
  }
  // The library makes a view here, which throws a RangeError for a negative p (a flat i32 argument): so does this.
  if (p < 0) return utf8Decoder.decode(new Uint8Array(u8.buffer, p, n));
  if (n >= 3 && u8[p] === 0xef && u8[p + 1] === 0xbb && u8[p + 2] === 0xbf) return utf8Decoder.decode(u8.subarray(p, p + n));
  const buffer = mem.nodeBuffer();
  if (n >= LONG_DECODE && isAscii(buffer.subarray(p, p + n))) return latin1Slice(buffer, p, p + n);
  return utf8Slice(buffer, p, p + n);
}

/**
 * Buffer's own per-encoding methods, which `toString(encoding, start, end)` and `write(string, offset, length,
 * encoding)` end in after parsing their arguments: a fifth of a 100-byte string's cost. Not in Node's documentation
 * (but in every Node version since 0.x); when missing, the documented methods are used.
 */
interface BufferInternals {
  utf8Slice?(start: number, end: number): string;
  latin1Slice?(start: number, end: number): string;
  latin1Write?(string: string, offset: number, length: number): number;
}
const internals = Buffer.prototype as BufferInternals;
const utf8Slice: (b: Buffer, start: number, end: number) => string = typeof internals.utf8Slice === 'function'
  ? (b, start, end) => (b as BufferInternals).utf8Slice!(start, end) : (b, start, end) => b.toString('utf8', start, end);
const latin1Slice: (b: Buffer, start: number, end: number) => string = typeof internals.latin1Slice === 'function'
  ? (b, start, end) => (b as BufferInternals).latin1Slice!(start, end) : (b, start, end) => b.toString('latin1', start, end);
const latin1Write: (b: Buffer, s: string, offset: number, length: number) => number = typeof internals.latin1Write === 'function'
  ? (b, s, offset, length) => (b as BufferInternals).latin1Write!(s, offset, length) : (b, s, offset, length) => b.write(s, offset, length, 'latin1');

function trap(message: string): Error {
  return new $wcm.ComponentModelTrap(message);
}

function misaligned(alignment: number): Error {
  return new $wcm.MemoryError(`Memory location is not aligned to ${alignment}.`);
}

function badCase(index: number, what: string): Error {
  return new $wcm.ComponentModelTrap(`Invalid discriminant ${index} for ${what}`);
}

const RUNTIME = { rt, storeStr, decodeStr, alignOf, trap, misaligned, badCase, isOption: $wcm.option.isOption };
const RUNTIME_PROLOGUE = `"use strict";\nconst { rt, storeStr, decodeStr, alignOf, trap, misaligned, badCase, isOption } = R;\n`;

// ---------------------------------------------------------------------------------------------------------------
// Code generation.

class Unsupported extends Error {}

/** The library's fields the generator reads; several are private in its typings, all are plain runtime fields. */
interface VariantShape {
  readonly cases: readonly { readonly index: number; readonly tag: string; readonly type: AnyType | undefined }[];
  readonly ctor: (tag: string, value: unknown) => unknown;
  readonly discriminantType: AnyType;
  readonly maxCaseAlignment: number;
  readonly size: number;
  readonly alignment: number;
  readonly flatTypes: readonly FlatType[];
}
interface EnumShape {
  readonly cases: readonly string[];
  readonly discriminantType: AnyType;
}
interface ListShape {
  readonly elementType: AnyType;
}
interface OptionShape {
  readonly valueType: AnyType;
  readonly alignment: number;
}
interface ResultShape extends VariantShape {
  readonly errorClass: (new (cause: unknown) => Error) | undefined;
}
interface RecordShape {
  readonly fields: readonly { readonly name: string; readonly type: AnyType }[];
  readonly alignment: number;
}

type Kind = 'bool' | 'u32' | 'string' | 'enum' | 'record' | 'variant' | 'option' | 'list';

function kindOf(t: AnyType): Kind {
  if (t === $wcm.bool) return 'bool';
  if (t === $wcm.u32) return 'u32';
  if (t === $wcm.wstring) return 'string';
  if (t instanceof $wcm.ListType) return 'list';
  if (t instanceof $wcm.RecordType) return 'record';
  if (t instanceof $wcm.OptionType) return 'option';
  if (t instanceof $wcm.VariantType) {
    if ((t as unknown as VariantShape).discriminantType !== $wcm.u8) throw new Unsupported('a variant with more than 256 cases');
    return 'variant';
  }
  if (t instanceof $wcm.EnumType) {
    if ((t as unknown as EnumShape).discriminantType !== $wcm.u8) throw new Unsupported('an enum with more than 256 cases');
    return 'enum';
  }
  throw new Unsupported(`type kind ${t.kind}`);
}

/** A number embedded in the generated code: must be a non-negative safe integer (it comes from type metadata). */
function int(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`compiled ABI: bad layout number ${n}`);
  return String(n);
}

/** A string embedded in the generated code: always a JSON string literal. */
function lit(s: string): string {
  if (typeof s !== 'string') throw new Error('compiled ABI: bad name');
  return JSON.stringify(s);
}

/** A record field name as a key of a generated object literal (where `"__proto__": v` would set the prototype). */
function key(name: string): string {
  if (name === '__proto__') throw new Unsupported('a field named __proto__');
  return lit(name);
}

function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

function allI32(types: readonly FlatType[]): boolean {
  return types.every((t) => t === $wcm.i32);
}

class Gen {
  protected lines: string[] = [];
  private readonly constants: unknown[] = [];
  private readonly constantNames = new Map<unknown, string>();
  private counter = 0;

  protected emit(line: string): void {
    this.lines.push(line);
  }

  /** Emits into a fresh list of lines while `f` runs; returns them. */
  protected capture(f: () => void): string[] {
    const saved = this.lines;
    this.lines = [];
    try {
      f();
      return this.lines;
    } finally {
      this.lines = saved;
    }
  }

  protected tmp(prefix = 't'): string {
    return `${prefix}${this.counter++}`;
  }

  /** A reference to a constant (a constructor, an error class, an enum's case list) handed to the factory. */
  protected k(value: unknown): string {
    let name = this.constantNames.get(value);
    if (name === undefined) {
      name = `k${this.constants.length}`;
      this.constants.push(value);
      this.constantNames.set(value, name);
    }
    return name;
  }

  protected finish(body: string): Generated {
    const prologue = this.constants.map((_, i) => `const k${i} = K[${i}];`).join('\n');
    return { source: `${RUNTIME_PROLOGUE}${prologue}\n${body}`, constants: this.constants };
  }

  private at(base: string, offset: number): string {
    return offset === 0 ? base : `${base} + ${int(offset)}`;
  }

  /** The library's alignment check (`assertAlignment`) of a range whose alignment is in `ra`, unless known to pass. */
  private checkAlign(ra: string, known: number, alignment: number): number {
    if (alignment > known) {
      this.emit(`if (${ra} < ${int(alignment)}) throw misaligned(${int(alignment)});`);
      return alignment;
    }
    return known;
  }

  // --- lifting from memory (`load`) -------------------------------------------------------------------------------

  /**
   * Emits the load of a `t` at `base + offset`, in a range whose alignment is in `ra` and known to be at least
   * `known`; returns the variable holding the value. Every read happens here, in the library's order.
   */
  protected load(t: AnyType, base: string, offset: number, ra: string, known: number): string {
    const at = this.at(base, offset);
    const r = this.tmp();
    switch (kindOf(t)) {
      case 'bool':
        this.emit(`const ${r} = dv.getUint8(${at}) !== 0;`);
        return r;
      case 'u32':
        this.checkAlign(ra, known, 4);
        this.emit(`const ${r} = dv.getUint32(${at}, true);`);
        return r;
      case 'string': {
        this.checkAlign(ra, known, 4);
        const p = this.tmp('p'), n = this.tmp('n');
        this.emit(`const ${p} = dv.getUint32(${at}, true), ${n} = dv.getUint32(${this.at(base, offset + 4)}, true);`);
        this.emit(`mem.charge(${n});`);
        this.emit(`const ${r} = decodeStr(mem, ${p}, ${n});`);
        return r;
      }
      case 'enum': {
        const cases = (t as unknown as EnumShape).cases;
        const d = this.tmp('d');
        this.emit(`const ${d} = dv.getUint8(${at});`);
        // The library's range check lets index == cases.length through (as undefined): kept.
        this.emit(`if (${d} > ${int(cases.length)}) throw trap('Enumeration value out of range');`);
        this.emit(`const ${r} = ${this.k(cases)}[${d}];`);
        return r;
      }
      case 'record': {
        const rec = t as unknown as RecordShape;
        const inner = this.checkAlign(ra, known, rec.alignment);
        const values: string[] = [];
        let o = offset;
        for (const f of rec.fields) {
          o = alignUp(o, f.type.alignment);
          values.push(`${key(f.name)}: ${this.load(f.type, base, o, ra, inner)}`);
          o += f.type.size;
        }
        this.emit(`const ${r} = { ${values.join(', ')} };`);
        return r;
      }
      case 'option': {
        const opt = t as unknown as OptionShape;
        this.emit(`let ${r};`);
        this.emit(`if (dv.getUint8(${at}) !== 0) {`);
        const v = this.load(opt.valueType, base, alignUp(offset + 1, opt.alignment), ra, known);
        this.emit(`${r} = ${v};`);
        this.emit('}');
        return r;
      }
      case 'variant': {
        const variant = t as unknown as VariantShape;
        const d = this.tmp('d');
        const payload = alignUp(offset + 1, variant.maxCaseAlignment);
        this.emit(`const ${d} = dv.getUint8(${at});`);
        this.emit(`let ${r};`);
        this.emit(`switch (${d}) {`);
        for (const c of variant.cases) {
          this.emit(`case ${int(c.index)}: {`);
          const v = c.type === undefined ? 'undefined' : this.load(c.type, base, payload, ra, known);
          this.emit(`${r} = ${this.k(variant.ctor)}(${lit(c.tag)}, ${v});`);
          this.emit('break;');
          this.emit('}');
        }
        this.emit(`default: throw badCase(${d}, ${lit(t.kind)});`);
        this.emit('}');
        return r;
      }
      case 'list': {
        const elem = (t as unknown as ListShape).elementType;
        this.checkAlign(ra, known, 4);
        const p = this.tmp('p'), n = this.tmp('n'), era = this.tmp('ra'), i = this.tmp('i'), q = this.tmp('q');
        this.emit(`const ${p} = dv.getUint32(${at}, true), ${n} = dv.getUint32(${this.at(base, offset + 4)}, true);`);
        this.emit(`mem.charge(${n} * ${int(elem.size)});`);
        this.listLoop(elem, p, n, era, i, q, r);
        return r;
      }
    }
  }

  /** The elements of a list at `p` (length `n`), loaded into a new array `r`: the library's `loadFromRange`. */
  private listLoop(elem: AnyType, p: string, n: string, era: string, i: string, q: string, r: string): void {
    this.emit(`const ${era} = alignOf(${p});`);
    this.emit(`const ${r} = [];`);
    this.emit(`for (let ${i} = 0, ${q} = ${p}; ${i} < ${n}; ${i}++, ${q} += ${int(elem.size)}) {`);
    const v = this.load(elem, q, 0, era, 1);
    this.emit(`${r}.push(${v});`);
    this.emit('}');
  }

  // --- lifting flat values (`liftFlat`, import parameters) ------------------------------------------------------

  /** Emits the lift of a `t` from the flat values `flat[pos…]`; returns the value's variable and the next position. */
  protected liftFlat(t: AnyType, flat: readonly string[], pos: number): [string, number] {
    const r = this.tmp();
    const x = flat[pos];
    switch (kindOf(t)) {
      case 'bool':
        this.emit(`if (${x} < 0) throw trap(\`Invalid bool value \${${x}}\`);`);
        this.emit(`const ${r} = ${x} !== 0;`);
        return [r, pos + 1];
      case 'u32':
        this.emit(`if (${x} < 0 || ${x} > 4294967295 || !Number.isInteger(${x})) throw trap(\`Invalid u32 value \${${x}}\`);`);
        return [x, pos + 1];
      case 'string':
        this.emit(`mem.charge(${flat[pos + 1]});`);
        this.emit(`const ${r} = decodeStr(mem, ${x}, ${flat[pos + 1]});`);
        return [r, pos + 2];
      case 'enum': {
        const cases = (t as unknown as EnumShape).cases;
        this.emit(`if (${x} < 0 || ${x} > 255 || !Number.isInteger(${x})) throw trap(\`Invalid u8 value \${${x}}\`);`);
        this.emit(`if (${x} > ${int(cases.length)}) throw trap('Enumeration value out of range');`);
        this.emit(`const ${r} = ${this.k(cases)}[${x}];`);
        return [r, pos + 1];
      }
      case 'record': {
        const values: string[] = [];
        let next = pos;
        for (const f of (t as unknown as RecordShape).fields) {
          const [v, after] = this.liftFlat(f.type, flat, next);
          values.push(`${key(f.name)}: ${v}`);
          next = after;
        }
        this.emit(`const ${r} = { ${values.join(', ')} };`);
        return [r, next];
      }
      case 'option': {
        const opt = t as unknown as OptionShape;
        this.emit(`if (${x} < 0 || ${x} > 255 || !Number.isInteger(${x})) throw trap(\`Invalid u8 value \${${x}}\`);`);
        this.emit(`let ${r};`);
        this.emit(`if (${x} !== 0) {`);
        const [v] = this.liftFlat(opt.valueType, flat, pos + 1);
        this.emit(`${r} = ${v};`);
        this.emit('}');
        return [r, pos + 1 + opt.valueType.flatTypes.length];
      }
      case 'list': {
        const elem = (t as unknown as ListShape).elementType;
        const n = flat[pos + 1];
        this.emit(`mem.charge(${n} * ${int(elem.size)});`);
        this.emit('dv = mem.view();');
        this.listLoop(elem, x, n, this.tmp('ra'), this.tmp('i'), this.tmp('q'), r);
        return [r, pos + 2];
      }
      case 'variant':
        throw new Unsupported('a variant as a flat parameter of an import');
    }
  }

  // --- lowering into memory (`store`) -----------------------------------------------------------------------------

  /** Emits the store of the value in variable `x`, a `t`, at `base + offset` of a range of alignment `ra`. */
  protected store(t: AnyType, x: string, base: string, offset: number, ra: string, known: number): void {
    const at = this.at(base, offset);
    switch (kindOf(t)) {
      case 'bool':
        this.emit(`dv.setUint8(${at}, ${x} ? 1 : 0);`);
        return;
      case 'u32':
        this.checkAlign(ra, known, 4);
        this.emit(`dv.setUint32(${at}, ${x}, true);`);
        return;
      case 'string': {
        // The library allocates and copies the string first, then writes pointer and length (checking alignment).
        const p = this.tmp('p'), n = this.tmp('n');
        this.emit(`const ${p} = storeStr(mem, ${x}), ${n} = rt.bytes;`);
        this.emit('dv = mem.view();');
        this.checkAlign(ra, known, 4);
        this.emit(`dv.setUint32(${at}, ${p}, true);`);
        this.emit(`dv.setUint32(${this.at(base, offset + 4)}, ${n}, true);`);
        return;
      }
      case 'enum': {
        const d = this.enumIndex(t as unknown as EnumShape, x);
        this.emit(`dv.setUint8(${at}, ${d});`);
        return;
      }
      case 'record': {
        const rec = t as unknown as RecordShape;
        const inner = this.checkAlign(ra, known, rec.alignment);
        const values = this.fieldValues(rec, x);
        let o = offset;
        rec.fields.forEach((f, i) => {
          o = alignUp(o, f.type.alignment);
          this.store(f.type, values[i], base, o, ra, inner);
          o += f.type.size;
        });
        return;
      }
      case 'option': {
        const opt = t as unknown as OptionShape;
        this.optionCheck(x);
        this.emit(`if (${x} === undefined) {`);
        this.emit(`dv.setUint8(${at}, 0);`);
        this.emit('} else {');
        this.emit(`dv.setUint8(${at}, 1);`);
        this.store(opt.valueType, x, base, alignUp(offset + 1, opt.valueType.alignment), ra, known);
        this.emit('}');
        return;
      }
      case 'variant': {
        const variant = t as unknown as VariantShape;
        const payload = alignUp(offset + 1, variant.maxCaseAlignment);
        this.emit(`switch (${x}.tag) {`);
        for (const c of variant.cases) {
          this.emit(`case ${lit(c.tag)}: {`);
          this.emit(`dv.setUint8(${at}, ${int(c.index)});`);
          if (c.type !== undefined) {
            const v = this.tmp('v');
            this.emit(`const ${v} = ${x}.value;`);
            this.emit(`if (${v} !== undefined) {`);
            this.store(c.type, v, base, payload, ra, known);
            this.emit('}');
          }
          this.emit('break;');
          this.emit('}');
        }
        this.emit(`default: throw trap(\`Variant case \${${x}.tag} not found\`);`);
        this.emit('}');
        return;
      }
      case 'list': {
        const [p, n] = this.storeList(t as unknown as ListShape, x);
        this.checkAlign(ra, known, 4);
        this.emit(`dv.setUint32(${at}, ${p}, true);`);
        this.emit(`dv.setUint32(${this.at(base, offset + 4)}, ${n}, true);`);
        return;
      }
    }
  }

  /** Allocates a list's elements and stores them (the library's alloc + `storeIntoRange`); returns [ptr, length]. */
  private storeList(t: ListShape, x: string): [string, string] {
    const elem = t.elementType;
    const p = this.tmp('p'), n = this.tmp('n'), era = this.tmp('ra'), q = this.tmp('q');
    this.emit(`const ${n} = ${x}.length;`);
    this.emit(`const ${p} = mem.allocPtr(${int(elem.alignment)}, ${int(elem.size)} * ${n});`);
    this.emit('dv = mem.view();');
    this.emit(`const ${era} = alignOf(${p});`);
    // for…of, like the library's `storeIntoRange`: the same elements, and the same TypeError for a non-iterable.
    this.emit(`let ${q} = ${p};`);
    const v = this.tmp('v');
    this.emit(`for (const ${v} of ${x}) {`);
    this.store(elem, v, q, 0, era, 1);
    this.emit(`${q} += ${int(elem.size)};`);
    this.emit('}');
    return [p, n];
  }

  /** The library's `elements(record)`: every field is read before any is lowered. */
  private fieldValues(rec: RecordShape, x: string): string[] {
    return rec.fields.map((f) => {
      const v = this.tmp('v');
      this.emit(`const ${v} = ${x}[${lit(f.name)}];`);
      return v;
    });
  }

  private enumIndex(e: EnumShape, x: string): string {
    const d = this.tmp('d');
    this.emit(`let ${d};`);
    this.emit(`switch (${x}) {`);
    e.cases.forEach((c, i) => this.emit(`case ${lit(c)}: ${d} = ${int(i)}; break;`));
    this.emit("default: throw trap('Enumeration value not found');");
    this.emit('}');
    return d;
  }

  /** The library's `asOptionValue` without `keepOption`: an option object is refused. */
  private optionCheck(x: string): void {
    this.emit(`if (isOption(${x})) throw trap('Received an option value although options should be unpacked.');`);
  }

  // --- lowering to flat values (`lowerFlat`, export parameters) -------------------------------------------------

  /** Emits the lowering of the value in `x` into the flat variables `flat[pos…]`; returns the next position. */
  protected lowerFlat(t: AnyType, x: string, flat: readonly string[], pos: number): number {
    switch (kindOf(t)) {
      case 'bool':
        this.emit(`${flat[pos]} = ${x} ? 1 : 0;`);
        return pos + 1;
      case 'u32':
        this.emit(`if (${x} < 0 || ${x} > 4294967295 || !Number.isInteger(${x})) throw trap(\`Invalid u32 value \${${x}}\`);`);
        this.emit(`${flat[pos]} = ${x};`);
        return pos + 1;
      case 'string':
        this.emit(`${flat[pos]} = storeStr(mem, ${x}); ${flat[pos + 1]} = rt.bytes;`);
        return pos + 2;
      case 'enum':
        this.emit(`${flat[pos]} = ${this.enumIndex(t as unknown as EnumShape, x)};`);
        return pos + 1;
      case 'record': {
        const rec = t as unknown as RecordShape;
        const values = this.fieldValues(rec, x);
        let next = pos;
        rec.fields.forEach((f, i) => { next = this.lowerFlat(f.type, values[i], flat, next); });
        return next;
      }
      case 'option': {
        const opt = t as unknown as OptionShape;
        if (!allI32(opt.valueType.flatTypes)) throw new Unsupported('an option of non-i32 flat values');
        const end = pos + 1 + opt.valueType.flatTypes.length;
        this.optionCheck(x);
        this.emit(`if (${x} === undefined) {`);
        this.emit(`${flat[pos]} = 0;`);
        this.zeros(flat, pos + 1, end);
        this.emit('} else {');
        this.emit(`${flat[pos]} = 1;`);
        this.lowerFlat(opt.valueType, x, flat, pos + 1);
        this.emit('}');
        return end;
      }
      case 'variant': {
        const variant = t as unknown as VariantShape;
        if (!allI32(variant.flatTypes)) throw new Unsupported('a variant with non-i32 flat values');
        const end = pos + variant.flatTypes.length;
        this.emit(`switch (${x}.tag) {`);
        for (const c of variant.cases) {
          this.emit(`case ${lit(c.tag)}: {`);
          this.emit(`${flat[pos]} = ${int(c.index)};`);
          if (c.type === undefined) {
            this.zeros(flat, pos + 1, end);
          } else {
            const v = this.tmp('v');
            this.emit(`const ${v} = ${x}.value;`);
            this.emit(`if (${v} !== undefined) {`);
            const next = this.lowerFlat(c.type, v, flat, pos + 1);
            this.zeros(flat, next, end);
            this.emit('} else {');
            this.zeros(flat, pos + 1, end);
            this.emit('}');
          }
          this.emit('break;');
          this.emit('}');
        }
        this.emit(`default: throw trap(\`Variant case \${${x}.tag} not found\`);`);
        this.emit('}');
        return end;
      }
      case 'list': {
        const [p, n] = this.storeList(t as unknown as ListShape, x);
        this.emit(`${flat[pos]} = ${p}; ${flat[pos + 1]} = ${n};`);
        return pos + 2;
      }
    }
  }

  private zeros(flat: readonly string[], from: number, to: number): void {
    for (let i = from; i < to; i++) this.emit(`${flat[i]} = 0;`);
  }
}

/** Generates the binding of a world export: lower the parameters, call, lift the result, post-return. */
class ExportGen extends Gen {
  constructor(private readonly type: $wcm.FunctionType) {
    super();
  }

  generate(): Generated {
    const type = this.type;
    const params = type.params.map((_, i) => `a${i}`);
    const flatCount = type.paramType?.flatTypes.length ?? 0;
    if (flatCount > $wcm.FunctionType.MAX_FLAT_PARAMS) throw new Unsupported('parameters passed in memory');
    if (type.paramType !== undefined && !allI32(type.paramType.flatTypes)) throw new Unsupported('non-i32 flat parameters');
    const ret = type.returnType;
    if (ret !== undefined && ret.flatTypes.length <= $wcm.FunctionType.MAX_FLAT_RESULTS) throw new Unsupported('a flat result');
    const flat = Array.from({ length: flatCount }, (_, i) => `f${i}`);

    const lowering = (count: string) => this.capture(() => {
      // The library refuses any other number of values for a single parameter; several are read by position.
      if (params.length === 1) this.emit(`if (${count} !== 1) throw trap(\`Expected a single parameter, but got \${${count}}\`);`);
      if (flat.length > 0) this.emit(`let ${flat.join(', ')};`);
      let pos = 0;
      type.params.forEach(([, t], i) => { pos = this.lowerFlat(t, params[i], flat, pos); });
    });
    const spread = lowering('arguments.length');
    const array = [...params.map((p, i) => `const ${p} = params[${int(i)}];`), ...lowering('params.length')];
    const lifting = this.capture(() => {
      if (ret === undefined) {
        this.emit('return undefined;');
        return;
      }
      // The library reads the result through `memory.readonly(ret, size)`: charged, aligned as `ret` is.
      this.emit(`mem.charge(${int(ret.size)});`);
      this.emit('dv = mem.view();');
      this.emit('const ra = alignOf(ret);');
      if (ret instanceof $wcm.ResultType) this.liftResult(ret as unknown as ResultShape);
      else this.emit(`return ${this.load(ret, 'ret', 0, 'ra', 1)};`);
    });
    const call = flat.join(', ');
    const invoke = [
      `const ret = core(${call});`,
      'if (post === undefined) return lift(ret);',
      'try { return lift(ret); } finally { if (ret !== undefined) post(ret); }',
    ];
    const body = [
      'return { bind(mem, core, post) {',
      'let dv;',
      `function lower(${params.join(', ')}) {`, ...spread, `return [${call}];`, '}',
      'function lift(ret) {', ...lifting, '}',
      `function call(${params.join(', ')}) {`, ...spread, ...invoke, '}',
      'function callWith(params) {', ...array, ...invoke, '}',
      'return { call, callWith, lower, lift };',
      '} };',
    ];
    return this.finish(body.join('\n'));
  }

  /** A `result` return value: the ok value is returned, the error value thrown as the type's error class. */
  private liftResult(ret: ResultShape): void {
    const variant = ret;
    const payload = alignUp(1, variant.maxCaseAlignment);
    const [ok, error] = variant.cases;
    this.emit('switch (dv.getUint8(ret)) {');
    this.emit('case 0: {');
    this.emit(`return ${ok.type === undefined ? 'undefined' : this.load(ok.type, 'ret', payload, 'ra', 1)};`);
    this.emit('}');
    this.emit('case 1: {');
    const e = error.type === undefined ? 'undefined' : this.load(error.type, 'ret', payload, 'ra', 1);
    if (ret.errorClass === undefined) this.emit("throw trap('Received an error result, but no error class is defined.');");
    else this.emit(`throw new ${this.k(ret.errorClass)}(${e});`);
    this.emit('}');
    this.emit(`default: throw badCase(dv.getUint8(ret), 'result');`);
    this.emit('}');
  }
}

/** Generates the binding of a world import: lift the arguments, call the host, lower its answer. */
class ImportGen extends Gen {
  constructor(private readonly type: $wcm.FunctionType) {
    super();
  }

  generate(): Generated {
    const type = this.type;
    const flatCount = type.paramType?.flatTypes.length ?? 0;
    if (flatCount > $wcm.FunctionType.MAX_FLAT_PARAMS) throw new Unsupported('parameters passed in memory');
    if (type.paramType !== undefined && !allI32(type.paramType.flatTypes)) throw new Unsupported('non-i32 flat parameters');
    const ret = type.returnType;
    if (ret !== undefined && ret.flatTypes.length <= $wcm.FunctionType.MAX_FLAT_RESULTS) throw new Unsupported('a flat result');
    if (ret !== undefined && !(ret instanceof $wcm.ResultType)) throw new Unsupported('a result that is not a `result`');
    const flat = Array.from({ length: flatCount }, (_, i) => `f${i}`);
    const wasmParams = ret === undefined ? flat : [...flat, 'out'];

    const body: string[] = ['return { bind(memory, service, fallback) {', 'let dv;', 'let mem;'];
    body.push(`return function (${wasmParams.join(', ')}) {`);
    // The library takes the last value as the return area only when the arity is exactly the core signature's.
    if (ret !== undefined) body.push(`if (arguments.length !== ${int(wasmParams.length)}) return fallback.apply(undefined, arguments);`);
    body.push('mem = memory();');
    body.push(...this.capture(() => {
      const args: string[] = [];
      let pos = 0;
      for (const [, t] of type.params) {
        const [v, next] = this.liftFlat(t, flat, pos);
        args.push(v);
        pos = next;
      }
      const call = `service(${args.join(', ')})`;
      if (ret === undefined) {
        this.emit(`${call};`);
        this.emit('return undefined;');
        return;
      }
      const variant = ret as unknown as ResultShape;
      const payload = alignUp(1, variant.maxCaseAlignment);
      const [ok, error] = variant.cases;
      // Like `callService`: whatever the call or the lowering of its value throws goes through `handleError`, which
      // lowers an instance of the error class as `err(cause)` and rethrows anything else.
      this.emit('const ra = alignOf(out);');
      this.emit('try {');
      this.emit(`const r = ${call};`);
      this.emit('dv = mem.view();');
      this.emit('dv.setUint8(out, 0);');
      if (ok.type !== undefined) {
        this.emit('if (r !== undefined) {');
        this.store(ok.type, 'r', 'out', payload, 'ra', 1);
        this.emit('}');
      }
      this.emit('} catch (e) {');
      if (variant.errorClass === undefined) this.emit('throw e;');
      else {
        this.emit(`if (!(e instanceof ${this.k(variant.errorClass)})) throw e;`);
        this.emit('const c = e.cause;');
        this.emit('dv = mem.view();');
        this.emit('dv.setUint8(out, 1);');
        if (error.type !== undefined) {
          this.emit('if (c !== undefined) {');
          this.store(error.type, 'c', 'out', payload, 'ra', 1);
          this.emit('}');
        }
      }
      this.emit('}');
      this.emit('return undefined;');
    }));
    body.push('};', '} };');
    return this.finish(body.join('\n'));
  }
}
