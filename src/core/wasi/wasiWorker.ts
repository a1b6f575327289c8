// Entry point of a WASI process's worker thread: one program, run once from `_start` to its end. The preview1 ABI is
// @bjorn3/browser_wasi_shim's (argument/environment marshalling, clocks, the fd table and the decoding of every fd_* and
// path_* call); the descriptors behind it are ours (./wasiFds.ts: stdio over shared memory, sandboxed host
// directories), and a few of its functions are replaced where 0.4.2 falls short for a long-running program:
//   fd_read       a readv must not block again once the first buffer got data (wasi-libc's stdio reads into two)
//   fd_write      stdout/stderr: one message per call rather than per buffer
//   poll_oneoff   the shim busy-waits and accepts one clock subscription; ours sleeps in Atomics.wait and also
//                 waits for stdin, so `sleep()` and an idle language server cost no CPU
//   path_open     reuses closed descriptor numbers and caps open descriptors (the shim only appends)
//   path_rename, path_link   the shim moves in-memory inodes; ours act on the host, checked on both ends
//   path_symlink  refused: a program cannot plant a link that points out of its sandbox
//   args_sizes_get  the shim counts UTF-16 units instead of UTF-8 bytes (non-ASCII arguments overflowed)
//   proc_raise, sock_*  the shim throws strings; these answer ENOSYS/ENOTSUP
// Output goes to the starting thread as transferred byte chunks; stdin comes through the shared ring (./stdio.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { StdinReader, StdioBuffers } from './stdio';
import { createMount, ERRNO, HostDirFd, OutputFd, preopenFd, StdinFd, WasiFd } from './wasiFds';
import type { WasiPreopen } from './types';

export interface WasiWorkerInit {
  readonly kind: 'wasi-process';
  readonly id: string;
  readonly module: WebAssembly.Module;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly preopens: readonly WasiPreopen[];
  readonly stdio: StdioBuffers;
  readonly terminal: boolean;
}

export type WasiWorkerMessage =
  | { readonly t: 'out'; readonly fd: 1 | 2; readonly data: Uint8Array }
  | { readonly t: 'exit'; readonly code: number }
  | { readonly t: 'trap'; readonly message: string; readonly memoryBytes: number }
  | { readonly t: 'error'; readonly message: string };

const MAX_OPEN_FDS = 1024;
const EVENTTYPE_CLOCK = 0;
const EVENTTYPE_FD_READ = 1;
const EVENTTYPE_FD_WRITE = 2;
const CLOCK_REALTIME = 0;
const SUBCLOCK_ABSTIME = 1;
const EVENTRWFLAGS_HANGUP = 1;

type ShimModule = typeof import('@bjorn3/browser_wasi_shim', { with: { 'resolution-mode': 'import' } });

function post(message: WasiWorkerMessage, transfer?: ArrayBuffer[]): void {
  parentPort!.postMessage(message, transfer);
}

async function run(init: WasiWorkerInit): Promise<void> {
  // The shim is ESM-only; this file compiles to CommonJS (tests) or is bundled (esbuild inlines the import).
  const shim: ShimModule = await import('@bjorn3/browser_wasi_shim');
  const stdin = new StdinReader(init.stdio);
  const output = (fd: 1 | 2) => (data: Uint8Array) => {
    // The shim hands us a fresh copy (a slice of guest memory), so its buffer can be transferred. Copy if not.
    const chunk = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    stdin.beforeOutput(chunk.byteLength);
    post({ t: 'out', fd, data: chunk }, [chunk.buffer as ArrayBuffer]);
  };
  const fds: (WasiFd | undefined)[] = [new StdinFd(stdin, init.terminal), new OutputFd(output(1), init.terminal), new OutputFd(output(2), init.terminal)];
  for (const p of init.preopens) {
    try {
      fds.push(preopenFd(createMount(p.guestPath, p.hostPath, p.writable)));
    } catch (e) {
      post({ t: 'error', message: `cannot mount ${p.hostPath} as ${p.guestPath}: ${(e as Error).message}` });
      return;
    }
  }

  const wasi = new shim.WASI([init.id, ...init.args], [...init.env], fds as never[]);
  let memory: WebAssembly.Memory | undefined;
  const mem = () => memory!;
  const text = (ptr: number, len: number) => new TextDecoder().decode(new Uint8Array(mem().buffer, ptr, len));
  const table = () => wasi.fds as unknown as (WasiFd | undefined)[];

  const overrides: Record<string, (...args: never[]) => number> = {
    args_sizes_get: (argc: number, argvBufSize: number): number => {
      const view = new DataView(mem().buffer);
      view.setUint32(argc, wasi.args.length, true);
      view.setUint32(argvBufSize, wasi.args.reduce((n, a) => n + new TextEncoder().encode(a).length + 1, 0), true);
      return ERRNO.SUCCESS;
    },

    fd_read: (fd: number, iovs: number, iovsLen: number, nreadPtr: number): number => {
      const f = table()[fd];
      if (f === undefined) return ERRNO.BADF;
      const view = new DataView(mem().buffer);
      let nread = 0;
      for (let i = 0; i < iovsLen; i++) {
        const buf = view.getUint32(iovs + i * 8, true);
        const len = view.getUint32(iovs + i * 8 + 4, true);
        if (len === 0) continue;
        const r = nread > 0 && f instanceof StdinFd ? f.readNow(len) : f.fd_read(len);
        if (r.ret !== ERRNO.SUCCESS) {
          if (nread > 0) break;   // report what was read; the error comes again on the next call
          view.setUint32(nreadPtr, 0, true);
          return r.ret;
        }
        new Uint8Array(mem().buffer).set(r.data, buf);
        nread += r.data.length;
        if (r.data.length < len) break;
      }
      view.setUint32(nreadPtr, nread, true);
      return ERRNO.SUCCESS;
    },

    poll_oneoff: (inPtr: number, outPtr: number, nsubscriptions: number, neventsPtr: number): number => {
      if (nsubscriptions === 0) return ERRNO.INVAL;
      const monotonicNow = () => process.hrtime.bigint();
      const subs: { userdata: bigint; type: number; fd: number; deadline: bigint }[] = [];
      {
        const view = new DataView(mem().buffer);
        const startMono = monotonicNow();
        for (let i = 0; i < nsubscriptions; i++) {
          const at = inPtr + i * 48;
          const userdata = view.getBigUint64(at, true);
          const type = view.getUint8(at + 8);
          if (type === EVENTTYPE_CLOCK) {
            const clock = view.getUint32(at + 16, true);
            const timeout = view.getBigUint64(at + 24, true);
            const absolute = (view.getUint16(at + 40, true) & SUBCLOCK_ABSTIME) !== 0;
            let deadline = absolute ? timeout : startMono + timeout;
            if (absolute && clock === CLOCK_REALTIME) deadline = startMono + (timeout - BigInt(Date.now()) * 1_000_000n);
            subs.push({ userdata, type, fd: -1, deadline });
          } else {
            subs.push({ userdata, type, fd: view.getUint32(at + 16, true), deadline: 0n });
          }
        }
      }
      for (;;) {
        const now = monotonicNow();
        const events: { userdata: bigint; error: number; type: number; nbytes: bigint; flags: number }[] = [];
        let nextDeadline: bigint | undefined;
        let waitsForStdin = false;
        for (const s of subs) {
          if (s.type === EVENTTYPE_CLOCK) {
            if (now >= s.deadline) events.push({ userdata: s.userdata, error: 0, type: s.type, nbytes: 0n, flags: 0 });
            else if (nextDeadline === undefined || s.deadline < nextDeadline) nextDeadline = s.deadline;
            continue;
          }
          const f = table()[s.fd];
          if (f === undefined) { events.push({ userdata: s.userdata, error: ERRNO.BADF, type: s.type, nbytes: 0n, flags: 0 }); continue; }
          if (s.type === EVENTTYPE_FD_WRITE) { events.push({ userdata: s.userdata, error: 0, type: s.type, nbytes: 1n, flags: 0 }); continue; }
          if (s.type !== EVENTTYPE_FD_READ) { events.push({ userdata: s.userdata, error: ERRNO.INVAL, type: s.type, nbytes: 0n, flags: 0 }); continue; }
          const r = f.readReady();
          if (r.ready) events.push({ userdata: s.userdata, error: 0, type: s.type, nbytes: BigInt(r.bytes), flags: r.hangup ? EVENTRWFLAGS_HANGUP : 0 });
          else waitsForStdin = true;
        }
        if (events.length > 0) {
          const view = new DataView(mem().buffer);
          events.forEach((e, i) => {
            const at = outPtr + i * 32;
            view.setBigUint64(at, e.userdata, true);
            view.setUint16(at + 8, e.error, true);
            view.setUint8(at + 10, e.type);
            view.setBigUint64(at + 16, e.nbytes, true);
            view.setUint16(at + 24, e.flags, true);
          });
          view.setUint32(neventsPtr, events.length, true);
          return ERRNO.SUCCESS;
        }
        const waitMs = nextDeadline === undefined ? Infinity : Math.max(1, Math.ceil(Number(nextDeadline - now) / 1e6));
        if (waitsForStdin) stdin.waitForInput(waitMs);
        else stdin.sleep(waitMs);
      }
    },

    // One chunk per call, not one per iovec: C stdio writes its buffer and the new data as two iovecs.
    fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number => {
      const f = table()[fd];
      if (!(f instanceof OutputFd)) return (wasi.wasiImport.fd_write as (...a: number[]) => number)(fd, iovs, iovsLen, nwrittenPtr);
      const view = new DataView(mem().buffer);
      const parts: [number, number][] = [];
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const buf = view.getUint32(iovs + i * 8, true);
        const len = view.getUint32(iovs + i * 8 + 4, true);
        parts.push([buf, len]);
        total += len;
      }
      const joined = new Uint8Array(total);
      let at = 0;
      for (const [buf, len] of parts) {
        joined.set(new Uint8Array(mem().buffer, buf, len), at);
        at += len;
      }
      const { ret, nwritten } = f.fd_write(joined);
      view.setUint32(nwrittenPtr, nwritten, true);
      return ret;
    },

    path_open: (fd: number, dirflags: number, pathPtr: number, pathLen: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, openedPtr: number): number => {
      const dir = table()[fd];
      if (dir === undefined) return ERRNO.BADF;
      const { ret, fd_obj } = dir.path_open(dirflags, text(pathPtr, pathLen), oflags, base, inheriting, fdflags);
      if (ret !== ERRNO.SUCCESS || fd_obj === null) return ret;
      const fdsNow = table();
      let slot = fdsNow.indexOf(undefined, 3);
      if (slot < 0) slot = fdsNow.length;
      if (slot >= MAX_OPEN_FDS) {
        fd_obj.fd_close();
        return ERRNO.MFILE;
      }
      fdsNow[slot] = fd_obj;
      new DataView(mem().buffer).setUint32(openedPtr, slot, true);
      return ERRNO.SUCCESS;
    },

    path_rename: (fd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number => {
      const a = table()[fd];
      const b = table()[newFd];
      if (a === undefined || b === undefined) return ERRNO.BADF;
      if (!(a instanceof HostDirFd) || !(b instanceof HostDirFd)) return ERRNO.NOTDIR;
      return a.rename(text(oldPtr, oldLen), b, text(newPtr, newLen));
    },

    path_link: (oldFd: number, oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): number => {
      const a = table()[oldFd];
      const b = table()[newFd];
      if (a === undefined || b === undefined) return ERRNO.BADF;
      if (!(a instanceof HostDirFd) || !(b instanceof HostDirFd)) return ERRNO.NOTDIR;
      return a.link(oldFlags, text(oldPtr, oldLen), b, text(newPtr, newLen));
    },

    path_symlink: (): number => ERRNO.NOTSUP,
    proc_raise: (): number => ERRNO.NOSYS,
    sock_accept: (): number => ERRNO.NOTSUP,
    sock_recv: (): number => ERRNO.NOTSUP,
    sock_send: (): number => ERRNO.NOTSUP,
    sock_shutdown: (): number => ERRNO.NOTSUP,
  };
  const imports = { ...wasi.wasiImport, ...overrides };

  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(init.module, { wasi_snapshot_preview1: imports as WebAssembly.ModuleImports });
  } catch (e) {
    post({ t: 'error', message: `it does not start: ${(e as Error).message}` });
    return;
  }
  memory = instance.exports.memory as WebAssembly.Memory;
  try {
    const code = wasi.start(instance as { exports: { memory: WebAssembly.Memory; _start: () => unknown } });
    post({ t: 'exit', code });
  } catch (e) {
    if (e instanceof shim.WASIProcExit) post({ t: 'exit', code: e.code });
    else if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
      // RangeError: "Maximum call stack size exceeded" (deep recursion) is a trap too.
      post({ t: 'trap', message: e.message, memoryBytes: memory.buffer.byteLength });
    } else {
      post({ t: 'error', message: `the WASI runtime failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
}

const init = workerData as WasiWorkerInit | null;
if (init !== null && typeof init === 'object' && init.kind === 'wasi-process') {
  run(init).catch((e: unknown) => post({ t: 'error', message: `the WASI worker failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}` }));
}
