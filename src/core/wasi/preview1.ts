// The WASI preview1 (`wasi_snapshot_preview1`) function set with core signatures, for the loader: programs of the WASI
// kinds may import any of these and nothing else. Checking signatures up front turns a module built against another
// WASI snapshot into a readable load error instead of a LinkError at start.

export const WASI_PREVIEW1_MODULE = 'wasi_snapshot_preview1';

const I32 = 0x7f;
const I64 = 0x7e;

/** `i` = i32, `I` = i64; every function returns an errno (i32) except proc_exit. */
const SIGNATURES: Record<string, string> = {
  args_get: 'ii', args_sizes_get: 'ii', environ_get: 'ii', environ_sizes_get: 'ii',
  clock_res_get: 'ii', clock_time_get: 'iIi',
  fd_advise: 'iIIi', fd_allocate: 'iII', fd_close: 'i', fd_datasync: 'i', fd_fdstat_get: 'ii',
  fd_fdstat_set_flags: 'ii', fd_fdstat_set_rights: 'iII', fd_filestat_get: 'ii', fd_filestat_set_size: 'iI',
  fd_filestat_set_times: 'iIIi', fd_pread: 'iiiIi', fd_prestat_get: 'ii', fd_prestat_dir_name: 'iii',
  fd_pwrite: 'iiiIi', fd_read: 'iiii', fd_readdir: 'iiiIi', fd_renumber: 'ii', fd_seek: 'iIii', fd_sync: 'i',
  fd_tell: 'ii', fd_write: 'iiii',
  path_create_directory: 'iii', path_filestat_get: 'iiiii', path_filestat_set_times: 'iiiiIIi',
  path_link: 'iiiiiii', path_open: 'iiiiiIIii', path_readlink: 'iiiiii', path_remove_directory: 'iii',
  path_rename: 'iiiiii', path_symlink: 'iiiii', path_unlink_file: 'iii',
  poll_oneoff: 'iiii', proc_exit: 'i', proc_raise: 'i', sched_yield: '', random_get: 'ii',
  sock_accept: 'iii', sock_recv: 'iiiiii', sock_send: 'iiiii', sock_shutdown: 'ii',
};

export interface Preview1Signature {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export const WASI_PREVIEW1_FUNCTIONS: ReadonlyMap<string, Preview1Signature> = new Map(
  Object.entries(SIGNATURES).map(([name, params]) => [name, {
    params: [...params].map((c) => (c === 'I' ? I64 : I32)),
    results: name === 'proc_exit' ? [] : [I32],
  }]),
);
