// The file descriptors a WASI program gets from the bundled runtime: stdin/stdout/stderr, and host directories
// mounted under guest paths. They plug into @bjorn3/browser_wasi_shim's fd table (the shim decodes the preview1 ABI and
// calls these methods by name), but the file-system model and its sandbox are ours — the shim's own model is an
// in-memory tree, and no npm WASI implementation restricts access to a host directory (node:wasi and
// @tybys/wasm-util resolve guest paths against host paths without containment, and neither has read-only mounts).
//
// The sandbox, for every path a program passes:
//   - paths are relative to a directory descriptor; absolute paths are refused (EPERM);
//   - `..` is applied lexically and may not climb above the mount's root (EPERM);
//   - symlinks are resolved on the host (realpath) and the result must still be inside the mount's root (EPERM), a
//     dangling one is "not found"; the final component is opened with O_NOFOLLOW, so a link planted after the check
//     is not followed; programs cannot create symlinks (ENOTSUP);
//   - on a read-only mount anything that writes, creates, truncates, renames, links or deletes fails with EROFS.
// What remains (documented, not solved): another process swapping a directory for a symlink between our check and the
// open of a deeper path. Node has no openat/RESOLVE_BENEATH to close that window.
//
// Nothing here imports the shim: structures it writes into guest memory (fdstat, filestat, dirent, prestat) are
// implemented here with the layouts of the preview1 spec (the shim 0.4.2 writes filestat timestamps at wrong offsets).

import * as fs from 'node:fs';
import * as path from 'node:path';

export const ERRNO = {
  SUCCESS: 0, ACCES: 2, AGAIN: 6, BADF: 8, BUSY: 10, EXIST: 20, FBIG: 22, INVAL: 28, IO: 29, ISDIR: 31, LOOP: 32,
  MFILE: 33, NAMETOOLONG: 37, NOENT: 44, NOMEM: 48, NOSPC: 51, NOSYS: 52, NOTDIR: 54, NOTEMPTY: 55, NOTSUP: 58,
  PERM: 63, ROFS: 69, SPIPE: 70, XDEV: 75, NOTCAPABLE: 76,
} as const;

export const FILETYPE = { UNKNOWN: 0, BLOCK_DEVICE: 1, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4, SOCKET_DGRAM: 5, SOCKET_STREAM: 6, SYMBOLIC_LINK: 7 } as const;
export const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const FDFLAGS = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
export const LOOKUP_SYMLINK_FOLLOW = 1;
const FSTFLAGS = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
const WHENCE = { SET: 0, CUR: 1, END: 2 } as const;

export const RIGHTS = {
  FD_DATASYNC: 1n << 0n, FD_READ: 1n << 1n, FD_SEEK: 1n << 2n, FD_FDSTAT_SET_FLAGS: 1n << 3n, FD_SYNC: 1n << 4n,
  FD_TELL: 1n << 5n, FD_WRITE: 1n << 6n, FD_ADVISE: 1n << 7n, FD_ALLOCATE: 1n << 8n, FD_READDIR: 1n << 14n,
  FD_FILESTAT_GET: 1n << 21n, FD_FILESTAT_SET_SIZE: 1n << 22n, FD_FILESTAT_SET_TIMES: 1n << 23n,
  POLL_FD_READWRITE: 1n << 27n, ALL: (1n << 30n) - 1n,
} as const;
/** Rights that mean "this open writes". FD_FILESTAT_SET_TIMES and FD_DATASYNC are not among them: Rust's std asks for them even when only reading. */
const WRITE_RIGHTS = RIGHTS.FD_WRITE | RIGHTS.FD_ALLOCATE | RIGHTS.FD_FILESTAT_SET_SIZE;
const FILE_RIGHTS = RIGHTS.FD_DATASYNC | RIGHTS.FD_READ | RIGHTS.FD_SEEK | RIGHTS.FD_FDSTAT_SET_FLAGS | RIGHTS.FD_SYNC
  | RIGHTS.FD_TELL | RIGHTS.FD_WRITE | RIGHTS.FD_ADVISE | RIGHTS.FD_ALLOCATE | RIGHTS.FD_FILESTAT_GET
  | RIGHTS.FD_FILESTAT_SET_SIZE | RIGHTS.FD_FILESTAT_SET_TIMES | RIGHTS.POLL_FD_READWRITE;

/** Reads and writes of one call are capped (the program just sees a short read/write and asks again). */
const MAX_IO_BYTES = 16 * 1024 * 1024;

// ---- structures written into guest memory -------------------------------------------------------------------------

export class Fdstat {
  constructor(readonly filetype: number, readonly flags: number, readonly rightsBase: bigint, readonly rightsInheriting: bigint) {}
  write_bytes(view: DataView, ptr: number): void {
    view.setUint8(ptr, this.filetype);
    view.setUint16(ptr + 2, this.flags, true);
    view.setBigUint64(ptr + 8, this.rightsBase, true);
    view.setBigUint64(ptr + 16, this.rightsInheriting, true);
  }
}

export class Filestat {
  constructor(
    readonly filetype: number, readonly size: bigint, readonly ino = 0n, readonly dev = 0n, readonly nlink = 1n,
    readonly atim = 0n, readonly mtim = 0n, readonly ctim = 0n,
  ) {}
  static of(st: fs.BigIntStats): Filestat {
    return new Filestat(filetypeOf(st), st.size, st.ino, st.dev, st.nlink, st.atimeNs, st.mtimeNs, st.ctimeNs);
  }
  write_bytes(view: DataView, ptr: number): void {
    view.setBigUint64(ptr, this.dev, true);
    view.setBigUint64(ptr + 8, this.ino, true);
    view.setUint8(ptr + 16, this.filetype);
    view.setBigUint64(ptr + 24, this.nlink, true);
    view.setBigUint64(ptr + 32, this.size, true);
    view.setBigUint64(ptr + 40, this.atim, true);
    view.setBigUint64(ptr + 48, this.mtim, true);
    view.setBigUint64(ptr + 56, this.ctim, true);
  }
}

export class Dirent {
  private readonly name: Uint8Array;
  constructor(readonly d_next: bigint, readonly ino: bigint, name: string, readonly type: number) {
    this.name = new TextEncoder().encode(name);
  }
  head_length(): number {
    return 24;
  }
  name_length(): number {
    return this.name.byteLength;
  }
  write_head_bytes(view: DataView, ptr: number): void {
    view.setBigUint64(ptr, this.d_next, true);
    view.setBigUint64(ptr + 8, this.ino, true);
    view.setUint32(ptr + 16, this.name.byteLength, true);
    view.setUint8(ptr + 20, this.type);
  }
  write_name_bytes(view8: Uint8Array, ptr: number, bufLen: number): void {
    view8.set(this.name.subarray(0, Math.min(this.name.byteLength, bufLen)), ptr);
  }
}

export class Prestat {
  readonly inner: { readonly pr_name: Uint8Array };
  constructor(name: string) {
    this.inner = { pr_name: new TextEncoder().encode(name) };
  }
  write_bytes(view: DataView, ptr: number): void {
    view.setUint32(ptr, 0, true); // preopentype dir
    view.setUint32(ptr + 4, this.inner.pr_name.byteLength, true);
  }
}

function filetypeOf(st: fs.Stats | fs.BigIntStats | fs.Dirent): number {
  if (st.isFile()) return FILETYPE.REGULAR_FILE;
  if (st.isDirectory()) return FILETYPE.DIRECTORY;
  if (st.isSymbolicLink()) return FILETYPE.SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return FILETYPE.CHARACTER_DEVICE;
  if (st.isBlockDevice()) return FILETYPE.BLOCK_DEVICE;
  if (st.isSocket()) return FILETYPE.SOCKET_STREAM;
  return FILETYPE.UNKNOWN;
}

const NODE_ERRNO: Record<string, number> = {
  ENOENT: ERRNO.NOENT, EACCES: ERRNO.ACCES, EPERM: ERRNO.PERM, EEXIST: ERRNO.EXIST, ENOTDIR: ERRNO.NOTDIR,
  EISDIR: ERRNO.ISDIR, ENOTEMPTY: ERRNO.NOTEMPTY, ELOOP: ERRNO.LOOP, EBADF: ERRNO.BADF, EINVAL: ERRNO.INVAL,
  ENAMETOOLONG: ERRNO.NAMETOOLONG, EROFS: ERRNO.ROFS, EXDEV: ERRNO.XDEV, EMFILE: ERRNO.MFILE, ENFILE: ERRNO.MFILE,
  ENOSPC: ERRNO.NOSPC, EBUSY: ERRNO.BUSY, EFBIG: ERRNO.FBIG, ESPIPE: ERRNO.SPIPE, EAGAIN: ERRNO.AGAIN, ENOMEM: ERRNO.NOMEM,
};

export function errnoOf(e: unknown): number {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined && NODE_ERRNO[code]) || ERRNO.IO;
}

// ---- the fd interface the shim calls --------------------------------------------------------------------------------

type Ret<K extends string, T> = { ret: number } & { [P in K]: T };

/** Every operation a descriptor does not support answers as the shim's base class would: ENOTSUP / EBADF. */
export abstract class WasiFd {
  fd_allocate(_offset: bigint, _len: bigint): number { return ERRNO.NOTSUP; }
  fd_close(): number { return ERRNO.SUCCESS; }
  abstract fd_fdstat_get(): Ret<'fdstat', Fdstat | null>;
  fd_fdstat_set_flags(_flags: number): number { return ERRNO.NOTSUP; }
  fd_fdstat_set_rights(_base: bigint, _inheriting: bigint): number { return ERRNO.SUCCESS; }
  abstract fd_filestat_get(): Ret<'filestat', Filestat | null>;
  fd_filestat_set_size(_size: bigint): number { return ERRNO.NOTSUP; }
  fd_filestat_set_times(_atim: bigint, _mtim: bigint, _flags: number): number { return ERRNO.NOTSUP; }
  fd_pread(_size: number, _offset: bigint): Ret<'data', Uint8Array> { return { ret: ERRNO.SPIPE, data: new Uint8Array(0) }; }
  fd_prestat_get(): Ret<'prestat', Prestat | null> { return { ret: ERRNO.BADF, prestat: null }; }
  fd_pwrite(_data: Uint8Array, _offset: bigint): Ret<'nwritten', number> { return { ret: ERRNO.SPIPE, nwritten: 0 }; }
  fd_read(_size: number): Ret<'data', Uint8Array> { return { ret: ERRNO.BADF, data: new Uint8Array(0) }; }
  fd_readdir_single(_cookie: bigint): Ret<'dirent', Dirent | null> { return { ret: ERRNO.NOTDIR, dirent: null }; }
  fd_seek(_offset: bigint, _whence: number): Ret<'offset', bigint> { return { ret: ERRNO.SPIPE, offset: 0n }; }
  fd_sync(): number { return ERRNO.SUCCESS; }
  fd_tell(): Ret<'offset', bigint> { return { ret: ERRNO.SPIPE, offset: 0n }; }
  fd_write(_data: Uint8Array): Ret<'nwritten', number> { return { ret: ERRNO.BADF, nwritten: 0 }; }
  path_create_directory(_path: string): number { return ERRNO.NOTDIR; }
  path_filestat_get(_flags: number, _path: string): Ret<'filestat', Filestat | null> { return { ret: ERRNO.NOTDIR, filestat: null }; }
  path_filestat_set_times(_flags: number, _path: string, _atim: bigint, _mtim: bigint, _fst: number): number { return ERRNO.NOTDIR; }
  path_open(_dirflags: number, _path: string, _oflags: number, _base: bigint, _inheriting: bigint, _fdflags: number): Ret<'fd_obj', WasiFd | null> {
    return { ret: ERRNO.NOTDIR, fd_obj: null };
  }
  path_readlink(_path: string): Ret<'data', string | null> { return { ret: ERRNO.NOTDIR, data: null }; }
  path_remove_directory(_path: string): number { return ERRNO.NOTDIR; }
  path_unlink_file(_path: string): number { return ERRNO.NOTDIR; }
  /** Whether a read may block (poll_oneoff asks). */
  readReady(): { ready: boolean; bytes: number; hangup: boolean } { return { ready: true, bytes: 0, hangup: false }; }
}

// ---- stdio ----------------------------------------------------------------------------------------------------------

export interface StdinSource {
  read(max: number, blocking: boolean): Uint8Array | undefined;
  readonly available: number;
  readonly atEnd: boolean;
}

export class StdinFd extends WasiFd {
  private flags = 0;
  constructor(private readonly source: StdinSource, private readonly terminal: boolean) { super(); }
  override fd_fdstat_get() {
    // isatty() in wasi-libc = character device without seek/tell rights.
    return { ret: ERRNO.SUCCESS, fdstat: new Fdstat(this.terminal ? FILETYPE.CHARACTER_DEVICE : FILETYPE.UNKNOWN, this.flags, RIGHTS.FD_READ | RIGHTS.POLL_FD_READWRITE | RIGHTS.FD_FILESTAT_GET | RIGHTS.FD_FDSTAT_SET_FLAGS, 0n) };
  }
  override fd_fdstat_set_flags(flags: number): number {
    this.flags = flags & FDFLAGS.NONBLOCK;
    return ERRNO.SUCCESS;
  }
  override fd_filestat_get() {
    return { ret: ERRNO.SUCCESS, filestat: new Filestat(this.terminal ? FILETYPE.CHARACTER_DEVICE : FILETYPE.UNKNOWN, 0n) };
  }
  override fd_read(size: number) {
    return this.readSome(size, (this.flags & FDFLAGS.NONBLOCK) === 0);
  }
  /** A read that never blocks: for the second and later buffers of one readv, which must not wait once data came. */
  readNow(size: number) {
    return this.readSome(size, false);
  }
  override readReady() {
    const bytes = this.source.available;
    const hangup = this.source.atEnd;
    return { ready: bytes > 0 || hangup, bytes, hangup };
  }
  private readSome(size: number, blocking: boolean) {
    const data = this.source.read(Math.min(size, MAX_IO_BYTES), blocking);
    if (data === undefined) return { ret: blocking ? ERRNO.SUCCESS : ERRNO.AGAIN, data: new Uint8Array(0) };
    return { ret: ERRNO.SUCCESS, data };
  }
}

export class OutputFd extends WasiFd {
  constructor(private readonly sink: (bytes: Uint8Array) => void, private readonly terminal: boolean) { super(); }
  override fd_fdstat_get() {
    return { ret: ERRNO.SUCCESS, fdstat: new Fdstat(this.terminal ? FILETYPE.CHARACTER_DEVICE : FILETYPE.UNKNOWN, 0, RIGHTS.FD_WRITE | RIGHTS.POLL_FD_READWRITE | RIGHTS.FD_FILESTAT_GET, 0n) };
  }
  override fd_filestat_get() {
    return { ret: ERRNO.SUCCESS, filestat: new Filestat(this.terminal ? FILETYPE.CHARACTER_DEVICE : FILETYPE.UNKNOWN, 0n) };
  }
  override fd_write(data: Uint8Array) {
    const n = data.length;   // before the sink: it may transfer (detach) the buffer
    if (n > 0) this.sink(data);
    return { ret: ERRNO.SUCCESS, nwritten: n };
  }
}

// ---- host directories -----------------------------------------------------------------------------------------------

export interface Mount {
  /** Guest path of the mount, e.g. `/workspace`: the preopen's name. */
  readonly guestPath: string;
  /** Real (symlink-free) absolute host path. */
  readonly root: string;
  readonly writable: boolean;
}

/** Makes a mount; throws (with Node's error code) when the host directory does not exist or is not a directory. */
export function createMount(guestPath: string, hostPath: string, writable: boolean): Mount {
  const root = fs.realpathSync.native(path.resolve(hostPath));
  if (!fs.statSync(root).isDirectory()) {
    throw Object.assign(new Error(`${hostPath} is not a directory`), { code: 'ENOTDIR' });
  }
  return { guestPath, root, writable };
}

function inside(root: string, p: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (r !== '..' && !r.startsWith(`..${path.sep}`) && !path.isAbsolute(r));
}

interface Resolved {
  /** The host path to operate on: symlink-free up to its parent; the last component too when followed. */
  readonly host: string;
  /** lstat of `host`, or undefined when it does not exist. */
  readonly stat: fs.BigIntStats | undefined;
}

// Not defined on Windows, where the final-component race it closes cannot be closed this way.
const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/**
 * Resolves `guestPath` relative to the directory `dir` (inside `mount`). Returns an errno for anything that would leave
 * the mount. `follow`: whether a symlink in the last component is followed (intermediate ones always are, on the host,
 * and checked).
 */
export function resolveInMount(mount: Mount, dir: string, guestPath: string, follow: boolean): Resolved | number {
  if (guestPath.includes('\0')) return ERRNO.INVAL;
  if (guestPath.startsWith('/')) return ERRNO.PERM;
  // On Windows "\" and ":" would be separators or drive letters to the host; to WASI they are ordinary characters.
  if (process.platform === 'win32' && /[\\:]/.test(guestPath)) return ERRNO.INVAL;
  const parts = path.relative(mount.root, dir).split(path.sep).filter((p) => p !== '');
  let trailingSlash = false;
  for (const part of guestPath.split('/')) {
    trailingSlash = part === '';
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return ERRNO.PERM;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  if (parts.length === 0) return { host: mount.root, stat: fs.lstatSync(mount.root, { bigint: true }) };
  let parent: string;
  try {
    parent = fs.realpathSync.native(path.join(mount.root, ...parts.slice(0, -1)));
  } catch (e) {
    return errnoOf(e);
  }
  if (!inside(mount.root, parent)) return ERRNO.PERM;
  let host = path.join(parent, parts[parts.length - 1]);
  let stat: fs.BigIntStats | undefined;
  try {
    stat = fs.lstatSync(host, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return errnoOf(e);
  }
  if (stat?.isSymbolicLink() && (follow || trailingSlash)) {
    let real: string;
    try {
      real = fs.realpathSync.native(host);
    } catch (e) {
      // A dangling link: "not found", and nothing may be created through it (its target could be anywhere).
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? ERRNO.NOENT : errnoOf(e);
    }
    if (!inside(mount.root, real)) return ERRNO.PERM;
    host = real;
    stat = fs.lstatSync(host, { bigint: true });
  }
  if (trailingSlash && stat !== undefined && !stat.isDirectory()) return ERRNO.NOTDIR;
  return { host, stat };
}

export class HostDirFd extends WasiFd {
  private listing: Dirent[] | undefined;

  /** `preopen`: the name reported by fd_prestat_get (only for the mount's own root descriptor). */
  constructor(readonly mount: Mount, readonly hostPath: string, private readonly preopen?: string) { super(); }

  private resolve(p: string, follow: boolean): Resolved | number {
    return resolveInMount(this.mount, this.hostPath, p, follow);
  }

  override fd_prestat_get() {
    return this.preopen === undefined ? { ret: ERRNO.BADF, prestat: null } : { ret: ERRNO.SUCCESS, prestat: new Prestat(this.preopen) };
  }

  override fd_fdstat_get() {
    // Full rights regardless of the mount: older wasi-libc opens files with `requested & inheriting`, and a refusal
    // should come from path_open as EROFS, not as a mysterious EBADF at the first write.
    return { ret: ERRNO.SUCCESS, fdstat: new Fdstat(FILETYPE.DIRECTORY, 0, RIGHTS.ALL, RIGHTS.ALL) };
  }

  override fd_filestat_get() {
    try {
      return { ret: ERRNO.SUCCESS, filestat: Filestat.of(fs.statSync(this.hostPath, { bigint: true })) };
    } catch (e) {
      return { ret: errnoOf(e), filestat: null };
    }
  }

  override fd_readdir_single(cookie: bigint) {
    if (cookie === 0n || this.listing === undefined) {
      try {
        const entries = fs.readdirSync(this.hostPath, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const all: [string, number][] = [['.', FILETYPE.DIRECTORY], ['..', FILETYPE.DIRECTORY], ...entries.map((e): [string, number] => [e.name, filetypeOf(e)])];
        this.listing = all.map(([name, type], i) => new Dirent(BigInt(i + 1), 0n, name, type));
      } catch (e) {
        return { ret: errnoOf(e), dirent: null };
      }
    }
    const entry = cookie < BigInt(this.listing.length) ? this.listing[Number(cookie)] : null;
    return { ret: ERRNO.SUCCESS, dirent: entry };
  }

  override path_filestat_get(flags: number, p: string) {
    const r = this.resolve(p, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    if (typeof r === 'number') return { ret: r, filestat: null };
    if (r.stat === undefined) return { ret: ERRNO.NOENT, filestat: null };
    return { ret: ERRNO.SUCCESS, filestat: Filestat.of(r.stat) };
  }

  override path_open(dirflags: number, p: string, oflags: number, rightsBase: bigint, _inheriting: bigint, fdflags: number) {
    const fail = (ret: number) => ({ ret, fd_obj: null });
    const r = this.resolve(p, (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    if (typeof r === 'number') return fail(r);
    const creates = (oflags & (OFLAGS.CREAT | OFLAGS.TRUNC | OFLAGS.EXCL)) !== 0;
    const writes = (rightsBase & WRITE_RIGHTS) !== 0n || (fdflags & FDFLAGS.APPEND) !== 0;
    if (r.stat !== undefined && (oflags & OFLAGS.CREAT) !== 0 && (oflags & OFLAGS.EXCL) !== 0) return fail(ERRNO.EXIST);
    if (r.stat?.isDirectory()) {
      if (writes || (oflags & OFLAGS.TRUNC) !== 0) return fail(ERRNO.ISDIR);
      return { ret: ERRNO.SUCCESS, fd_obj: new HostDirFd(this.mount, r.host) };
    }
    if ((oflags & OFLAGS.DIRECTORY) !== 0) return fail(r.stat === undefined ? ERRNO.NOENT : ERRNO.NOTDIR);
    if (r.stat === undefined && (oflags & OFLAGS.CREAT) === 0) return fail(ERRNO.NOENT);
    if (!this.mount.writable && (writes || creates)) return fail(ERRNO.ROFS);
    const reads = (rightsBase & (RIGHTS.FD_READ | RIGHTS.FD_READDIR)) !== 0n || !writes;
    const c = fs.constants;
    let flags = (reads && writes ? c.O_RDWR : writes ? c.O_WRONLY : c.O_RDONLY) | O_NOFOLLOW;
    if (oflags & OFLAGS.CREAT) flags |= c.O_CREAT;
    if (oflags & OFLAGS.EXCL) flags |= c.O_EXCL;
    if (oflags & OFLAGS.TRUNC) flags |= c.O_TRUNC;
    if (fdflags & FDFLAGS.APPEND) flags |= c.O_APPEND;
    try {
      const hostFd = fs.openSync(r.host, flags, 0o666);
      return { ret: ERRNO.SUCCESS, fd_obj: new HostFileFd(hostFd, reads, writes, (fdflags & FDFLAGS.APPEND) !== 0) };
    } catch (e) {
      return fail(errnoOf(e));
    }
  }

  override path_create_directory(p: string): number {
    if (!this.mount.writable) return ERRNO.ROFS;
    const r = this.resolve(p, false);
    if (typeof r === 'number') return r;
    if (r.stat !== undefined) return ERRNO.EXIST;
    return attempt(() => fs.mkdirSync(r.host));
  }

  override path_unlink_file(p: string): number {
    if (!this.mount.writable) return ERRNO.ROFS;
    const r = this.resolve(p, false);
    if (typeof r === 'number') return r;
    if (r.stat === undefined) return ERRNO.NOENT;
    if (r.stat.isDirectory()) return ERRNO.ISDIR;
    return attempt(() => fs.unlinkSync(r.host));
  }

  override path_remove_directory(p: string): number {
    if (!this.mount.writable) return ERRNO.ROFS;
    const r = this.resolve(p, false);
    if (typeof r === 'number') return r;
    if (r.stat === undefined) return ERRNO.NOENT;
    if (!r.stat.isDirectory()) return ERRNO.NOTDIR;
    if (r.host === this.mount.root) return ERRNO.BUSY;
    return attempt(() => fs.rmdirSync(r.host));
  }

  override path_readlink(p: string) {
    const r = this.resolve(p, false);
    if (typeof r === 'number') return { ret: r, data: null };
    if (r.stat === undefined) return { ret: ERRNO.NOENT, data: null };
    if (!r.stat.isSymbolicLink()) return { ret: ERRNO.INVAL, data: null };
    try {
      return { ret: ERRNO.SUCCESS, data: fs.readlinkSync(r.host) };
    } catch (e) {
      return { ret: errnoOf(e), data: null };
    }
  }

  override path_filestat_set_times(flags: number, p: string, atim: bigint, mtim: bigint, fst: number): number {
    if (!this.mount.writable) return ERRNO.ROFS;
    const r = this.resolve(p, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    if (typeof r === 'number') return r;
    if (r.stat === undefined) return ERRNO.NOENT;
    const stat = r.stat;
    const times = fileTimes(stat, atim, mtim, fst);
    if (typeof times === 'number') return times;
    return attempt(() => (stat.isSymbolicLink() ? fs.lutimesSync : fs.utimesSync)(r.host, times[0], times[1]));
  }

  /** path_rename, with both directories ours: checked on both sides. */
  rename(oldPath: string, target: HostDirFd, newPath: string): number {
    if (!this.mount.writable || !target.mount.writable) return ERRNO.ROFS;
    const from = this.resolve(oldPath, false);
    if (typeof from === 'number') return from;
    if (from.stat === undefined) return ERRNO.NOENT;
    if (from.host === this.mount.root) return ERRNO.BUSY;
    const to = target.resolve(newPath, false);
    if (typeof to === 'number') return to;
    if (to.host === target.mount.root) return ERRNO.BUSY;
    return attempt(() => fs.renameSync(from.host, to.host));
  }

  /**
   * path_link (a hard link): the source may not be a directory, and both ends must be in writable mounts — a link from
   * a read-only mount into a writable one would make the read-only file writable through it.
   */
  link(oldFlags: number, oldPath: string, target: HostDirFd, newPath: string): number {
    if (!this.mount.writable || !target.mount.writable) return ERRNO.ROFS;
    const from = this.resolve(oldPath, (oldFlags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    if (typeof from === 'number') return from;
    if (from.stat === undefined) return ERRNO.NOENT;
    if (from.stat.isDirectory()) return ERRNO.PERM;
    const to = target.resolve(newPath, false);
    if (typeof to === 'number') return to;
    if (to.stat !== undefined) return ERRNO.EXIST;
    return attempt(() => fs.linkSync(from.host, to.host));
  }
}

function attempt(op: () => void): number {
  try {
    op();
    return ERRNO.SUCCESS;
  } catch (e) {
    return errnoOf(e);
  }
}

/** The [atime, mtime] (seconds, as Node wants them) that fst flags ask for, or EINVAL. */
function fileTimes(stat: fs.BigIntStats, atim: bigint, mtim: bigint, fst: number): [number, number] | number {
  if ((fst & FSTFLAGS.ATIM && fst & FSTFLAGS.ATIM_NOW) || (fst & FSTFLAGS.MTIM && fst & FSTFLAGS.MTIM_NOW)) return ERRNO.INVAL;
  const now = Date.now() / 1000;
  const seconds = (ns: bigint) => Number(ns) / 1e9;
  const a = fst & FSTFLAGS.ATIM_NOW ? now : fst & FSTFLAGS.ATIM ? seconds(atim) : seconds(stat.atimeNs);
  const m = fst & FSTFLAGS.MTIM_NOW ? now : fst & FSTFLAGS.MTIM ? seconds(mtim) : seconds(stat.mtimeNs);
  return [a, m];
}

export class HostFileFd extends WasiFd {
  private position = 0n;
  private closed = false;

  constructor(private readonly hostFd: number, private readonly readable: boolean, private readonly writable: boolean, private append: boolean) { super(); }

  override fd_close(): number {
    if (this.closed) return ERRNO.BADF;
    this.closed = true;
    return attempt(() => fs.closeSync(this.hostFd));
  }

  override fd_fdstat_get() {
    let rights = FILE_RIGHTS;
    if (!this.readable) rights &= ~RIGHTS.FD_READ;
    if (!this.writable) rights &= ~WRITE_RIGHTS;
    return { ret: ERRNO.SUCCESS, fdstat: new Fdstat(FILETYPE.REGULAR_FILE, this.append ? FDFLAGS.APPEND : 0, rights, 0n) };
  }

  override fd_fdstat_set_flags(flags: number): number {
    // Only APPEND can change, and only on a descriptor that may write.
    if ((flags & FDFLAGS.APPEND) !== 0 && !this.writable) return ERRNO.BADF;
    this.append = (flags & FDFLAGS.APPEND) !== 0;
    return ERRNO.SUCCESS;
  }

  override fd_filestat_get() {
    try {
      return { ret: ERRNO.SUCCESS, filestat: Filestat.of(fs.fstatSync(this.hostFd, { bigint: true })) };
    } catch (e) {
      return { ret: errnoOf(e), filestat: null };
    }
  }

  override fd_filestat_set_size(size: bigint): number {
    if (!this.writable) return ERRNO.BADF;
    return attempt(() => fs.ftruncateSync(this.hostFd, Number(size)));
  }

  override fd_filestat_set_times(atim: bigint, mtim: bigint, fst: number): number {
    if (!this.writable) return ERRNO.BADF;
    try {
      const times = fileTimes(fs.fstatSync(this.hostFd, { bigint: true }), atim, mtim, fst);
      if (typeof times === 'number') return times;
      fs.futimesSync(this.hostFd, times[0], times[1]);
      return ERRNO.SUCCESS;
    } catch (e) {
      return errnoOf(e);
    }
  }

  override fd_allocate(offset: bigint, len: bigint): number {
    if (!this.writable) return ERRNO.BADF;
    try {
      const size = fs.fstatSync(this.hostFd, { bigint: true }).size;
      if (offset + len > size) fs.ftruncateSync(this.hostFd, Number(offset + len));
      return ERRNO.SUCCESS;
    } catch (e) {
      return errnoOf(e);
    }
  }

  override fd_read(size: number) {
    const r = this.fd_pread(size, this.position);
    this.position += BigInt(r.data.length);
    return r;
  }

  override fd_pread(size: number, offset: bigint) {
    if (!this.readable) return { ret: ERRNO.BADF, data: new Uint8Array(0) };
    try {
      const buf = Buffer.allocUnsafe(Math.min(size, MAX_IO_BYTES));
      const n = fs.readSync(this.hostFd, buf, 0, buf.length, Number(offset));
      return { ret: ERRNO.SUCCESS, data: new Uint8Array(buf.buffer, buf.byteOffset, n) };
    } catch (e) {
      return { ret: errnoOf(e), data: new Uint8Array(0) };
    }
  }

  override fd_write(data: Uint8Array) {
    if (!this.writable) return { ret: ERRNO.BADF, nwritten: 0 };
    try {
      if (this.append) {
        const n = fs.writeSync(this.hostFd, data, 0, Math.min(data.length, MAX_IO_BYTES), null);
        this.position = fs.fstatSync(this.hostFd, { bigint: true }).size;
        return { ret: ERRNO.SUCCESS, nwritten: n };
      }
      const r = this.fd_pwrite(data, this.position);
      this.position += BigInt(r.nwritten);
      return r;
    } catch (e) {
      return { ret: errnoOf(e), nwritten: 0 };
    }
  }

  override fd_pwrite(data: Uint8Array, offset: bigint) {
    if (!this.writable) return { ret: ERRNO.BADF, nwritten: 0 };
    try {
      return { ret: ERRNO.SUCCESS, nwritten: fs.writeSync(this.hostFd, data, 0, Math.min(data.length, MAX_IO_BYTES), Number(offset)) };
    } catch (e) {
      return { ret: errnoOf(e), nwritten: 0 };
    }
  }

  override fd_seek(offset: bigint, whence: number) {
    let base: bigint;
    if (whence === WHENCE.SET) base = 0n;
    else if (whence === WHENCE.CUR) base = this.position;
    else if (whence === WHENCE.END) {
      try {
        base = fs.fstatSync(this.hostFd, { bigint: true }).size;
      } catch (e) {
        return { ret: errnoOf(e), offset: 0n };
      }
    } else return { ret: ERRNO.INVAL, offset: 0n };
    const next = base + offset;
    if (next < 0n) return { ret: ERRNO.INVAL, offset: 0n };
    this.position = next;
    return { ret: ERRNO.SUCCESS, offset: next };
  }

  override fd_tell() {
    return { ret: ERRNO.SUCCESS, offset: this.position };
  }

  override fd_sync(): number {
    return this.writable ? attempt(() => fs.fsyncSync(this.hostFd)) : ERRNO.SUCCESS;
  }
}

/** The directory descriptor of a preopen. */
export function preopenFd(mount: Mount): HostDirFd {
  return new HostDirFd(mount, mount.root, mount.guestPath);
}
