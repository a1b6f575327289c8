// The static manifest every plugin carries inside its binary, in the custom section `wasm-plugin-host:manifest`
// (UTF-8 JSON). Discovery reads it without compiling or instantiating anything. This module validates it strictly:
// whatever a manifest says ends up in the command palette, in file names and in prompts, so ids are kebab-case,
// every string is capped, nothing can smuggle a path, and unknown fields are reported.

import { Capability, CAPABILITIES } from './capabilities';
import { PluginError } from './errors';

export const MANIFEST_SECTION = 'wasm-plugin-host:manifest';
export const MAX_MANIFEST_BYTES = 64 * 1024;
export const SUPPORTED_API_VERSIONS = ['0.1.0'] as const;
export const CURRENT_API_VERSION = '0.1.0';

export const EDITOR_EVENTS = [
  'document-opened',
  'document-saved',
  'document-will-save',
  'document-changed',
  'document-closed',
  'active-editor-changed',
  'selection-changed',
  'configuration-changed',
] as const;
export type EditorEventKind = (typeof EDITOR_EVENTS)[number];

export const PLUGIN_KINDS = ['component', 'wasi-command', 'language-server'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

export interface CommandContribution {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
}

export interface PanelContribution {
  readonly id: string;
  readonly title: string;
}

/** Where a wasi-command's stdin comes from: nothing (EOF at once), the active editor's text, or the terminal. */
export const WASI_STDIN = ['none', 'active-document', 'terminal'] as const;
export type WasiStdin = (typeof WASI_STDIN)[number];
/** Where its stdout/stderr go: the plugin's output channel, a terminal, or one notification when it ends. */
export const WASI_OUTPUT = ['output', 'terminal', 'notification'] as const;
export type WasiOutput = (typeof WASI_OUTPUT)[number];
/**
 * Variables a WASI argument may contain; the host replaces them with guest paths (as the program sees them through its
 * preopened directories), so they need the "workspace-read" capability.
 */
export const WASI_ARG_VARIABLES = ['${file}', '${workspaceFolder}'] as const;

/** How one run of a wasi-command is set up. */
export interface WasiRun {
  /** argv[1..]; argv[0] is the plugin id. */
  readonly args: readonly string[];
  readonly stdin: WasiStdin;
  readonly output: WasiOutput;
}

/** `wasi` of a wasi-command: the defaults for every command, and per-command overrides keyed by command id. */
export interface WasiCommandOptions extends WasiRun {
  readonly commands: Readonly<Record<string, Partial<WasiRun>>>;
}

/** One entry of a language server's document selector (VS Code's DocumentFilter): at least one field is set. */
export interface DocumentFilter {
  readonly language?: string;
  readonly scheme?: string;
  /** A glob pattern in VS Code's syntax, matched against the document's path. */
  readonly pattern?: string;
}

/** `languageServer` of a language-server plugin. */
export interface LanguageServerOptions {
  readonly documentSelector: readonly DocumentFilter[];
  /** argv[1..] of the server process. */
  readonly args: readonly string[];
}

export interface PluginManifest {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly kind: PluginKind;
  readonly description?: string;
  readonly publisher?: string;
  readonly commands: readonly CommandContribution[];
  readonly panels: readonly PanelContribution[];
  readonly events: readonly EditorEventKind[];
  readonly capabilities: readonly Capability[];
  /** `onStartup`, `onCommand:<id>`, `onPanel:<id>`, `onEvent:<kind>`, `onLanguage:<languageId>`. */
  readonly activationEvents: readonly string[];
  /** Setting keys (e.g. `editor.tabSize`) whose changes reach the `configuration-changed` hook. */
  readonly configuration: readonly string[];
  /** kind `wasi-command` only (always set for it, with defaults). */
  readonly wasi?: WasiCommandOptions;
  /** kind `language-server` only (required for it). */
  readonly languageServer?: LanguageServerOptions;
}

export interface ParsedManifest {
  readonly manifest: PluginManifest;
  /** Problems that do not stop the plugin, e.g. unknown fields (reported in the plugin's log). */
  readonly warnings: readonly string[];
}

export const LIMITS = {
  id: 64,
  name: 80,
  version: 32,
  title: 100,
  description: 500,
  commands: 100,
  panels: 20,
  activationEvents: 100,
  configuration: 50,
  settingKey: 200,
  wasiArgs: 50,
  wasiArg: 1000,
  documentSelector: 20,
  pattern: 200,
} as const;

const ID_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const VERSION_PATTERN = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
// Titles and descriptions are shown in the UI: no control characters (they can fake new lines or hide text).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const SETTING_KEY_PATTERN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const LANGUAGE_ID_PATTERN = /^[A-Za-z0-9_.+#-]{1,64}$/;

const KNOWN_FIELDS = new Set([
  'id', 'name', 'version', 'apiVersion', 'kind', 'description', 'publisher', 'commands', 'panels', 'events',
  'capabilities', 'activationEvents', 'configuration', 'wasi', 'languageServer', '$schema',
]);

const SCHEME_PATTERN = /^[a-z][a-z0-9+.-]{0,31}$/;
const WASI_KINDS: readonly PluginKind[] = ['wasi-command', 'language-server'];
/** What a WASI program can use: files of the workspace through its preopens, and document text (stdin, LSP). */
const WASI_CAPABILITIES: readonly Capability[] = ['workspace-read', 'workspace-write', 'editor-read'];

/** Collects every problem instead of stopping at the first, so an author fixes them in one go. */
class Problems {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  error(message: string): void { this.errors.push(message); }
  warn(message: string): void { this.warnings.push(message); }
}

/**
 * A value from the manifest, for a message. Never recurses: JSON.stringify of a value nested a few thousand levels
 * deep (which fits in a 64 KiB manifest) overflows the stack (found by the fuzzer, test/fuzz).
 */
function shown(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'string' && value.length > 40) return JSON.stringify(value.slice(0, 40) + '…');
  return JSON.stringify(value) ?? String(value);
}

function str(p: Problems, value: unknown, field: string, max: number, opts: { required: boolean; pattern?: RegExp; hint?: string }): string | undefined {
  if (value === undefined) {
    if (opts.required) p.error(`"${field}" is missing`);
    return undefined;
  }
  if (typeof value !== 'string') { p.error(`"${field}" must be a string`); return undefined; }
  if (value.length === 0 && opts.required) { p.error(`"${field}" must not be empty`); return undefined; }
  if (value.length > max) { p.error(`"${field}" is ${value.length} characters long; the limit is ${max}`); return undefined; }
  if (opts.pattern && !opts.pattern.test(value)) {
    p.error(`"${field}" is ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}; ${opts.hint ?? 'it has characters that are not allowed'}`);
    return undefined;
  }
  if (!opts.pattern && CONTROL_CHARS.test(value)) { p.error(`"${field}" contains control characters`); return undefined; }
  return value;
}

const ID_HINT = 'ids are kebab-case: lowercase letters, digits and single dashes, starting with a letter (like "word-count")';

function array(p: Problems, value: unknown, field: string, max: number): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) { p.error(`"${field}" must be an array`); return []; }
  if (value.length > max) { p.error(`"${field}" has ${value.length} entries; the limit is ${max}`); return []; }
  return value;
}

function unknownFields(p: Problems, obj: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) p.warn(`unknown field "${key}" in ${where} is ignored`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function uniqueIds<T extends { id: string }>(p: Problems, items: T[], field: string): T[] {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) p.error(`"${field}" lists "${item.id}" twice`);
    seen.add(item.id);
  }
  return items;
}

/**
 * Validates a manifest object. `label` names the plugin in messages until its id is known (usually the file name).
 * Throws PluginError('manifest-invalid' | 'api-version').
 */
export function validateManifest(value: unknown, label: string): ParsedManifest {
  const p = new Problems();
  if (!isRecord(value)) {
    throw new PluginError('manifest-invalid', label, `The manifest of ${label} is not a JSON object. Rebuild the plugin with a manifest (see README, "Build a plugin").`);
  }
  for (const key of Object.keys(value)) if (!KNOWN_FIELDS.has(key)) p.warn(`unknown field "${key}" in the manifest is ignored`);

  const id = str(p, value.id, 'id', LIMITS.id, { required: true, pattern: ID_PATTERN, hint: ID_HINT });
  const name = str(p, value.name, 'name', LIMITS.name, { required: true });
  const version = str(p, value.version, 'version', LIMITS.version, { required: true, pattern: VERSION_PATTERN, hint: 'use a semantic version like "1.2.3"' });
  const apiVersion = str(p, value.apiVersion, 'apiVersion', LIMITS.version, { required: true, pattern: VERSION_PATTERN, hint: `use "${CURRENT_API_VERSION}"` });
  const description = str(p, value.description, 'description', LIMITS.description, { required: false });
  const publisher = str(p, value.publisher, 'publisher', LIMITS.name, { required: false });
  let kind: PluginKind = 'component';
  if (value.kind !== undefined) {
    if ((PLUGIN_KINDS as readonly unknown[]).includes(value.kind)) kind = value.kind as PluginKind;
    else p.error(`"kind" is ${shown(value.kind)}; use one of ${PLUGIN_KINDS.join(', ')}`);
  }

  const commands = uniqueIds(p, array(p, value.commands, 'commands', LIMITS.commands).flatMap((c, i): CommandContribution[] => {
    const where = `commands[${i}]`;
    if (!isRecord(c)) { p.error(`"${where}" must be an object with "id" and "title"`); return []; }
    unknownFields(p, c, ['id', 'title', 'description'], where);
    const cid = str(p, c.id, `${where}.id`, LIMITS.id, { required: true, pattern: ID_PATTERN, hint: ID_HINT });
    const title = str(p, c.title, `${where}.title`, LIMITS.title, { required: true });
    const desc = str(p, c.description, `${where}.description`, LIMITS.description, { required: false });
    return cid && title ? [{ id: cid, title, ...(desc ? { description: desc } : {}) }] : [];
  }), 'commands');

  const panels = uniqueIds(p, array(p, value.panels, 'panels', LIMITS.panels).flatMap((c, i): PanelContribution[] => {
    const where = `panels[${i}]`;
    if (!isRecord(c)) { p.error(`"${where}" must be an object with "id" and "title"`); return []; }
    unknownFields(p, c, ['id', 'title'], where);
    const pid = str(p, c.id, `${where}.id`, LIMITS.id, { required: true, pattern: ID_PATTERN, hint: ID_HINT });
    const title = str(p, c.title, `${where}.title`, LIMITS.title, { required: true });
    return pid && title ? [{ id: pid, title }] : [];
  }), 'panels');

  const events: EditorEventKind[] = [];
  for (const e of array(p, value.events, 'events', EDITOR_EVENTS.length * 2)) {
    if (!(EDITOR_EVENTS as readonly unknown[]).includes(e)) p.error(`"events" has ${shown(e)}; known events are ${EDITOR_EVENTS.join(', ')}`);
    else if (!events.includes(e as EditorEventKind)) events.push(e as EditorEventKind);
  }

  const capabilities: Capability[] = [];
  for (const c of array(p, value.capabilities, 'capabilities', CAPABILITIES.length * 2)) {
    if (!Capability.is(c)) p.error(`"capabilities" has ${shown(c)}; known capabilities are ${CAPABILITIES.join(', ')}`);
    else if (!capabilities.includes(c)) capabilities.push(c);
  }

  const configuration: string[] = [];
  for (const [i, k] of array(p, value.configuration, 'configuration', LIMITS.configuration).entries()) {
    const key = str(p, k, `configuration[${i}]`, LIMITS.settingKey, { required: true, pattern: SETTING_KEY_PATTERN, hint: 'use a setting key like "editor.tabSize"' });
    if (key) configuration.push(key);
  }

  const activationEvents: string[] = [];
  for (const [i, a] of array(p, value.activationEvents, 'activationEvents', LIMITS.activationEvents).entries()) {
    const ev = str(p, a, `activationEvents[${i}]`, LIMITS.settingKey, { required: true });
    if (ev === undefined) continue;
    const problem = checkActivationEvent(ev, commands, panels);
    if (problem) p.error(`"activationEvents[${i}]" ${problem}`);
    else activationEvents.push(ev);
  }

  const { wasi, languageServer } = validateWasiKinds(p, value, kind, commands, panels, events, configuration, capabilities);

  if (p.errors.length > 0) {
    const who = id ?? label;
    throw new PluginError('manifest-invalid', who,
      `The manifest of ${who} is invalid: ${p.errors.join('; ')}. Fix the plugin's manifest and rebuild it.`);
  }
  if (!(SUPPORTED_API_VERSIONS as readonly string[]).includes(apiVersion!)) {
    throw new PluginError('api-version', id!,
      `${name} (${id}) was built for plugin API ${apiVersion}, but this host supports ${SUPPORTED_API_VERSIONS.join(', ')}. ` +
      `Rebuild the plugin against API ${CURRENT_API_VERSION} or update WASM Plugin Host.`);
  }
  const manifest: PluginManifest = {
    id: id!, name: name!, version: version!, apiVersion: apiVersion!, kind,
    ...(description ? { description } : {}), ...(publisher ? { publisher } : {}),
    commands, panels, events, capabilities, activationEvents, configuration,
    ...(wasi ? { wasi } : {}), ...(languageServer ? { languageServer } : {}),
  };
  return { manifest, warnings: p.warnings };
}

// ---- the WASI kinds: wasi-command and language-server -----------------------------------------------------------

function oneOf<T extends string>(p: Problems, value: unknown, field: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  p.error(`"${field}" is ${shown(value)}; use one of ${allowed.join(', ')}`);
  return undefined;
}

function wasiArgs(p: Problems, value: unknown, field: string, capabilities: readonly Capability[]): string[] | undefined {
  if (value === undefined) return undefined;
  const out: string[] = [];
  for (const [i, a] of array(p, value, field, LIMITS.wasiArgs).entries()) {
    // An empty argument is legitimate (`prog ""`), so `required` only rules out a missing one.
    const arg = typeof a === 'string' && a.length === 0 ? '' : str(p, a, `${field}[${i}]`, LIMITS.wasiArg, { required: true });
    if (arg === undefined) continue;
    for (const m of arg.matchAll(/\$\{[^}]*\}?/g)) {
      if (!(WASI_ARG_VARIABLES as readonly string[]).includes(m[0])) {
        p.error(`"${field}[${i}]" uses ${JSON.stringify(m[0])}; the variables are ${WASI_ARG_VARIABLES.join(', ')}`);
      } else if (!capabilities.includes('workspace-read')) {
        p.error(`"${field}[${i}]" uses ${m[0]}, a path inside the workspace: add "workspace-read" to "capabilities" so the program can see it`);
      }
    }
    out.push(arg);
  }
  return out;
}

function wasiRun(p: Problems, v: Record<string, unknown>, where: string, capabilities: readonly Capability[]): Partial<WasiRun> {
  const args = wasiArgs(p, v.args, `${where}.args`, capabilities);
  const stdin = oneOf(p, v.stdin, `${where}.stdin`, WASI_STDIN);
  const output = oneOf(p, v.output, `${where}.output`, WASI_OUTPUT);
  return { ...(args ? { args } : {}), ...(stdin ? { stdin } : {}), ...(output ? { output } : {}) };
}

function checkWasiRun(p: Problems, run: WasiRun, where: string, capabilities: readonly Capability[]): void {
  if (run.stdin === 'active-document' && !capabilities.includes('editor-read')) {
    p.error(`${where} reads the active document on stdin: add "editor-read" to "capabilities"`);
  }
  if (run.stdin === 'terminal' && run.output !== 'terminal') {
    p.error(`${where} reads stdin from the terminal, so its "output" must be "terminal" too (it is "${run.output}")`);
  }
}

function documentSelector(p: Problems, value: unknown, field: string): DocumentFilter[] {
  if (value === undefined) { p.error(`"${field}" is missing: list the documents the server handles, like [{ "pattern": "**/*.todo" }]`); return []; }
  const entries = array(p, value, field, LIMITS.documentSelector);
  if (Array.isArray(value) && value.length === 0) p.error(`"${field}" is empty: list the documents the server handles, like [{ "language": "ini" }]`);
  return entries.flatMap((f, i): DocumentFilter[] => {
    const where = `${field}[${i}]`;
    if (!isRecord(f)) { p.error(`"${where}" must be an object with "language", "scheme" and/or "pattern"`); return []; }
    unknownFields(p, f, ['language', 'scheme', 'pattern'], where);
    const language = str(p, f.language, `${where}.language`, 64, { required: false, pattern: LANGUAGE_ID_PATTERN, hint: 'use a VS Code language id like "plaintext"' });
    const scheme = str(p, f.scheme, `${where}.scheme`, 32, { required: false, pattern: SCHEME_PATTERN, hint: 'use a URI scheme like "file" or "untitled"' });
    const pattern = str(p, f.pattern, `${where}.pattern`, LIMITS.pattern, { required: false });
    if (pattern !== undefined) {
      const problem = globProblem(pattern);
      if (problem) p.error(`"${where}.pattern" ${problem}`);
    }
    if (f.language === undefined && f.scheme === undefined && f.pattern === undefined) {
      p.error(`"${where}" matches every document: give it a "language", "scheme" or "pattern"`);
      return [];
    }
    return [{ ...(language ? { language } : {}), ...(scheme ? { scheme } : {}), ...(pattern ? { pattern } : {}) }];
  });
}

/** VS Code globs: `*`, `**`, `?`, `{a,b}`, `[a-z]`. Brackets and braces must balance; braces do not nest. */
function globProblem(glob: string): string | undefined {
  if (glob.length === 0) return 'must not be empty';
  let brace = false;
  let bracket = false;
  for (const c of glob) {
    if (bracket) { if (c === ']') bracket = false; continue; }
    if (c === '[') bracket = true;
    else if (c === '{') { if (brace) return `is ${JSON.stringify(glob)}; groups {a,b} cannot nest`; brace = true; }
    else if (c === '}') { if (!brace) return `is ${JSON.stringify(glob)}; it closes a group "}" it never opened`; brace = false; }
  }
  if (brace || bracket) return `is ${JSON.stringify(glob)}; a "${brace ? '{' : '['}" is never closed`;
  return undefined;
}

function validateWasiKinds(
  p: Problems, value: Record<string, unknown>, kind: PluginKind, commands: readonly CommandContribution[],
  panels: readonly PanelContribution[], events: readonly EditorEventKind[], configuration: readonly string[],
  capabilities: readonly Capability[],
): { wasi?: WasiCommandOptions; languageServer?: LanguageServerOptions } {
  if (kind !== 'wasi-command' && value.wasi !== undefined) p.error(`"wasi" is only for plugins of kind "wasi-command" (this one is "${kind}")`);
  if (kind !== 'language-server' && value.languageServer !== undefined) p.error(`"languageServer" is only for plugins of kind "language-server" (this one is "${kind}")`);
  if (!WASI_KINDS.includes(kind)) return {};

  // A WASI program has only _start: nothing can deliver events, panel calls or setting changes to it.
  const program = `a ${kind} plugin is a WASI program, which has no exports to receive them; remove it`;
  if (panels.length > 0) p.error(`"panels" cannot be used: ${program}`);
  if (events.length > 0) p.error(`"events" cannot be used: ${program}`);
  if (configuration.length > 0) p.error(`"configuration" cannot be used: ${program}`);
  for (const c of capabilities) {
    if (!WASI_CAPABILITIES.includes(c)) p.warn(`capability "${c}" does nothing for a ${kind} plugin (a WASI program only reads workspace files and document text); remove it`);
  }
  if (capabilities.includes('workspace-write') && !capabilities.includes('workspace-read')) {
    p.warn('"workspace-write" without "workspace-read" gives a WASI program no files at all (folders are mounted only for reading, or for reading and writing); add "workspace-read"');
  }

  if (kind === 'wasi-command') {
    if (commands.length === 0) p.error('a wasi-command plugin needs at least one entry in "commands": running one is how users start it');
    const w = value.wasi ?? {};
    if (!isRecord(w)) { p.error('"wasi" must be an object like { "args": [], "stdin": "active-document", "output": "output" }'); return {}; }
    unknownFields(p, w, ['args', 'stdin', 'output', 'commands'], 'wasi');
    const defaults: WasiRun = { args: [], stdin: 'none', output: 'output', ...wasiRun(p, w, 'wasi', capabilities) };
    checkWasiRun(p, defaults, '"wasi"', capabilities);
    const overrides: Record<string, Partial<WasiRun>> = {};
    if (w.commands !== undefined) {
      if (!isRecord(w.commands)) p.error('"wasi.commands" must be an object keyed by command id, like { "top-words": { "args": ["--top", "10"] } }');
      else {
        for (const [cid, o] of Object.entries(w.commands)) {
          const where = `wasi.commands.${cid}`;
          if (!commands.some((c) => c.id === cid)) { p.error(`"${where}" names command "${cid}", which "commands" does not declare`); continue; }
          if (!isRecord(o)) { p.error(`"${where}" must be an object with "args", "stdin" and/or "output"`); continue; }
          unknownFields(p, o, ['args', 'stdin', 'output'], where);
          const run = wasiRun(p, o, where, capabilities);
          checkWasiRun(p, { ...defaults, ...run }, `"${where}"`, capabilities);
          overrides[cid] = run;
        }
      }
    }
    return { wasi: { ...defaults, commands: overrides } };
  }

  // language-server
  if (commands.length > 0) p.error('"commands" cannot be used by a language-server plugin: its commands come through the language server protocol; remove them');
  if (!capabilities.includes('editor-read')) p.error('a language-server plugin receives the text of the documents it handles: add "editor-read" to "capabilities"');
  const ls = value.languageServer;
  if (ls === undefined) { p.error('"languageServer" is missing: a language-server plugin needs { "documentSelector": [...] }'); return {}; }
  if (!isRecord(ls)) { p.error('"languageServer" must be an object like { "documentSelector": [{ "pattern": "**/*.todo" }] }'); return {}; }
  unknownFields(p, ls, ['documentSelector', 'args'], 'languageServer');
  const selector = documentSelector(p, ls.documentSelector, 'languageServer.documentSelector');
  const args = wasiArgs(p, ls.args, 'languageServer.args', capabilities) ?? [];
  return { languageServer: { documentSelector: selector, args } };
}

/** How the command `commandId` of a wasi-command runs: the plugin's defaults with the command's overrides. */
export function wasiRunFor(manifest: PluginManifest, commandId: string): WasiRun | undefined {
  if (manifest.kind !== 'wasi-command' || !manifest.commands.some((c) => c.id === commandId)) return undefined;
  const w = manifest.wasi ?? { args: [], stdin: 'none', output: 'output', commands: {} };
  const o = w.commands[commandId] ?? {};
  return { args: o.args ?? w.args, stdin: o.stdin ?? w.stdin, output: o.output ?? w.output };
}

function checkActivationEvent(ev: string, commands: readonly CommandContribution[], panels: readonly PanelContribution[]): string | undefined {
  if (ev === 'onStartup' || ev === '*') return undefined;
  const colon = ev.indexOf(':');
  const [type, arg] = colon < 0 ? [ev, ''] : [ev.slice(0, colon), ev.slice(colon + 1)];
  switch (type) {
    case 'onCommand': return commands.some((c) => c.id === arg) ? undefined : `names command "${arg}", which the manifest does not declare`;
    case 'onPanel': return panels.some((c) => c.id === arg) ? undefined : `names panel "${arg}", which the manifest does not declare`;
    case 'onEvent': return (EDITOR_EVENTS as readonly string[]).includes(arg) ? undefined : `names unknown event "${arg}"`;
    case 'onLanguage': return LANGUAGE_ID_PATTERN.test(arg) ? undefined : `has an invalid language id "${arg}"`;
    default: return `is ${JSON.stringify(ev)}; use onStartup, onCommand:<id>, onPanel:<id>, onEvent:<event> or onLanguage:<language>`;
  }
}

/** Decodes and validates the manifest section payload. */
export function parseManifestSection(payload: Uint8Array, label: string): ParsedManifest {
  if (payload.length > MAX_MANIFEST_BYTES) {
    throw new PluginError('manifest-too-large', label,
      `The manifest of ${label} is ${payload.length} bytes; the limit is ${MAX_MANIFEST_BYTES}. Shorten its descriptions or split the plugin.`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    throw new PluginError('manifest-invalid', label, `The manifest of ${label} is not valid UTF-8. Rebuild the plugin with \`wasm-plugins embed-manifest\`.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PluginError('manifest-invalid', label, `The manifest of ${label} is not valid JSON (${(e as Error).message}). Rebuild the plugin with \`wasm-plugins embed-manifest\`.`);
  }
  return validateManifest(json, label);
}

/** Activation events implied by the contributions, as VS Code does for its own extensions. */
export function effectiveActivationEvents(m: PluginManifest): string[] {
  const out = new Set(m.activationEvents);
  for (const c of m.commands) out.add(`onCommand:${c.id}`);
  for (const c of m.panels) out.add(`onPanel:${c.id}`);
  for (const e of m.events) out.add(`onEvent:${e}`);
  // Pattern- and scheme-only filters have no activation event: the host watches opened documents for them.
  for (const f of m.languageServer?.documentSelector ?? []) if (f.language) out.add(`onLanguage:${f.language}`);
  return [...out];
}
