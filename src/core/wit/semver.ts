// Semantic versions as the Rust `semver` crate parses, prints and orders them. Package order in the resolved JSON
// depends on this ordering (pre-releases sort before the release, numeric identifiers before alphanumeric ones).

export interface Version {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  /** Dot-separated pre-release identifiers; empty when absent. */
  readonly pre: readonly string[];
  /** Dot-separated build identifiers; empty when absent. */
  readonly build: readonly string[];
}

const U64_MAX = (1n << 64n) - 1n;

/** Returns the version or an error message in the wording of the `semver` crate. */
export function parseVersion(text: string): Version | string {
  let pos = 0;
  const num = (what: string): bigint | string => {
    const start = pos;
    while (pos < text.length && text[pos] >= '0' && text[pos] <= '9') pos++;
    if (pos === start) {
      return pos < text.length
        ? `unexpected character ${quote(text[pos])} while parsing ${what}`
        : `unexpected end of input while parsing ${what}`;
    }
    const digits = text.slice(start, pos);
    if (digits.length > 1 && digits[0] === '0') return `invalid leading zero in ${what}`;
    const value = BigInt(digits);
    if (value > U64_MAX) return `value of ${what} exceeds u64::MAX`;
    return value;
  };
  const dot = (after: string): string | undefined => {
    if (text[pos] === '.') { pos++; return undefined; }
    return pos < text.length
      ? `unexpected character ${quote(text[pos])} after ${after}`
      : `unexpected end of input after ${after}`;
  };
  const major = num('major version number');
  if (typeof major === 'string') return major;
  let e = dot('major version number');
  if (e !== undefined) return e;
  const minor = num('minor version number');
  if (typeof minor === 'string') return minor;
  e = dot('minor version number');
  if (e !== undefined) return e;
  const patch = num('patch version number');
  if (typeof patch === 'string') return patch;

  const idents = (what: 'pre-release identifier' | 'build metadata'): string[] | string => {
    const out: string[] = [];
    for (;;) {
      const start = pos;
      while (pos < text.length && /[0-9A-Za-z-]/.test(text[pos])) pos++;
      const part = text.slice(start, pos);
      if (part.length === 0) return `empty identifier segment in ${what}`;
      if (what === 'pre-release identifier' && /^[0-9]+$/.test(part) && part.length > 1 && part[0] === '0') {
        return `invalid leading zero in ${what}`;
      }
      out.push(part);
      if (text[pos] === '.') { pos++; continue; }
      return out;
    }
  };

  let pre: string[] = [];
  let build: string[] = [];
  if (text[pos] === '-') {
    pos++;
    const r = idents('pre-release identifier');
    if (typeof r === 'string') return r;
    pre = r;
  }
  if (text[pos] === '+') {
    pos++;
    const r = idents('build metadata');
    if (typeof r === 'string') return r;
    build = r;
  }
  if (pos < text.length) {
    const after = build.length > 0 ? 'build metadata' : pre.length > 0 ? 'pre-release identifier' : 'patch version number';
    return `unexpected character ${quote(text[pos])} after ${after}`;
  }
  return { major, minor, patch, pre, build };
}

function quote(ch: string): string {
  return ch === '\'' ? "'\\''" : `'${ch}'`;
}

export function formatVersion(v: Version): string {
  let s = `${v.major}.${v.minor}.${v.patch}`;
  if (v.pre.length > 0) s += `-${v.pre.join('.')}`;
  if (v.build.length > 0) s += `+${v.build.join('.')}`;
  return s;
}

function compareIdentifiers(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    let c: number;
    if (xn && yn) {
      // Numeric identifiers compare by value: a longer digit string (without leading zeros) is larger.
      const xs = x.replace(/^0+(?=.)/, '');
      const ys = y.replace(/^0+(?=.)/, '');
      c = xs.length !== ys.length ? xs.length - ys.length : xs < ys ? -1 : xs > ys ? 1 : x.length - y.length;
    } else if (xn) c = -1;
    else if (yn) c = 1;
    else c = x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareVersions(a: Version, b: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  // A version without pre-release identifiers is greater than any pre-release of it.
  if (a.pre.length === 0 && b.pre.length > 0) return 1;
  if (a.pre.length > 0 && b.pre.length === 0) return -1;
  const c = compareIdentifiers(a.pre, b.pre);
  if (c !== 0) return c;
  return compareIdentifiers(a.build, b.build);
}
