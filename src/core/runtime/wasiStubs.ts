// Component plugins built with wasi-libc (C) may import a handful of WASI preview1 functions even when they never touch
// files: printf wants fd_write, exit wants proc_exit, the allocator may want random_get. Plugins get these minimal,
// capability-free versions: stdout/stderr go to the plugin's log, there is no file system, no environment, no args.
// Full WASI programs (the `wasi-command` and `language-server` kinds) run elsewhere with a real WASI implementation.

export const WASI_MODULE = 'wasi_snapshot_preview1';

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_INVAL = 28;
const ERRNO_SPIPE = 70;
const ERRNO_NOSYS = 52;

/** Thrown by proc_exit: the instance cannot continue, like a trap, but with the exit code in the message. */
export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`the plugin called exit(${code})`);
    this.name = 'WasiExit';
  }
}

export interface WasiHost {
  memory(): WebAssembly.Memory;
  /** Text written to fd 1 (stdout) or 2 (stderr). */
  write(fd: 1 | 2, text: string): void;
}

const functions = {
  fd_write: (h: WasiHost) => (fd: number, iovs: number, iovsLen: number, nwritten: number): number => {
    if (fd !== 1 && fd !== 2) return ERRNO_BADF;
    const view = new DataView(h.memory().buffer);
    const bytes = new Uint8Array(h.memory().buffer);
    let total = 0;
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < iovsLen; i++) {
      const ptr = view.getUint32(iovs + i * 8, true);
      const len = view.getUint32(iovs + i * 8 + 4, true);
      if (ptr + len > bytes.length) return ERRNO_INVAL;
      chunks.push(bytes.slice(ptr, ptr + len));
      total += len;
    }
    view.setUint32(nwritten, total, true);
    const text = chunks.map((c) => new TextDecoder().decode(c)).join('');
    if (text.length > 0) h.write(fd, text);
    return ERRNO_SUCCESS;
  },
  fd_read: () => (): number => ERRNO_BADF,
  fd_close: () => (): number => ERRNO_BADF,
  fd_seek: () => (): number => ERRNO_SPIPE,
  fd_fdstat_get: (h: WasiHost) => (fd: number, ptr: number): number => {
    if (fd > 2) return ERRNO_BADF;
    const view = new DataView(h.memory().buffer);
    view.setUint8(ptr, 2); // character device
    view.setUint16(ptr + 2, 0, true);
    view.setBigUint64(ptr + 8, 0n, true);
    view.setBigUint64(ptr + 16, 0n, true);
    return ERRNO_SUCCESS;
  },
  fd_prestat_get: () => (): number => ERRNO_BADF,
  fd_prestat_dir_name: () => (): number => ERRNO_BADF,
  environ_sizes_get: (h: WasiHost) => (count: number, size: number): number => {
    const view = new DataView(h.memory().buffer);
    view.setUint32(count, 0, true);
    view.setUint32(size, 0, true);
    return ERRNO_SUCCESS;
  },
  environ_get: () => (): number => ERRNO_SUCCESS,
  args_sizes_get: (h: WasiHost) => (count: number, size: number): number => {
    const view = new DataView(h.memory().buffer);
    view.setUint32(count, 0, true);
    view.setUint32(size, 0, true);
    return ERRNO_SUCCESS;
  },
  args_get: () => (): number => ERRNO_SUCCESS,
  random_get: (h: WasiHost) => (ptr: number, len: number): number => {
    const bytes = new Uint8Array(h.memory().buffer, ptr, len);
    // getRandomValues fills at most 64 KiB per call.
    for (let at = 0; at < len; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(len, at + 65536)));
    return ERRNO_SUCCESS;
  },
  clock_time_get: (h: WasiHost) => (id: number, _precision: bigint, out: number): number => {
    if (id !== 0 && id !== 1) return ERRNO_INVAL;
    const ns = id === 0 ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
    new DataView(h.memory().buffer).setBigUint64(out, ns, true);
    return ERRNO_SUCCESS;
  },
  clock_res_get: (h: WasiHost) => (_id: number, out: number): number => {
    new DataView(h.memory().buffer).setBigUint64(out, 1000n, true);
    return ERRNO_SUCCESS;
  },
  sched_yield: () => (): number => ERRNO_SUCCESS,
  poll_oneoff: () => (): number => ERRNO_NOSYS,
  proc_exit: () => (code: number): never => {
    throw new WasiExit(code);
  },
} satisfies Record<string, (h: WasiHost) => (...args: never[]) => number>;

export const WASI_STUBBED_FUNCTIONS: ReadonlySet<string> = new Set(Object.keys(functions));

export function createWasiStubs(host: WasiHost): Record<string, (...args: never[]) => number> {
  const out: Record<string, (...args: never[]) => number> = {};
  for (const [name, make] of Object.entries(functions)) out[name] = (make as (h: WasiHost) => (...args: never[]) => number)(host);
  return out;
}
