// WASM Plugin Host — the AssemblyScript SDK's ABI entry points. Re-export them from the plugin's entry file:
//
//   export * from "../../sdk/assemblyscript/exports";
//
// AssemblyScript cannot spell dashes in export names, so these are camelCase (`runCommand`,
// `cabi_post_runCommand`, …); `wasm-plugins embed-manifest --kebab-exports` renames them to the WIT names.
import {
  Actions, CommandResult, registeredPlugin, storeString, freeString, takeString, storeActions, freeActions, liftEvent,
} from "./wasm_plugin";

// Every entry point ends with a full collection: the garbage of a call never outlives it, so the module's memory
// stays at the size of the live data however many calls the host makes (a few microseconds for a plugin's heap).
function done<T>(value: T): T {
  __collect();
  return value;
}

/** The host allocates argument strings/lists through this (TLSF blocks are 16-byte aligned). */
export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (newSize == 0) {
    if (oldSize != 0) heap.free(old);
    return align;
  }
  if (oldSize == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}

// activate: func() -> result<_, string>   area: u8 case at 0, string at 4/8
const RET_ACTIVATE: usize = memory.data(12, 8);

export function activate(): usize {
  const err = registeredPlugin().activate();
  memory.fill(RET_ACTIVATE, 0, 12);
  if (err !== null) {
    store<u8>(RET_ACTIVATE, 1);
    storeString(RET_ACTIVATE + 4, err);
  }
  return done(RET_ACTIVATE);
}

export function cabi_post_activate(ret: usize): void {
  if (load<u8>(ret) == 1) freeString(ret + 4);
}

export function deactivate(): void {
  registeredPlugin().deactivate();
  __collect();
}

// run-command: func(id: string, args: string) -> result<command-result, string>
// area (24 bytes): u8 case at 0; ok: option<string> (u8 case at 4, string at 8/12), list<action> at 16/20;
// error: string at 4/8.
const RET_RUN: usize = memory.data(24, 8);

export function runCommand(idPtr: usize, idLen: usize, argsPtr: usize, argsLen: usize): usize {
  const id = takeString(idPtr, idLen);
  const args = takeString(argsPtr, argsLen);
  const result = new CommandResult();
  registeredPlugin().runCommand(id, args, result);
  memory.fill(RET_RUN, 0, 24);
  const error = result.error;
  if (error !== null) {
    store<u8>(RET_RUN, 1);
    storeString(RET_RUN + 4, error);
    return done(RET_RUN);
  }
  const value = result.value;
  if (value !== null) {
    store<u8>(RET_RUN, 1, 4);
    storeString(RET_RUN + 8, value);
  }
  storeActions(RET_RUN + 16, result.actions);
  return done(RET_RUN);
}

export function cabi_post_runCommand(ret: usize): void {
  if (load<u8>(ret) == 1) {
    freeString(ret + 4);
    return;
  }
  if (load<u8>(ret, 4) == 1) freeString(ret + 8);
  freeActions(ret + 16);
}

// handle-event: func(event: editor-event) -> list<action>; the variant flattens to its case + 9 i32 values.
const RET_EVENT: usize = memory.data(8, 8);

export function handleEvent(tag: i32, p0: u32, p1: u32, p2: u32, p3: u32, p4: u32, p5: u32, p6: u32, p7: u32, p8: u32): usize {
  const event = liftEvent(tag, p0, p1, p2, p3, p4, p5, p6, p7, p8);
  const actions = new Actions();
  registeredPlugin().handleEvent(event, actions);
  storeActions(RET_EVENT, actions);
  return done(RET_EVENT);
}

export function cabi_post_handleEvent(ret: usize): void {
  freeActions(ret);
}

// render-panel: func(panel-id: string, state: string) -> string
const RET_RENDER: usize = memory.data(8, 8);

export function renderPanel(idPtr: usize, idLen: usize, statePtr: usize, stateLen: usize): usize {
  const id = takeString(idPtr, idLen);
  const state = takeString(statePtr, stateLen);
  storeString(RET_RENDER, registeredPlugin().renderPanel(id, state));
  return done(RET_RENDER);
}

export function cabi_post_renderPanel(ret: usize): void {
  freeString(ret);
}

// panel-message: func(panel-id: string, message: string) -> list<action>
const RET_PANEL: usize = memory.data(8, 8);

export function panelMessage(idPtr: usize, idLen: usize, msgPtr: usize, msgLen: usize): usize {
  const id = takeString(idPtr, idLen);
  const message = takeString(msgPtr, msgLen);
  const actions = new Actions();
  registeredPlugin().panelMessage(id, message, actions);
  storeActions(RET_PANEL, actions);
  return done(RET_PANEL);
}

export function cabi_post_panelMessage(ret: usize): void {
  freeActions(ret);
}
