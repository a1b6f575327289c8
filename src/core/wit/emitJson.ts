// Serialises a `Resolve` into the JSON of `wasm-tools component wit --json`. Key order matches the reference's
// serde output (fields in declaration order, optional `docs`/`stability`/`result` left out when empty) so that the
// printed text, not only the parsed value, is the same.
import {
  Docs, Function, FunctionKind, Stability, Type, TypeDef, TypeDefKind, TypeOwner, WorldItem, WorldItems,
  packageNameString, worldKeyString,
} from './model';
import { Resolve } from './resolve';
import { formatVersion } from './semver';

export type TypeRefJson = string | number;
export interface DocsJson { contents: string | null }
export type StabilityJson =
  | { stable: { since: string; deprecated?: string } }
  | { unstable: { feature: string; deprecated?: string } };

export type FunctionKindJson =
  | 'freestanding' | 'async-freestanding'
  | { method: number } | { 'async-method': number } | { static: number } | { 'async-static': number }
  | { constructor: number };

export interface FunctionJson {
  name: string;
  kind: FunctionKindJson;
  params: { name: string; type: TypeRefJson }[];
  result?: TypeRefJson;
  docs?: DocsJson;
  stability?: StabilityJson;
}

export type WorldItemJson =
  | { interface: { id: number; stability?: StabilityJson } }
  | { function: FunctionJson }
  | { type: number };

export interface WorldJson {
  name: string;
  imports: Record<string, WorldItemJson>;
  exports: Record<string, WorldItemJson>;
  package: number | null;
  docs?: DocsJson;
  stability?: StabilityJson;
}

export interface InterfaceJson {
  name: string | null;
  types: Record<string, number>;
  functions: Record<string, FunctionJson>;
  docs?: DocsJson;
  stability?: StabilityJson;
  package: number | null;
}

export type TypeKindJson =
  | 'resource'
  | { record: { fields: { name: string; type: TypeRefJson; docs?: DocsJson }[] } }
  | { handle: { own: number } | { borrow: number } }
  | { flags: { flags: { name: string; docs?: DocsJson }[] } }
  | { tuple: { types: TypeRefJson[] } }
  | { variant: { cases: { name: string; type: TypeRefJson | null; docs?: DocsJson }[] } }
  | { enum: { cases: { name: string; docs?: DocsJson }[] } }
  | { option: TypeRefJson }
  | { result: { ok: TypeRefJson | null; err: TypeRefJson | null } }
  | { list: TypeRefJson }
  | { map: [TypeRefJson, TypeRefJson] }
  | { 'fixed-length-list': [TypeRefJson, number] }
  | { future: TypeRefJson | null }
  | { stream: TypeRefJson | null }
  | { type: TypeRefJson };

export interface TypeJson {
  name: string | null;
  kind: TypeKindJson;
  owner: { interface: number } | { world: number } | null;
  docs?: DocsJson;
  stability?: StabilityJson;
}

export interface PackageJson {
  name: string;
  docs?: DocsJson;
  interfaces: Record<string, number>;
  worlds: Record<string, number>;
}

/** The resolved-package JSON that `wasm-tools component wit --json` prints and `wit2ts` reads. */
export interface WitJson {
  worlds: WorldJson[];
  interfaces: InterfaceJson[];
  types: TypeJson[];
  packages: PackageJson[];
}

function withDocs<T extends object>(obj: T, docs: Docs): T & { docs?: DocsJson } {
  return docs.contents === null ? obj : { ...obj, docs: { contents: docs.contents } };
}

function withStability<T extends object>(obj: T, s: Stability): T & { stability?: StabilityJson } {
  const json = stabilityJson(s);
  return json === undefined ? obj : { ...obj, stability: json };
}

function stabilityJson(s: Stability): StabilityJson | undefined {
  switch (s.kind) {
    case 'unknown': return undefined;
    case 'stable': {
      const inner: { since: string; deprecated?: string } = { since: formatVersion(s.since) };
      if (s.deprecated !== undefined) inner.deprecated = formatVersion(s.deprecated);
      return { stable: inner };
    }
    case 'unstable': {
      const inner: { feature: string; deprecated?: string } = { feature: s.feature };
      if (s.deprecated !== undefined) inner.deprecated = formatVersion(s.deprecated);
      return { unstable: inner };
    }
  }
}

function ty(t: Type): TypeRefJson {
  return t;
}

function optTy(t: Type | null): TypeRefJson | null {
  return t === null ? null : t;
}

function kindJson(k: TypeDefKind): TypeKindJson {
  switch (k.tag) {
    case 'resource': return 'resource';
    case 'record':
      return { record: { fields: k.fields.map((f) => withDocs({ name: f.name, type: ty(f.ty) }, f.docs)) } };
    case 'handle': return { handle: k.handle === 'own' ? { own: k.id } : { borrow: k.id } };
    case 'flags': return { flags: { flags: k.flags.map((f) => withDocs({ name: f.name }, f.docs)) } };
    case 'tuple': return { tuple: { types: k.types.map(ty) } };
    case 'variant':
      return { variant: { cases: k.cases.map((c) => withDocs({ name: c.name, type: optTy(c.ty) }, c.docs)) } };
    case 'enum': return { enum: { cases: k.cases.map((c) => withDocs({ name: c.name }, c.docs)) } };
    case 'option': return { option: ty(k.ty) };
    case 'result': return { result: { ok: optTy(k.ok), err: optTy(k.err) } };
    case 'list': return { list: ty(k.ty) };
    case 'map': return { map: [ty(k.key), ty(k.value)] };
    case 'fixed-length-list': return { 'fixed-length-list': [ty(k.ty), k.size] };
    case 'future': return { future: optTy(k.ty) };
    case 'stream': return { stream: optTy(k.ty) };
    case 'type': return { type: ty(k.ty) };
    case 'unknown': throw new Error('unresolved type in a resolved package');
  }
}

function ownerJson(o: TypeOwner): TypeJson['owner'] {
  switch (o.kind) {
    case 'interface': return { interface: o.id };
    case 'world': return { world: o.id };
    case 'none': return null;
  }
}

function functionKindJson(k: FunctionKind): FunctionKindJson {
  switch (k.tag) {
    case 'freestanding': case 'async-freestanding': return k.tag;
    case 'method': return { method: k.id };
    case 'async-method': return { 'async-method': k.id };
    case 'static': return { static: k.id };
    case 'async-static': return { 'async-static': k.id };
    case 'constructor': return { constructor: k.id };
  }
}

function functionJson(f: Function): FunctionJson {
  const base: FunctionJson = {
    name: f.name,
    kind: functionKindJson(f.kind),
    params: f.params.map(([name, t]) => ({ name, type: ty(t) })),
  };
  if (f.result !== null) base.result = ty(f.result);
  return withStability(withDocs(base, f.docs), f.stability);
}

function worldItemJson(item: WorldItem): WorldItemJson {
  switch (item.kind) {
    case 'interface': return { interface: withStability({ id: item.id }, item.stability) };
    case 'function': return { function: functionJson(item.func) };
    case 'type': return { type: item.id };
  }
}

function itemsJson(items: WorldItems): Record<string, WorldItemJson> {
  const out: Record<string, WorldItemJson> = {};
  for (const { key, item } of items.values()) out[worldKeyString(key)] = worldItemJson(item);
  return out;
}

function typeJson(t: TypeDef): TypeJson {
  return withStability(withDocs({ name: t.name, kind: kindJson(t.kind), owner: ownerJson(t.owner) }, t.docs), t.stability);
}

export function emitJson(resolve: Resolve): WitJson {
  return {
    worlds: resolve.worlds.map((w) => withStability(withDocs({
      name: w.name,
      imports: itemsJson(w.imports),
      exports: itemsJson(w.exports),
      package: w.package,
    }, w.docs), w.stability)),
    interfaces: resolve.interfaces.map((i) => {
      const base = withStability(withDocs({
        name: i.name,
        types: Object.fromEntries(i.types),
        functions: Object.fromEntries([...i.functions].map(([n, f]) => [n, functionJson(f)])),
      }, i.docs), i.stability);
      return { ...base, package: i.package };
    }),
    types: resolve.types.map(typeJson),
    packages: resolve.packages.map((p) => {
      const base = withDocs({ name: packageNameString(p.name) }, p.docs);
      return { ...base, interfaces: Object.fromEntries(p.interfaces), worlds: Object.fromEntries(p.worlds) };
    }),
  };
}

/** The text `wasm-tools component wit --json` prints: two-space indentation and a trailing newline. */
export function formatWitJson(json: WitJson): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}
