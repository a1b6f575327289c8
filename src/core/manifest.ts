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
  'capabilities', 'activationEvents', 'configuration', '$schema',
]);

/** Collects every problem instead of stopping at the first, so an author fixes them in one go. */
class Problems {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  error(message: string): void { this.errors.push(message); }
  warn(message: string): void { this.warnings.push(message); }
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
    else p.error(`"kind" is ${JSON.stringify(value.kind)}; use one of ${PLUGIN_KINDS.join(', ')}`);
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
    if (!(EDITOR_EVENTS as readonly unknown[]).includes(e)) p.error(`"events" has ${JSON.stringify(e)}; known events are ${EDITOR_EVENTS.join(', ')}`);
    else if (!events.includes(e as EditorEventKind)) events.push(e as EditorEventKind);
  }

  const capabilities: Capability[] = [];
  for (const c of array(p, value.capabilities, 'capabilities', CAPABILITIES.length * 2)) {
    if (!Capability.is(c)) p.error(`"capabilities" has ${JSON.stringify(c)}; known capabilities are ${CAPABILITIES.join(', ')}`);
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
  };
  return { manifest, warnings: p.warnings };
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
  return [...out];
}
