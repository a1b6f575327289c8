// A child process for the crash test of the plugin storage: writes a deterministic sequence through a KvStore as fast
// as it can, flushing every few writes and printing how many writes are on disk after each flush, until it is killed.
//
//   node kvWriter.js <dir>
//
// The sequence is `kvWriteSequence` below; the test replays it to check that what it finds on disk is a prefix.

import { KvStore } from '../../../src/core/storage/kvStore';
import { nullLog } from '../../../src/core/log';

export const WRITER_PLUGIN = 'crash-writer';
export const FLUSH_EVERY = 5;

export type KvWrite = { op: 'set'; key: string; value: string } | { op: 'remove'; key: string };

/** Write number `i` of the sequence: mostly sets of a rotating key (values of varying length), every tenth a remove. */
export function kvWrite(i: number): KvWrite {
  if (i % 10 === 9) return { op: 'remove', key: `k${(i * 7) % 31}` };
  return { op: 'set', key: `k${i % 31}`, value: `${i}:${'ü'.repeat((i * 13) % 200)}` };
}

/** The store's contents after the first `n` writes. */
export function kvStateAfter(n: number): Map<string, string> {
  const state = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const w = kvWrite(i);
    if (w.op === 'set') state.set(w.key, w.value);
    else state.delete(w.key);
  }
  return state;
}

async function main(dir: string): Promise<void> {
  const store = new KvStore({ dirs: { global: dir }, log: nullLog, flushDelayMs: 0 });
  for (let i = 0; ; i++) {
    const w = kvWrite(i);
    if (w.op === 'set') store.set(WRITER_PLUGIN, 'global', w.key, w.value);
    else store.remove(WRITER_PLUGIN, 'global', w.key);
    if ((i + 1) % FLUSH_EVERY === 0) {
      await store.flush();
      process.stdout.write(`${i + 1}\n`);
    }
  }
}

if (require.main === module) {
  void main(process.argv[2]);
}
