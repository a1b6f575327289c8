// Errors and source locations. Every span in the parser is an offset into one `SourceMap` that concatenates all
// files of a run, so an error raised anywhere (lexer, parser, resolver) can be turned into `file:line:col` at the end.

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** The only error the WIT parser throws for bad input. `message` is `file:line:col: text`. */
export class WitError extends Error {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters (code points) from the start of the line. */
  readonly column: number;
  /** The message without the location prefix. */
  readonly reason: string;

  constructor(file: string, line: number, column: number, reason: string, cause?: unknown) {
    super(`${file}:${line}:${column}: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'WitError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

/**
 * An error located by an offset into the run's `SourceMap`; converted to a `WitError` at the public boundary so the
 * inner code never needs to know which file it is in.
 */
export class SpanError extends Error {
  constructor(readonly at: number, readonly reason: string) {
    super(reason);
    this.name = 'SpanError';
  }
}

export function fail(span: Span | number, reason: string): never {
  throw new SpanError(typeof span === 'number' ? span : span.start, reason);
}

interface Source {
  readonly offset: number;
  readonly path: string;
  readonly text: string;
  /** Offsets (relative to the file) where each line starts; computed lazily, errors are rare. */
  lineStarts?: number[];
}

export class SourceMap {
  private readonly sources: Source[] = [];
  private next = 0;

  /** Registers a file and returns the global offset of its first character. */
  add(path: string, text: string): number {
    const offset = this.next;
    this.sources.push({ offset, path, text });
    // One extra position per file so an end-of-file span still belongs to its own file.
    this.next += text.length + 1;
    return offset;
  }

  get isEmpty(): boolean {
    return this.sources.length === 0;
  }

  firstPath(): string {
    return this.sources.length > 0 ? this.sources[0].path : '<input>';
  }

  locate(at: number): { file: string; line: number; column: number } {
    if (this.sources.length === 0) return { file: '<input>', line: 1, column: 1 };
    let lo = 0;
    let hi = this.sources.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.sources[mid].offset <= at) lo = mid; else hi = mid - 1;
    }
    const src = this.sources[lo];
    const rel = Math.max(0, Math.min(at - src.offset, src.text.length));
    if (src.lineStarts === undefined) {
      const starts = [0];
      for (let i = 0; i < src.text.length; i++) if (src.text.charCodeAt(i) === 10) starts.push(i + 1);
      src.lineStarts = starts;
    }
    const starts = src.lineStarts;
    let a = 0;
    let b = starts.length - 1;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (starts[mid] <= rel) a = mid; else b = mid - 1;
    }
    // Columns count code points so a surrogate pair is one column, like an editor shows it.
    let column = 1;
    for (let i = starts[a]; i < rel; i++) {
      const c = src.text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < rel) i++;
      column++;
    }
    return { file: src.path, line: a + 1, column };
  }

  toWitError(err: SpanError): WitError {
    const loc = this.locate(err.at);
    return new WitError(loc.file, loc.line, loc.column, err.reason);
  }
}
