// The language server protocol's base protocol over a WASI process's stdio: `Content-Length` framed JSON-RPC messages.
// `LspFramer` turns stdout chunks into message bodies (chunks split anywhere: inside a header, inside the body, inside a
// multi-byte UTF-8 character; several messages per chunk). `WasiMessageReader`/`WasiMessageWriter` are vscode-jsonrpc's
// MessageReader/MessageWriter over a `WasiProcess`, so the host builds a LanguageClient directly on them:
//
//   new LanguageClient(id, name, async () => ({ reader: new WasiMessageReader(p), writer: new WasiMessageWriter(p) }), …)
//
// A process that ends makes the reader fire `onError` (unless it ended cleanly with code 0) and then `onClose`, which is
// what the client's error and close handlers (restart logic) listen to.

import {
  AbstractMessageReader, AbstractMessageWriter, DataCallback, Disposable, Message, MessageReader, MessageWriter,
} from 'vscode-jsonrpc/node';
import type { WasiProcess } from './types';

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const MAX_HEADER_BYTES = 8 * 1024;
const CRLFCRLF = [13, 10, 13, 10];
const CONTENT_LENGTH = [...Buffer.from('Content-Length:', 'ascii')];

export class LspFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LspFramingError';
  }
}

/** Encodes one message with its header. */
export function encodeLspMessage(message: unknown): Uint8Array {
  const body = Buffer.from(typeof message === 'string' ? message : JSON.stringify(message), 'utf8');
  const header = Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii');
  return Buffer.concat([header, body]);
}

/**
 * Incremental decoder of the base protocol. `push` returns the bodies completed by the chunk (as text: a body is only
 * decoded once all its bytes are there, so a character split across chunks is whole). A malformed header throws
 * LspFramingError; the framer then skips to the next `Content-Length` header, so one bad message does not poison the
 * rest of the stream.
 */
export class LspFramer {
  private buffer = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  private bodyLength: number | undefined;
  /** After a bad header: bytes are skipped until the next `Content-Length:`. */
  private resyncing = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Bytes received but not yet part of a complete message. */
  get pending(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): string[] {
    this.append(chunk);
    const bodies: string[] = [];
    for (;;) {
      if (this.resyncing) {
        const next = this.indexOf(CONTENT_LENGTH);
        if (next < 0) {
          // Keep a tail that could be the start of a split "Content-Length:".
          this.start = Math.max(this.start, this.end - CONTENT_LENGTH.length + 1);
          break;
        }
        this.start = next;
        this.resyncing = false;
      }
      if (this.bodyLength === undefined) {
        const headerEnd = this.indexOf(CRLFCRLF);
        if (headerEnd < 0) {
          if (this.pending > MAX_HEADER_BYTES) {
            this.start++;   // so that resynchronising cannot find this same header again
            this.fail(`no end of header within ${MAX_HEADER_BYTES} bytes`);
          }
          break;
        }
        const header = Buffer.from(this.buffer.subarray(this.start, headerEnd)).toString('ascii');
        this.start = headerEnd + 4;
        this.bodyLength = this.parseHeader(header);
      }
      if (this.pending < this.bodyLength) break;
      const body = this.buffer.subarray(this.start, this.start + this.bodyLength);
      this.start += this.bodyLength;
      this.bodyLength = undefined;
      try {
        bodies.push(this.decoder.decode(body));
      } catch {
        this.compact();
        throw new LspFramingError('a message body is not valid UTF-8');
      }
    }
    this.compact();
    return bodies;
  }

  private parseHeader(header: string): number {
    let length: number | undefined;
    for (const line of header.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) this.fail(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,10}$/.test(value)) this.fail(`bad Content-Length ${JSON.stringify(value.slice(0, 40))}`);
        length = Number(value);
      } else if (name === 'content-type') {
        const charset = /charset=([^;\s]+)/i.exec(value)?.[1]?.toLowerCase().replace(/^"|"$/g, '');
        if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') this.fail(`unsupported charset ${JSON.stringify(charset)}`);
      }
    }
    if (length === undefined) this.fail('a header has no Content-Length');
    if (length! > this.maxMessageBytes) this.fail(`a message of ${length} bytes exceeds the limit of ${this.maxMessageBytes}`);
    return length!;
  }

  /** Throws; the next push first skips to a header that could start a message. */
  private fail(message: string): never {
    this.bodyLength = undefined;
    this.resyncing = true;
    this.compact();
    throw new LspFramingError(message);
  }

  private append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buffer.length) {
      this.compact();
      if (this.end + chunk.length > this.buffer.length) {
        const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.end + chunk.length));
        bigger.set(this.buffer.subarray(0, this.end));
        this.buffer = bigger;
      }
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }

  private compact(): void {
    if (this.start === 0) return;
    this.buffer.copyWithin(0, this.start, this.end);
    this.end -= this.start;
    this.start = 0;
  }

  private indexOf(pattern: readonly number[], from = this.start): number {
    const last = this.end - pattern.length;
    outer: for (let i = from; i <= last; i++) {
      for (let j = 0; j < pattern.length; j++) if (this.buffer[i + j] !== pattern[j]) continue outer;
      return i;
    }
    return -1;
  }
}

export interface WasiMessageReaderOptions {
  readonly maxMessageBytes?: number;
}

/** vscode-jsonrpc MessageReader over the process's stdout. */
export class WasiMessageReader extends AbstractMessageReader implements MessageReader {
  private readonly framer: LspFramer;
  private callback: DataCallback | undefined;
  private subscription: { dispose(): void } | undefined;
  private closed = false;
  /** Messages that arrived before `listen`. */
  private readonly early: Message[] = [];

  constructor(private readonly process: WasiProcess, options: WasiMessageReaderOptions = {}) {
    super();
    this.framer = new LspFramer(options.maxMessageBytes);
    // Subscribe at once: a server may write before the client listens, and output is not replayed.
    this.subscription = process.onStdout((chunk) => this.onChunk(chunk));
    void process.exited.then((status) => {
      if (this.closed) return;
      this.closed = true;
      this.subscription?.dispose();
      if (status.reason !== 'exited' || status.code !== 0) {
        this.fireError(status.error ?? new Error(status.reason === 'exited' ? `${process.id} exited with code ${status.code}` : `${process.id} was stopped (${status.reason})`));
      }
      this.fireClose();
    });
  }

  listen(callback: DataCallback): Disposable {
    if (this.callback !== undefined) throw new Error('WasiMessageReader.listen can be called only once');
    this.callback = callback;
    for (const m of this.early.splice(0)) callback(m);
    return { dispose: () => { this.callback = undefined; } };
  }

  override dispose(): void {
    this.closed = true;
    this.subscription?.dispose();
    this.subscription = undefined;
    this.callback = undefined;
    super.dispose();
  }

  private onChunk(chunk: Uint8Array): void {
    let bodies: string[];
    try {
      bodies = this.framer.push(chunk);
    } catch (e) {
      this.fireError(e);
      return;
    }
    for (const body of bodies) {
      let message: Message;
      try {
        message = JSON.parse(body) as Message;
      } catch (e) {
        this.fireError(new Error(`${this.process.id} sent a message that is not JSON: ${(e as Error).message}`));
        continue;
      }
      if (this.callback) this.callback(message);
      else this.early.push(message);
    }
  }
}

/** vscode-jsonrpc MessageWriter over the process's stdin. Messages are queued whole, so they never interleave. */
export class WasiMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errorCount = 0;

  constructor(private readonly process: WasiProcess) {
    super();
    void process.exited.then(() => this.fireClose());
  }

  async write(message: Message): Promise<void> {
    try {
      await this.process.writeStdin(encodeLspMessage(message));
    } catch (e) {
      this.errorCount++;
      this.fireError(e, message, this.errorCount);
      throw e;
    }
  }

  end(): void {
    this.process.closeStdin();
  }
}
