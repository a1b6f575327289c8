// Every failure a user can cause or see is a PluginError: a machine-readable `reason`, the plugin it concerns, and a
// message that ends with what to do about it. Traps, timeouts, validation failures and errors the guest itself returned
// are distinct reasons, because the host reacts to them differently (restart, report, or just show).

export type PluginErrorReason =
  // loading and validation
  | 'not-found'
  | 'not-wasm'
  | 'truncated'
  | 'component-binary'
  | 'invalid-module'
  | 'manifest-missing'
  | 'manifest-invalid'
  | 'manifest-too-large'
  | 'api-version'
  | 'missing-export'
  | 'unknown-import'
  // running
  | 'trap'
  | 'timeout'
  | 'guest-error'
  | 'crashed'
  | 'result-too-large'
  | 'memory-limit'
  | 'permission-denied'
  | 'rate-limited'
  | 'busy'
  | 'disabled'
  | 'disposed'
  | 'internal';

export class PluginError extends Error {
  constructor(
    readonly reason: PluginErrorReason,
    readonly pluginId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PluginError';
  }

  /** Errors that leave the instance unusable: the next call must start from a fresh instance. */
  get isFatalToInstance(): boolean {
    return this.reason === 'trap' || this.reason === 'timeout' || this.reason === 'crashed' || this.reason === 'memory-limit';
  }

  /** A plain object that survives structured clone (worker → main). */
  toJSON(): SerializedPluginError {
    return { reason: this.reason, pluginId: this.pluginId, message: this.message };
  }

  static fromJSON(value: SerializedPluginError): PluginError {
    return new PluginError(value.reason, value.pluginId, value.message);
  }
}

export interface SerializedPluginError {
  readonly reason: PluginErrorReason;
  readonly pluginId: string;
  readonly message: string;
}

export namespace PluginError {
  export function is(value: unknown): value is PluginError {
    return value instanceof PluginError;
  }

  export function isSerialized(value: unknown): value is SerializedPluginError {
    const c = value as SerializedPluginError | undefined;
    return typeof c === 'object' && c !== null && typeof c.reason === 'string' && typeof c.pluginId === 'string'
      && typeof c.message === 'string';
  }
}

/** Turns whatever a call threw into text for a log line, without assuming it is an Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
