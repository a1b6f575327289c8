// An in-memory host for plain-Node tests: every host function of the API, recorded, with storage in a Map, a fake
// active document and workspace files. `delayMs` makes the storage and file functions answer asynchronously, which is
// what the worker bridge must support.

import { HostApi, hostError, MaybePromise } from '../../../src/core/runtime/abi';

export interface RecordedCall {
  readonly iface: string;
  readonly fn: string;
  readonly args: unknown[];
}

export interface FakeDocument {
  uri: string;
  languageId: string;
  version: number;
  text: string;
  selections: { anchor: { line: number; character: number }; active: { line: number; character: number } }[];
}

export interface FakeHostOptions {
  /** Answer storage and workspace functions after this many milliseconds (asynchronously). */
  delayMs?: number;
}

export class FakeHost {
  readonly calls: RecordedCall[] = [];
  readonly storage = new Map<string, string>();
  readonly files = new Map<string, string>();
  readonly settings = new Map<string, unknown>();
  readonly panelMessages: { panelId: string; message: string }[] = [];
  activeDocument: FakeDocument | undefined;

  constructor(private readonly options: FakeHostOptions = {}) {}

  private later<T>(produce: () => T): MaybePromise<T> {
    const delay = this.options.delayMs;
    if (delay === undefined) return produce();
    return new Promise<T>((resolve, reject) => setTimeout(() => {
      try { resolve(produce()); } catch (e) { reject(e); }
    }, delay));
  }

  private record(iface: string, fn: string, args: unknown[]): void {
    this.calls.push({ iface, fn, args });
  }

  callsTo(iface: string, fn?: string): RecordedCall[] {
    return this.calls.filter((c) => c.iface === iface && (fn === undefined || c.fn === fn));
  }

  readonly api: HostApi = {
    log: {
      write: (level, message) => { this.record('log', 'write', [level, message]); },
    },
    notifications: {
      show: (level, message) => { this.record('notifications', 'show', [level, message]); },
    },
    statusBar: {
      setText: (text, tooltip) => { this.record('statusBar', 'setText', [text, tooltip]); },
    },
    editorRead: {
      activeDocument: () => {
        this.record('editorRead', 'activeDocument', []);
        const d = this.activeDocument;
        return d === undefined ? undefined : { uri: d.uri, languageId: d.languageId, version: d.version, lineCount: d.text.split('\n').length, isDirty: false };
      },
      documentText: (uri) => {
        this.record('editorRead', 'documentText', [uri]);
        if (this.activeDocument?.uri !== uri) throw hostError('notFound', `${uri} is not open`);
        return this.activeDocument.text;
      },
      selections: () => {
        this.record('editorRead', 'selections', []);
        return this.activeDocument?.selections ?? [];
      },
    },
    editorWrite: {
      applyEdit: (edit) => { this.record('editorWrite', 'applyEdit', [edit]); },
    },
    diagnostics: {
      set: (uri, items) => { this.record('diagnostics', 'set', [uri, items]); },
    },
    storage: {
      get: (scope, key) => this.later(() => { this.record('storage', 'get', [scope, key]); return this.storage.get(`${scope}/${key}`); }),
      set: (scope, key, value) => this.later(() => { this.record('storage', 'set', [scope, key, value]); this.storage.set(`${scope}/${key}`, value); }),
      remove: (scope, key) => this.later(() => { this.record('storage', 'remove', [scope, key]); this.storage.delete(`${scope}/${key}`); }),
      keys: (scope) => this.later(() => {
        this.record('storage', 'keys', [scope]);
        return [...this.storage.keys()].filter((k) => k.startsWith(`${scope}/`)).map((k) => k.slice(scope.length + 1));
      }),
    },
    workspaceRead: {
      readFile: (path) => this.later(() => {
        this.record('workspaceRead', 'readFile', [path]);
        const text = this.files.get(path);
        if (text === undefined) throw hostError('notFound', `no file ${path}`);
        return text;
      }),
    },
    workspaceWrite: {
      writeFile: (path, contents) => this.later(() => { this.record('workspaceWrite', 'writeFile', [path, contents]); this.files.set(path, contents); }),
    },
    configuration: {
      get: (key) => {
        this.record('configuration', 'get', [key]);
        return this.settings.has(key) ? JSON.stringify(this.settings.get(key)) : undefined;
      },
    },
    panels: {
      postMessage: (panelId, message) => { this.record('panels', 'postMessage', [panelId, message]); this.panelMessages.push({ panelId, message }); },
    },
  };
}
