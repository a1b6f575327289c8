// The resolved WIT model: arenas of types, interfaces, worlds and packages addressed by index, mirroring the
// reference's `Resolve` so that the JSON emitted from it has the same ids and the same order.
import { compareVersions, formatVersion, Version } from './semver';
import { Span } from './witError';

export type Primitive =
  | 'bool' | 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | 'f32' | 'f64' | 'char' | 'string'
  | 'error-context';

/** A primitive, or the index of a `TypeDef`. */
export type Type = Primitive | number;

export interface Docs {
  contents: string | null;
}

export type Stability =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'stable'; readonly since: Version; readonly deprecated: Version | undefined }
  | { readonly kind: 'unstable'; readonly feature: string; readonly deprecated: Version | undefined };

export const UNKNOWN_STABILITY: Stability = { kind: 'unknown' };

export function stabilityEquals(a: Stability, b: Stability): boolean {
  // Printed versions are equal exactly when the versions are, build metadata included.
  const v = (x: Version | undefined): string => (x === undefined ? '' : formatVersion(x));
  if (a.kind === 'stable' && b.kind === 'stable') return v(a.since) === v(b.since) && v(a.deprecated) === v(b.deprecated);
  if (a.kind === 'unstable' && b.kind === 'unstable') return a.feature === b.feature && v(a.deprecated) === v(b.deprecated);
  return a.kind === b.kind;
}

export type TypeOwner =
  | { readonly kind: 'interface'; readonly id: number }
  | { readonly kind: 'world'; readonly id: number }
  | { readonly kind: 'none' };

export const NO_OWNER: TypeOwner = { kind: 'none' };

export function ownersEqual(a: TypeOwner, b: TypeOwner): boolean {
  if (a.kind === 'none' || b.kind === 'none') return a.kind === b.kind;
  return a.kind === b.kind && a.id === b.id;
}

export interface Field { name: string; ty: Type; docs: Docs; span?: Span }
export interface Flag { name: string; docs: Docs }
export interface Case { name: string; ty: Type | null; docs: Docs; span?: Span }
export interface EnumCase { name: string; docs: Docs }

export type TypeDefKind =
  | { tag: 'record'; fields: Field[] }
  | { tag: 'resource' }
  | { tag: 'handle'; handle: 'own' | 'borrow'; id: number }
  | { tag: 'flags'; flags: Flag[] }
  | { tag: 'tuple'; types: Type[] }
  | { tag: 'variant'; cases: Case[] }
  | { tag: 'enum'; cases: EnumCase[] }
  | { tag: 'option'; ty: Type }
  | { tag: 'result'; ok: Type | null; err: Type | null }
  | { tag: 'list'; ty: Type }
  | { tag: 'map'; key: Type; value: Type }
  | { tag: 'fixed-length-list'; ty: Type; size: number }
  | { tag: 'future'; ty: Type | null }
  | { tag: 'stream'; ty: Type | null }
  | { tag: 'type'; ty: Type }
  /** A type `use`d from a package that is not resolved yet; never present in a finished `Resolve`. */
  | { tag: 'unknown' };

export interface TypeDef {
  name: string | null;
  kind: TypeDefKind;
  owner: TypeOwner;
  docs: Docs;
  stability: Stability;
}

export type FunctionKind =
  | { readonly tag: 'freestanding' | 'async-freestanding' }
  | { readonly tag: 'method' | 'async-method' | 'static' | 'async-static' | 'constructor'; id: number };

export interface Function {
  name: string;
  kind: FunctionKind;
  params: [string, Type][];
  result: Type | null;
  docs: Docs;
  stability: Stability;
}

export function functionResource(kind: FunctionKind): number | undefined {
  return 'id' in kind ? kind.id : undefined;
}

export type WorldKey = { readonly kind: 'name'; readonly name: string } | { readonly kind: 'interface'; readonly id: number };

/** A `Map` key for a `WorldKey`; names and interface ids never collide in it even if the JSON names would. */
export function worldKeyId(key: WorldKey): string {
  return key.kind === 'name' ? `n:${key.name}` : `i:${key.id}`;
}

export function worldKeyString(key: WorldKey): string {
  return key.kind === 'name' ? key.name : `interface-${key.id}`;
}

export type WorldItem =
  | { readonly kind: 'interface'; id: number; stability: Stability }
  | { readonly kind: 'function'; func: Function }
  | { readonly kind: 'type'; id: number };

export interface WorldEntry {
  key: WorldKey;
  item: WorldItem;
}

/** Insertion-ordered world imports or exports, keyed by `worldKeyId`. */
export type WorldItems = Map<string, WorldEntry>;

export interface IncludeName { name: string; as: string }

export interface World {
  name: string;
  imports: WorldItems;
  exports: WorldItems;
  package: number | null;
  docs: Docs;
  stability: Stability;
  /** Pending `include`s; emptied once the world is resolved. */
  includes: { stability: Stability; world: number }[];
  includeNames: IncludeName[][];
}

export interface Interface {
  name: string | null;
  types: Map<string, number>;
  functions: Map<string, Function>;
  docs: Docs;
  stability: Stability;
  package: number | null;
}

export interface PackageName {
  readonly namespace: string;
  readonly name: string;
  readonly version: Version | undefined;
}

export function packageNameString(name: PackageName): string {
  return `${name.namespace}:${name.name}${name.version !== undefined ? `@${formatVersion(name.version)}` : ''}`;
}

/** The order of the reference's `BTreeMap<PackageName, _>`: namespace, name, then version (none first). */
export function comparePackageNames(a: PackageName, b: PackageName): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.version === undefined || b.version === undefined) {
    return a.version === b.version ? 0 : a.version === undefined ? -1 : 1;
  }
  return compareVersions(a.version, b.version);
}

export interface Package {
  name: PackageName;
  docs: Docs;
  interfaces: Map<string, number>;
  worlds: Map<string, number>;
}

export function emptyDocs(): Docs {
  return { contents: null };
}
