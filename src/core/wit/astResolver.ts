// Turns the syntax trees of one package into an `UnresolvedPackage`: names are resolved inside the package,
// interfaces, worlds and types are numbered in dependency order, and references to other packages are left as
// placeholders (`unknown` types, empty interfaces) for `resolve.ts` to connect. The numbering follows wasm-tools'
// `ast/resolve.rs` step by step because the final JSON ids come from it.
import * as ast from './ast';
import {
  Docs, Function, FunctionKind, Interface, NO_OWNER, PackageName, Stability, Type, TypeDef, TypeDefKind, TypeOwner,
  UNKNOWN_STABILITY, World, WorldItem, WorldKey, worldKeyId, packageNameString,
} from './model';
import { toposort } from './toposort';
import { fail, Span } from './witError';

export type AstItemRef = { readonly kind: 'interface' | 'world'; readonly id: number };

export interface InterfaceSpan { span: Span; funcs: Span[] }
export interface WorldSpan { span: Span; imports: Span[]; exports: Span[]; includes: Span[] }

export interface ForeignDep {
  readonly name: PackageName;
  readonly items: Map<string, { item: AstItemRef; stabilities: Stability[] }>;
}

export interface UnresolvedPackage {
  name: PackageName;
  docs: Docs;
  worlds: World[];
  interfaces: Interface[];
  types: TypeDef[];
  /** Keyed by `packageNameString`, in order of first use. */
  foreignDeps: Map<string, ForeignDep>;
  packageNameSpan: Span;
  unknownTypeSpans: Span[];
  interfaceSpans: InterfaceSpan[];
  worldSpans: WorldSpan[];
  typeSpans: Span[];
  foreignDepSpans: Span[];
  requiredResourceTypes: [number, Span][];
}

type TypeOrItem = { readonly kind: 'type'; readonly id: number } | { readonly kind: 'item'; readonly what: string };
type Lookup = Map<string, { item: TypeOrItem; span: Span }>;

type TypeItem = { kind: 'use'; use: ast.Use } | { kind: 'def'; def: ast.TypeDef };

export function toPackageName(p: ast.PackageName): PackageName {
  return { namespace: p.namespace.name, name: p.name.name, version: p.version?.version };
}

/** Converts comment texts into doc contents the way the reference does: every comment counts. */
export function convertDocs(doc: ast.Docs): Docs {
  let lines: string[] = doc.docs.map((d) => {
    let contents: string;
    if (d.startsWith('/**')) {
      contents = d.slice(3);
      if (contents.endsWith('*/')) contents = contents.slice(0, -2);
    } else {
      contents = d.replace(/^\/+/, '');
    }
    return contents.trimEnd();
  });
  let minWs = Infinity;
  for (const l of lines) {
    if (l.length === 0) continue;
    const m = /^[\t\n\f\r ]*/.exec(l);
    minWs = Math.min(minWs, m === null ? 0 : m[0].length);
  }
  if (minWs !== Infinity && minWs > 0) {
    const prefix = ' '.repeat(minWs);
    lines = lines.map((l) => (l.startsWith(prefix) ? l.slice(minWs) : l));
  }
  if (lines.length === 0) return { contents: null };
  let contents = '';
  for (const l of lines) {
    if (l.length === 0) {
      contents += '\n';
    } else {
      const parts = l.split('\n');
      if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
      for (const p of parts) contents += `${p.endsWith('\r') ? p.slice(0, -1) : p}\n`;
    }
  }
  return { contents: contents.replace(/\n+$/, '') };
}

export function convertStability(attrs: readonly ast.Attribute[]): Stability {
  if (attrs.length === 0) return UNKNOWN_STABILITY;
  if (attrs.length === 1) {
    const a = attrs[0];
    if (a.kind === 'since') return { kind: 'stable', since: a.version, deprecated: undefined };
    if (a.kind === 'unstable') return { kind: 'unstable', feature: a.feature.name, deprecated: undefined };
    fail(a.span, 'must pair @deprecated with either @since or @unstable');
  }
  if (attrs.length === 2) {
    const [a, b] = attrs;
    const since = a.kind === 'since' ? a : b.kind === 'since' ? b : undefined;
    const unstable = a.kind === 'unstable' ? a : b.kind === 'unstable' ? b : undefined;
    const deprecated = a.kind === 'deprecated' ? a : b.kind === 'deprecated' ? b : undefined;
    if (since !== undefined && deprecated !== undefined) {
      return { kind: 'stable', since: since.version, deprecated: deprecated.version };
    }
    if (unstable !== undefined && deprecated !== undefined) {
      return { kind: 'unstable', feature: unstable.feature.name, deprecated: deprecated.version };
    }
  }
  fail(attrs[1].span, 'unsupported combination of attributes');
}

export class AstResolver {
  private packageName: { name: PackageName; span: Span } | undefined;
  private packageDocs: Docs = { contents: null };
  private declLists: ast.DeclList[] = [];

  private readonly types: TypeDef[] = [];
  private readonly interfaces: Interface[] = [];
  private readonly worlds: World[] = [];
  private readonly anonTypes = new Map<string, number>();
  private curAstIndex = 0;
  private readonly astItems: Map<string, AstItemRef>[] = [];
  private readonly packageItems = new Map<string, AstItemRef>();
  private readonly interfaceTypes: Lookup[] = [];
  private readonly foreignDeps = new Map<string, ForeignDep>();
  private readonly foreignInterfaces = new Set<number>();
  private typeLookup: Lookup = new Map();
  private readonly unknownTypeSpans: Span[] = [];
  private readonly worldSpans: WorldSpan[] = [];
  private readonly typeSpans: Span[] = [];
  private readonly interfaceSpans: InterfaceSpan[] = [];
  private readonly foreignDepSpans: Span[] = [];
  private readonly requiredResourceTypes: [number, Span][] = [];

  push(file: ast.PackageFile): void {
    const cur = file.packageId;
    if (cur !== undefined) {
      const curName = toPackageName(cur);
      if (this.packageName !== undefined) {
        const prev = this.packageName.name;
        if (packageNameString(curName) !== packageNameString(prev)) {
          fail(cur.span, `package identifier \`${packageNameString(curName)}\` does not match previous package name of \`${packageNameString(prev)}\``);
        }
      }
      this.packageName = { name: curName, span: cur.span };
      const docs = convertDocs(cur.docs);
      if (docs.contents !== null) {
        if (this.packageDocs.contents !== null) fail(cur.docs.span, "found doc comments on multiple 'package' items");
        this.packageDocs = docs;
      }
    }
    for (const item of file.declList.items) {
      if (item.kind === 'package' && item.value.packageId !== undefined) {
        fail(item.value.packageId.span, 'nested packages must be placed at the top-level');
      }
    }
    this.declLists.push(file.declList);
  }

  /** `missingHeaderAt` locates the error for a package without any `package` header (the reference has none). */
  resolve(missingHeaderAt: number): UnresolvedPackage {
    if (this.packageName === undefined) {
      fail(missingHeaderAt, 'no `package` header was found in any WIT file for this package');
    }
    const { name, span: packageNameSpan } = this.packageName;
    const declLists = this.declLists;
    this.populateForeignDeps(declLists);
    const [ifaceOrder, worldOrder] = this.populateAstItems(declLists);
    this.populateForeignTypes(declLists);

    const ifaceToAst = new Map<number, [ast.Interface, number]>();
    const worldToAst = new Map<number, [ast.World, number]>();
    declLists.forEach((list, i) => {
      for (const item of list.items) {
        if (item.kind === 'interface') {
          const ref = this.astItems[i].get(item.value.name.name) as AstItemRef;
          ifaceToAst.set(ref.id, [item.value, i]);
        } else if (item.kind === 'world') {
          const ref = this.astItems[i].get(item.value.name.name) as AstItemRef;
          worldToAst.set(ref.id, [item.value, i]);
        }
      }
    });
    for (const id of ifaceOrder) {
      const [iface, i] = ifaceToAst.get(id) as [ast.Interface, number];
      this.curAstIndex = i;
      this.resolveInterface(id, iface.items, iface.docs, iface.attributes);
    }
    for (const id of worldOrder) {
      const [world, i] = worldToAst.get(id) as [ast.World, number];
      this.curAstIndex = i;
      this.resolveWorld(id, world);
    }
    return {
      name,
      docs: this.packageDocs,
      worlds: this.worlds,
      interfaces: this.interfaces,
      types: this.types,
      foreignDeps: this.foreignDeps,
      packageNameSpan,
      unknownTypeSpans: this.unknownTypeSpans,
      interfaceSpans: this.interfaceSpans,
      worldSpans: this.worldSpans,
      typeSpans: this.typeSpans,
      foreignDepSpans: this.foreignDepSpans,
      requiredResourceTypes: this.requiredResourceTypes,
    };
  }

  private populateForeignDeps(declLists: ast.DeclList[]): void {
    for (const list of declLists) {
      ast.forEachPath(list, (_iface, attrs, path, _names, kind) => {
        if (path.kind !== 'package') return;
        const stability = convertStability(attrs);
        const pkgName = toPackageName(path.id);
        const key = packageNameString(pkgName);
        let deps = this.foreignDeps.get(key);
        if (deps === undefined) {
          this.foreignDepSpans.push(path.id.span);
          deps = { name: pkgName, items: new Map() };
          this.foreignDeps.set(key, deps);
        }
        let entry = deps.items.get(path.name.name);
        if (entry === undefined) {
          // A top-level `use` of an unknown kind is assumed to name an interface.
          const item: AstItemRef = kind === 'world'
            ? { kind: 'world', id: this.allocWorld(path.name.span) }
            : { kind: 'interface', id: this.allocInterface(path.name.span) };
          entry = { item, stabilities: [] };
          deps.items.set(path.name.name, entry);
        }
        entry.stabilities.push(stability);
        if (entry.item.kind === 'interface') this.foreignInterfaces.add(entry.item.id);
      });
    }
  }

  private allocInterface(span: Span): number {
    this.interfaceTypes.push(new Map());
    this.interfaceSpans.push({ span, funcs: [] });
    this.interfaces.push({
      name: null, types: new Map(), functions: new Map(), docs: { contents: null }, stability: UNKNOWN_STABILITY,
      package: null,
    });
    return this.interfaces.length - 1;
  }

  private allocWorld(span: Span): number {
    this.worldSpans.push({ span, imports: [], exports: [], includes: [] });
    this.worlds.push({
      name: '', docs: { contents: null }, imports: new Map(), exports: new Map(), package: null, includes: [],
      includeNames: [], stability: UNKNOWN_STABILITY,
    });
    return this.worlds.length - 1;
  }

  private populateAstItems(declLists: ast.DeclList[]): [number[], number[]] {
    const packageItems = new Map<string, Span>();
    const names = new Map<string, ast.AstItem>();
    const order = new Map<string, ast.Id[]>();
    for (const list of declLists) {
      for (const item of list.items) {
        if (item.kind !== 'interface' && item.kind !== 'world') continue;
        const id = item.value.name;
        if (packageItems.has(id.name)) fail(id.span, `duplicate item named \`${id.name}\``);
        packageItems.set(id.name, id.span);
        order.set(id.name, []);
        names.set(id.name, item);
      }
    }

    type Source = { kind: 'foreign' } | { kind: 'local'; id: ast.Id };
    for (const list of declLists) {
      const ns = new Map<string, Source>();
      for (const item of list.items) {
        let name: ast.Id;
        let src: Source;
        if (item.kind === 'use') {
          name = item.value.as ?? ast.usePathName(item.value.item);
          src = item.value.item.kind === 'id' ? { kind: 'local', id: item.value.item.id } : { kind: 'foreign' };
        } else if (item.kind === 'interface' || item.kind === 'world') {
          name = item.value.name;
          src = { kind: 'local', id: item.value.name };
        } else {
          continue;
        }
        if (ns.has(name.name)) fail(name.span, `duplicate name \`${name.name}\` in this file`);
        ns.set(name.name, src);
      }
      ast.forEachPath(list, (iface, _attrs, path) => {
        // Only paths inside interfaces (and world includes) order items; world imports do not.
        if (iface === undefined || path.kind !== 'id') return;
        const used = path.id;
        const src = ns.get(used.name);
        if (src !== undefined) {
          if (src.kind === 'local') (order.get(iface.name) as ast.Id[]).push(src.id);
          return;
        }
        if (packageItems.has(used.name)) {
          (order.get(iface.name) as ast.Id[]).push(used);
          return;
        }
        fail(used.span, `interface or world \`${used.name}\` does not exist`);
      });
    }

    const sorted = toposort('interface or world', order);
    const ids = new Map<string, AstItemRef>();
    const ifaceOrder: number[] = [];
    const worldOrder: number[] = [];
    for (const name of sorted) {
      const item = names.get(name) as ast.AstItem;
      const span = packageItems.get(name) as Span;
      if (item.kind === 'interface') {
        const id = this.allocInterface(span);
        this.interfaces[id].name = name;
        ids.set(name, { kind: 'interface', id });
        ifaceOrder.push(id);
      } else {
        const id = this.allocWorld(span);
        this.worlds[id].name = name;
        ids.set(name, { kind: 'world', id });
        worldOrder.push(id);
      }
    }
    for (const list of declLists) {
      const items = new Map<string, AstItemRef>();
      for (const item of list.items) {
        let name: string;
        let ref: AstItemRef;
        if (item.kind === 'use') {
          const u = item.value;
          if (u.attributes.length > 0) fail(u.span, 'attributes not allowed on top-level use');
          name = (u.as ?? ast.usePathName(u.item)).name;
          if (u.item.kind === 'id') {
            const found = ids.get(u.item.id.name);
            if (found === undefined) fail(u.item.id.span, `interface or world \`${u.item.id.name}\` does not exist`);
            ref = found;
          } else {
            ref = this.foreignItem(u.item);
          }
        } else if (item.kind === 'interface' || item.kind === 'world') {
          name = item.value.name.name;
          ref = ids.get(name) as AstItemRef;
        } else {
          continue;
        }
        items.set(name, ref);
        // Names brought in by `use` stay local to their file.
        if (item.kind !== 'use') this.packageItems.set(name, ref);
      }
      this.astItems.push(items);
    }
    return [ifaceOrder, worldOrder];
  }

  private foreignItem(path: Extract<ast.UsePath, { kind: 'package' }>): AstItemRef {
    const dep = this.foreignDeps.get(packageNameString(toPackageName(path.id)));
    const entry = dep?.items.get(path.name.name);
    if (entry === undefined) throw new Error('foreign dependency was not registered');
    return entry.item;
  }

  private populateForeignTypes(declLists: ast.DeclList[]): void {
    declLists.forEach((list, i) => {
      this.curAstIndex = i;
      ast.forEachPath(list, (_iface, attrs, path, names) => {
        if (names === undefined) return;
        const stability = convertStability(attrs);
        const [item, name, span] = this.resolveAstItemPath(path);
        const iface = this.extractIface(item, name, span);
        if (!this.foreignInterfaces.has(iface)) return;
        const lookup = this.interfaceTypes[iface];
        for (const n of names) {
          if (lookup.has(n.name.name)) continue;
          const id = this.types.length;
          this.types.push({
            docs: { contents: null }, stability, kind: { tag: 'unknown' }, name: n.name.name,
            owner: { kind: 'interface', id: iface },
          });
          this.unknownTypeSpans.push(n.name.span);
          this.typeSpans.push(n.name.span);
          lookup.set(n.name.name, { item: { kind: 'type', id }, span: n.name.span });
          this.interfaces[iface].types.set(n.name.name, id);
        }
      });
    });
  }

  private resolveWorld(worldId: number, world: ast.World): void {
    this.worlds[worldId].docs = convertDocs(world.docs);
    this.worlds[worldId].stability = convertStability(world.attributes);
    const typeItems: TypeItem[] = [];
    for (const i of world.items) {
      if (i.kind === 'use') typeItems.push({ kind: 'use', use: i.use });
      else if (i.kind === 'type') typeItems.push({ kind: 'def', def: i.def });
    }
    this.resolveTypes({ kind: 'world', id: worldId }, typeItems);

    for (const i of world.items) {
      if (i.kind === 'include') this.resolveInclude(worldId, i.include);
    }

    const importSpans: Span[] = [];
    const exportSpans: Span[] = [];
    const w = this.worlds[worldId];
    for (const [name, { item, span }] of this.typeLookup) {
      if (item.kind !== 'type') throw new Error('unexpected non-type in world lookup');
      const key: WorldKey = { kind: 'name', name };
      if (w.imports.has(worldKeyId(key))) fail(span, `import \`${name}\` conflicts with prior import of same name`);
      w.imports.set(worldKeyId(key), { key, item: { kind: 'type', id: item.id } });
      importSpans.push(span);
    }

    const imported = new Set<number>();
    const exported = new Set<number>();
    for (const item of world.items) {
      if (item.kind === 'type') {
        if (item.def.ty.kind === 'resource') {
          for (const func of item.def.ty.funcs) {
            importSpans.push(func.func.name.span);
            const f = this.resolveResourceFunc(func, item.def.name);
            const key: WorldKey = { kind: 'name', name: f.name };
            w.imports.set(worldKeyId(key), { key, item: { kind: 'function', func: f } });
          }
        }
        continue;
      }
      if (item.kind !== 'import' && item.kind !== 'export') continue;
      const desc = item.kind;
      const kind = item.extern;
      const worldItem = this.resolveWorldItem(item.docs, item.attributes, kind);
      let key: WorldKey;
      switch (kind.kind) {
        case 'interface': case 'implements': key = { kind: 'name', name: kind.name.name }; break;
        case 'func': key = { kind: 'name', name: (worldItem as Extract<WorldItem, { kind: 'function' }>).func.name }; break;
        case 'path': {
          const [ref, name, span] = this.resolveAstItemPath(kind.path);
          key = { kind: 'interface', id: this.extractIface(ref, name, span) };
          break;
        }
      }
      if (worldItem.kind === 'interface' && kind.kind === 'path') {
        const seen = desc === 'import' ? imported : exported;
        if (seen.has(worldItem.id)) fail(ast.externSpan(kind), `interface cannot be ${desc}ed more than once`);
        seen.add(worldItem.id);
      }
      const dst = desc === 'import' ? w.imports : w.exports;
      const prev = dst.get(worldKeyId(key));
      if (prev !== undefined) {
        const prevKind = prev.item.kind === 'interface' ? 'interface' : prev.item.kind === 'function' ? 'func' : 'type';
        const name = key.kind === 'name' ? key.name : '';
        fail(ast.externSpan(kind), `${desc} \`${name}\` conflicts with prior ${prevKind} of same name`);
      }
      dst.set(worldKeyId(key), { key, item: worldItem });
      (desc === 'import' ? importSpans : exportSpans).push(ast.externSpan(kind));
    }
    this.worldSpans[worldId].imports = importSpans;
    this.worldSpans[worldId].exports = exportSpans;
    this.typeLookup = new Map();
  }

  private resolveWorldItem(docs: ast.Docs, attrs: readonly ast.Attribute[], kind: ast.ExternKind): WorldItem {
    switch (kind.kind) {
      case 'interface': {
        const prev = this.typeLookup;
        this.typeLookup = new Map();
        const id = this.allocInterface(kind.name.span);
        this.resolveInterface(id, kind.items, docs, attrs);
        this.typeLookup = prev;
        return { kind: 'interface', id, stability: this.interfaces[id].stability };
      }
      case 'path': case 'implements': {
        const stability = convertStability(attrs);
        const [ref, name, span] = this.resolveAstItemPath(kind.path);
        return { kind: 'interface', id: this.extractIface(ref, name, span), stability };
      }
      case 'func': {
        const func = this.resolveFunction(docs, attrs, kind.name.name, kind.func,
          kind.func.async ? { tag: 'async-freestanding' } : { tag: 'freestanding' });
        return { kind: 'function', func };
      }
    }
  }

  private resolveInterface(
    ifaceId: number, fields: readonly ast.InterfaceItem[], docs: ast.Docs, attrs: readonly ast.Attribute[],
  ): void {
    const iface = this.interfaces[ifaceId];
    iface.docs = convertDocs(docs);
    iface.stability = convertStability(attrs);
    const typeItems: TypeItem[] = [];
    for (const f of fields) {
      if (f.kind === 'use') typeItems.push({ kind: 'use', use: f.use });
      else if (f.kind === 'typedef') typeItems.push({ kind: 'def', def: f.def });
    }
    this.resolveTypes({ kind: 'interface', id: ifaceId }, typeItems);
    for (const [name, { item }] of this.typeLookup) {
      if (item.kind === 'type') iface.types.set(name, item.id);
    }

    const funcs: Function[] = [];
    for (const field of fields) {
      if (field.kind === 'func') {
        const f = field.func;
        this.defineInterfaceName(f.name, { kind: 'item', what: 'function' });
        funcs.push(this.resolveFunction(f.docs, f.attributes, f.name.name, f.func,
          f.func.async ? { tag: 'async-freestanding' } : { tag: 'freestanding' }));
        this.interfaceSpans[ifaceId].funcs.push(f.name.span);
      } else if (field.kind === 'typedef' && field.def.ty.kind === 'resource') {
        for (const func of field.def.ty.funcs) {
          funcs.push(this.resolveResourceFunc(func, field.def.name));
          this.interfaceSpans[ifaceId].funcs.push(func.func.name.span);
        }
      }
    }
    for (const f of funcs) iface.functions.set(f.name, f);
    this.interfaceTypes[ifaceId] = this.typeLookup;
    this.typeLookup = new Map();
  }

  private resolveTypes(owner: TypeOwner, fields: TypeItem[]): void {
    for (const f of fields) {
      if (f.kind === 'use') this.resolveUse(owner, f.use);
    }
    const typeDeps = new Map<string, ast.Id[]>();
    const typeDefs = new Map<string, ast.TypeDef | undefined>();
    for (const f of fields) {
      if (f.kind === 'def') {
        const t = f.def;
        if (typeDefs.has(t.name.name)) fail(t.name.span, `name \`${t.name.name}\` is defined more than once`);
        typeDefs.set(t.name.name, t);
        const deps: ast.Id[] = [];
        collectDeps(t.ty, deps);
        // Re-inserting keeps the first position, like the reference's `IndexMap`.
        typeDeps.set(t.name.name, deps);
      } else {
        for (const n of f.use.names) {
          const name = (n.as ?? n.name).name;
          typeDeps.set(name, []);
          typeDefs.set(name, undefined);
        }
      }
    }
    const order = toposort('type', typeDeps);
    for (const name of order) {
      const def = typeDefs.get(name);
      typeDefs.delete(name);
      if (def === undefined) continue;
      const docs = convertDocs(def.docs);
      const stability = convertStability(def.attributes);
      const kind = this.resolveTypeDef(def.ty, stability);
      const id = this.types.length;
      this.types.push({ docs, stability, kind, name: def.name.name, owner });
      this.typeSpans.push(def.name.span);
      this.defineInterfaceName(def.name, { kind: 'type', id });
    }
  }

  private resolveUse(owner: TypeOwner, u: ast.Use): void {
    const [item, name, span] = this.resolveAstItemPath(u.from);
    const useFrom = this.extractIface(item, name, span);
    const stability = convertStability(u.attributes);
    for (const n of u.names) {
      const lookup = this.interfaceTypes[useFrom];
      const found = lookup.get(n.name.name);
      if (found === undefined) fail(n.name.span, `name \`${n.name.name}\` does not exist`);
      if (found.item.kind !== 'type') fail(n.name.span, `cannot import ${found.item.what} \`${n.name.name}\``);
      this.typeSpans.push(n.name.span);
      const local = n.as ?? n.name;
      const id = this.types.length;
      this.types.push({
        docs: { contents: null }, stability, kind: { tag: 'type', ty: found.item.id }, name: local.name, owner,
      });
      this.defineInterfaceName(local, { kind: 'type', id });
    }
  }

  private resolveInclude(worldId: number, inc: ast.Include): void {
    const stability = convertStability(inc.attributes);
    const [item, name, span] = this.resolveAstItemPath(inc.from);
    if (item.kind !== 'world') fail(span, `name \`${name}\` is defined as an interface, not a world`);
    const w = this.worlds[worldId];
    w.includes.push({ stability, world: item.id });
    w.includeNames.push(inc.names.map((n) => ({ name: n.name.name, as: n.as.name })));
    this.worldSpans[worldId].includes.push(span);
  }

  private resolveResourceFunc(func: ast.ResourceFunc, resource: ast.Id): Function {
    const found = this.typeLookup.get(resource.name);
    if (found === undefined || found.item.kind !== 'type') throw new Error('type lookup for resource failed');
    const id = found.item.id;
    const f = func.func;
    let name: string;
    let kind: FunctionKind;
    switch (func.kind) {
      case 'method':
        name = `[method]${resource.name}.${f.name.name}`;
        kind = { tag: f.func.async ? 'async-method' : 'method', id };
        break;
      case 'static':
        name = `[static]${resource.name}.${f.name.name}`;
        kind = { tag: f.func.async ? 'async-static' : 'static', id };
        break;
      case 'constructor':
        name = `[constructor]${resource.name}`;
        kind = { tag: 'constructor', id };
        break;
    }
    return this.resolveFunction(f.docs, f.attributes, name, f.func, kind);
  }

  private resolveFunction(
    docs: ast.Docs, attrs: readonly ast.Attribute[], name: string, func: ast.Func, kind: FunctionKind,
  ): Function {
    const d = convertDocs(docs);
    const stability = convertStability(attrs);
    const params = this.resolveParams(func.params, kind, func.span);
    const result = this.resolveResult(func.result, kind);
    return { docs: d, stability, name, kind, params, result };
  }

  private resolveAstItemPath(path: ast.UsePath): [AstItemRef, string, Span] {
    if (path.kind === 'id') {
      const item = this.astItems[this.curAstIndex].get(path.id.name) ?? this.packageItems.get(path.id.name);
      if (item === undefined) fail(path.id.span, `interface or world \`${path.id.name}\` does not exist`);
      return [item, path.id.name, path.id.span];
    }
    return [this.foreignItem(path), path.name.name, path.name.span];
  }

  private extractIface(item: AstItemRef, name: string, span: Span): number {
    if (item.kind === 'world') fail(span, `name \`${name}\` is defined as a world, not an interface`);
    return item.id;
  }

  private defineInterfaceName(name: ast.Id, item: TypeOrItem): void {
    if (this.typeLookup.has(name.name)) fail(name.span, `name \`${name.name}\` is defined more than once`);
    this.typeLookup.set(name.name, { item, span: name.span });
  }

  private resolveTypeDef(ty: ast.Type, stability: Stability): TypeDefKind {
    switch (ty.kind) {
      case 'bool': case 'u8': case 'u16': case 'u32': case 'u64': case 's8': case 's16': case 's32': case 's64':
      case 'f32': case 'f64': case 'char': case 'string': case 'error-context':
        return { tag: 'type', ty: ty.kind };
      case 'name':
        return { tag: 'type', ty: this.resolveTypeName(ty.id) };
      case 'list':
        return { tag: 'list', ty: this.resolveType(ty.ty, stability) };
      case 'map': {
        const key = this.resolveType(ty.key, stability);
        const value = this.resolveType(ty.value, stability);
        if (typeof key !== 'string' || key === 'f32' || key === 'f64' || key === 'error-context') {
          fail(ty.span, 'invalid map key type: map keys must be bool, u8, u16, u32, u64, s8, s16, s32, s64, char, or string');
        }
        return { tag: 'map', key, value };
      }
      case 'fixed-list':
        return { tag: 'fixed-length-list', ty: this.resolveType(ty.ty, stability), size: ty.size };
      case 'own':
        return { tag: 'handle', handle: 'own', id: this.validateResource(ty.resource) };
      case 'borrow':
        return { tag: 'handle', handle: 'borrow', id: this.validateResource(ty.resource) };
      case 'resource': {
        let ctors = 0;
        const names = new Set<string>();
        for (const f of ty.funcs) {
          if (f.kind === 'constructor') {
            ctors++;
            if (ctors > 1) fail(f.func.name.span, 'duplicate constructors');
          } else {
            if (names.has(f.func.name.name)) fail(f.func.name.span, `duplicate function name \`${f.func.name.name}\``);
            names.add(f.func.name.name);
          }
        }
        return { tag: 'resource' };
      }
      case 'record':
        return {
          tag: 'record',
          fields: ty.fields.map((f) => ({
            docs: convertDocs(f.docs), name: f.name.name, ty: this.resolveType(f.ty, stability), span: f.name.span,
          })),
        };
      case 'flags':
        return { tag: 'flags', flags: ty.flags.map((f) => ({ docs: convertDocs(f.docs), name: f.name.name })) };
      case 'tuple':
        return { tag: 'tuple', types: ty.types.map((t) => this.resolveType(t, stability)) };
      case 'variant':
        if (ty.cases.length === 0) fail(ty.span, 'empty variant');
        return {
          tag: 'variant',
          cases: ty.cases.map((c) => ({
            docs: convertDocs(c.docs), name: c.name.name,
            ty: c.ty === undefined ? null : this.resolveType(c.ty, stability), span: c.name.span,
          })),
        };
      case 'enum':
        if (ty.cases.length === 0) fail(ty.span, 'empty enum');
        return { tag: 'enum', cases: ty.cases.map((c) => ({ docs: convertDocs(c.docs), name: c.name.name })) };
      case 'option':
        return { tag: 'option', ty: this.resolveType(ty.ty, stability) };
      case 'result':
        return {
          tag: 'result',
          ok: ty.ok === undefined ? null : this.resolveType(ty.ok, stability),
          err: ty.err === undefined ? null : this.resolveType(ty.err, stability),
        };
      case 'future':
      case 'stream':
        return { tag: ty.kind, ty: ty.ty === undefined ? null : this.resolveType(ty.ty, stability) };
    }
  }

  private resolveTypeName(name: ast.Id): number {
    const found = this.typeLookup.get(name.name);
    if (found === undefined) fail(name.span, `name \`${name.name}\` does not exist`);
    if (found.item.kind !== 'type') fail(name.span, `cannot use ${found.item.what} \`${name.name}\` as a type`);
    return found.item.id;
  }

  private validateResource(name: ast.Id): number {
    const id = this.resolveTypeName(name);
    let cur = id;
    // Alias chains are walked iteratively: a long chain of `type a = b;` must not exhaust the stack.
    for (let steps = 0; steps <= this.types.length; steps++) {
      const kind = this.types[cur].kind;
      if (kind.tag === 'resource') return id;
      if (kind.tag === 'type' && typeof kind.ty === 'number') { cur = kind.ty; continue; }
      if (kind.tag === 'unknown') {
        this.requiredResourceTypes.push([cur, name.span]);
        return id;
      }
      break;
    }
    fail(name.span, `type \`${name.name}\` used in a handle must be a resource`);
  }

  /** Anonymous types inherit the stability of the first named type they mention, so gating filters them too. */
  private findStability(kind: TypeDefKind, stability: Stability): Stability {
    if (stability.kind !== 'unknown') return stability;
    const inType = (ty: Type | null): Stability | undefined => {
      if (typeof ty !== 'number') return undefined;
      const s = this.types[ty].stability;
      return s.kind !== 'unknown' ? s : undefined;
    };
    let found: Stability | undefined;
    switch (kind.tag) {
      case 'type': found = inType(kind.ty); break;
      case 'handle': found = inType(kind.id); break;
      case 'tuple': for (const t of kind.types) { found = inType(t); if (found !== undefined) break; } break;
      case 'list': case 'fixed-length-list': case 'option': found = inType(kind.ty); break;
      case 'map': found = inType(kind.key) ?? inType(kind.value); break;
      case 'future': case 'stream': found = inType(kind.ty); break;
      case 'result': found = inType(kind.ok) ?? inType(kind.err); break;
      default: found = undefined;
    }
    return found ?? UNKNOWN_STABILITY;
  }

  private resolveType(ty: ast.Type, stability: Stability): Type {
    const kind = this.resolveTypeDef(ty, stability);
    const s = this.findStability(kind, stability);
    return this.anonTypeDef({ kind, name: null, docs: { contents: null }, stability: s, owner: NO_OWNER }, ty.span);
  }

  private anonTypeDef(ty: TypeDef, span: Span): Type {
    const k = ty.kind;
    let key: string;
    switch (k.tag) {
      case 'type': return k.ty;
      // An anonymous `own<T>` is just a reference to `T`; `resolve.ts` turns resource references into handles.
      case 'handle':
        if (k.handle === 'own') return k.id;
        key = JSON.stringify(['borrow', k.id]);
        break;
      case 'variant': key = JSON.stringify(['variant', k.cases.map((c) => [c.name, c.ty])]); break;
      case 'record': key = JSON.stringify(['record', k.fields.map((f) => [f.name, f.ty])]); break;
      case 'flags': key = JSON.stringify(['flags', k.flags.map((f) => f.name)]); break;
      case 'enum': key = JSON.stringify(['enum', k.cases.map((c) => c.name)]); break;
      case 'tuple': key = JSON.stringify(['tuple', k.types]); break;
      case 'list': case 'option': key = JSON.stringify([k.tag, k.ty]); break;
      case 'map': key = JSON.stringify(['map', k.key, k.value]); break;
      case 'fixed-length-list': key = JSON.stringify(['fixed', k.ty, k.size]); break;
      case 'result': key = JSON.stringify(['result', k.ok, k.err]); break;
      case 'future': case 'stream': key = JSON.stringify([k.tag, k.ty]); break;
      case 'resource': case 'unknown': throw new Error(`anonymous ${k.tag} type`);
    }
    let id = this.anonTypes.get(key);
    if (id === undefined) {
      id = this.types.length;
      this.types.push(ty);
      this.typeSpans.push(span);
      this.anonTypes.set(key, id);
    }
    return id;
  }

  private resolveParams(params: ast.Func['params'], kind: FunctionKind, span: Span): [string, Type][] {
    const ret = new Map<string, Type>();
    if (kind.tag === 'method' || kind.tag === 'async-method') {
      const handle: TypeDefKind = { tag: 'handle', handle: 'borrow', id: kind.id };
      const stability = this.findStability(handle, UNKNOWN_STABILITY);
      ret.set('self', this.anonTypeDef({ docs: { contents: null }, stability, kind: handle, name: null, owner: NO_OWNER }, span));
    }
    for (const [name, ty] of params) {
      const resolved = this.resolveType(ty, UNKNOWN_STABILITY);
      if (ret.has(name.name)) fail(name.span, `param \`${name.name}\` is defined more than once`);
      ret.set(name.name, resolved);
    }
    return [...ret];
  }

  private resolveResult(result: ast.Type | undefined, kind: FunctionKind): Type | null {
    if (kind.tag !== 'constructor') return result === undefined ? null : this.resolveType(result, UNKNOWN_STABILITY);
    // Without a declared result a constructor returns its resource, which becomes `own<T>` once resolved.
    if (result === undefined) return kind.id;
    const resolved = this.resolveType(result, UNKNOWN_STABILITY);
    const def = typeof resolved === 'number' ? this.types[resolved] : undefined;
    if (def === undefined || def.kind.tag !== 'result') {
      fail(result.span, 'if a constructor return type is declared it must be a `result`');
    }
    if (def.kind.ok !== kind.id) {
      const okSpan = result.kind === 'result' && result.ok !== undefined ? result.ok.span : result.span;
      fail(okSpan, 'the `ok` type must be the resource being constructed');
    }
    return resolved;
  }
}

function collectDeps(ty: ast.Type, deps: ast.Id[]): void {
  switch (ty.kind) {
    case 'name': deps.push(ty.id); break;
    case 'own': case 'borrow': deps.push(ty.resource); break;
    case 'record': for (const f of ty.fields) collectDeps(f.ty, deps); break;
    case 'tuple': for (const t of ty.types) collectDeps(t, deps); break;
    case 'variant': for (const c of ty.cases) if (c.ty !== undefined) collectDeps(c.ty, deps); break;
    case 'option': case 'list': case 'fixed-list': collectDeps(ty.ty, deps); break;
    case 'map': collectDeps(ty.key, deps); collectDeps(ty.value, deps); break;
    case 'result':
      if (ty.ok !== undefined) collectDeps(ty.ok, deps);
      if (ty.err !== undefined) collectDeps(ty.err, deps);
      break;
    case 'future': case 'stream': if (ty.ty !== undefined) collectDeps(ty.ty, deps); break;
    default: break;
  }
}
