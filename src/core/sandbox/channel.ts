// The wire between the extension host and one plugin worker: a small control block of Int32 slots and a growable
// data buffer, both SharedArrayBuffers. Exactly one exchange is in flight at a time, so one data buffer serves both
// directions; the STATE slot says whose turn it is and both sides wait on it with Atomics (the worker blocks with
// Atomics.wait; the extension host waits with Atomics.waitAsync, or blocks only for an explicit synchronous call).
//
//   main                                   worker
//   write request, STATE=Call  ─────────►  runs the export
//                              ◄─────────  (maybe) write host call, STATE=HostCall, block
//   run host function (may await)
//   write host result, STATE=HostReturn ►  continues the export
//                              ◄─────────  write response, STATE=Return
//   read response, STATE=Idle
//
// Payloads are JSON text (values of the WIT API are strings, numbers, booleans, arrays, records and `undefined` for
// an absent option; the envelope keeps a top-level `undefined` meaningful and null is read back as `undefined`).

export const enum State {
  Idle = 0,
  Call = 1,
  Return = 2,
  HostCall = 3,
  HostReturn = 4,
  /** Set by the extension host when it terminated the worker, to release anyone waiting. */
  Dead = 99,
}

const STATE = 0;
const LENGTH = 1;
const CONTROL_SLOTS = 4;

/**
 * Iterations (a few microseconds per thousand) a waiting thread checks the state before it blocks in Atomics.wait.
 * On a virtual machine, waking a blocked thread means waking an idle virtual CPU, which costs ~50 µs — far more than
 * a plugin call; spinning briefly first keeps back-to-back calls at a few microseconds (`npm run bench`, P2).
 */
export const SPINS = Number(process.env.WASM_PLUGINS_SPINS ?? 20_000);

export const DEFAULT_DATA_BYTES = 64 * 1024;
/** The data buffer grows on demand up to this size; larger messages are refused (the result-size cap is lower). */
export const MAX_DATA_BYTES = 256 * 1024 * 1024;

export interface ChannelBuffers {
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
}

export class MessageTooLarge extends Error {
  constructor(readonly bytes: number, readonly limit: number) {
    super(`message of ${bytes} bytes exceeds the limit of ${limit} bytes`);
    this.name = 'MessageTooLarge';
  }
}

export function createChannelBuffers(initialBytes = DEFAULT_DATA_BYTES): ChannelBuffers {
  return {
    control: new SharedArrayBuffer(CONTROL_SLOTS * 4),
    data: new SharedArrayBuffer(initialBytes, { maxByteLength: MAX_DATA_BYTES }),
  };
}

const decoder = new TextDecoder();

// WIT values have no null; JSON turns `undefined` (an absent option) inside arrays into null. Undo that.
function nullToUndefined(_key: string, value: unknown): unknown {
  return value === null ? undefined : value;
}
const encoder = new TextEncoder();

export interface ChannelOptions {
  /** Messages this side sends may not exceed this many bytes of UTF-8 (MessageTooLarge otherwise). */
  readonly maxMessageBytes?: number;
  /** JSON replacer for outgoing messages. Slow (JSON.stringify leaves its fast path): prefer `prepare`. */
  readonly replacer?: (key: string, value: unknown) => unknown;
  /** Turns an outgoing message into plain JSON data before it is serialised (e.g. `plainValue`). */
  readonly prepare?: (message: unknown) => unknown;
}

/**
 * The bindings' variant and result classes as plain `{ tag, value }` objects, everything else as it is (what
 * `plainReplacer` in runtime/abi.ts does as a JSON replacer, at a fraction of the cost: JSON.stringify with a
 * replacer function leaves its fast path). Copies only the objects and arrays on the way to a class instance.
 */
export function plainValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const plain = plainValue(item);
      if (plain !== item) (out ??= value.slice())[i] = plain;
    }
    return out ?? value;
  }
  if (ArrayBuffer.isView(value)) return value;
  if ('_tag' in value) {
    const v = value as unknown as { tag: unknown; value: unknown };
    return { tag: v.tag, value: plainValue(v.value) };
  }
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    const plain = plainValue(item);
    if (plain !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = plain;
  }
  return out ?? value;
}

export class Channel {
  private readonly control: Int32Array;
  private readonly bytes: Uint8Array;

  private readonly maxMessageBytes: number;
  private readonly replacer: ((key: string, value: unknown) => unknown) | undefined;
  private readonly prepare: ((message: unknown) => unknown) | undefined;

  constructor(private readonly buffers: ChannelBuffers, options: ChannelOptions = {}) {
    this.maxMessageBytes = Math.min(options.maxMessageBytes ?? MAX_DATA_BYTES, MAX_DATA_BYTES);
    this.replacer = options.replacer;
    this.prepare = options.prepare;
    this.control = new Int32Array(buffers.control);
    // Length-tracking view: sees growth done by either side.
    this.bytes = new Uint8Array(buffers.data);
  }

  get state(): State {
    return Atomics.load(this.control, STATE);
  }

  /** Writes a message and hands the turn to the other side. Throws MessageTooLarge (nothing is sent then). */
  send(state: State, message: unknown): void {
    this.write(message);
    Atomics.store(this.control, STATE, state);
    Atomics.notify(this.control, STATE);
  }

  /** Sets the state without a payload (e.g. back to Idle). */
  setState(state: State): void {
    Atomics.store(this.control, STATE, state);
    // Nobody waits for Idle: the worker, blocked since it answered, only needs waking for the next Call. Waking it
    // here cost every round trip a futile trip through the scheduler.
    if (state !== State.Idle) Atomics.notify(this.control, STATE);
  }

  read(): unknown {
    const length = Atomics.load(this.control, LENGTH);
    const text = decoder.decode(this.bytes.subarray(0, length));
    // A reviver makes JSON.parse several times slower; without a `null` in the text it would change nothing.
    const envelope = (text.includes('null') ? JSON.parse(text, nullToUndefined) : JSON.parse(text)) as { v?: unknown };
    return envelope.v;
  }

  /** Blocks until the state is no longer `current` or the timeout passes; returns the new state. */
  /** The new state if it changes from `current` within `spins` checks, else undefined (never blocks). */
  poll(current: State, spins: number): State | undefined {
    for (let i = 0; i < spins; i++) {
      const s = Atomics.load(this.control, STATE);
      if (s !== current) return s;
    }
    return undefined;
  }

  waitWhile(current: State, timeoutMs = Infinity, spins = 0): State {
    // A short spin first: on a virtual machine, waking a thread blocked in Atomics.wait can cost tens of
    // microseconds (the idle virtual CPU has to be woken), more than the call it waits for.
    const changed = this.poll(current, spins);
    if (changed !== undefined) return changed;
    Atomics.wait(this.control, STATE, current, timeoutMs);
    return this.state;
  }

  /** Resolves when the state is no longer `current`. */
  async waitWhileAsync(current: State): Promise<State> {
    const r = Atomics.waitAsync(this.control, STATE, current);
    if (r.async) await r.value;
    return this.state;
  }

  private write(message: unknown): void {
    const text = JSON.stringify({ v: this.prepare ? this.prepare(message) : message }, this.replacer);
    // UTF-8 needs at most 3 bytes per UTF-16 code unit; only measure exactly when the quick bound does not fit
    // the buffer or the limit.
    let needed = text.length * 3;
    if (needed > this.bytes.length || needed > this.maxMessageBytes) {
      needed = Buffer.byteLength(text, 'utf8');
      if (needed > this.maxMessageBytes) throw new MessageTooLarge(needed, this.maxMessageBytes);
      if (needed > this.bytes.length) this.buffers.data.grow(Math.min(MAX_DATA_BYTES, Math.max(needed, this.bytes.length * 2)));
    }
    const { written } = encoder.encodeInto(text, this.bytes);
    Atomics.store(this.control, LENGTH, written);
  }
}
