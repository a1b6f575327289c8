// Syntax tree of one WIT file, as produced by `parser.ts`. Names keep their spans so that the resolver can point
// errors at the right place.
import { Span } from './witError';
import { Version } from './semver';

export interface Id {
  readonly name: string;
  readonly span: Span;
}

/** Raw comment texts directly before an item; every comment counts, like in wasm-tools. */
export interface Docs {
  readonly docs: readonly string[];
  readonly span: Span;
}

export type Attribute =
  | { readonly kind: 'since'; readonly span: Span; readonly version: Version }
  | { readonly kind: 'unstable'; readonly span: Span; readonly feature: Id }
  | { readonly kind: 'deprecated'; readonly span: Span; readonly version: Version };

export interface PackageName {
  readonly docs: Docs;
  readonly span: Span;
  readonly namespace: Id;
  readonly name: Id;
  readonly version: { readonly span: Span; readonly version: Version } | undefined;
}

export interface PackageFile {
  readonly packageId: PackageName | undefined;
  readonly declList: DeclList;
}

export interface DeclList {
  items: AstItem[];
}

export type AstItem =
  | { readonly kind: 'interface'; readonly value: Interface }
  | { readonly kind: 'world'; readonly value: World }
  | { readonly kind: 'use'; readonly value: ToplevelUse }
  | { readonly kind: 'package'; readonly value: PackageFile };

export interface ToplevelUse {
  readonly span: Span;
  readonly attributes: readonly Attribute[];
  readonly item: UsePath;
  readonly as: Id | undefined;
}

export type UsePath =
  | { readonly kind: 'id'; readonly id: Id }
  | { readonly kind: 'package'; readonly id: PackageName; readonly name: Id };

export interface World {
  readonly docs: Docs;
  readonly attributes: readonly Attribute[];
  readonly name: Id;
  readonly items: readonly WorldItem[];
}

export type WorldItem =
  | { readonly kind: 'import' | 'export'; readonly docs: Docs; readonly attributes: readonly Attribute[]; readonly extern: ExternKind }
  | { readonly kind: 'use'; readonly use: Use }
  | { readonly kind: 'type'; readonly def: TypeDef }
  | { readonly kind: 'include'; readonly include: Include };

export type ExternKind =
  | { readonly kind: 'interface'; readonly name: Id; readonly items: readonly InterfaceItem[] }
  | { readonly kind: 'path'; readonly path: UsePath }
  | { readonly kind: 'func'; readonly name: Id; readonly func: Func }
  /** `import label: some-interface;` — an interface imported or exported under a plain name. */
  | { readonly kind: 'implements'; readonly name: Id; readonly path: UsePath };

export interface Interface {
  readonly docs: Docs;
  readonly attributes: readonly Attribute[];
  readonly name: Id;
  readonly items: readonly InterfaceItem[];
}

export type InterfaceItem =
  | { readonly kind: 'typedef'; readonly def: TypeDef }
  | { readonly kind: 'func'; readonly func: NamedFunc }
  | { readonly kind: 'use'; readonly use: Use };

export interface Use {
  readonly attributes: readonly Attribute[];
  readonly from: UsePath;
  readonly names: readonly { readonly name: Id; readonly as: Id | undefined }[];
}

export interface Include {
  readonly from: UsePath;
  readonly attributes: readonly Attribute[];
  readonly names: readonly { readonly name: Id; readonly as: Id }[];
}

export interface TypeDef {
  readonly docs: Docs;
  readonly attributes: readonly Attribute[];
  readonly name: Id;
  readonly ty: Type;
}

export type PrimitiveKeyword =
  | 'bool' | 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | 'f32' | 'f64' | 'char' | 'string'
  | 'error-context';

export interface Field { readonly docs: Docs; readonly name: Id; readonly ty: Type }
export interface Flag { readonly docs: Docs; readonly name: Id }
export interface Case { readonly docs: Docs; readonly name: Id; readonly ty: Type | undefined }
export interface EnumCase { readonly docs: Docs; readonly name: Id }

export type Type =
  | { readonly kind: PrimitiveKeyword; readonly span: Span }
  | { readonly kind: 'name'; readonly span: Span; readonly id: Id }
  | { readonly kind: 'list' | 'option'; readonly span: Span; readonly ty: Type }
  | { readonly kind: 'fixed-list'; readonly span: Span; readonly ty: Type; readonly size: number }
  | { readonly kind: 'map'; readonly span: Span; readonly key: Type; readonly value: Type }
  | { readonly kind: 'own' | 'borrow'; readonly span: Span; readonly resource: Id }
  | { readonly kind: 'resource'; readonly span: Span; readonly funcs: readonly ResourceFunc[] }
  | { readonly kind: 'record'; readonly span: Span; readonly fields: readonly Field[] }
  | { readonly kind: 'flags'; readonly span: Span; readonly flags: readonly Flag[] }
  | { readonly kind: 'variant'; readonly span: Span; readonly cases: readonly Case[] }
  | { readonly kind: 'enum'; readonly span: Span; readonly cases: readonly EnumCase[] }
  | { readonly kind: 'tuple'; readonly span: Span; readonly types: readonly Type[] }
  | { readonly kind: 'result'; readonly span: Span; readonly ok: Type | undefined; readonly err: Type | undefined }
  | { readonly kind: 'future' | 'stream'; readonly span: Span; readonly ty: Type | undefined };

export interface ResourceFunc {
  readonly kind: 'method' | 'static' | 'constructor';
  readonly func: NamedFunc;
}

export interface NamedFunc {
  readonly docs: Docs;
  readonly attributes: readonly Attribute[];
  readonly name: Id;
  readonly func: Func;
}

export interface Func {
  readonly span: Span;
  readonly async: boolean;
  readonly params: readonly (readonly [Id, Type])[];
  readonly result: Type | undefined;
}

export function usePathName(path: UsePath): Id {
  return path.kind === 'id' ? path.id : path.name;
}

export function externSpan(kind: ExternKind): Span {
  switch (kind.kind) {
    case 'interface': case 'func': case 'implements': return kind.name.span;
    case 'path': return usePathName(kind.path).span;
  }
}

export type WorldOrInterface = 'world' | 'interface' | 'unknown';

export type PathVisitor = (
  iface: Id | undefined,
  attrs: readonly Attribute[],
  path: UsePath,
  names: Use['names'] | undefined,
  kind: WorldOrInterface,
) => void;

/**
 * Calls `f` for every `use`/`include`/import path in `list`, in the same order as the reference, because that order
 * decides the ids of foreign interfaces.
 */
export function forEachPath(list: DeclList, f: PathVisitor): void {
  for (const item of list.items) {
    switch (item.kind) {
      case 'world': {
        const world = item.value;
        // Imports are visited before exports whatever their textual order, as the reference does.
        const imports: [ExternKind, readonly Attribute[]][] = [];
        const exports: [ExternKind, readonly Attribute[]][] = [];
        for (const wi of world.items) {
          switch (wi.kind) {
            case 'use': f(undefined, wi.use.attributes, wi.use.from, wi.use.names, 'interface'); break;
            case 'include': f(world.name, wi.include.attributes, wi.include.from, undefined, 'world'); break;
            case 'type': break;
            case 'import': imports.push([wi.extern, wi.attributes]); break;
            case 'export': exports.push([wi.extern, wi.attributes]); break;
          }
        }
        const visit = (kind: ExternKind, attrs: readonly Attribute[]): void => {
          switch (kind.kind) {
            case 'interface':
              for (const it of kind.items) {
                if (it.kind === 'use') f(undefined, it.use.attributes, it.use.from, it.use.names, 'interface');
              }
              break;
            case 'path': case 'implements':
              f(undefined, attrs, kind.path, undefined, 'interface');
              break;
            case 'func': break;
          }
        };
        for (const [k, a] of imports) visit(k, a);
        for (const [k, a] of exports) visit(k, a);
        break;
      }
      case 'interface':
        for (const it of item.value.items) {
          if (it.kind === 'use') f(item.value.name, it.use.attributes, it.use.from, it.use.names, 'interface');
        }
        break;
      case 'use':
        f(undefined, item.value.attributes, item.value.item, undefined, 'unknown');
        break;
      case 'package':
        forEachPath(item.value.declList, f);
        break;
    }
  }
}
