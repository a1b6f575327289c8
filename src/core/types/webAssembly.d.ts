// The WebAssembly JS API types for a non-DOM build: TypeScript ships them only in lib.dom, which src/core must not
// see. @vscode/wasm-component-model carries a DOM-free copy for exactly this situation.
/// <reference path="../../../node_modules/@vscode/wasm-component-model/typings/webAssemblyNode.d.ts" />
