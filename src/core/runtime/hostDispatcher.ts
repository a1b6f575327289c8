// The single entry for every host function a plugin calls, in-process or from its worker: checks the capability
// (manifest request AND user grant, looked up at call time so a revoke takes effect at once), logs refusals, and turns
// unexpected exceptions of a host implementation into `host-error failed` so the guest always gets an answer.

import { Capability, capabilityOfModule } from '../capabilities';
import { describeError } from '../errors';
import { HostApi, hostError, IMPORTS, isHostError, MaybePromise } from './abi';

export interface PermissionCheck {
  /** Whether the plugin may use the capability right now. */
  allows(capability: Capability): boolean;
  /**
   * Asks for a capability that is not granted yet (e.g. a consent prompt on first use); resolves with the decision.
   * Only called for capabilities the manifest requests. Absent: refuse at once.
   */
  request?(capability: Capability): Promise<boolean> | undefined;
}

export interface HostDispatchLog {
  warn(message: string): void;
}

/** What crosses the worker boundary for one host call. */
export type HostReply =
  | { readonly ok: unknown }
  | { readonly err: { readonly tag: string; readonly value: string } };

interface Route {
  readonly capability: Capability | null;
  readonly witInterface: string;
}

const ROUTES = new Map<string, Route>(IMPORTS.map((i) => [i.iface, { capability: capabilityOfModule(i.module) ?? null, witInterface: i.witInterface }]));

export class HostDispatcher {
  private readonly deniedOnce = new Set<string>();

  constructor(
    private readonly pluginId: string,
    private readonly api: HostApi,
    private readonly permissions: PermissionCheck,
    private readonly log: HostDispatchLog,
  ) {}

  /** Calls the host function; throws `hostError(...)` for error results (the bindings lower it as `err`). */
  call(iface: string, fn: string, args: unknown[]): MaybePromise<unknown> {
    const route = ROUTES.get(iface);
    const impl = (this.api as unknown as Record<string, Record<string, ((...a: unknown[]) => unknown) | undefined> | undefined>)[iface]?.[fn];
    if (route === undefined || impl === undefined) throw hostError('failed', `the host has no function ${iface}.${fn}`);
    if (route.capability !== null && !this.permissions.allows(route.capability)) {
      const capability = route.capability;
      const request = this.permissions.request?.(capability);
      if (request === undefined) throw this.denied(capability, route.witInterface, fn);
      // The answer may take a while (a prompt): the guest waits, blocked in its worker.
      return request.then((granted) => {
        if (!granted) throw this.denied(capability, route.witInterface, fn);
        return this.invoke(route, impl, fn, args);
      });
    }
    return this.invoke(route, impl, fn, args);
  }

  private denied(capability: Capability, witInterface: string, fn: string): Error {
    if (!this.deniedOnce.has(capability)) {
      this.deniedOnce.add(capability);
      this.log.warn(`denied ${witInterface}.${fn}: the plugin does not have the "${capability}" permission (request it in the manifest; the user grants it)`);
    }
    return hostError('denied', `permission "${capability}" is not granted to ${this.pluginId}`);
  }

  private invoke(route: Route, impl: (...a: unknown[]) => unknown, fn: string, args: unknown[]): MaybePromise<unknown> {
    let result: unknown;
    try {
      result = impl(...args);
    } catch (e) {
      throw this.failure(route, fn, e);
    }
    if (result instanceof Promise) return result.catch((e: unknown) => { throw this.failure(route, fn, e); });
    return result;
  }

  /** Like `call`, but as a structured-clone/JSON friendly reply for the worker bridge. */
  async reply(iface: string, fn: string, args: unknown[]): Promise<HostReply> {
    try {
      return { ok: await this.call(iface, fn, args) };
    } catch (e) {
      return { err: errorValue(isHostError(e) ? e : this.failure(ROUTES.get(iface), fn, e)) };
    }
  }

  /** Synchronous reply when the implementation answers synchronously; `undefined` when it returned a promise. */
  replySync(iface: string, fn: string, args: unknown[]): HostReply | undefined {
    try {
      const r = this.call(iface, fn, args);
      if (r instanceof Promise) {
        r.catch(() => undefined);
        return undefined;
      }
      return { ok: r };
    } catch (e) {
      return { err: errorValue(isHostError(e) ? e : this.failure(ROUTES.get(iface), fn, e)) };
    }
  }

  private failure(route: Route | undefined, fn: string, e: unknown): Error {
    if (isHostError(e)) return e;
    const what = `${route?.witInterface ?? '?'}.${fn}`;
    this.log.warn(`host function ${what} failed: ${describeError(e)}`);
    return hostError('failed', `${what} failed: ${describeError(e)}`);
  }
}

function errorValue(e: Error): { tag: string; value: string } {
  const cause = (e as unknown as { cause: { tag: string; value: string } }).cause;
  return { tag: cause.tag, value: cause.value };
}
