// Actions are what a plugin asks the host to do with its results (notify, edit, set status…). They reach outside the
// plugin exactly like host functions, so they are gated by the same capabilities, and their payloads are checked before
// the host adapter touches VS Code with them: a plugin must not be able to flood the UI or send absurd edits.

import type { Capability } from './capabilities';
import type { PluginManifest } from './manifest';
import type { Action } from './runtime/abi';

export type ActionTag = Action['tag'];

/** The capability each action needs; `null` = none (a plugin may always open its own panels). */
export const ACTION_CAPABILITY: Readonly<Record<ActionTag, Capability | null>> = {
  notify: 'notifications',
  insertText: 'editor-write',
  applyEdit: 'editor-write',
  setStatus: 'status-bar',
  postToPanel: 'panels',
  openPanel: null,
  setDiagnostics: 'diagnostics',
};

export const ACTION_LIMITS = {
  actionsPerResult: 1_000,
  editsPerDocument: 10_000,
  diagnosticsPerDocument: 10_000,
  notificationChars: 2_000,
  statusChars: 200,
  textChars: 10_000_000,
} as const;

export interface RejectedAction {
  readonly tag: string;
  readonly reason: string;
}

export interface CheckedActions {
  readonly accepted: readonly Action[];
  readonly rejected: readonly RejectedAction[];
}

/** Checks capability and payload of every action; keeps the order of the accepted ones. */
export function checkActions(actions: readonly Action[], manifest: PluginManifest, allows: (c: Capability) => boolean): CheckedActions {
  const accepted: Action[] = [];
  const rejected: RejectedAction[] = [];
  if (actions.length > ACTION_LIMITS.actionsPerResult) {
    rejected.push({ tag: '*', reason: `${actions.length} actions in one result; only the first ${ACTION_LIMITS.actionsPerResult} are considered` });
  }
  for (const action of actions.slice(0, ACTION_LIMITS.actionsPerResult)) {
    const tag = action.tag as ActionTag;
    // Own keys only: `in` would take "toString" or "constructor" for actions.
    if (!Object.prototype.hasOwnProperty.call(ACTION_CAPABILITY, tag)) { rejected.push({ tag: String(tag), reason: 'unknown action' }); continue; }
    const capability = ACTION_CAPABILITY[tag];
    if (capability !== null && !allows(capability)) {
      rejected.push({ tag, reason: `needs the "${capability}" permission` });
      continue;
    }
    const problem = payloadProblem(action, manifest);
    if (problem !== undefined) { rejected.push({ tag, reason: problem }); continue; }
    accepted.push(action);
  }
  return { accepted, rejected };
}

/** A URI as VS Code prints one (`file:///…`, `untitled:…`): a scheme first. Whether the document is open is the adapter's check. */
const DOCUMENT_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/;

function payloadProblem(action: Action, manifest: PluginManifest): string | undefined {
  switch (action.tag) {
    case 'notify':
      return action.value.message.length > ACTION_LIMITS.notificationChars ? `notification longer than ${ACTION_LIMITS.notificationChars} characters` : undefined;
    case 'setStatus':
      return action.value.length > ACTION_LIMITS.statusChars ? `status text longer than ${ACTION_LIMITS.statusChars} characters` : undefined;
    case 'insertText':
      return action.value.length > ACTION_LIMITS.textChars ? 'inserted text too large' : undefined;
    case 'applyEdit': {
      if (!DOCUMENT_URI.test(action.value.uri)) return `"${action.value.uri}" is not a document URI`;
      const edits = action.value.edits;
      if (edits.length > ACTION_LIMITS.editsPerDocument) return `${edits.length} edits in one document (limit ${ACTION_LIMITS.editsPerDocument})`;
      for (const e of edits) {
        const { start, end } = e.range;
        if (start.line > end.line || (start.line === end.line && start.character > end.character)) return 'an edit range ends before it starts';
      }
      return undefined;
    }
    case 'setDiagnostics':
      if (!DOCUMENT_URI.test(action.value.uri)) return `"${action.value.uri}" is not a document URI`;
      return action.value.diagnostics.length > ACTION_LIMITS.diagnosticsPerDocument ? 'too many diagnostics for one document' : undefined;
    case 'postToPanel':
    case 'openPanel': {
      const panelId = action.tag === 'openPanel' ? action.value : action.value.panelId;
      return manifest.panels.some((p) => p.id === panelId) ? undefined : `the manifest declares no panel "${panelId}"`;
    }
    default:
      return undefined;
  }
}
