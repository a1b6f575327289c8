// Conversions between VS Code's types and the plugin API's. Positions agree by design (zero-based, UTF-16 columns).

import * as vscode from 'vscode';
import { Types } from '../core/runtime/abi';

const U32_MAX = 0xffff_ffff;
const u32 = (n: number) => Math.max(0, Math.min(U32_MAX, Math.trunc(n)));

export function documentInfo(doc: vscode.TextDocument): Types.DocumentInfo {
  return { uri: doc.uri.toString(), languageId: doc.languageId, version: u32(doc.version), lineCount: u32(doc.lineCount), isDirty: doc.isDirty };
}

export function position(p: vscode.Position): Types.Position {
  return { line: u32(p.line), character: u32(p.character) };
}

export function range(r: vscode.Range): Types.Range {
  return { start: position(r.start), end: position(r.end) };
}

export function selection(s: vscode.Selection): Types.Selection {
  return { anchor: position(s.anchor), active: position(s.active) };
}

export function toRange(r: Types.Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function contentChanges(changes: readonly vscode.TextDocumentContentChangeEvent[]): Types.ContentChange[] {
  return changes.map((c) => ({ range: range(c.range), text: c.text }));
}

export function saveReason(reason: vscode.TextDocumentSaveReason): Types.SaveReason {
  switch (reason) {
    case vscode.TextDocumentSaveReason.AfterDelay: return Types.SaveReason.afterDelay;
    case vscode.TextDocumentSaveReason.FocusOut: return Types.SaveReason.focusOut;
    default: return Types.SaveReason.manual;
  }
}

export function severity(s: Types.Severity): vscode.DiagnosticSeverity {
  switch (s) {
    case Types.Severity.error: return vscode.DiagnosticSeverity.Error;
    case Types.Severity.warning: return vscode.DiagnosticSeverity.Warning;
    case Types.Severity.hint: return vscode.DiagnosticSeverity.Hint;
    default: return vscode.DiagnosticSeverity.Information;
  }
}

export function diagnostic(d: Types.Diagnostic, source: string): vscode.Diagnostic {
  const out = new vscode.Diagnostic(toRange(d.range), d.message, severity(d.severity));
  out.source = source;
  if (d.code !== undefined && d.code !== null && d.code !== '') out.code = d.code;
  return out;
}

/** A plugin's JSON text as a value; text that is not JSON stays the string it is. */
export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Parses a URI a plugin sent; undefined when it is not one. */
export function parseUri(text: string): vscode.Uri | undefined {
  try {
    const uri = vscode.Uri.parse(text, true);
    return uri.scheme ? uri : undefined;
  } catch {
    return undefined;
  }
}
