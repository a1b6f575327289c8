// Recursive-descent parser for one WIT file. The grammar, the lookahead decisions and the error wording follow
// wasm-tools' `wit-parser` so errors point where the reference points.
import * as ast from './ast';
import { describe, Token, TokenKind, TokenList, validateId } from './lexer';
import { parseVersion, Version } from './semver';
import { fail, Span } from './witError';

/** Deeper nesting than this is rejected, which also bounds the parser's recursion on hostile input. */
export const MAX_TYPE_NESTING = 100;
export const MAX_PACKAGE_NESTING = 100;

class Tokens {
  pos = 0;
  constructor(readonly list: TokenList) {}

  private raw(): Token | undefined {
    const t = this.list.tokens[this.pos];
    if (t === undefined) {
      if (this.list.error !== undefined) throw this.list.error;
      return undefined;
    }
    this.pos++;
    return t;
  }

  nextRaw(): Token | undefined {
    return this.raw();
  }

  next(): Token | undefined {
    for (;;) {
      const t = this.raw();
      if (t === undefined || (t.kind !== 'whitespace' && t.kind !== 'comment')) return t;
    }
  }

  peek(): Token | undefined {
    const save = this.pos;
    const t = this.next();
    this.pos = save;
    return t;
  }

  eat(kind: TokenKind): boolean {
    const save = this.pos;
    const t = this.next();
    if (t !== undefined && t.kind === kind) return true;
    this.pos = save;
    return false;
  }

  expect(kind: TokenKind): Span {
    const t = this.next();
    if (t === undefined) fail(this.list.eofOffset, `expected ${describe(kind)}, found eof`);
    if (t.kind !== kind) fail(t, `expected ${describe(kind)}, found ${describe(t.kind)}`);
    return t;
  }

  text(span: Span): string {
    return this.list.slice(span);
  }

  eofSpan(): Span {
    return { start: this.list.eofOffset, end: this.list.eofOffset };
  }
}

function errExpected(tokens: Tokens, expected: string, found: Token | undefined): never {
  if (found === undefined) fail(tokens.eofSpan(), `expected ${expected}, found eof`);
  fail(found, `expected ${expected}, found ${describe(found.kind)}`);
}

/** Parses one file. `tokens` comes from `tokenize`; errors are `SpanError`s. */
export function parseFile(list: TokenList): ast.PackageFile {
  return new Parser(new Tokens(list)).packageFile();
}

class Parser {
  constructor(private readonly t: Tokens) {}

  packageFile(): ast.PackageFile {
    const t = this.t;
    // Peek for `package a:b;`; the braced form `package a:b { … }` is a nested package item instead.
    const start = t.pos;
    const docs = this.docs();
    let packageId: ast.PackageName | undefined;
    if (t.eat('package')) {
      const name = this.packageName(docs);
      if (t.eat(';')) packageId = name;
      else t.pos = start;
    } else {
      t.pos = start;
    }
    const declList = this.declList(undefined, 0);
    return { packageId, declList };
  }

  private nestedPackage(docs: ast.Docs, attributes: ast.Attribute[], depth: number): ast.PackageFile {
    const span = this.t.expect('package');
    if (depth > MAX_PACKAGE_NESTING) fail(span, 'package nesting too deep');
    if (attributes.length > 0) fail(span, 'cannot place attributes on nested packages');
    const packageId = this.packageName(docs);
    this.t.expect('{');
    const declList = this.declList('}', depth);
    return { packageId, declList };
  }

  private declList(end: TokenKind | undefined, depth: number): ast.DeclList {
    const t = this.t;
    const items: ast.AstItem[] = [];
    let docs = this.docs();
    for (;;) {
      if (end !== undefined) {
        if (t.eat(end)) break;
      } else if (t.peek() === undefined) {
        break;
      }
      items.push(this.astItem(docs, depth));
      docs = this.docs();
    }
    return { items };
  }

  private astItem(docs: ast.Docs, depth: number): ast.AstItem {
    const attributes = this.attributes();
    const next = this.t.peek();
    switch (next?.kind) {
      case 'interface': return { kind: 'interface', value: this.interface(docs, attributes) };
      case 'world': return { kind: 'world', value: this.world(docs, attributes) };
      case 'use': return { kind: 'use', value: this.toplevelUse(attributes) };
      case 'package': return { kind: 'package', value: this.nestedPackage(docs, attributes, depth + 1) };
      default: return errExpected(this.t, '`world`, `interface` or `use`', next);
    }
  }

  private packageName(docs: ast.Docs): ast.PackageName {
    const namespace = this.id();
    this.t.expect(':');
    const name = this.id();
    const version = this.optVersion();
    return {
      docs,
      span: { start: namespace.span.start, end: version !== undefined ? version.span.end : name.span.end },
      namespace,
      name,
      version,
    };
  }

  private toplevelUse(attributes: ast.Attribute[]): ast.ToplevelUse {
    const span = this.t.expect('use');
    const item = this.usePath();
    const as = this.t.eat('as') ? this.id() : undefined;
    this.t.expect(';');
    return { span, attributes, item, as };
  }

  private world(docs: ast.Docs, attributes: ast.Attribute[]): ast.World {
    this.t.expect('world');
    const name = this.id();
    this.t.expect('{');
    const items: ast.WorldItem[] = [];
    for (;;) {
      const itemDocs = this.docs();
      if (this.t.eat('}')) break;
      const attrs = this.attributes();
      items.push(this.worldItem(itemDocs, attrs));
    }
    return { docs, attributes, name, items };
  }

  private worldItem(docs: ast.Docs, attributes: ast.Attribute[]): ast.WorldItem {
    const next = this.t.peek();
    switch (next?.kind) {
      case 'import':
      case 'export': {
        this.t.next();
        return { kind: next.kind, docs, attributes, extern: this.externKind() };
      }
      case 'use': return { kind: 'use', use: this.use(attributes) };
      case 'type': return { kind: 'type', def: this.typeDef(docs, attributes) };
      case 'flags': return { kind: 'type', def: this.flags(docs, attributes) };
      case 'resource': return { kind: 'type', def: this.resource(docs, attributes) };
      case 'record': return { kind: 'type', def: this.record(docs, attributes) };
      case 'variant': return { kind: 'type', def: this.variant(docs, attributes) };
      case 'enum': return { kind: 'type', def: this.enum(docs, attributes) };
      case 'include': return { kind: 'include', include: this.include(attributes) };
      default:
        return errExpected(this.t, '`import`, `export`, `include`, `use`, or type definition', next);
    }
  }

  private externKind(): ast.ExternKind {
    const t = this.t;
    // Look ahead for `name: func…`, `name: interface {…}` or `name: path;` before falling back to a bare path.
    const start = t.pos;
    const id = this.id();
    if (t.eat(':')) {
      const afterColon = t.pos;
      const next = t.peek();
      if (next?.kind === 'func' || next?.kind === 'async') {
        const func = this.func();
        t.expect(';');
        return { kind: 'func', name: id, func };
      }
      if (next?.kind === 'interface') {
        t.next();
        return { kind: 'interface', name: id, items: this.interfaceItems() };
      }
      if (next?.kind === 'id' || next?.kind === 'explicit-id') {
        // `ns:pkg/iface` is a package path; anything else after `label:` names the implemented interface.
        this.id();
        const following = t.peek();
        if (following?.kind !== '/') {
          t.pos = afterColon;
          const path = this.usePath();
          t.expect(';');
          return { kind: 'implements', name: id, path };
        }
      }
    }
    t.pos = start;
    const path = this.usePath();
    t.expect(';');
    return { kind: 'path', path };
  }

  private interface(docs: ast.Docs, attributes: ast.Attribute[]): ast.Interface {
    this.t.expect('interface');
    const name = this.id();
    const items = this.interfaceItems();
    return { docs, attributes, name, items };
  }

  private interfaceItems(): ast.InterfaceItem[] {
    this.t.expect('{');
    const items: ast.InterfaceItem[] = [];
    for (;;) {
      const docs = this.docs();
      if (this.t.eat('}')) break;
      const attributes = this.attributes();
      items.push(this.interfaceItem(docs, attributes));
    }
    return items;
  }

  private interfaceItem(docs: ast.Docs, attributes: ast.Attribute[]): ast.InterfaceItem {
    const next = this.t.peek();
    switch (next?.kind) {
      case 'type': return { kind: 'typedef', def: this.typeDef(docs, attributes) };
      case 'flags': return { kind: 'typedef', def: this.flags(docs, attributes) };
      case 'enum': return { kind: 'typedef', def: this.enum(docs, attributes) };
      case 'variant': return { kind: 'typedef', def: this.variant(docs, attributes) };
      case 'resource': return { kind: 'typedef', def: this.resource(docs, attributes) };
      case 'record': return { kind: 'typedef', def: this.record(docs, attributes) };
      case 'id': case 'explicit-id': return { kind: 'func', func: this.namedFunc(docs, attributes) };
      case 'use': return { kind: 'use', use: this.use(attributes) };
      default: return errExpected(this.t, '`type`, `resource` or `func`', next);
    }
  }

  private use(attributes: ast.Attribute[]): ast.Use {
    const t = this.t;
    t.expect('use');
    const from = this.usePath();
    t.expect('.');
    t.expect('{');
    const names: { name: ast.Id; as: ast.Id | undefined }[] = [];
    while (!t.eat('}')) {
      const name = this.id();
      const as = t.eat('as') ? this.id() : undefined;
      names.push({ name, as });
      if (!t.eat(',')) {
        t.expect('}');
        break;
      }
    }
    t.expect(';');
    return { attributes, from, names };
  }

  private usePath(): ast.UsePath {
    const id = this.id();
    if (this.t.eat(':')) {
      const namespace = id;
      const pkgName = this.id();
      this.t.expect('/');
      const name = this.id();
      const version = this.optVersion();
      return {
        kind: 'package',
        id: {
          docs: emptyDocs(),
          span: { start: namespace.span.start, end: pkgName.span.end },
          namespace,
          name: pkgName,
          version,
        },
        name,
      };
    }
    return { kind: 'id', id };
  }

  private include(attributes: ast.Attribute[]): ast.Include {
    const t = this.t;
    t.expect('include');
    const from = this.usePath();
    let names: { name: ast.Id; as: ast.Id }[] = [];
    if (t.eat('with')) {
      names = this.list('{', '}', () => {
        const name = this.id();
        t.expect('as');
        const as = this.id();
        return { name, as };
      });
    } else {
      t.expect(';');
    }
    return { from, attributes, names };
  }

  private typeDef(docs: ast.Docs, attributes: ast.Attribute[]): ast.TypeDef {
    this.t.expect('type');
    const name = this.id();
    this.t.expect('=');
    const ty = this.type(0);
    this.t.expect(';');
    return { docs, attributes, name, ty };
  }

  private flags(docs: ast.Docs, attributes: ast.Attribute[]): ast.TypeDef {
    this.t.expect('flags');
    const name = this.id();
    const flags = this.list('{', '}', (d) => ({ docs: d, name: this.id() }));
    return { docs, attributes, name, ty: { kind: 'flags', span: name.span, flags } };
  }

  private resource(docs: ast.Docs, attributes: ast.Attribute[]): ast.TypeDef {
    const t = this.t;
    t.expect('resource');
    const name = this.id();
    const funcs: ast.ResourceFunc[] = [];
    if (t.eat('{')) {
      while (!t.eat('}')) {
        const d = this.docs();
        const attrs = this.attributes();
        funcs.push(this.resourceFunc(d, attrs));
      }
    } else {
      t.expect(';');
    }
    return { docs, attributes, name, ty: { kind: 'resource', span: name.span, funcs } };
  }

  private resourceFunc(docs: ast.Docs, attributes: ast.Attribute[]): ast.ResourceFunc {
    const t = this.t;
    const next = t.peek();
    if (next?.kind === 'constructor') {
      const span = t.expect('constructor');
      t.expect('(');
      const params = this.params();
      const result = t.eat('->') ? this.type(0) : undefined;
      t.expect(';');
      return {
        kind: 'constructor',
        func: { docs, attributes, name: { name: 'constructor', span }, func: { span, async: false, params, result } },
      };
    }
    if (next?.kind === 'id' || next?.kind === 'explicit-id') {
      const name = this.id();
      t.expect(':');
      const kind = t.eat('static') ? 'static' : 'method';
      const func = this.func();
      t.expect(';');
      return { kind, func: { docs, attributes, name, func } };
    }
    return errExpected(t, '`constructor` or identifier', next);
  }

  private record(docs: ast.Docs, attributes: ast.Attribute[]): ast.TypeDef {
    this.t.expect('record');
    const name = this.id();
    const fields = this.list('{', '}', (d) => {
      const fieldName = this.id();
      this.t.expect(':');
      const ty = this.type(0);
      return { docs: d, name: fieldName, ty };
    });
    return { docs, attributes, name, ty: { kind: 'record', span: name.span, fields } };
  }

  private variant(docs: ast.Docs, attributes: ast.Attribute[]): ast.TypeDef {
    this.t.expect('variant');
    const name = this.id();
    const cases = this.list('{', '}', (d) => {
      const caseName = this.id();
      let ty: ast.Type | undefined;
      if (this.t.eat('(')) {
        ty = this.type(0);
        this.t.expect(')');
      }
      return { docs: d, name: caseName, ty };
    });
    return { docs, attributes, name, ty: { kind: 'variant', span: name.span, cases } };
  }

  private enum(docs: ast.Docs, attributes: ast.Attribute[]): ast.TypeDef {
    this.t.expect('enum');
    const name = this.id();
    const cases = this.list('{', '}', (d) => ({ docs: d, name: this.id() }));
    return { docs, attributes, name, ty: { kind: 'enum', span: name.span, cases } };
  }

  private namedFunc(docs: ast.Docs, attributes: ast.Attribute[]): ast.NamedFunc {
    const name = this.id();
    this.t.expect(':');
    const func = this.func();
    this.t.expect(';');
    return { docs, attributes, name, func };
  }

  private func(): ast.Func {
    const t = this.t;
    const async = t.eat('async');
    const span = t.expect('func');
    t.expect('(');
    const params = this.params();
    const result = t.eat('->') ? this.type(0) : undefined;
    return { span, async, params, result };
  }

  private params(): [ast.Id, ast.Type][] {
    return this.listTrailer(')', () => {
      const name = this.id();
      this.t.expect(':');
      return [name, this.type(0)];
    });
  }

  /** `depth` counts the enclosing type constructors, which bounds recursion on inputs like `list<list<…>>`. */
  private type(depth: number): ast.Type {
    const t = this.t;
    const tok = t.next();
    if (tok === undefined) return errExpected(t, 'a type', tok);
    const span: Span = { start: tok.start, end: tok.end };
    const inner = (): ast.Type => {
      if (depth + 1 > MAX_TYPE_NESTING) fail(span, 'type nesting too deep');
      return this.type(depth + 1);
    };
    switch (tok.kind) {
      case 'u8': case 'u16': case 'u32': case 'u64': case 's8': case 's16': case 's32': case 's64':
      case 'f32': case 'f64': case 'char': case 'bool': case 'string': case 'error-context':
        return { kind: tok.kind, span };
      case 'tuple': {
        const types = this.list('<', '>', () => inner());
        return { kind: 'tuple', span, types };
      }
      case 'list': {
        t.expect('<');
        const ty = inner();
        let size: number | undefined;
        if (t.eat(',')) {
          const num = t.next();
          if (num === undefined || num.kind !== 'integer') return errExpected(t, 'fixed-length', num);
          const value = Number(t.text(num));
          if (!Number.isSafeInteger(value) || value > 0xffffffff) fail(num, 'number too large to fit in target type');
          size = value;
        }
        t.expect('>');
        return size !== undefined ? { kind: 'fixed-list', span, ty, size } : { kind: 'list', span, ty };
      }
      case 'map': {
        t.expect('<');
        const key = inner();
        t.expect(',');
        const value = inner();
        t.expect('>');
        return { kind: 'map', span, key, value };
      }
      case 'option': {
        t.expect('<');
        const ty = inner();
        t.expect('>');
        return { kind: 'option', span, ty };
      }
      case 'result': {
        let ok: ast.Type | undefined;
        let err: ast.Type | undefined;
        if (t.eat('<')) {
          if (t.eat('_')) {
            t.expect(',');
            err = inner();
          } else {
            ok = inner();
            if (t.eat(',')) err = inner();
          }
          t.expect('>');
        }
        return { kind: 'result', span, ok, err };
      }
      case 'future':
      case 'stream': {
        let ty: ast.Type | undefined;
        if (t.eat('<')) {
          ty = inner();
          t.expect('>');
        }
        return { kind: tok.kind, span, ty };
      }
      case 'own':
      case 'borrow': {
        t.expect('<');
        const resource = this.id();
        t.expect('>');
        return { kind: tok.kind, span: resource.span, resource };
      }
      case 'id':
        return { kind: 'name', span, id: { name: this.checkId(span, t.text(span)), span } };
      case 'explicit-id':
        return { kind: 'name', span, id: { name: this.checkId(span, t.text(span).slice(1)), span } };
      default:
        return errExpected(t, 'a type', tok);
    }
  }

  private checkId(span: Span, name: string): string {
    const problem = validateId(name);
    if (problem !== undefined) fail(span, problem);
    return name;
  }

  private id(): ast.Id {
    const tok = this.t.next();
    if (tok?.kind === 'id') {
      const span = { start: tok.start, end: tok.end };
      return { name: this.checkId(span, this.t.text(span)), span };
    }
    if (tok?.kind === 'explicit-id') {
      const span = { start: tok.start, end: tok.end };
      return { name: this.checkId(span, this.t.text(span).slice(1)), span };
    }
    return errExpected(this.t, 'an identifier or string', tok);
  }

  private optVersion(): { span: Span; version: Version } | undefined {
    return this.t.eat('@') ? this.version() : undefined;
  }

  private version(): { span: Span; version: Version } {
    const t = this.t;
    const start = t.expect('integer').start;
    t.expect('.');
    t.expect('integer');
    t.expect('.');
    const span = { start, end: t.expect('integer').end };
    // Approximate semver's pre-release and build syntax with WIT tokens; a `.` only continues the version when an
    // identifier, number or `-` follows, so `use a:b/c@1.0.0-x.{…}` still works.
    const eatIds = (prefix: TokenKind): void => {
      if (!t.eat(prefix)) return;
      for (;;) {
        const save = t.pos;
        const tok = t.next();
        if (tok !== undefined && (tok.kind === 'id' || tok.kind === 'integer' || tok.kind === '-')) {
          span.end = tok.end;
          continue;
        }
        if (tok !== undefined && tok.kind === '.') {
          const after = t.next();
          if (after !== undefined && (after.kind === 'id' || after.kind === 'integer' || after.kind === '-')) {
            span.end = after.end;
            continue;
          }
        }
        t.pos = save;
        return;
      }
    };
    eatIds('-');
    eatIds('+');
    const parsed = parseVersion(t.text(span));
    if (typeof parsed === 'string') fail(span, parsed);
    return { span, version: parsed };
  }

  private docs(): ast.Docs {
    const t = this.t;
    const docs: string[] = [];
    let start = 0;
    let end = 0;
    let started = false;
    for (;;) {
      const save = t.pos;
      const tok = t.nextRaw();
      if (tok === undefined) break;
      if (tok.kind === 'whitespace') continue;
      if (tok.kind !== 'comment') {
        t.pos = save;
        break;
      }
      const text = t.text(tok);
      if (!started) {
        start = tok.start;
        started = true;
      }
      const trailing = text.length - text.replace(/[\t\n\f\r ]+$/, '').length;
      end = tok.end - trailing;
      docs.push(text);
    }
    return { docs, span: { start, end } };
  }

  private attributes(): ast.Attribute[] {
    const t = this.t;
    const ret: ast.Attribute[] = [];
    while (t.eat('@')) {
      const id = this.id();
      switch (id.name) {
        case 'since': {
          t.expect('(');
          this.eatId('version');
          t.expect('=');
          const { version } = this.version();
          t.expect(')');
          ret.push({ kind: 'since', span: id.span, version });
          break;
        }
        case 'unstable': {
          t.expect('(');
          this.eatId('feature');
          t.expect('=');
          const feature = this.id();
          t.expect(')');
          ret.push({ kind: 'unstable', span: id.span, feature });
          break;
        }
        case 'deprecated': {
          t.expect('(');
          this.eatId('version');
          t.expect('=');
          const { version } = this.version();
          t.expect(')');
          ret.push({ kind: 'deprecated', span: id.span, version });
          break;
        }
        default:
          fail(id.span, `unknown attribute \`${id.name}\``);
      }
    }
    return ret;
  }

  private eatId(expected: string): void {
    const id = this.id();
    if (id.name !== expected) fail(id.span, `expected \`${expected}\`, found \`${id.name}\``);
  }

  private list<T>(start: TokenKind, end: TokenKind, parse: (docs: ast.Docs) => T): T[] {
    this.t.expect(start);
    return this.listTrailer(end, parse);
  }

  private listTrailer<T>(end: TokenKind, parse: (docs: ast.Docs) => T): T[] {
    const items: T[] = [];
    for (;;) {
      const docs = this.docs();
      if (this.t.eat(end)) break;
      items.push(parse(docs));
      if (!this.t.eat(',')) {
        this.t.expect(end);
        break;
      }
    }
    return items;
  }
}

export function emptyDocs(): ast.Docs {
  return { docs: [], span: { start: 0, end: 0 } };
}

