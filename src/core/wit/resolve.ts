// Merges unresolved packages into one `Resolve`: packages are added in dependency order, references to other
// packages are connected, `@since`/`@unstable` gates are applied, `include`s are expanded and worlds are
// elaborated with the interfaces their items depend on. Mirrors wasm-tools' `resolve.rs` (`Remap::append`,
// `elaborate_world`), whose allocation order determines every id in the JSON.
import { UnresolvedPackage, WorldSpan, InterfaceSpan } from './astResolver';
import {
  comparePackageNames, Function, Interface, Package, PackageName, packageNameString, Stability, stabilityEquals,
  Type, TypeDef, TypeOwner, NO_OWNER, UNKNOWN_STABILITY, World, WorldEntry, WorldItem, WorldItems, WorldKey,
  worldKeyId, worldKeyString, ownersEqual, functionResource, IncludeName,
} from './model';
import { compareVersions, formatVersion } from './semver';
import { fail, SourceMap, Span } from './witError';

export interface UnresolvedPackageGroup {
  main: UnresolvedPackage;
  nested: UnresolvedPackage[];
}

export interface ResolveOptions {
  /** Features enabled for `@unstable(feature = …)` items. */
  features?: readonly string[];
  /** Enables every `@unstable` feature. */
  allFeatures?: boolean;
}

export class Resolve {
  readonly worlds: World[] = [];
  readonly interfaces: Interface[] = [];
  readonly types: TypeDef[] = [];
  readonly packages: Package[] = [];
  readonly packageNames = new Map<string, number>();
  private readonly features: ReadonlySet<string>;
  private readonly allFeatures: boolean;

  constructor(private readonly sourceMap: SourceMap, options: ResolveOptions = {}) {
    this.features = new Set(options.features ?? []);
    this.allFeatures = options.allFeatures === true;
  }

  /** Adds `main` and `deps` in topological order (packages sorted by name first) and returns the main package id. */
  pushGroups(main: UnresolvedPackageGroup, deps: UnresolvedPackageGroup[]): number {
    const details = new Map<string, UnresolvedPackage>();
    const insert = (group: UnresolvedPackageGroup): void => {
      for (const pkg of [...group.nested, group.main]) {
        const key = packageNameString(pkg.name);
        const prev = details.get(key);
        if (prev !== undefined) {
          const at = (span: Span): string => {
            const loc = this.sourceMap.locate(span.start);
            return `${loc.file}:${loc.line}:${loc.column}`;
          };
          fail(pkg.packageNameSpan, `package \`${key}\` is defined in two different locations:\n  * ${at(pkg.packageNameSpan)}\n  * ${at(prev.packageNameSpan)}`);
        }
        details.set(key, pkg);
      }
    };
    insert(main);
    for (const d of deps) insert(d);

    const sorted = [...details.values()].sort((a, b) => comparePackageNames(a.name, b.name));
    const order: string[] = [];
    const ordered = new Set<string>();
    const visiting = new Set<string>();
    const visit = (pkg: UnresolvedPackage): void => {
      if (ordered.has(packageNameString(pkg.name))) return;
      let i = 0;
      for (const [depKey] of pkg.foreignDeps) {
        const span = pkg.foreignDepSpans[i++];
        if (visiting.has(depKey)) fail(span, `package \`${depKey}\` creates a dependency cycle`);
        visiting.add(depKey);
        const dep = details.get(depKey);
        if (dep !== undefined) visit(dep);
        visiting.delete(depKey);
      }
      const key = packageNameString(pkg.name);
      ordered.add(key);
      order.push(key);
    };
    for (const pkg of sorted) visit(pkg);

    let mainId = -1;
    const mainKey = packageNameString(main.main.name);
    for (const key of order) {
      const id = new Remap(this).append(details.get(key) as UnresolvedPackage);
      if (key === mainKey) mainId = id;
    }
    return mainId;
  }

  // ---- queries ----------------------------------------------------------------------------------------------

  idOf(iface: number): string | undefined {
    const i = this.interfaces[iface];
    if (i.name === null || i.package === null) return undefined;
    const pkg = this.packages[i.package].name;
    return `${pkg.namespace}:${pkg.name}/${i.name}${pkg.version !== undefined ? `@${formatVersion(pkg.version)}` : ''}`;
  }

  nameWorldKey(key: WorldKey): string {
    return key.kind === 'name' ? key.name : this.idOf(key.id) ?? worldKeyString(key);
  }

  /** The interface that type `id` is a `use` of, when that is a different interface than its own. */
  typeInterfaceDep(id: number): number | undefined {
    const ty = this.types[id];
    if (ty.kind.tag !== 'type' || typeof ty.kind.ty !== 'number') return undefined;
    const other = this.types[ty.kind.ty];
    if (ownersEqual(ty.owner, other.owner)) return undefined;
    return other.owner.kind === 'interface' ? other.owner.id : undefined;
  }

  interfaceDirectDeps(id: number): number[] {
    const out: number[] = [];
    for (const ty of this.interfaces[id].types.values()) {
      const dep = this.typeInterfaceDep(ty);
      if (dep !== undefined) out.push(dep);
    }
    return out;
  }

  itemStability(item: WorldItem): Stability {
    switch (item.kind) {
      case 'interface': return item.stability;
      case 'function': return item.func.stability;
      case 'type': return this.types[item.id].stability;
    }
  }

  /** Whether an item with `stability` in package `pkg` is kept; errors for `@since` gates that cannot apply. */
  includeStability(stability: Stability, pkg: number, span: Span): boolean {
    switch (stability.kind) {
      case 'unknown': return true;
      case 'stable': {
        const p = this.packages[pkg].name;
        if (p.version === undefined) {
          fail(span, `package [${packageNameString(p)}] contains a feature gate with a version specifier, so it must have a version`);
        }
        if (compareVersions(stability.since, p.version) > 0) {
          fail(span, `feature gate cannot reference unreleased version ${formatVersion(stability.since)} of package [${packageNameString(p)}] (current version ${formatVersion(p.version)})`);
        }
        return true;
      }
      case 'unstable':
        return this.allFeatures || this.features.has(stability.feature);
    }
  }

  // ---- world elaboration ------------------------------------------------------------------------------------

  private sortKey(item: WorldItem): number {
    switch (item.kind) {
      case 'interface': return 0;
      case 'type': {
        const ty = this.types[item.id];
        if (ty.kind.tag === 'type' && typeof ty.kind.ty === 'number' && !ownersEqual(this.types[ty.kind.ty].owner, ty.owner)) return 1;
        return 2;
      }
      case 'function': return functionResource(item.func.kind) === undefined ? 3 : 4;
    }
  }

  /**
   * Lists every interface the world's items depend on as an import (dependencies first), checks that exports do
   * not need an interface both imported and exported, and orders imports interfaces → types → functions.
   */
  elaborateWorld(worldId: number, span: Span): void {
    const world = this.worlds[worldId];
    const newImports: WorldItems = new Map();
    const sorted = [...world.imports.values()].sort((a, b) => this.sortKey(a.item) - this.sortKey(b.item));
    for (const { key, item } of sorted) {
      switch (item.kind) {
        case 'interface':
          this.elaborateWorldImport(newImports, key, item.id, item.stability);
          break;
        case 'function':
          newImports.set(worldKeyId(key), { key, item });
          break;
        case 'type': {
          const dep = this.typeInterfaceDep(item.id);
          if (dep !== undefined) {
            this.elaborateWorldImport(newImports, { kind: 'interface', id: dep }, dep, this.types[item.id].stability);
          }
          newImports.set(worldKeyId(key), { key, item });
          break;
        }
      }
    }

    const newExports: WorldItems = new Map();
    const exportInterfaces = new Map<number, { key: WorldKey; stability: Stability }>();
    for (const { key, item } of world.exports.values()) {
      if (item.kind === 'interface') exportInterfaces.set(item.id, { key, stability: item.stability });
      else if (item.kind === 'function') newExports.set(worldKeyId(key), { key, item });
      else fail(span, 'types cannot be exported from a world');
    }
    this.elaborateWorldExports(exportInterfaces, newImports, newExports, span);

    world.imports = new Map([...newImports].sort((a, b) => this.sortKey(a[1].item) - this.sortKey(b[1].item)));
    world.exports = newExports;
  }

  private elaborateWorldImport(imports: WorldItems, key: WorldKey, id: number, stability: Stability): void {
    // Iterative depth-first walk: a long chain of interfaces `use`-ing each other must not exhaust the stack.
    if (imports.has(worldKeyId(key))) return;
    const onStack = new Set<number>([id]);
    const stack: { key: WorldKey; id: number; deps: number[]; next: number }[] = [
      { key, id, deps: this.interfaceDirectDeps(id), next: 0 },
    ];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.deps.length) {
        const dep = top.deps[top.next++];
        const depKey: WorldKey = { kind: 'interface', id: dep };
        if (imports.has(worldKeyId(depKey)) || onStack.has(dep)) continue;
        onStack.add(dep);
        stack.push({ key: depKey, id: dep, deps: this.interfaceDirectDeps(dep), next: 0 });
        continue;
      }
      stack.pop();
      onStack.delete(top.id);
      imports.set(worldKeyId(top.key), { key: top.key, item: { kind: 'interface', id: top.id, stability } });
    }
  }

  private elaborateWorldExports(
    exportInterfaces: Map<number, { key: WorldKey; stability: Stability }>,
    imports: WorldItems,
    exports: WorldItems,
    span: Span,
  ): void {
    const required = new Set<number>();
    const add = (id: number, key: WorldKey, addExport: boolean, stability: Stability, depth: number): boolean => {
      if (depth > 3000) fail(span, 'interface dependencies nest too deeply');
      if (exports.has(worldKeyId(key))) return addExport;
      if (!addExport && required.has(id)) return true;
      for (const dep of this.interfaceDirectDeps(id)) {
        const ok = add(dep, { kind: 'interface', id: dep }, addExport && exportInterfaces.has(dep), stability, depth + 1);
        if (!ok) return false;
      }
      const item: WorldItem = { kind: 'interface', id, stability };
      if (addExport) {
        if (required.has(id)) return false;
        exports.set(worldKeyId(key), { key, item });
      } else {
        required.add(id);
        imports.set(worldKeyId(key), { key, item });
      }
      return true;
    };
    for (const [id, { key, stability }] of exportInterfaces) {
      if (!add(id, key, true, stability, 0)) {
        fail(span, `interface \`${this.nameWorldKey(key)}\` transitively depends on an interface in incompatible ways`);
      }
    }
  }
}

/** Ids of one unresolved package mapped to ids in the `Resolve`; `null` marks items removed by a feature gate. */
class Remap {
  private readonly types: (number | null)[] = [];
  private readonly interfaces: (number | null)[] = [];
  private readonly worlds: (number | null)[] = [];
  private readonly ownHandles = new Map<number, number>();
  private readonly hasBorrow = new Map<number, boolean>();
  /** Where each world item came from, to locate errors found after the items were moved around. */
  private readonly worldItemSpans = new Map<number, Map<string, Span>>();

  constructor(private readonly resolve: Resolve) {}

  private static apply(map: (number | null)[], id: number, desc: string, span: Span): number {
    const v = map[id];
    if (v === null) fail(span, `found a reference to a ${desc} which is excluded due to its feature not being activated`);
    if (v === undefined) throw new Error(`request to remap a ${desc} that has not yet been registered`);
    return v;
  }

  mapType(id: number, span: Span): number { return Remap.apply(this.types, id, 'type', span); }
  mapInterface(id: number, span: Span): number { return Remap.apply(this.interfaces, id, 'interface', span); }
  mapWorld(id: number, span: Span): number { return Remap.apply(this.worlds, id, 'world', span); }

  append(unresolved: UnresolvedPackage): number {
    const resolve = this.resolve;
    const pkgId = resolve.packages.length;
    const key = packageNameString(unresolved.name);
    if (resolve.packageNames.has(key)) fail(unresolved.packageNameSpan, `attempting to re-add package \`${key}\` when it's already present in this \`Resolve\``);
    resolve.packages.push({ name: unresolved.name, docs: unresolved.docs, interfaces: new Map(), worlds: new Map() });
    resolve.packageNames.set(key, pkgId);

    this.processForeignDeps(pkgId, unresolved);
    const foreignTypes = this.types.length;
    const foreignInterfaces = this.interfaces.length;
    const foreignWorlds = this.worlds.length;

    for (let i = foreignTypes; i < unresolved.types.length; i++) {
      const ty = unresolved.types[i];
      const span = unresolved.typeSpans[i];
      if (!this.includeType(ty, pkgId, span)) {
        this.types.push(null);
        continue;
      }
      this.updateTypeDef(ty, span);
      let newId = resolve.types.length;
      resolve.types.push(ty);
      if (ty.name === null && ty.owner.kind === 'none' && ty.kind.tag === 'handle' && ty.kind.handle === 'own') {
        const existing = this.ownHandles.get(ty.kind.id);
        if (existing !== undefined) newId = existing; else this.ownHandles.set(ty.kind.id, newId);
      }
      this.types.push(newId);
    }

    for (let i = foreignInterfaces; i < unresolved.interfaces.length; i++) {
      const iface = unresolved.interfaces[i];
      const spans = unresolved.interfaceSpans[i];
      if (!resolve.includeStability(iface.stability, pkgId, spans.span)) {
        this.interfaces.push(null);
        continue;
      }
      iface.package = pkgId;
      this.updateInterface(iface, spans);
      resolve.interfaces.push(iface);
      this.interfaces.push(resolve.interfaces.length - 1);
    }

    for (let i = foreignTypes; i < this.types.length; i++) {
      const id = this.types[i];
      if (id === null) continue;
      // Owner objects are shared by all types of an item, so they are replaced, never mutated.
      const ty = resolve.types[id];
      if (ty.owner.kind === 'interface') ty.owner = { kind: 'interface', id: this.mapInterface(ty.owner.id, unresolved.typeSpans[i]) };
    }

    for (let i = foreignWorlds; i < unresolved.worlds.length; i++) {
      const world = unresolved.worlds[i];
      const spans = unresolved.worldSpans[i];
      if (!resolve.includeStability(world.stability, pkgId, spans.span)) {
        this.worlds.push(null);
        continue;
      }
      const worldId = resolve.worlds.length;
      this.updateWorld(world, worldId, pkgId, spans);
      resolve.worlds.push(world);
      this.worlds.push(worldId);
    }

    for (let i = foreignTypes; i < this.types.length; i++) {
      const id = this.types[i];
      if (id === null) continue;
      const ty = resolve.types[id];
      if (ty.owner.kind === 'world') ty.owner = { kind: 'world', id: this.mapWorld(ty.owner.id, unresolved.typeSpans[i]) };
    }

    // `include`s are expanded only now because they may copy types defined in the included world, and worlds are
    // in dependency order so an included world is already complete.
    for (let i = foreignWorlds; i < this.worlds.length; i++) {
      const id = this.worlds[i];
      if (id === null) continue;
      const spans = unresolved.worldSpans[i];
      this.processWorldIncludes(id, pkgId, spans);
      resolve.elaborateWorld(id, spans.span);
    }

    for (let i = foreignInterfaces; i < this.interfaces.length; i++) {
      const id = this.interfaces[i];
      if (id === null) continue;
      const iface = resolve.interfaces[id];
      iface.package = pkgId;
      if (iface.name !== null) resolve.packages[pkgId].interfaces.set(iface.name, id);
    }
    for (let i = foreignWorlds; i < this.worlds.length; i++) {
      const id = this.worlds[i];
      if (id === null) continue;
      const world = resolve.worlds[id];
      world.package = pkgId;
      resolve.packages[pkgId].worlds.set(world.name, id);
    }
    return pkgId;
  }

  private includeType(ty: TypeDef, pkg: number, span: Span): boolean {
    return this.resolve.includeStability(ty.stability, pkg, span);
  }

  private processForeignDeps(pkgId: number, unresolved: UnresolvedPackage): void {
    const resolve = this.resolve;
    type Origin = { pkg: PackageName; name: string; span: Span; stabilities: Stability[] };
    const ifaceOrigin = new Map<number, Origin>();
    const worldOrigin = new Map<number, Origin>();
    let i = 0;
    for (const dep of unresolved.foreignDeps.values()) {
      const span = unresolved.foreignDepSpans[i++];
      for (const [name, { item, stabilities }] of dep.items) {
        (item.kind === 'interface' ? ifaceOrigin : worldOrigin).set(item.id, { pkg: dep.name, name, span, stabilities });
      }
    }

    const findPackage = (origin: Origin): number => {
      const id = resolve.packageNames.get(packageNameString(origin.pkg));
      if (id === undefined) {
        const known = [...resolve.packageNames.keys()].map((k) => `\n    ${k}`).join('');
        fail(origin.span, `package '${packageNameString(origin.pkg)}' not found. known packages:${known}`);
      }
      return id;
    };
    const enabled = (origin: Origin, span: Span): boolean =>
      origin.stabilities.some((s) => resolve.includeStability(s, pkgId, span));

    for (let id = 0; id < unresolved.interfaces.length; id++) {
      const origin = ifaceOrigin.get(id);
      if (origin === undefined) break;
      const pkg = findPackage(origin);
      const span = unresolved.interfaceSpans[id].span;
      if (!enabled(origin, span)) {
        this.interfaces.push(null);
        continue;
      }
      const found = resolve.packages[pkg].interfaces.get(origin.name);
      if (found === undefined) fail(span, `interface '${origin.name}' not found in package '${packageNameString(origin.pkg)}'`);
      this.interfaces.push(found);
    }
    for (let id = 0; id < unresolved.worlds.length; id++) {
      const origin = worldOrigin.get(id);
      if (origin === undefined) break;
      const pkg = findPackage(origin);
      const span = unresolved.worldSpans[id].span;
      if (!enabled(origin, span)) {
        this.worlds.push(null);
        continue;
      }
      const found = resolve.packages[pkg].worlds.get(origin.name);
      if (found === undefined) fail(span, `world '${origin.name}' not found in package '${packageNameString(origin.pkg)}'`);
      this.worlds.push(found);
    }

    for (let id = 0; id < unresolved.types.length; id++) {
      const ty = unresolved.types[id];
      if (ty.kind.tag !== 'unknown') break;
      const span = unresolved.typeSpans[id];
      if (!this.includeType(ty, pkgId, span)) {
        this.types.push(null);
        continue;
      }
      if (ty.owner.kind !== 'interface') throw new Error('foreign type without an interface');
      const iface = this.mapInterface(ty.owner.id, span);
      const name = ty.name as string;
      const found = resolve.interfaces[iface].types.get(name);
      if (found === undefined) fail(unresolved.unknownTypeSpans[id], `type \`${name}\` not defined in interface`);
      this.types.push(found);
    }

    for (const [id, span] of unresolved.requiredResourceTypes) {
      const mapped = this.types[id];
      // A type removed by a feature gate errors wherever it is used, so there is nothing to check here.
      if (mapped === null || mapped === undefined) continue;
      let cur = mapped;
      for (let steps = 0; ; steps++) {
        const kind = resolve.types[cur].kind;
        if (kind.tag === 'resource') break;
        if (kind.tag === 'type' && typeof kind.ty === 'number' && steps <= resolve.types.length) {
          cur = kind.ty;
          continue;
        }
        fail(span, 'type used in a handle must be a resource');
      }
    }
  }

  private updateTypeDef(ty: TypeDef, span: Span): void {
    const k = ty.kind;
    switch (k.tag) {
      case 'handle': k.id = this.mapType(k.id, span); break;
      case 'resource': case 'flags': case 'enum': break;
      case 'record': for (const f of k.fields) f.ty = this.updateTy(f.ty, f.span ?? span); break;
      case 'tuple': k.types = k.types.map((t) => this.updateTy(t, span)); break;
      case 'variant': for (const c of k.cases) if (c.ty !== null) c.ty = this.updateTy(c.ty, c.span ?? span); break;
      case 'option': case 'list': case 'fixed-length-list': k.ty = this.updateTy(k.ty, span); break;
      case 'future': case 'stream': if (k.ty !== null) k.ty = this.updateTy(k.ty, span); break;
      case 'map': k.key = this.updateTy(k.key, span); k.value = this.updateTy(k.value, span); break;
      case 'result':
        if (k.ok !== null) k.ok = this.updateTy(k.ok, span);
        if (k.err !== null) k.err = this.updateTy(k.err, span);
        break;
      // `type a = b` keeps pointing at `b` itself: `a` is then both a resource name and a handle type.
      case 'type': if (typeof k.ty === 'number') k.ty = this.mapType(k.ty, span); break;
      case 'unknown': throw new Error('unknown type after foreign types');
    }
  }

  /** Maps a type reference; a bare reference to a resource becomes an (interned) `own<resource>` handle. */
  private updateTy(ty: Type, span: Span): Type {
    if (typeof ty !== 'number') return ty;
    const id = this.mapType(ty, span);
    const types = this.resolve.types;
    let cur = id;
    for (let steps = 0; steps <= types.length; steps++) {
      const kind = types[cur].kind;
      if (kind.tag === 'type' && typeof kind.ty === 'number') { cur = kind.ty; continue; }
      if (kind.tag !== 'resource') return id;
      let own = this.ownHandles.get(id);
      if (own === undefined) {
        own = types.length;
        types.push({
          name: null, owner: NO_OWNER, kind: { tag: 'handle', handle: 'own', id }, docs: { contents: null },
          stability: UNKNOWN_STABILITY,
        });
        this.ownHandles.set(id, own);
      }
      return own;
    }
    return id;
  }

  private updateInterface(iface: Interface, spans: InterfaceSpan): void {
    const resolve = this.resolve;
    const types = new Map<string, number>();
    for (const [name, ty] of iface.types) {
      if (this.types[ty] !== null) types.set(name, this.mapType(ty, spans.span));
    }
    iface.types = types;
    const pkg = iface.package as number;
    let i = 0;
    for (const func of iface.functions.values()) {
      const span = spans.funcs[i++] ?? spans.span;
      if (!resolve.includeStability(func.stability, pkg, span)) continue;
      this.updateFunction(func, span);
    }
    const functions = new Map<string, Function>();
    for (const [name, func] of iface.functions) {
      if (resolve.includeStability(func.stability, pkg, spans.span)) functions.set(name, func);
    }
    iface.functions = functions;
  }

  private updateFunction(func: Function, span: Span): void {
    if ('id' in func.kind) func.kind.id = this.mapType(func.kind.id, span);
    func.params = func.params.map(([n, t]) => [n, this.updateTy(t, span)]);
    if (func.result !== null) {
      func.result = this.updateTy(func.result, span);
      if (this.typeHasBorrow(func.result)) {
        fail(span, `function \`${func.name}\` returns a type which contains a \`borrow<T>\` which is not supported`);
      }
    }
  }

  private updateWorld(world: World, worldId: number, pkg: number, spans: WorldSpan): void {
    const resolve = this.resolve;
    const itemSpans = new Map<string, Span>();
    this.worldItemSpans.set(worldId, itemSpans);
    const process = (items: WorldItems, spanList: Span[]): WorldItems => {
      const out: WorldItems = new Map();
      let i = 0;
      for (const entry of items.values()) {
        const span = spanList[i++] ?? spans.span;
        const item = entry.item;
        if (item.kind === 'type') item.id = this.mapType(item.id, span);
        if (!resolve.includeStability(resolve.itemStability(item), pkg, span)) continue;
        const key: WorldKey = entry.key.kind === 'interface'
          ? { kind: 'interface', id: this.mapInterface(entry.key.id, span) }
          : entry.key;
        if (item.kind === 'interface') item.id = this.mapInterface(item.id, span);
        else if (item.kind === 'function') this.updateFunction(item.func, span);
        out.set(worldKeyId(key), { key, item });
        itemSpans.set(worldKeyId(key), span);
      }
      return out;
    };
    world.imports = process(world.imports, spans.imports);
    world.exports = process(world.exports, spans.exports);
  }

  private processWorldIncludes(id: number, pkg: number, spans: WorldSpan): void {
    const resolve = this.resolve;
    const world = resolve.worlds[id];
    const includes = world.includes;
    const names = world.includeNames;
    world.includes = [];
    world.includeNames = [];
    includes.forEach((inc, i) => {
      const span = spans.includes[i] ?? spans.span;
      if (!resolve.includeStability(inc.stability, pkg, span)) return;
      this.resolveInclude(id, inc.world, names[i] ?? [], span, pkg);
    });
    this.validateCaseInsensitiveNames(id, spans.span);
  }

  /** Kebab-case names are case-insensitive in the component model, so `foo` and `FOO` may not both appear. */
  private validateCaseInsensitiveNames(id: number, worldSpan: Span): void {
    const world = this.resolve.worlds[id];
    const spans = this.worldItemSpans.get(id);
    const check = (items: WorldItems, what: string): void => {
      const seen = new Map<string, string>();
      for (const { key } of items.values()) {
        if (key.kind !== 'name') continue;
        const lower = key.name.toLowerCase();
        const existing = seen.get(lower);
        if (existing !== undefined && existing !== key.name) {
          fail(spans?.get(worldKeyId(key)) ?? worldSpan,
            `${what} \`${key.name}\` in world \`${world.name}\` conflicts with ${what} \`${existing}\` (kebab-case identifiers are case-insensitive)`);
        }
        seen.set(lower, key.name);
      }
    };
    check(world.imports, 'import');
    check(world.exports, 'export');
  }

  private resolveInclude(id: number, includeOrig: number, names: IncludeName[], span: Span, pkg: number): void {
    const resolve = this.resolve;
    const includeId = this.mapWorld(includeOrig, span);
    const included = resolve.worlds[includeId];
    // Worlds of the package being added get their package id only at the end of `append`, so a world that
    // already has one comes from another package.
    const isExternal = included.package !== null;
    const remaining = [...names];
    for (const { key } of [...included.imports.values(), ...included.exports.values()]) {
      if (key.kind !== 'name') continue;
      for (let i = remaining.length - 1; i >= 0; i--) {
        if (rename(key.name, remaining[i]) !== undefined) remaining.splice(i, 1);
      }
    }
    if (remaining.length > 0) {
      fail(span, `no import or export kebab-name \`${remaining[0].name}\`. Note that an ID does not support renaming`);
    }
    const cloner = new Cloner(resolve, { kind: 'world', id: includeId }, { kind: 'world', id }, pkg);
    const itemSpans = this.worldItemSpans.get(id) ?? new Map<string, Span>();
    this.worldItemSpans.set(id, itemSpans);
    const copy = (entries: WorldEntry[], dst: WorldItems, what: 'import' | 'export'): void => {
      for (const { key, item } of entries) {
        if (key.kind === 'name') {
          let n = key.name;
          for (const r of names) {
            const renamed = rename(key.name, r);
            if (renamed !== undefined) { n = renamed; break; }
          }
          const newKey: WorldKey = { kind: 'name', name: n };
          const newItem = cloner.worldItem(item);
          if (newItem.kind === 'function') newItem.func.name = n;
          else if (newItem.kind === 'type') resolve.types[newItem.id].name = n;
          if (dst.has(worldKeyId(newKey))) fail(span, `${what} of \`${n}\` shadows previously ${what}ed items`);
          dst.set(worldKeyId(newKey), { key: newKey, item: newItem });
          itemSpans.set(worldKeyId(newKey), span);
        } else {
          if (item.kind !== 'interface') throw new Error('non-interface item under an interface key');
          let existing = dst.get(worldKeyId(key));
          if (existing === undefined) {
            existing = { key, item: { kind: 'interface', id: item.id, stability: item.stability } };
            dst.set(worldKeyId(key), existing);
            itemSpans.set(worldKeyId(key), span);
          }
          const into = existing.item as Extract<WorldItem, { kind: 'interface' }>;
          if (isExternal && item.stability.kind === 'stable') {
            into.stability = UNKNOWN_STABILITY;
          } else {
            into.stability = mergeStability(item.stability, into.stability, span);
          }
        }
      }
    };
    // Snapshot first: `included` may be the same object graph the copies are added to.
    const imports = [...included.imports.values()];
    const exports = [...included.exports.values()];
    copy(imports, resolve.worlds[id].imports, 'import');
    copy(exports, resolve.worlds[id].exports, 'export');
  }

  private typeHasBorrow(ty: Type): boolean {
    if (typeof ty !== 'number') return false;
    // Explicit stack instead of recursion so long alias chains cannot overflow the call stack.
    const types = this.resolve.types;
    const memo = this.hasBorrow;
    const children = (id: number): Type[] | boolean => {
      const k = types[id].kind;
      switch (k.tag) {
        case 'type': return [k.ty];
        case 'variant': return k.cases.flatMap((c) => (c.ty === null ? [] : [c.ty]));
        case 'handle': return k.handle === 'borrow';
        case 'resource': case 'flags': case 'enum': case 'unknown': return false;
        case 'record': return k.fields.map((f) => f.ty);
        case 'tuple': return k.types;
        case 'list': case 'fixed-length-list': case 'option': return [k.ty];
        case 'future': case 'stream': return k.ty === null ? false : [k.ty];
        case 'map': return [k.key, k.value];
        case 'result': return [k.ok, k.err].filter((t): t is Type => t !== null);
      }
    };
    const stack: { id: number; kids: number[]; next: number; found: boolean }[] = [];
    const enter = (id: number): boolean | undefined => {
      const known = memo.get(id);
      if (known !== undefined) return known;
      const c = children(id);
      if (typeof c === 'boolean') { memo.set(id, c); return c; }
      stack.push({ id, kids: c.filter((t): t is number => typeof t === 'number'), next: 0, found: false });
      return undefined;
    };
    const first = enter(ty);
    if (first !== undefined) return first;
    let last = false;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (!top.found && top.next < top.kids.length) {
        const r = enter(top.kids[top.next++]);
        if (r === true) top.found = true;
        continue;
      }
      stack.pop();
      memo.set(top.id, top.found);
      last = top.found;
      if (stack.length > 0 && top.found) stack[stack.length - 1].found = true;
    }
    return last;
  }
}

function mergeStability(from: Stability, into: Stability, span: Span): Stability {
  if (stabilityEquals(from, into) || from.kind === 'unknown') return into;
  if (into.kind === 'unknown') return from;
  fail(span, `mismatch in stability from '${describeStability(from)}' to '${describeStability(into)}'`);
}

function describeStability(s: Stability): string {
  switch (s.kind) {
    case 'unknown': return 'Unknown';
    case 'stable': return `Stable { since: ${formatVersion(s.since)} }`;
    case 'unstable': return `Unstable { feature: ${s.feature} }`;
  }
}

/** The new name of `original` under `include … with { name as new }`, including resource function names. */
function rename(original: string, inc: IncludeName): string | undefined {
  if (original === inc.name) return inc.as;
  const close = original.indexOf(']');
  if (close < 0) return undefined;
  const kind = original.slice(0, close);
  const rest = original.slice(close + 1);
  const dot = rest.indexOf('.');
  if (dot >= 0 && rest.slice(0, dot) === inc.name) return `${kind}]${inc.as}.${rest.slice(dot + 1)}`;
  if (rest === inc.name) return `${kind}]${inc.as}`;
  return undefined;
}

/**
 * Deep-copies world items for `include`: types owned by the included world (and anonymous types reaching them)
 * get new ids owned by the including world, and inline interfaces are copied whole.
 */
class Cloner {
  private readonly map = new Map<number, number>();

  constructor(
    private readonly resolve: Resolve,
    private readonly prevOwner: TypeOwner,
    private readonly newOwner: TypeOwner,
    private readonly newPackage: number | undefined,
  ) {}

  worldItem(item: WorldItem): WorldItem {
    switch (item.kind) {
      case 'type': return { kind: 'type', id: this.typeId(item.id) };
      case 'function': return { kind: 'function', func: this.function(item.func) };
      case 'interface': return { kind: 'interface', id: this.interface(item.id), stability: item.stability };
    }
  }

  private typeId(id: number): number {
    const done = this.map.get(id);
    if (done !== undefined) return done;
    const copy = structuredClone(this.resolve.types[id]) as TypeDef;
    this.typeDef(copy);
    const newId = this.resolve.types.length;
    this.resolve.types.push(copy);
    this.map.set(id, newId);
    return newId;
  }

  private ty(t: Type): Type {
    return typeof t === 'number' ? this.typeId(t) : t;
  }

  private typeDef(def: TypeDef): void {
    if (def.owner.kind !== 'none') def.owner = { ...this.newOwner };
    const k = def.kind;
    switch (k.tag) {
      case 'type':
        if (typeof k.ty === 'number' && ownersEqual(this.resolve.types[k.ty].owner, this.prevOwner)) k.ty = this.typeId(k.ty);
        break;
      case 'resource': case 'flags': case 'enum': case 'unknown': break;
      case 'handle': k.id = this.typeId(k.id); break;
      case 'option': case 'list': case 'fixed-length-list': k.ty = this.ty(k.ty); break;
      case 'map': k.key = this.ty(k.key); k.value = this.ty(k.value); break;
      case 'tuple': k.types = k.types.map((t) => this.ty(t)); break;
      case 'record': for (const f of k.fields) f.ty = this.ty(f.ty); break;
      case 'variant': for (const c of k.cases) if (c.ty !== null) c.ty = this.ty(c.ty); break;
      case 'result':
        if (k.ok !== null) k.ok = this.ty(k.ok);
        if (k.err !== null) k.err = this.ty(k.err);
        break;
      case 'future': case 'stream': if (k.ty !== null) k.ty = this.ty(k.ty); break;
    }
  }

  private function(func: Function): Function {
    const copy = structuredClone(func) as Function;
    if ('id' in copy.kind) copy.kind.id = this.typeId(copy.kind.id);
    copy.params = copy.params.map(([n, t]) => [n, this.ty(t)]);
    if (copy.result !== null) copy.result = this.ty(copy.result);
    return copy;
  }

  private interface(id: number): number {
    const resolve = this.resolve;
    const copy = structuredClone(resolve.interfaces[id]) as Interface;
    const nextId = resolve.interfaces.length;
    const inner = new Cloner(resolve, { kind: 'interface', id }, { kind: 'interface', id: nextId }, undefined);
    const types = new Map<string, number>();
    for (const [name, t] of copy.types) types.set(name, inner.typeId(t));
    copy.types = types;
    const functions = new Map<string, Function>();
    for (const [name, f] of copy.functions) functions.set(name, inner.function(f));
    copy.functions = functions;
    copy.package = this.newPackage ?? (this.newOwner.kind === 'world' ? resolve.worlds[this.newOwner.id].package : null);
    resolve.interfaces.push(copy);
    return nextId;
  }
}

