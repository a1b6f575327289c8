// WASM Plugin Host — AssemblyScript SDK for plugin API 0.1.0 (wit/since-v0.1.0). AssemblyScript 0.28.
//
// A plugin's entry file re-exports the ABI entry points and registers its Plugin subclass:
//
//   import { Plugin, CommandResult, Event, Actions, registerPlugin } from "../../sdk/assemblyscript/wasm_plugin";
//   export * from "../../sdk/assemblyscript/exports";
//   class MyPlugin extends Plugin { runCommand(id: string, args: string, result: CommandResult): void { … } }
//   registerPlugin(new MyPlugin());
//
// Build: npx asc plugin.ts -O3 --runtime incremental --use abort= -o plugin.wasm, then
// `wasm-plugins embed-manifest plugin.wasm plugin.json --kebab-exports` (AssemblyScript cannot spell `run-command`).
//
// Strings are UTF-16 inside AssemblyScript and UTF-8 on the wire: the SDK converts with String.UTF8 (lone surrogates
// become U+FFFD). ABI buffers live outside the GC, allocated with heap.alloc and freed with heap.free: arguments the
// host passes are freed once lifted (the callee owns them), results are freed by the cabi_post_* functions.
// Positions count UTF-16 code units, which is exactly what String#length and indices count here.

// ---- types (interface `types`) --------------------------------------------------------------------------------------

export class Position {
  constructor(public line: u32 = 0, public character: u32 = 0) {}
}

export class Range {
  constructor(public start: Position = new Position(), public end: Position = new Position()) {}
  static of(startLine: u32, startCharacter: u32, endLine: u32, endCharacter: u32): Range {
    return new Range(new Position(startLine, startCharacter), new Position(endLine, endCharacter));
  }
}

export class Selection {
  constructor(public anchor: Position = new Position(), public active: Position = new Position()) {}
}

export class TextEdit {
  constructor(public range: Range, public newText: string) {}
}

export class DocumentInfo {
  uri: string = "";
  languageId: string = "";
  version: u32 = 0;
  lineCount: u32 = 0;
  isDirty: bool = false;
}

export enum LogLevel { Trace = 0, Debug = 1, Info = 2, Warning = 3, Error = 4 }
export enum NotifyLevel { Info = 0, Warning = 1, Error = 2 }
export enum Severity { Error = 0, Warning = 1, Information = 2, Hint = 3 }
export enum StorageScope { Global = 0, Workspace = 1 }
export enum SaveReason { Manual = 0, AfterDelay = 1, FocusOut = 2 }

export class Diagnostic {
  /** `code` null = none. */
  constructor(public range: Range, public severity: Severity, public message: string, public code: string | null = null) {}
}

export class ContentChange {
  constructor(public range: Range, public text: string) {}
}

/** Host-error kinds, plus Ok for success. `Denied` means the capability is not granted. */
export enum Status { Ok = 0, Denied = 1, NotFound = 2, Invalid = 3, TooLarge = 4, Failed = 5 }

const STATUS_NAMES: string[] = ["ok", "denied", "not-found", "invalid", "too-large", "failed"];
export function statusName(s: Status): string {
  return <i32>s >= 0 && <i32>s < 6 ? STATUS_NAMES[<i32>s] : "unknown";
}

/** Result of a host call that returns a value: check `status`, then read `value`. */
export class HostResult<T> {
  constructor(public status: Status, public value: T, public message: string = "") {}
  get ok(): bool { return this.status == Status.Ok; }
}

export enum EventKind {
  DocumentOpened = 0,
  DocumentSaved = 1,
  DocumentWillSave = 2,
  DocumentChanged = 3,
  DocumentClosed = 4,
  ActiveEditorChanged = 5,
  SelectionChanged = 6,
  ConfigurationChanged = 7,
}

const EVENT_NAMES: string[] = [
  "document-opened", "document-saved", "document-will-save", "document-changed",
  "document-closed", "active-editor-changed", "selection-changed", "configuration-changed",
];

/** A lifted `editor-event`: only the fields of its kind are set. */
export class Event {
  kind: EventKind = EventKind.DocumentOpened;
  /** "document-opened", … as in the manifest's "events". */
  kindName: string = "";
  /** opened/saved/will-save/changed/closed; active-editor-changed when some. */
  document: DocumentInfo | null = null;
  reason: SaveReason = SaveReason.Manual;
  /** document-changed, oldest first. */
  changes: ContentChange[] = [];
  /** selection-changed */
  uri: string = "";
  selections: Selection[] = [];
  /** configuration-changed */
  sections: string[] = [];
}

// ---- actions and results --------------------------------------------------------------------------------------------

export enum ActionKind { Notify = 0, InsertText = 1, ApplyEdit = 2, SetStatus = 3, PostToPanel = 4, OpenPanel = 5, SetDiagnostics = 6 }

export class Action {
  kind: ActionKind = ActionKind.Notify;
  level: NotifyLevel = NotifyLevel.Info;
  /** notify message, insert-text / set-status text, open-panel id, post-to-panel JSON */
  text: string = "";
  /** apply-edit / set-diagnostics uri, post-to-panel panel id */
  target: string = "";
  edits: TextEdit[] = [];
  diagnostics: Diagnostic[] = [];
}

/** A list of actions for the host to perform (WIT `list<action>`). */
export class Actions {
  items: Action[] = [];
  private add(kind: ActionKind): Action {
    const a = new Action();
    a.kind = kind;
    this.items.push(a);
    return a;
  }
  notify(level: NotifyLevel, message: string): void { const a = this.add(ActionKind.Notify); a.level = level; a.text = message; }
  /** Replaces every selection of the active editor with this text. */
  insertText(text: string): void { this.add(ActionKind.InsertText).text = text; }
  applyEdit(uri: string, edits: TextEdit[]): void { const a = this.add(ActionKind.ApplyEdit); a.target = uri; a.edits = edits; }
  setStatus(text: string): void { this.add(ActionKind.SetStatus).text = text; }
  /** `message` is JSON text. */
  postToPanel(panelId: string, message: string): void { const a = this.add(ActionKind.PostToPanel); a.target = panelId; a.text = message; }
  openPanel(panelId: string): void { this.add(ActionKind.OpenPanel).text = panelId; }
  setDiagnostics(uri: string, diagnostics: Diagnostic[]): void { const a = this.add(ActionKind.SetDiagnostics); a.target = uri; a.diagnostics = diagnostics; }
  get length(): i32 { return this.items.length; }
}

/** The result of run-command: an optional JSON value plus actions, or an error. */
export class CommandResult {
  value: string | null = null;
  error: string | null = null;
  actions: Actions = new Actions();
  /** JSON text handed back to whoever ran the command. */
  setValue(json: string): void { this.value = json; }
  /** Makes the command fail with this message. */
  fail(message: string): void { this.error = message; }
}

// ---- what a plugin implements ---------------------------------------------------------------------------------------

/** Override what you need and pass an instance to registerPlugin. */
export class Plugin {
  /** Return null on success, or an error message (the plugin then does not run). */
  activate(): string | null { return null; }
  deactivate(): void {}
  /** `args` is JSON text (`null` when the command palette runs it). */
  runCommand(id: string, args: string, result: CommandResult): void { result.fail("unknown command: " + id); }
  handleEvent(event: Event, actions: Actions): void {}
  /** The panel's HTML body; `state` is the JSON the panel last saved (`null` the first time). */
  renderPanel(panelId: string, state: string): string { return ""; }
  panelMessage(panelId: string, message: string, actions: Actions): void {}
}

let registered: Plugin = new Plugin();
export function registerPlugin(plugin: Plugin): void { registered = plugin; }
export function registeredPlugin(): Plugin { return registered; }

// ---- ABI helpers: strings and lists in linear memory ----------------------------------------------------------------

/** Writes `s` as UTF-8 into a fresh heap block; stores (ptr, len) at `dst`. Empty strings allocate nothing. */
export function storeString(dst: usize, s: string): void {
  const n = <usize>String.UTF8.byteLength(s);
  let p: usize = 1;
  if (n > 0) {
    p = heap.alloc(n);
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, p, false, String.UTF8.ErrorMode.REPLACE);
  }
  store<u32>(dst, <u32>p);
  store<u32>(dst, <u32>n, 4);
}

/** Frees the block of a string stored by storeString (or received from the host). */
export function freeString(at: usize): void {
  if (load<u32>(at, 4) != 0) heap.free(<usize>load<u32>(at));
}

/** Decodes a host-written (ptr, len) UTF-8 string and frees its block (we own it). */
export function takeString(ptr: usize, len: usize): string {
  if (len == 0) return "";
  const s = String.UTF8.decodeUnsafe(ptr, len);
  heap.free(ptr);
  return s;
}

/** A block for `count` elements of `size` bytes (a dangling aligned pointer when empty). */
function allocList(count: i32, size: i32): usize {
  if (count == 0) return 4;
  const p = heap.alloc(<usize>(count * size));
  memory.fill(p, 0, <usize>(count * size));
  return p;
}

function freeList(ptr: usize, count: u32): void {
  if (count != 0) heap.free(ptr);
}

function storeRange(at: usize, r: Range): void {
  store<u32>(at, r.start.line);
  store<u32>(at, r.start.character, 4);
  store<u32>(at, r.end.line, 8);
  store<u32>(at, r.end.character, 12);
}

function loadRange(at: usize): Range {
  return Range.of(load<u32>(at), load<u32>(at, 4), load<u32>(at, 8), load<u32>(at, 12));
}

// text-edit: range 0..16, new-text 16/20 → 24 bytes
function storeEdits(dst: usize, edits: TextEdit[]): void {
  const p = allocList(edits.length, 24);
  for (let i = 0; i < edits.length; i++) {
    const e = p + <usize>(i * 24);
    storeRange(e, edits[i].range);
    storeString(e + 16, edits[i].newText);
  }
  store<u32>(dst, <u32>p);
  store<u32>(dst, <u32>edits.length, 4);
}

function freeEdits(at: usize): void {
  const p = <usize>load<u32>(at);
  const n = load<u32>(at, 4);
  for (let i: u32 = 0; i < n; i++) freeString(p + <usize>(i * 24) + 16);
  freeList(p, n);
}

// diagnostic: range 0..16, severity u8 16, message 20/24, code option (u8 28, string 32/36) → 40 bytes
function storeDiagnostics(dst: usize, items: Diagnostic[]): void {
  const p = allocList(items.length, 40);
  for (let i = 0; i < items.length; i++) {
    const d = p + <usize>(i * 40);
    const item = items[i];
    storeRange(d, item.range);
    store<u8>(d, <u8>item.severity, 16);
    storeString(d + 20, item.message);
    const code = item.code;
    if (code !== null) {
      store<u8>(d, 1, 28);
      storeString(d + 32, code);
    }
  }
  store<u32>(dst, <u32>p);
  store<u32>(dst, <u32>items.length, 4);
}

function freeDiagnostics(at: usize): void {
  const p = <usize>load<u32>(at);
  const n = load<u32>(at, 4);
  for (let i: u32 = 0; i < n; i++) {
    const d = p + <usize>(i * 40);
    freeString(d + 20);
    if (load<u8>(d, 28) != 0) freeString(d + 32);
  }
  freeList(p, n);
}

// action variant: u8 case at 0, payload at 4 → 20 bytes
export function storeActions(dst: usize, actions: Actions): void {
  const items = actions.items;
  const p = allocList(items.length, 20);
  for (let i = 0; i < items.length; i++) {
    const at = p + <usize>(i * 20);
    const a = items[i];
    store<u8>(at, <u8>a.kind);
    switch (a.kind) {
      case ActionKind.Notify:
        store<u8>(at, <u8>a.level, 4);
        storeString(at + 8, a.text);
        break;
      case ActionKind.InsertText:
      case ActionKind.SetStatus:
      case ActionKind.OpenPanel:
        storeString(at + 4, a.text);
        break;
      case ActionKind.ApplyEdit:
        storeString(at + 4, a.target);
        storeEdits(at + 12, a.edits);
        break;
      case ActionKind.PostToPanel:
        storeString(at + 4, a.target);
        storeString(at + 12, a.text);
        break;
      case ActionKind.SetDiagnostics:
        storeString(at + 4, a.target);
        storeDiagnostics(at + 12, a.diagnostics);
        break;
    }
  }
  store<u32>(dst, <u32>p);
  store<u32>(dst, <u32>items.length, 4);
}

export function freeActions(at: usize): void {
  const p = <usize>load<u32>(at);
  const n = load<u32>(at, 4);
  for (let i: u32 = 0; i < n; i++) {
    const a = p + <usize>(i * 20);
    switch (<i32>load<u8>(a)) {
      case ActionKind.Notify: freeString(a + 8); break;
      case ActionKind.InsertText:
      case ActionKind.SetStatus:
      case ActionKind.OpenPanel: freeString(a + 4); break;
      case ActionKind.ApplyEdit: freeString(a + 4); freeEdits(a + 12); break;
      case ActionKind.PostToPanel: freeString(a + 4); freeString(a + 12); break;
      case ActionKind.SetDiagnostics: freeString(a + 4); freeDiagnostics(a + 12); break;
    }
  }
  freeList(p, n);
}

/** document-info from its 7 flat values (strings are taken over). */
export function takeDocument(up: u32, un: u32, lp: u32, ln: u32, version: u32, lines: u32, dirty: u32): DocumentInfo {
  const d = new DocumentInfo();
  d.uri = takeString(up, un);
  d.languageId = takeString(lp, ln);
  d.version = version;
  d.lineCount = lines;
  d.isDirty = (dirty & 0xff) != 0;
  return d;
}

function takeSelections(ptr: usize, n: u32): Selection[] {
  const out = new Array<Selection>();
  for (let i: u32 = 0; i < n; i++) {
    const r = loadRange(ptr + <usize>(i * 16));
    out.push(new Selection(r.start, r.end));
  }
  freeList(ptr, n);
  return out;
}

function takeStringList(ptr: usize, n: u32): string[] {
  const out = new Array<string>();
  for (let i: u32 = 0; i < n; i++) {
    const at = ptr + <usize>(i * 8);
    out.push(takeString(load<u32>(at), load<u32>(at, 4)));
  }
  freeList(ptr, n);
  return out;
}

/** Lifts the flattened editor-event (case + 9 joined payload values). */
export function liftEvent(tag: i32, p0: u32, p1: u32, p2: u32, p3: u32, p4: u32, p5: u32, p6: u32, p7: u32, p8: u32): Event {
  const e = new Event();
  e.kind = <EventKind>tag;
  e.kindName = tag >= 0 && tag < 8 ? EVENT_NAMES[tag] : "unknown";
  switch (tag) {
    case EventKind.DocumentOpened:
    case EventKind.DocumentSaved:
    case EventKind.DocumentClosed:
      e.document = takeDocument(p0, p1, p2, p3, p4, p5, p6);
      break;
    case EventKind.DocumentWillSave:
      e.document = takeDocument(p0, p1, p2, p3, p4, p5, p6);
      e.reason = <SaveReason>(p7 & 0xff);
      break;
    case EventKind.DocumentChanged: {
      e.document = takeDocument(p0, p1, p2, p3, p4, p5, p6);
      // content-change: range 0..16, text 16/20 → 24 bytes
      for (let i: u32 = 0; i < p8; i++) {
        const at = <usize>p7 + <usize>(i * 24);
        e.changes.push(new ContentChange(loadRange(at), takeString(load<u32>(at, 16), load<u32>(at, 20))));
      }
      freeList(p7, p8);
      break;
    }
    case EventKind.ActiveEditorChanged:
      if ((p0 & 0xff) != 0) e.document = takeDocument(p1, p2, p3, p4, p5, p6, p7);
      break;
    case EventKind.SelectionChanged:
      e.uri = takeString(p0, p1);
      e.selections = takeSelections(p2, p3);
      break;
    case EventKind.ConfigurationChanged:
      e.sections = takeStringList(p0, p1);
      break;
    default:
      unreachable();   // a newer host API: not this SDK's
  }
  return e;
}

// ---- host imports ---------------------------------------------------------------------------------------------------

@external("wasm-plugin-host:api/log", "write")
declare function _log_write(level: i32, ptr: usize, len: usize): void;
@external("wasm-plugin-host:api/notifications", "show")
declare function _notify(level: i32, ptr: usize, len: usize, ret: usize): void;
@external("wasm-plugin-host:api/status-bar", "set-text")
declare function _set_text(ptr: usize, len: usize, hasTip: i32, tp: usize, tn: usize, ret: usize): void;
@external("wasm-plugin-host:api/editor-read", "active-document")
declare function _active_document(ret: usize): void;
@external("wasm-plugin-host:api/editor-read", "document-text")
declare function _document_text(ptr: usize, len: usize, ret: usize): void;
@external("wasm-plugin-host:api/editor-read", "selections")
declare function _selections(ret: usize): void;
@external("wasm-plugin-host:api/editor-write", "apply-edit")
declare function _apply_edit(up: usize, un: usize, ep: usize, en: usize, ret: usize): void;
@external("wasm-plugin-host:api/diagnostics", "set")
declare function _diagnostics_set(up: usize, un: usize, dp: usize, dn: usize, ret: usize): void;
@external("wasm-plugin-host:api/storage", "get")
declare function _storage_get(scope: i32, ptr: usize, len: usize, ret: usize): void;
@external("wasm-plugin-host:api/storage", "set")
declare function _storage_set(scope: i32, kp: usize, kn: usize, vp: usize, vn: usize, ret: usize): void;
@external("wasm-plugin-host:api/storage", "remove")
declare function _storage_remove(scope: i32, ptr: usize, len: usize, ret: usize): void;
@external("wasm-plugin-host:api/storage", "keys")
declare function _storage_keys(scope: i32, ret: usize): void;
@external("wasm-plugin-host:api/workspace-read", "read-file")
declare function _read_file(ptr: usize, len: usize, ret: usize): void;
@external("wasm-plugin-host:api/workspace-write", "write-file")
declare function _write_file(pp: usize, pn: usize, cp: usize, cn: usize, ret: usize): void;
@external("wasm-plugin-host:api/configuration", "get")
declare function _config_get(ptr: usize, len: usize, ret: usize): void;
@external("wasm-plugin-host:api/panels", "post-message")
declare function _post_message(ip: usize, in_: usize, mp: usize, mn: usize, ret: usize): void;

// Import return area: every result<T, host-error> has its u8 case at 0 and payload at 4 (host-error is a variant whose
// case is the error kind: u8 at 4, its message at 8/12); the largest, result<option<document-info>, host-error>, is 36 bytes.
const IRET: usize = memory.data(40, 8);
// Scratch slots for lowering import arguments: (ptr, len) pairs at 0, 8, 16.
const ARGS: usize = memory.data(24, 8);

let lastMessage: string = "";

/** The host's message of the last failed host call. */
export function lastError(): string { return lastMessage; }

function beginCall(): void {
  memory.fill(IRET, 0, 40);
  lastMessage = "";
}

function status(): Status {
  if (load<u8>(IRET) == 0) return Status.Ok;
  const kind = <i32>load<u8>(IRET, 4);
  lastMessage = takeString(load<u32>(IRET, 8), load<u32>(IRET, 12));
  return <Status>(kind + 1);
}

// Lowers a string argument into slot `slot` of ARGS; returns its pointer (length via argLen).
function arg(slot: i32, s: string): usize {
  storeString(ARGS + <usize>(slot * 8), s);
  return <usize>load<u32>(ARGS + <usize>(slot * 8));
}
function argLen(slot: i32): usize { return <usize>load<u32>(ARGS + <usize>(slot * 8), 4); }
function freeArg(slot: i32): void { freeString(ARGS + <usize>(slot * 8)); }

/** Writes to the plugin's own output channel (no capability needed). */
export function log(level: LogLevel, message: string): void {
  const p = arg(0, message);
  _log_write(level, p, argLen(0));
  freeArg(0);
}

/** notifications.show */
export function notify(level: NotifyLevel, message: string): Status {
  beginCall();
  const p = arg(0, message);
  _notify(level, p, argLen(0), IRET);
  freeArg(0);
  return status();
}

/** status-bar.set-text: empty text hides the item; tooltip null = none. */
export function setStatusText(text: string, tooltip: string | null = null): Status {
  beginCall();
  const p = arg(0, text);
  let tp: usize = 0;
  let tn: usize = 0;
  if (tooltip !== null) {
    tp = arg(1, tooltip);
    tn = argLen(1);
  }
  _set_text(p, argLen(0), tooltip !== null ? 1 : 0, tp, tn, IRET);
  freeArg(0);
  if (tooltip !== null) freeArg(1);
  return status();
}

/** editor-read.active-document: value null when no editor is active. */
export function activeDocument(): HostResult<DocumentInfo | null> {
  beginCall();
  _active_document(IRET);
  const s = status();
  let doc: DocumentInfo | null = null;
  if (s == Status.Ok && load<u8>(IRET, 4) != 0) {
    // option case at 4, document-info at 8: uri 8/12, language-id 16/20, version 24, line-count 28, is-dirty 32
    doc = takeDocument(load<u32>(IRET, 8), load<u32>(IRET, 12), load<u32>(IRET, 16), load<u32>(IRET, 20),
      load<u32>(IRET, 24), load<u32>(IRET, 28), load<u8>(IRET, 32));
  }
  return new HostResult<DocumentInfo | null>(s, doc, lastMessage);
}

function stringResult(s: Status): HostResult<string> {
  const v = s == Status.Ok ? takeString(load<u32>(IRET, 4), load<u32>(IRET, 8)) : "";
  return new HostResult<string>(s, v, lastMessage);
}

function optionStringResult(s: Status): HostResult<string | null> {
  let v: string | null = null;
  if (s == Status.Ok && load<u8>(IRET, 4) != 0) v = takeString(load<u32>(IRET, 8), load<u32>(IRET, 12));
  return new HostResult<string | null>(s, v, lastMessage);
}

/** editor-read.document-text: the full text of an open document. */
export function documentText(uri: string): HostResult<string> {
  beginCall();
  const p = arg(0, uri);
  _document_text(p, argLen(0), IRET);
  freeArg(0);
  return stringResult(status());
}

/** editor-read.selections of the active editor. */
export function selections(): HostResult<Selection[]> {
  beginCall();
  _selections(IRET);
  const s = status();
  const v = s == Status.Ok ? takeSelections(load<u32>(IRET, 4), load<u32>(IRET, 8)) : new Array<Selection>();
  return new HostResult<Selection[]>(s, v, lastMessage);
}

/** editor-write.apply-edit */
export function applyEdit(uri: string, edits: TextEdit[]): Status {
  beginCall();
  const p = arg(0, uri);
  storeEdits(ARGS + 8, edits);
  _apply_edit(p, argLen(0), <usize>load<u32>(ARGS, 8), <usize>load<u32>(ARGS, 12), IRET);
  freeArg(0);
  freeEdits(ARGS + 8);
  return status();
}

/** diagnostics.set: replaces this plugin's diagnostics for a document; an empty list clears them. */
export function setDiagnostics(uri: string, items: Diagnostic[]): Status {
  beginCall();
  const p = arg(0, uri);
  storeDiagnostics(ARGS + 8, items);
  _diagnostics_set(p, argLen(0), <usize>load<u32>(ARGS, 8), <usize>load<u32>(ARGS, 12), IRET);
  freeArg(0);
  freeDiagnostics(ARGS + 8);
  return status();
}

export function storageGet(scope: StorageScope, key: string): HostResult<string | null> {
  beginCall();
  const p = arg(0, key);
  _storage_get(scope, p, argLen(0), IRET);
  freeArg(0);
  return optionStringResult(status());
}

export function storageSet(scope: StorageScope, key: string, value: string): Status {
  beginCall();
  const k = arg(0, key);
  const v = arg(1, value);
  _storage_set(scope, k, argLen(0), v, argLen(1), IRET);
  freeArg(0);
  freeArg(1);
  return status();
}

export function storageRemove(scope: StorageScope, key: string): Status {
  beginCall();
  const p = arg(0, key);
  _storage_remove(scope, p, argLen(0), IRET);
  freeArg(0);
  return status();
}

export function storageKeys(scope: StorageScope): HostResult<string[]> {
  beginCall();
  _storage_keys(scope, IRET);
  const s = status();
  const v = s == Status.Ok ? takeStringList(load<u32>(IRET, 4), load<u32>(IRET, 8)) : new Array<string>();
  return new HostResult<string[]>(s, v, lastMessage);
}

/** workspace-read.read-file: `path` is relative to the first workspace folder. */
export function readFile(path: string): HostResult<string> {
  beginCall();
  const p = arg(0, path);
  _read_file(p, argLen(0), IRET);
  freeArg(0);
  return stringResult(status());
}

/** workspace-write.write-file */
export function writeFile(path: string, contents: string): Status {
  beginCall();
  const p = arg(0, path);
  const c = arg(1, contents);
  _write_file(p, argLen(0), c, argLen(1), IRET);
  freeArg(0);
  freeArg(1);
  return status();
}

/** configuration.get: the setting's value as JSON text, null when unset. */
export function configGet(key: string): HostResult<string | null> {
  beginCall();
  const p = arg(0, key);
  _config_get(p, argLen(0), IRET);
  freeArg(0);
  return optionStringResult(status());
}

/** panels.post-message: sends JSON to one of this plugin's open panels. */
export function postMessage(panelId: string, message: string): Status {
  beginCall();
  const i = arg(0, panelId);
  const m = arg(1, message);
  _post_message(i, argLen(0), m, argLen(1), IRET);
  freeArg(0);
  freeArg(1);
  return status();
}

// ---- JSON and HTML helpers ------------------------------------------------------------------------------------------

const HEX = "0123456789abcdef";

/** `s` as a JSON string literal (quotes included). */
export function jsonString(s: string): string {
  let out = "\"";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c == 0x22) esc = "\\\"";
    else if (c == 0x5c) esc = "\\\\";
    else if (c == 0x0a) esc = "\\n";
    else if (c == 0x0d) esc = "\\r";
    else if (c == 0x09) esc = "\\t";
    else if (c == 0x08) esc = "\\b";
    else if (c == 0x0c) esc = "\\f";
    else if (c < 0x20 || c == 0x7f) esc = "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    if (esc !== null) {
      out += s.substring(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.substring(start) + "\"";
}

/** Escapes text for HTML (`&<>"'`). */
export function htmlEscape(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll("\"", "&quot;").replaceAll("'", "&#39;");
}

function isWs(c: i32): bool { return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d; }

function skipWs(s: string, i: i32): i32 {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

function hex4(s: string, i: i32): i32 {
  if (i + 4 > s.length) return -1;
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = s.charCodeAt(i + k);
    v <<= 4;
    if (c >= 0x30 && c <= 0x39) v |= c - 0x30;
    else if (c >= 0x61 && c <= 0x66) v |= c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) v |= c - 0x41 + 10;
    else return -1;
  }
  return v;
}

// The JSON reader keeps its position here (no tuples in AssemblyScript).
let jsonPos: i32 = 0;

/** Parses a JSON string at `i`; sets jsonPos after it. Returns null when malformed. */
function parseStringAt(s: string, i: i32): string | null {
  if (i >= s.length || s.charCodeAt(i) != 0x22) return null;
  i++;
  let out = "";
  let start = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c == 0x22) {
      jsonPos = i + 1;
      return out + s.substring(start, i);
    }
    if (c != 0x5c) { i++; continue; }
    out += s.substring(start, i);
    if (i + 1 >= s.length) return null;
    const e = s.charCodeAt(i + 1);
    i += 2;
    if (e == 0x22) out += "\"";
    else if (e == 0x5c) out += "\\";
    else if (e == 0x2f) out += "/";
    else if (e == 0x62) out += "\b";
    else if (e == 0x66) out += "\f";
    else if (e == 0x6e) out += "\n";
    else if (e == 0x72) out += "\r";
    else if (e == 0x74) out += "\t";
    else if (e == 0x75) {
      const u = hex4(s, i);
      if (u < 0) return null;
      out += String.fromCharCode(u);   // surrogate pairs arrive as two \u escapes: UTF-16 joins them
      i += 4;
    } else return null;
    start = i;
  }
  return null;
}

function skipValue(s: string, i: i32): i32 {
  i = skipWs(s, i);
  if (i >= s.length) return -1;
  const c = s.charCodeAt(i);
  if (c == 0x22) return parseStringAt(s, i) === null ? -1 : jsonPos;
  if (c == 0x7b || c == 0x5b) {
    let depth = 0;
    while (i < s.length) {
      const d = s.charCodeAt(i);
      if (d == 0x22) {
        if (parseStringAt(s, i) === null) return -1;
        i = jsonPos;
        continue;
      }
      if (d == 0x7b || d == 0x5b) depth++;
      else if (d == 0x7d || d == 0x5d) {
        depth--;
        if (depth == 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  const start = i;
  while (i < s.length) {
    const d = s.charCodeAt(i);
    if (d == 0x2c || d == 0x7d || d == 0x5d || isWs(d)) break;
    i++;
  }
  return i > start ? i : -1;
}

/** Index of the value of top-level member `key` of a JSON object, or -1. */
function member(s: string, key: string): i32 {
  let i = skipWs(s, 0);
  if (i >= s.length || s.charCodeAt(i) != 0x7b) return -1;
  i++;
  while (true) {
    i = skipWs(s, i);
    const name = parseStringAt(s, i);
    if (name === null) return -1;
    i = skipWs(s, jsonPos);
    if (i >= s.length || s.charCodeAt(i) != 0x3a) return -1;
    i = skipWs(s, i + 1);
    if (name == key) return i;
    i = skipValue(s, i);
    if (i < 0) return -1;
    i = skipWs(s, i);
    if (i >= s.length || s.charCodeAt(i) != 0x2c) return -1;
    i++;
  }
  return -1;
}

/** The decoded text if `json` is a JSON string, else null. */
export function jsonParseString(json: string): string | null {
  const v = parseStringAt(json, skipWs(json, 0));
  if (v === null || skipWs(json, jsonPos) != json.length) return null;
  return v;
}

/** The string value of top-level member `key` of a JSON object, else null. */
export function jsonGetString(json: string, key: string): string | null {
  const i = member(json, key);
  return i < 0 ? null : parseStringAt(json, i);
}

/** The integer value of top-level member `key` of a JSON object, else `fallback`. */
export function jsonGetI64(json: string, key: string, fallback: i64 = 0): i64 {
  const i = member(json, key);
  if (i < 0) return fallback;
  const end = skipValue(json, i);
  if (end < 0) return fallback;
  const text = json.substring(i, end);
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (!(c >= 0x30 && c <= 0x39) && !(k == 0 && c == 0x2d)) return fallback;
  }
  return I64.parseInt(text);
}
