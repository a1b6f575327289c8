// VS Code's editor events → the core event router. All eight events of the API are wired here; the router does the
// batching, throttling, ordering and fan-out. Will-save is special: the plugins' edits are handed to VS Code through
// `waitUntil` so they land in the saved file, and the router's deadline keeps the save from waiting on a slow plugin.

import * as vscode from 'vscode';
import type { EventRouter } from '../core/registry/eventRouter';
import type { PluginRegistry } from '../core/registry/registry';
import { Types } from '../core/runtime/abi';
import { contentChanges, documentInfo, saveReason, selection } from './convert';
import type { ActionApplier } from './actionApplier';

/** Documents the plugins are told about: real files and untitled buffers, not output channels or git views. */
function relevant(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled' || doc.uri.scheme === 'vscode-remote' || doc.uri.scheme === 'vscode-userdata';
}

export function wireEditorEvents(router: EventRouter, registry: PluginRegistry, applier: ActionApplier, ready: Promise<void>): vscode.Disposable {
  const E = Types.EditorEvent;
  // Until the first discovery finished nobody is subscribed yet: events of the first moments (a file saved right after
  // the window opened) wait for it, in order, instead of being dropped.
  let isReady = false;
  void ready.then(() => { isReady = true; }, () => { isReady = true; });
  const whenReady = <T>(deliver: () => T): T | Promise<T> => (isReady ? deliver() : ready.then(deliver, deliver));
  const subs: vscode.Disposable[] = [
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (relevant(doc)) { const info = documentInfo(doc); void whenReady(() => router.fire('document-opened', E.DocumentOpened(info), doc.uri.toString())); }
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (relevant(doc)) { const info = documentInfo(doc); void whenReady(() => router.fire('document-saved', E.DocumentSaved(info), doc.uri.toString())); }
    }),
    vscode.workspace.onWillSaveTextDocument((e) => {
      if (!relevant(e.document) || (isReady && registry.subscribers('document-will-save').length === 0)) return;
      const doc = e.document;
      const event = E.DocumentWillSave({ document: documentInfo(doc), reason: saveReason(e.reason) });
      e.waitUntil(Promise.resolve(whenReady(() => router.willSave(event, doc.uri.toString()))).then((answers) =>
        applier.willSaveEdits(doc, answers.map((a) => ({ pluginId: a.plugin.id, actions: a.actions })))));
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (relevant(e.document) && e.contentChanges.length > 0) {
        const info = documentInfo(e.document);
        const changes = contentChanges(e.contentChanges);
        void whenReady(() => router.documentChanged(info, changes));
      }
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (relevant(doc)) { const info = documentInfo(doc); void whenReady(() => router.fire('document-closed', E.DocumentClosed(info), doc.uri.toString())); }
    }),
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      const doc = editor?.document;
      const event = E.ActiveEditorChanged(doc && relevant(doc) ? documentInfo(doc) : undefined);
      void whenReady(() => router.fire('active-editor-changed', event));
    }),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (relevant(e.textEditor.document)) {
        const uri = e.textEditor.document.uri.toString();
        const selections = e.selections.map(selection);
        void whenReady(() => router.selectionChanged(uri, selections));
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      void whenReady(() => router.fire('configuration-changed', (plugin) => {
        const keys = plugin.binary.manifest.configuration.filter((k) => e.affectsConfiguration(k));
        return keys.length > 0 ? E.ConfigurationChanged(keys) : undefined;
      }));
    }),
  ];
  return vscode.Disposable.from(...subs);
}
