// The one place that knows the generated bindings of plugin API 0.1.0: which exports and imports exist, their core
// signatures (for the loader's checks), and the TypeScript shapes of the values that cross the boundary. Everything
// else in the core talks in these names. A future API version gets its own generated folder and an adapter that
// forwards to the latest, so real logic exists once.

import * as $wcm from '@vscode/wasm-component-model';
import { plugin, Types } from '../generated/v0_1_0/plugin';
import type { CoreSignature, WorldShape } from './loader';
import { CURRENT_API_VERSION } from '../manifest';

export { plugin, Types };
export type EditorEvent = Types.EditorEvent;
export type Action = Types.Action;
export type CommandResult = Types.CommandResult;
export type HostError = Types.HostError;

/** Host function implementations may answer synchronously or with a promise (served through the worker bridge). */
export type MaybePromise<T> = T | Promise<T>;
type Asyncable<F> = F extends (...args: infer A) => infer R ? (...args: A) => MaybePromise<R> : never;
/** The host side of every import interface; errors are reported by throwing `hostError(...)`. */
export type HostApi = { [I in keyof plugin.Imports]: { [F in keyof plugin.Imports[I]]: Asyncable<plugin.Imports[I][F]> } };
export type HostInterfaceName = keyof plugin.Imports;

/** World exports by their WIT (core export) names, with the JS signatures of the generated bindings. */
export interface WorldExports {
  'activate': () => void;
  'deactivate': () => void;
  'run-command': (id: string, args: string) => CommandResult;
  'handle-event': (event: EditorEvent) => Action[];
  'render-panel': (panelId: string, state: string) => string;
  'panel-message': (panelId: string, message: string) => Action[];
}
export type WorldFunction = keyof WorldExports;

export interface ExportBinding {
  readonly witName: WorldFunction;
  readonly type: $wcm.FunctionType;
}

export const EXPORTS: ReadonlyMap<WorldFunction, ExportBinding> = new Map(
  [...plugin._.exports.functions.values()].map((type) => [type.witName as WorldFunction, { witName: type.witName as WorldFunction, type }]),
);

export interface ImportBinding {
  /** Property name in `plugin.Imports` (camelCase), e.g. `editorRead`. */
  readonly iface: HostInterfaceName;
  /** WIT interface name, e.g. `editor-read`: also the capability that guards it. */
  readonly witInterface: string;
  /** Core import module, e.g. `wasm-plugin-host:api/editor-read`. */
  readonly module: string;
  /** Function property name (camelCase) → binding. */
  readonly functions: ReadonlyMap<string, { readonly witName: string; readonly type: $wcm.FunctionType }>;
}

const PACKAGE = plugin._.id.substring(0, plugin._.id.indexOf('/'));

export const IMPORTS: readonly ImportBinding[] = [...plugin._.imports.interfaces.entries()]
  .filter(([, iface]) => iface.functions !== undefined && iface.functions.size > 0)
  .map(([name, iface]) => ({
    iface: `${name[0].toLowerCase()}${name.substring(1)}` as HostInterfaceName,
    witInterface: iface.witName,
    // Same rule as $wcm.$imports.create: `<package>/<interface>` without the version.
    module: `${PACKAGE}/${iface.witName}`,
    functions: new Map([...iface.functions!.entries()].map(([prop, type]) => [prop, { witName: type.witName, type }])),
  }));

const CODES: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };
function flat(type: $wcm.AnyComponentModelType | undefined): number[] {
  return type === undefined ? [] : type.flatTypes.map((t) => CODES[t.kind]);
}

/** The core signature the canonical ABI gives a function, lowered as an import or lifted as an export. */
export function coreSignature(type: $wcm.FunctionType, direction: 'import' | 'export'): CoreSignature {
  let params = flat(type.paramType);
  if (params.length > $wcm.FunctionType.MAX_FLAT_PARAMS) params = [0x7f];
  let results = flat(type.returnType);
  if (results.length > $wcm.FunctionType.MAX_FLAT_RESULTS) {
    // Imports get a caller-allocated return area as an extra parameter; exports return a pointer to theirs.
    if (direction === 'import') { params = [...params, 0x7f]; results = []; } else results = [0x7f];
  }
  return { params, results };
}

export const WORLD_SHAPE: WorldShape = {
  apiVersion: CURRENT_API_VERSION,
  imports: new Map(IMPORTS.map((i) => [i.module, new Map([...i.functions.values()].map((f) => [f.witName, coreSignature(f.type, 'import')]))])),
  exports: new Map([...EXPORTS.values()].map((e) => [e.witName, coreSignature(e.type, 'export')])),
};

/** Builds the error value a host function throws to make the guest see `err(host-error)`. */
export function hostError(kind: HostError['tag'], message: string): Types.HostError.Error_ {
  return new Types.HostError.Error_(Types.HostError._ctor(kind, message));
}

export function isHostError(value: unknown): value is Types.HostError.Error_ {
  return value instanceof Types.HostError.Error_;
}

/**
 * JSON replacer that turns the bindings' variant/result classes into plain `{ tag, value }` objects, which is what
 * crosses the worker boundary (the bindings lower plain objects just as well: they only read `.tag` and `.value`).
 */
export function plainReplacer(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && '_tag' in value) {
    const v = value as unknown as { tag: unknown; value: unknown };
    return { tag: v.tag, value: v.value };
  }
  return value;
}
