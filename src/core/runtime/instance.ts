// One live plugin instance, called synchronously on the current thread. The worker sandbox runs exactly this inside
// its worker; benchmarks and trusted callers can run it in-process. It adds to @vscode/wasm-component-model what the
// library lacks: post-return (`cabi_post_<name>`, called after every lift so guests can free their results), WASI
// stubs, and the mapping of every failure to a PluginError with the right reason. Calls cross the boundary through
// bindings compiled from the library's types (compiledAbi.ts), or through the library itself (InstanceHooks.abi).

import * as $wcm from '@vscode/wasm-component-model';
import { EXPORTS, IMPORTS, plugin, WorldExports, WorldFunction } from './abi';
import { PluginBinary } from './loader';
import { PluginError } from '../errors';
import { createWasiStubs, WASI_MODULE, WasiExit } from './wasiStubs';
import { AbiMemory, compileExport, compileImport } from './compiledAbi';

/** Synchronous host functions: one call per import, by interface property and function property (camelCase). */
export type SyncHostCall = (iface: string, fn: string, args: unknown[]) => unknown;

export interface InstanceHooks {
  /** Text the guest wrote to stdout/stderr through the WASI stubs. */
  onOutput?(stream: 'stdout' | 'stderr', text: string): void;
  /**
   * The most bytes of guest memory one result, or the arguments of one host call, may span (default 64 MiB). Checked
   * while lifting, before a huge string or list becomes a JavaScript value.
   */
  maxResultBytes?: number;
  /**
   * How values cross the boundary: 'compiled' (default) uses the bindings compiled from the library's types
   * (compiledAbi.ts) wherever they cover a function, 'library' uses @vscode/wasm-component-model's generic path for
   * every function. The default can be set with the environment variable WASM_PLUGINS_ABI=library|compiled.
   */
  abi?: AbiPath;
}

export type AbiPath = 'compiled' | 'library';

export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024 * 1024;

function defaultAbiPath(): AbiPath {
  const env = typeof process === 'undefined' ? undefined : process.env.WASM_PLUGINS_ABI;
  return env === 'library' ? 'library' : 'compiled';
}

/** Thrown by the linear memory when a lift reads past its byte budget. */
class ReadBudgetExceeded extends Error {
  constructor(readonly limit: number, readonly phase: 'result' | 'arguments') {
    super(`more than ${limit} bytes`);
  }
}

type CoreExport = (...args: number[]) => unknown;

export class PluginInstance {
  private readonly context: $wcm.WasmContext.Default;
  /** The bound exports; each takes the call's arguments as one array (no spreading on the hot path). */
  private readonly bound = new Map<WorldFunction, (params: unknown[]) => unknown>();
  private broken: PluginError | undefined;

  private constructor(
    private readonly binary: PluginBinary,
    private readonly instance: WebAssembly.Instance,
    context: $wcm.WasmContext.Default,
    abi: AbiPath,
  ) {
    this.context = context;
    const exports = instance.exports as Record<string, CoreExport>;
    for (const name of binary.exports) {
      const binding = EXPORTS.get(name as WorldFunction)!;
      const raw = exports[name];
      const post = binary.postReturns.includes(name) ? exports[`cabi_post_${name}`] : undefined;
      const type = binding.type;
      const ctx = this.context;
      const memory = ctx.getMemory() as LinearMemory;
      let library: (params: unknown[]) => unknown;
      if (post === undefined) {
        library = (params) => type.callWasm(params as never, raw as never, ctx);
      } else {
        // The library lifts from the pointer the export returned; the guest may free it only after that, in
        // post-return, which the library never calls. Remember the pointer and call it once lifting is done.
        let ret: unknown;
        const capture = (...args: number[]) => (ret = raw(...args));
        library = (params) => {
          ret = undefined;
          try {
            return type.callWasm(params as never, capture as never, ctx);
          } finally {
            if (ret !== undefined) post(ret as number);
          }
        };
      }
      // The compiled binding lowers, calls, lifts and calls post-return itself (post-return also when lifting
      // failed). It is made at the first call (and then shared by the process's instances): generating and compiling
      // the code of every function of the world up front would add milliseconds to the start of every worker.
      let call: ((params: unknown[]) => unknown) | undefined = abi === 'compiled' ? undefined : library;
      this.bound.set(binding.witName, (params) => {
        memory.startResultBudget();
        return (call ??= compileExport(type)?.bind(memory, raw, post as ((ret: number) => unknown) | undefined).callWith ?? library)(params);
      });
    }
  }

  /**
   * Instantiates synchronously (the module is already compiled). `host` serves every import call; it must throw
   * `hostError(...)` for error results. Throws PluginError('memory-limit' | 'invalid-module' | 'trap').
   */
  static create(module: WebAssembly.Module, binary: PluginBinary, host: SyncHostCall, hooks: InstanceHooks = {}): PluginInstance {
    const context = new $wcm.WasmContext.Default();
    const service: Record<string, Record<string, (...args: unknown[]) => unknown>> = {};
    for (const imp of IMPORTS) {
      const fns: Record<string, (...args: unknown[]) => unknown> = {};
      for (const [prop, { type }] of imp.functions) {
        // The generated types promise that a host function returns the ok value of a `result` and throws for the
        // error, but the library lowers the returned value as the whole result: wrap the ok value ourselves.
        fns[prop] = type.returnType instanceof $wcm.ResultType
          ? (...args) => $wcm.result.Ok(host(imp.iface, prop, args) as never)
          : (...args) => host(imp.iface, prop, args);
      }
      service[imp.iface] = fns;
    }
    const imports = plugin._.imports.create(service as unknown as plugin.Imports, context) as unknown as WebAssembly.Imports;
    const abi = hooks.abi ?? defaultAbiPath();
    if (abi === 'compiled') {
      // The compiled imports take the ok value of a `result` as it is (no wrapping); the library's function for the
      // same import stays as their fallback (for calls with an unexpected arity, or types the compiler does not know).
      // Each is made at its first call, like the exports.
      const memory = () => context.getMemory() as LinearMemory;
      for (const imp of IMPORTS) {
        const ns = imports[imp.module] as Record<string, (...a: number[]) => unknown>;
        for (const [prop, { witName, type }] of imp.functions) {
          const library = ns[witName];
          let call: ((...a: number[]) => unknown) | undefined;
          ns[witName] = (...args) => (call ??= compileImport(type)?.bind(memory, (...a) => host(imp.iface, prop, a), library) ?? library)(...args);
        }
      }
    }
    // Each host call lifts its arguments from guest memory under its own budget; the export's budget resumes after.
    for (const ns of Object.values(imports)) {
      for (const [name, fn] of Object.entries(ns as Record<string, (...a: unknown[]) => unknown>)) {
        (ns as Record<string, unknown>)[name] = (...args: unknown[]) => {
          const memory = context.getMemory() as LinearMemory;
          const saved = memory.startBudget('arguments');
          try {
            return fn(...args);
          } finally {
            memory.restoreBudget(saved);
          }
        };
      }
    }
    let instance: WebAssembly.Instance | undefined;
    if (binary.usesWasi) {
      imports[WASI_MODULE] = createWasiStubs({
        memory: () => instance!.exports.memory as WebAssembly.Memory,
        write: (fd, text) => hooks.onOutput?.(fd === 1 ? 'stdout' : 'stderr', text),
      });
    }
    const id = binary.manifest.id;
    try {
      instance = new WebAssembly.Instance(module, imports);
    } catch (e) {
      if (e instanceof RangeError || /memory/i.test((e as Error).message)) {
        throw new PluginError('memory-limit', id, `${binary.manifest.name} (${id}) could not get its initial memory: ${(e as Error).message}. Raise "wasmPlugins.limits.memoryMB" or close other plugins.`, { cause: e });
      }
      if (e instanceof WebAssembly.RuntimeError) {
        throw new PluginError('trap', id, `${binary.manifest.name} (${id}) crashed while starting: ${(e as Error).message}. Tell the plugin's author; disable it meanwhile.`, { cause: e });
      }
      throw new PluginError('invalid-module', id, `${binary.manifest.name} (${id}) cannot be instantiated: ${(e as Error).message}. Rebuild the plugin against the current plugin API.`, { cause: e });
    }
    context.initialize(new LinearMemory(instance.exports.memory as WebAssembly.Memory, instance.exports.cabi_realloc as Realloc, id, hooks.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES));
    return new PluginInstance(binary, instance, context, abi);
  }

  get id(): string {
    return this.binary.manifest.id;
  }

  /** Current linear memory size in bytes. */
  get memoryBytes(): number {
    return (this.instance.exports.memory as WebAssembly.Memory).buffer.byteLength;
  }

  has(fn: WorldFunction): boolean {
    return this.bound.has(fn);
  }

  /** The error that made this instance unusable, if any: after a trap the next call needs a fresh instance. */
  get failure(): PluginError | undefined {
    return this.broken;
  }

  /**
   * Calls a world export. Exports the plugin does not implement behave as no-ops (activate/deactivate) or return
   * empty results. Throws PluginError: 'trap' (the instance is broken afterwards), 'guest-error' (the plugin
   * returned an error; the instance is fine).
   */
  call<F extends WorldFunction>(fn: F, ...args: Parameters<WorldExports[F]>): ReturnType<WorldExports[F]> {
    if (this.broken) throw this.broken;
    const f = this.bound.get(fn);
    if (f === undefined) return defaultResult(fn) as ReturnType<WorldExports[F]>;
    try {
      return f(args) as ReturnType<WorldExports[F]>;
    } catch (e) {
      const error = this.classify(fn, e);
      if (error.isFatalToInstance) this.broken = error;
      throw error;
    }
  }

  private classify(fn: WorldFunction, e: unknown): PluginError {
    const { id, name } = this.binary.manifest;
    const who = `${name} (${id})`;
    if (e instanceof PluginError) return e;
    if (e instanceof ReadBudgetExceeded) {
      // A result that is too large was refused before it was lifted: post-return ran, the instance is fine. Arguments
      // of a host call that are too large abort the guest mid-call: that is a trap.
      return e.phase === 'result'
        ? new PluginError('result-too-large', id, `${who} returned ${e.message} from ${fn}; the limit is ${e.limit} bytes. Raise "wasmPlugins.limits.resultMB" if this is expected, or tell the plugin's author.`)
        : new PluginError('trap', id, `${who} passed ${e.message} to a host function in ${fn}; the limit is ${e.limit} bytes. It restarts on the next call; if this keeps happening, disable it and tell its author.`);
    }
    if (e instanceof $wcm.wstring.Error) {
      // wstring.Error passes (value, message) to ResultError swapped: the guest's string is in `message`.
      return new PluginError('guest-error', id, `${who}: ${e.message}`, { cause: e });
    }
    if (e instanceof $wcm.ResultError) {
      const cause: unknown = (e as $wcm.ResultError<never>).cause;
      return new PluginError('guest-error', id, `${who}: ${typeof cause === 'string' ? cause : JSON.stringify(cause)}`, { cause: e });
    }
    const restart = 'It restarts on the next call; if this keeps happening, disable it and tell its author.';
    if (e instanceof WebAssembly.RuntimeError) {
      return new PluginError('trap', id, `${who} crashed in ${fn}: ${e.message}. ${restart}`, { cause: e });
    }
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return new PluginError('trap', id, `${who} overflowed its stack in ${fn}. ${restart}`, { cause: e });
    }
    if (e instanceof WasiExit) {
      return new PluginError('trap', id, `${who} exited in ${fn} (${e.message}). ${restart}`, { cause: e });
    }
    if (e instanceof $wcm.ComponentModelTrap) {
      return new PluginError('trap', id, `${who} returned malformed data from ${fn}: ${e.message}. ${restart}`, { cause: e });
    }
    return new PluginError('trap', id, `${who} failed in ${fn}: ${e instanceof Error ? e.message : String(e)}. ${restart}`, { cause: e });
  }
}

type Realloc = (oldPtr: number, oldSize: number, align: number, newSize: number) => number;

/**
 * The linear memory @vscode/wasm-component-model lifts from and lowers into. The library's `Memory.Default` makes a
 * new DataView for every range it reads (one per string, record, variant and list of a value) after a call to the
 * `memory.buffer` getter, and copies byte arrays twice: profiling showed a third of an in-process command call spent
 * there. Ranges of this memory share one view of the whole memory, renewed only when `memory.grow` has detached the
 * buffer, and strings are decoded straight from the memory. The library's path lifts and lowers through this memory
 * (`WasmContext.initialize` takes any `Memory`); the compiled bindings (compiledAbi.ts) use its views, its
 * `cabi_realloc` and its read budget directly. Reads are bounds-checked against the whole linear memory (the guest can
 * point anywhere in it anyway); a read past its end is a MemoryError, which the instance reports as malformed data.
 * Exported for the differential tests of the two paths.
 */
export class LinearMemory implements $wcm.Memory, AbiMemory {
  private bytes = new Uint8Array(0);
  private data = new DataView(new ArrayBuffer(0));
  private nodeBytes = Buffer.alloc(0);

  /** Bytes the current lift may still read; see `InstanceHooks.maxResultBytes`. */
  private budget = Infinity;
  private phase: 'result' | 'arguments' = 'result';

  constructor(private readonly memory: WebAssembly.Memory, private readonly cabiRealloc: Realloc, readonly id: string, private readonly limit: number) {
    if (!(memory instanceof WebAssembly.Memory) || typeof cabiRealloc !== 'function') {
      throw new $wcm.MemoryError('The exports object must contain a memory object and a cabi_realloc function.');
    }
  }

  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** The whole memory as bytes; a detached (grown) buffer has length 0. */
  u8(): Uint8Array {
    if (this.bytes.length === 0) this.renew();
    return this.bytes;
  }

  view(): DataView {
    if (this.bytes.length === 0) this.renew();
    return this.data;
  }

  /** The whole memory as a Buffer (the compiled bindings use its string methods). */
  nodeBuffer(): Buffer {
    if (this.bytes.length === 0) this.renew();
    return this.nodeBytes;
  }

  private renew(): void {
    const buffer = this.memory.buffer;
    this.bytes = new Uint8Array(buffer);
    this.data = new DataView(buffer);
    this.nodeBytes = Buffer.from(buffer);
  }

  alloc(align: $wcm.Alignment, size: number): $wcm.MemoryRange {
    return new LinearRange(this, this.cabiRealloc(0, 0, align, size), size);
  }

  realloc(range: $wcm.MemoryRange, align: $wcm.Alignment, newSize: number): $wcm.MemoryRange {
    return new LinearRange(this, this.cabiRealloc(range.ptr, range.size, align, newSize), newSize);
  }

  preAllocated(ptr: number, size: number): $wcm.MemoryRange {
    return new LinearRange(this, ptr, size);
  }

  readonly(ptr: number, size: number): $wcm.ReadonlyMemoryRange {
    // Every string, list and record the library lifts is read through a range from here: charge its size first, so
    // a 100 MB string or a million-element list is refused before it is decoded.
    this.charge(size);
    return new ReadonlyLinearRange(this, ptr, size);
  }

  /** Charges a read to the current budget; the compiled bindings charge exactly what the library's ranges do. */
  charge(size: number): void {
    this.budget -= size;
    if (this.budget < 0) {
      this.budget = Infinity;
      throw new ReadBudgetExceeded(this.limit, this.phase);
    }
  }

  /** `cabi_realloc(0, 0, align, size)`, as `alloc` calls it, without the range. */
  allocPtr(align: number, size: number): number {
    return this.cabiRealloc(0, 0, align, size);
  }

  /** `startBudget('result')` without the state to restore, which export calls never used. */
  startResultBudget(): void {
    this.budget = this.limit;
    this.phase = 'result';
  }

  /** Starts a fresh budget for a lift; returns the state to restore (host calls nest inside an export call). */
  startBudget(phase: 'result' | 'arguments'): { budget: number; phase: 'result' | 'arguments' } {
    const saved = { budget: this.budget, phase: this.phase };
    this.budget = this.limit;
    this.phase = phase;
    return saved;
  }

  restoreBudget(saved: { budget: number; phase: 'result' | 'arguments' }): void {
    this.budget = saved.budget;
    this.phase = saved.phase;
  }
}

// The ranges add no fields (their memory is the base class's `_memory`): creating one stays as cheap as the library's.
class LinearRange extends $wcm.MemoryRange {
  get linear(): LinearMemory {
    return this._memory as LinearMemory;
  }

  override range(offset: number, size: number): $wcm.MemoryRange {
    if (offset + size > this.size) throw outOfRange(this, offset, size);
    return new LinearRange(this._memory, this.ptr + offset, size);
  }
}

class ReadonlyLinearRange extends $wcm.ReadonlyMemoryRange {
  get linear(): LinearMemory {
    return this._memory as LinearMemory;
  }

  override range(offset: number, size: number): $wcm.ReadonlyMemoryRange {
    if (offset + size > this.size) throw outOfRange(this, offset, size);
    return new ReadonlyLinearRange(this._memory, this.ptr + offset, size);
  }
}

function outOfRange(range: { ptr: number; size: number }, offset: number, size: number): $wcm.MemoryError {
  return new $wcm.MemoryError(`Memory access is out of bounds. Accessing [${offset}, ${size}], allocated[${range.ptr}, ${range.size}]`);
}

/**
 * Whether any value of the API is a list<u8>. The library reads only those and UTF-8 strings with getUint8Array; a
 * string is decoded at once, so a view of the memory is enough, but a list<u8> becomes a JS value of its own.
 */
const HAS_BYTE_LISTS = (() => {
  const seen = new Set<unknown>();
  const walk = (t: unknown): boolean => {
    if (t === null || typeof t !== 'object' || seen.has(t)) return false;
    seen.add(t);
    if (t instanceof $wcm.Uint8ArrayType) return true;
    const o = t as { fields?: { type: unknown }[]; cases?: { type?: unknown }[]; valueType?: unknown; elementType?: unknown; paramType?: unknown; returnType?: unknown };
    return [...(o.fields ?? []).map((f) => f.type), ...(o.cases ?? []).map((c) => c.type), o.valueType, o.elementType, o.paramType, o.returnType].some(walk);
  };
  return [...EXPORTS.values()].some((e) => walk(e.type)) || IMPORTS.some((i) => [...i.functions.values()].some((f) => walk(f.type)));
})();

type Linear = (LinearRange | ReadonlyLinearRange) & { assertAlignment(offset: number, alignment: number): void };

/** The accessors the library calls for our API's types, over the shared view (both range classes get them). */
const LINEAR_ACCESSORS = {
  getUint8(this: Linear, offset: number): number { return this.linear.view().getUint8(this.ptr + offset); },
  getInt8(this: Linear, offset: number): number { return this.linear.view().getInt8(this.ptr + offset); },
  getUint16(this: Linear, offset: number): number { this.assertAlignment(offset, 2); return this.linear.view().getUint16(this.ptr + offset, true); },
  getInt16(this: Linear, offset: number): number { this.assertAlignment(offset, 2); return this.linear.view().getInt16(this.ptr + offset, true); },
  getUint32(this: Linear, offset: number): number { this.assertAlignment(offset, 4); return this.linear.view().getUint32(this.ptr + offset, true); },
  getInt32(this: Linear, offset: number): number { this.assertAlignment(offset, 4); return this.linear.view().getInt32(this.ptr + offset, true); },
  getPtr(this: Linear, offset: number): number { this.assertAlignment(offset, 4); return this.linear.view().getUint32(this.ptr + offset, true); },
  setUint8(this: Linear, offset: number, value: number): void { this.linear.view().setUint8(this.ptr + offset, value); },
  setInt8(this: Linear, offset: number, value: number): void { this.linear.view().setInt8(this.ptr + offset, value); },
  setUint32(this: Linear, offset: number, value: number): void { this.assertAlignment(offset, 4); this.linear.view().setUint32(this.ptr + offset, value, true); },
  setInt32(this: Linear, offset: number, value: number): void { this.assertAlignment(offset, 4); this.linear.view().setInt32(this.ptr + offset, value, true); },
  setPtr(this: Linear, offset: number, value: number): void { this.assertAlignment(offset, 4); this.linear.view().setUint32(this.ptr + offset, value, true); },
  getUint8Array(this: Linear, offset: number, length?: number): Uint8Array {
    const n = length ?? this.size - offset;
    const start = this.ptr + offset;
    const bytes = this.linear.u8();
    if (!Number.isInteger(n) || n < 0 || start + n > bytes.length) throw outOfRange(this, offset, n);
    // Strings are decoded straight from the memory (the decoder copies); a list<u8> value must own its bytes.
    return HAS_BYTE_LISTS ? bytes.slice(start, start + n) : new Uint8Array(bytes.buffer, start, n);
  },
  setUint8Array(this: Linear, offset: number, values: Uint8Array): void { this.linear.u8().set(values, this.ptr + offset); },
};
Object.assign(LinearRange.prototype, LINEAR_ACCESSORS);
Object.assign(ReadonlyLinearRange.prototype, LINEAR_ACCESSORS);

function defaultResult(fn: WorldFunction): unknown {
  switch (fn) {
    case 'run-command': return { value: undefined, actions: [] };
    case 'handle-event':
    case 'panel-message': return [];
    case 'render-panel': return '';
    default: return undefined;
  }
}
