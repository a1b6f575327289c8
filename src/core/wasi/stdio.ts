// The shared memory between a WASI process's worker and the thread that started it. stdin is a single-producer,
// single-consumer ring buffer: the starting side writes (and waits asynchronously when the ring is full), the worker
// reads and *blocks* in Atomics.wait while it is empty — that is how a language server sits waiting for its next
// message without spinning and without an event loop turn. stdout/stderr travel the other way as worker messages; the
// OUT_PENDING slot counts bytes posted but not yet handled so that a flooding program waits instead of filling the
// starting thread's heap.
//
// Counters are 32-bit and wrap; only their difference matters, and the ring's capacity is a power of two, so
// `counter % capacity` stays continuous across the wrap.

const WRITE = 0;        // total bytes written into the ring
const READ = 1;         // total bytes read from it
const SEQ = 2;          // bumped on every write and on close: what a blocked reader waits on
const CLOSED = 3;       // 1 once the writer closed stdin
const OUT_PENDING = 4;  // stdout/stderr bytes posted by the worker and not yet handled
const SLEEP = 5;        // never notified: Atomics.wait on it is a sleep
const SLOTS = 8;

export const DEFAULT_STDIN_BYTES = 64 * 1024;
/** The worker stops writing output while this many bytes are in flight, until the other side catches up. */
export const MAX_OUTPUT_IN_FLIGHT = 8 * 1024 * 1024;

export interface StdioBuffers {
  readonly control: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
}

export function createStdioBuffers(capacity = DEFAULT_STDIN_BYTES): StdioBuffers {
  if (capacity < 16 || (capacity & (capacity - 1)) !== 0) throw new RangeError('the stdin capacity must be a power of two ≥ 16');
  return { control: new SharedArrayBuffer(SLOTS * 4), data: new SharedArrayBuffer(capacity) };
}

export class StdinClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StdinClosedError';
  }
}

/** The writing end, on the thread that started the process. Writes are queued and delivered in order. */
export class StdinWriter {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly queue: { bytes: Uint8Array; offset: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private pumping = false;
  private closed = false;
  private dead: string | undefined;

  constructor(buffers: StdioBuffers) {
    this.control = new Int32Array(buffers.control);
    this.data = new Uint8Array(buffers.data);
  }

  get isClosed(): boolean {
    return this.closed || this.dead !== undefined;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.dead !== undefined) return Promise.reject(new StdinClosedError(this.dead));
    if (this.closed) return Promise.reject(new StdinClosedError('stdin was closed'));
    if (bytes.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes, offset: 0, resolve, reject });
      void this.pump();
    });
  }

  /** EOF for the reader after everything queued so far. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.pumping && this.queue.length === 0) this.signalClosed();
  }

  /** The reader is gone: fail everything queued and release a pump that waits for room. */
  abandon(reason: string): void {
    if (this.dead !== undefined) return;
    this.dead = reason;
    for (const item of this.queue.splice(0)) item.reject(new StdinClosedError(reason));
    Atomics.notify(this.control, READ);
  }

  private signalClosed(): void {
    Atomics.store(this.control, CLOSED, 1);
    Atomics.add(this.control, SEQ, 1);
    Atomics.notify(this.control, SEQ);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const capacity = this.data.length;
      while (this.queue.length > 0 && this.dead === undefined) {
        const item = this.queue[0];
        const w = Atomics.load(this.control, WRITE);
        const r = Atomics.load(this.control, READ);
        const free = capacity - ((w - r) | 0);
        if (free === 0) {
          // Full: wait until the reader moves READ on (or abandon() wakes us).
          const waited = Atomics.waitAsync(this.control, READ, r);
          if (waited.async) await waited.value;
          continue;
        }
        const n = Math.min(free, item.bytes.length - item.offset);
        const at = (w >>> 0) % capacity;
        const first = Math.min(n, capacity - at);
        this.data.set(item.bytes.subarray(item.offset, item.offset + first), at);
        if (n > first) this.data.set(item.bytes.subarray(item.offset + first, item.offset + n), 0);
        Atomics.store(this.control, WRITE, (w + n) | 0);
        Atomics.add(this.control, SEQ, 1);
        Atomics.notify(this.control, SEQ);
        item.offset += n;
        if (item.offset === item.bytes.length) {
          this.queue.shift();
          item.resolve();
        }
      }
    } finally {
      this.pumping = false;
      if (this.closed && this.queue.length === 0 && this.dead === undefined) this.signalClosed();
    }
  }
}

/** The reading end, in the worker. Every method is synchronous; `read` blocks. */
export class StdinReader {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;

  constructor(buffers: StdioBuffers) {
    this.control = new Int32Array(buffers.control);
    this.data = new Uint8Array(buffers.data);
  }

  /** Bytes that can be read without blocking. */
  get available(): number {
    return (Atomics.load(this.control, WRITE) - Atomics.load(this.control, READ)) | 0;
  }

  /** Closed and drained: reads return EOF. */
  get atEnd(): boolean {
    return this.available === 0 && Atomics.load(this.control, CLOSED) === 1;
  }

  /**
   * Reads up to `max` bytes. With `blocking`, waits until at least one byte or EOF is there (an empty result then
   * means EOF); without, returns `undefined` when nothing is available yet.
   */
  read(max: number, blocking: boolean): Uint8Array | undefined {
    for (;;) {
      const seq = Atomics.load(this.control, SEQ);
      const w = Atomics.load(this.control, WRITE);
      const r = Atomics.load(this.control, READ);
      const available = (w - r) | 0;
      if (available > 0) {
        const capacity = this.data.length;
        const n = Math.min(available, max);
        const at = (r >>> 0) % capacity;
        const first = Math.min(n, capacity - at);
        const out = new Uint8Array(n);
        out.set(this.data.subarray(at, at + first));
        if (n > first) out.set(this.data.subarray(0, n - first), first);
        Atomics.store(this.control, READ, (r + n) | 0);
        Atomics.notify(this.control, READ);
        return out;
      }
      if (Atomics.load(this.control, CLOSED) === 1) return new Uint8Array(0);
      if (!blocking || max === 0) return blocking ? new Uint8Array(0) : undefined;
      // Any write or close after we read SEQ changes it, so this cannot miss a wake-up.
      Atomics.wait(this.control, SEQ, seq);
    }
  }

  /** Blocks until input (or EOF) is available or `timeoutMs` passes. Returns whether input/EOF is there. */
  waitForInput(timeoutMs: number): boolean {
    const seq = Atomics.load(this.control, SEQ);
    if (this.available > 0 || Atomics.load(this.control, CLOSED) === 1) return true;
    Atomics.wait(this.control, SEQ, seq, Math.max(0, timeoutMs));
    return this.available > 0 || Atomics.load(this.control, CLOSED) === 1;
  }

  /** Sleeps without spinning. */
  sleep(ms: number): void {
    if (ms > 0) Atomics.wait(this.control, SLEEP, 0, ms);
  }

  /** Output flow control, worker side: count bytes about to be posted; wait while too many are in flight. */
  beforeOutput(bytes: number): void {
    for (;;) {
      const pending = Atomics.load(this.control, OUT_PENDING);
      if (pending <= MAX_OUTPUT_IN_FLIGHT) break;
      Atomics.wait(this.control, OUT_PENDING, pending, 1000);
    }
    Atomics.add(this.control, OUT_PENDING, bytes);
  }
}

/** Output flow control, starting side: a posted chunk of `bytes` was handled. */
export function outputHandled(control: Int32Array, bytes: number): void {
  Atomics.sub(control, OUT_PENDING, bytes);
  Atomics.notify(control, OUT_PENDING);
}
