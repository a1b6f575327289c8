// WIT tokenizer. It follows wasm-tools' `wit-parser` lexer token for token so that error positions and messages
// line up with the reference implementation.
import { SpanError, Span } from './witError';

export const KEYWORDS = [
  'use', 'type', 'func', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'f32', 'f64', 'char', 'resource',
  'own', 'borrow', 'record', 'flags', 'variant', 'enum', 'bool', 'string', 'option', 'result', 'future', 'stream',
  'error-context', 'list', 'map', '_', 'as', 'from', 'static', 'interface', 'tuple', 'world', 'import', 'export',
  'package', 'constructor', 'include', 'with', 'async',
] as const;

export type Keyword = (typeof KEYWORDS)[number];
export type Punct = '=' | ',' | ':' | '.' | ';' | '(' | ')' | '{' | '}' | '<' | '>' | '->' | '*' | '@' | '/' | '+' | '-';
export type TokenKind = Keyword | Punct | 'id' | 'explicit-id' | 'integer' | 'whitespace' | 'comment';

export interface Token extends Span {
  readonly kind: TokenKind;
}

const KEYWORD_SET: ReadonlySet<string> = new Set<string>(KEYWORDS);
const PUNCT: Record<string, Punct> = {
  '=': '=', ',': ',', ':': ':', '.': '.', ';': ';', '(': '(', ')': ')', '{': '{', '}': '}', '<': '<', '>': '>',
  '*': '*', '@': '@', '+': '+', '-': '-',
};

export function describe(kind: TokenKind): string {
  switch (kind) {
    case 'whitespace': return 'whitespace';
    case 'comment': return 'a comment';
    case 'id': return 'an identifier';
    case 'explicit-id': return "an '%' identifier";
    case 'integer': return 'an integer';
    case '->': case '*': case '@': case '/': case '+': case '-': return `\`${kind}\``;
    case '=': case ',': case ':': case '.': case ';': case '(': case ')': case '{': case '}': case '<': case '>':
      return `'${kind}'`;
    default: return `keyword \`${kind}\``;
  }
}

const XID_START = /[\p{XID_Start}_-]/u;
// Sticky so a whole identifier is matched in one call: a 1 MB identifier must not cost a regex call per character.
const KEYLIKE_CONTINUE_RUN = /[\p{XID_Continue}-]*/uy;
const DIGIT_RUN = /[0-9]*/y;
const BIDI = new Set([0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]);
const DISCOURAGED = new Set([0x149, 0x673, 0xf77, 0xf79, 0x17a3, 0x17a4, 0x17b4, 0x17b5]);
const CONTROL = /\p{Cc}/u;

function escapeUnicode(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** Rust's `{:?}` of a `char`, which is how the reference quotes characters in messages. */
export function debugChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  switch (ch) {
    case '\'': return "'\\''";
    case '\\': return "'\\\\'";
    case '\n': return "'\\n'";
    case '\r': return "'\\r'";
    case '\t': return "'\\t'";
    case '\0': return "'\\0'";
  }
  if (CONTROL.test(ch) || (cp >= 0xd800 && cp <= 0xdfff)) return `'${escapeUnicode(cp)}'`;
  return `'${ch}'`;
}

/**
 * The token list of one file. Lexing is eager, but a lexing error is stored at the position where it happened and
 * only raised when the parser reaches it, which is what the reference's lazy lexer does.
 */
export class TokenList {
  constructor(
    readonly text: string,
    readonly base: number,
    readonly tokens: readonly Token[],
    readonly error: SpanError | undefined,
  ) {}

  get eofOffset(): number {
    return this.base + this.text.length;
  }

  slice(span: Span): string {
    return this.text.slice(span.start - this.base, span.end - this.base);
  }
}

/** Rejects code points that make source look different from what it means (CVE-2021-42574 and friends). */
function detectInvalidInput(text: string, base: number): void {
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) { line++; continue; }
    if (c === 13 || c === 9) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      throw new SpanError(base + i, `Control code '${escapeUnicode(c)}' at line ${line}`);
    }
    if (BIDI.has(c)) {
      throw new SpanError(base + i, `Input contains bidirectional override codepoint '${escapeUnicode(c)}' at line ${line}`);
    }
    if (DISCOURAGED.has(c)) {
      throw new SpanError(base + i, `Codepoint '${escapeUnicode(c)}' at line ${line} is discouraged by Unicode`);
    }
  }
}

export function tokenize(text: string, base: number): TokenList {
  detectInvalidInput(text, base);
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  // Skip a UTF-8 byte order mark.
  if (text.charCodeAt(0) === 0xfeff) i = 1;

  // `\r\n` counts as one `\n`, like the reference's CRLF folding.
  const isNewlineAt = (j: number): number => {
    const c = text.charCodeAt(j);
    if (c === 10) return 1;
    if (c === 13 && text.charCodeAt(j + 1) === 10) return 2;
    return 0;
  };

  while (i < n) {
    const start = i;
    const c = text.charCodeAt(i);
    let kind: TokenKind;
    const nl = isNewlineAt(i);
    if (nl > 0 || c === 9 || c === 32) {
      i += nl > 0 ? nl : 1;
      for (;;) {
        const m = isNewlineAt(i);
        if (m > 0) i += m;
        else if (text.charCodeAt(i) === 9 || text.charCodeAt(i) === 32) i++;
        else break;
      }
      kind = 'whitespace';
    } else if (c === 47 /* / */) {
      if (text.charCodeAt(i + 1) === 47) {
        i += 2;
        while (i < n) {
          const m = isNewlineAt(i);
          if (m > 0) { i += m; break; }
          i++;
        }
        kind = 'comment';
      } else if (text.charCodeAt(i + 1) === 42 /* * */) {
        i += 2;
        let depth = 1;
        while (depth > 0) {
          if (i >= n) return new TokenList(text, base, tokens, new SpanError(base + start, 'unterminated block comment'));
          const ch = text.charCodeAt(i);
          if (ch === 47 && text.charCodeAt(i + 1) === 42) { depth++; i += 2; }
          else if (ch === 42 && text.charCodeAt(i + 1) === 47) { depth--; i += 2; }
          else i += isNewlineAt(i) === 2 ? 2 : 1;
        }
        kind = 'comment';
      } else {
        i++;
        kind = '/';
      }
    } else if (c === 45 /* - */ && text.charCodeAt(i + 1) === 62 /* > */) {
      i += 2;
      kind = '->';
    } else if (c === 37 /* % */) {
      i++;
      const cp = text.codePointAt(i);
      if (cp !== undefined && XID_START.test(String.fromCodePoint(cp))) {
        i += cp > 0xffff ? 2 : 1;
        KEYLIKE_CONTINUE_RUN.lastIndex = i;
        KEYLIKE_CONTINUE_RUN.exec(text);
        i = KEYLIKE_CONTINUE_RUN.lastIndex;
      }
      kind = 'explicit-id';
    } else if (c >= 48 && c <= 57) {
      DIGIT_RUN.lastIndex = i + 1;
      DIGIT_RUN.exec(text);
      i = DIGIT_RUN.lastIndex;
      kind = 'integer';
    } else if (PUNCT[text[i]] !== undefined) {
      kind = PUNCT[text[i]];
      i++;
    } else {
      const cp = text.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      if (XID_START.test(ch)) {
        i += ch.length;
        KEYLIKE_CONTINUE_RUN.lastIndex = i;
        KEYLIKE_CONTINUE_RUN.exec(text);
        i = KEYLIKE_CONTINUE_RUN.lastIndex;
        const word = text.slice(start, i);
        kind = KEYWORD_SET.has(word) ? (word as Keyword) : 'id';
      } else {
        return new TokenList(text, base, tokens, new SpanError(base + start, `unexpected character ${debugChar(ch)}`));
      }
    }
    tokens.push({ kind, start: base + start, end: base + i });
  }
  return new TokenList(text, base, tokens, undefined);
}

/**
 * Checks that an identifier is kebab-case: `-`-separated words, each all lowercase or all uppercase, the first
 * starting with a letter. Returns an error message or undefined.
 */
export function validateId(id: string): string | undefined {
  if (id.length === 0) return "identifiers must have characters between '-'s";
  const parts = id.split('-');
  for (let idx = 0; idx < parts.length; idx++) {
    const part = parts[idx];
    if (part.length === 0) return "identifiers must have characters between '-'s";
    const first = String.fromCodePoint(part.codePointAt(0) ?? 0);
    if (idx === 0 && !/^[A-Za-z]$/.test(first)) return `invalid character in identifier ${debugChar(first)}`;
    let upper: boolean | undefined;
    for (const ch of part) {
      if (ch >= '0' && ch <= '9') continue;
      if (ch >= 'A' && ch <= 'Z') {
        if (upper === false) return `invalid character in identifier ${debugChar(ch)}`;
        upper = true;
      } else if (ch >= 'a' && ch <= 'z') {
        if (upper === true) return `invalid character in identifier ${debugChar(ch)}`;
        upper = false;
      } else {
        return `invalid character in identifier ${debugChar(ch)}`;
      }
    }
  }
  return undefined;
}
