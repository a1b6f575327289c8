// The plugin manager view's page (host side: src/host/sidebar.ts). It renders the manager snapshot as a compact list
// like the Extensions view and posts what the user does through the typed protocol.
//
// Everything a plugin provides (name, description, command titles, error text…) comes from an untrusted binary, so the
// DOM is built with createElement/textContent only — no innerHTML anywhere. Snapshots arrive on every change and once
// a second while metrics move; a row is rebuilt only when something other than its metrics changed (metrics are
// patched in place), and the user's expanded rows, filter text and keyboard focus survive every update. Expanded rows
// and the filter are also kept with setState, because the page is discarded while the view is hidden.

import type { FromSidebar, ManagerSnapshot, MetricsView, PermissionView, PluginStateName, PluginView, RenderedRow, ToSidebar } from './protocol/sidebar';

interface SavedState {
  readonly expanded: readonly string[];
  readonly filter: string;
}

interface VsCodeApi {
  postMessage(message: FromSidebar): void;
  getState(): SavedState | undefined;
  setState(state: SavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: FromSidebar) => vscode.postMessage(message);

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const list = byId<HTMLUListElement>('plugin-list');
const filterInput = byId<HTMLInputElement>('filter');
const clearFilter = byId<HTMLButtonElement>('clear-filter');
const summary = byId<HTMLElement>('summary');
const emptyBox = byId<HTMLElement>('empty');
const noMatch = byId<HTMLElement>('no-match');
const testHooks = byId<HTMLElement>('sidebar-boot').dataset.testHooks === 'true';

const saved = vscode.getState();
const expanded = new Set<string>(Array.isArray(saved?.expanded) ? saved.expanded : []);
filterInput.value = typeof saved?.filter === 'string' ? saved.filter : '';

interface Row {
  el: HTMLLIElement;
  /** Everything the row shows except the metrics values: when it changes, the row is rebuilt. */
  signature: string;
  view: PluginView;
}
const rows = new Map<string, Row>();
let snapshot: ManagerSnapshot | undefined;
let lastRevision = 0;
let uid = 0;

// ---- building DOM safely ----------------------------------------------------------------------------------------------

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined>;

/** createElement with attributes and children; strings become text nodes, so plugin text can never become markup. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const icon = (name: string, extra = '') => h('span', { class: `codicon codicon-${name}${extra ? ` ${extra}` : ''}`, 'aria-hidden': 'true' });

function iconButton(iconName: string, label: string, attrs: Attrs): HTMLButtonElement {
  return h('button', { type: 'button', class: 'icon-button', title: label, 'aria-label': label, ...attrs }, icon(iconName));
}

function textButton(iconName: string, text: string, label: string, attrs: Attrs): HTMLButtonElement {
  return h('button', { type: 'button', class: 'text-button', title: label, 'aria-label': label, ...attrs }, icon(iconName), h('span', {}, text));
}

// ---- presentation ---------------------------------------------------------------------------------------------------------

const STATE_INFO: Record<PluginStateName, { icon: string; label: string; spin?: boolean }> = {
  active: { icon: 'pass-filled', label: 'Active' },
  idle: { icon: 'circle-large-outline', label: 'Idle' },
  starting: { icon: 'loading', label: 'Starting', spin: true },
  disabled: { icon: 'circle-slash', label: 'Disabled' },
  failed: { icon: 'error', label: 'Failed' },
  blocked: { icon: 'workspace-untrusted', label: 'Blocked' },
  shadowed: { icon: 'layers', label: 'Shadowed' },
};

const STATE_HELP: Record<PluginStateName, string> = {
  active: 'Running in its sandbox.',
  idle: 'Installed and enabled; starts on first use.',
  starting: 'Starting…',
  disabled: 'Turned off. Enable it to use its commands, panels and hooks.',
  failed: 'Could not load, or stopped after failing.',
  blocked: 'A workspace plugin in an untrusted workspace.',
  shadowed: 'Another copy with the same id takes precedence.',
};

const SOURCE_HELP: Record<PluginView['source'], string> = {
  bundled: 'Bundled with the extension',
  user: 'Installed in your user plugin folder',
  workspace: 'From this workspace (.vscode/wasm-plugins)',
  path: 'From a folder listed in wasmPlugins.paths',
};

const KIND_ICON: Record<string, string> = { 'component': 'plug', 'wasi-command': 'terminal', 'language-server': 'server-process' };

const DECIDED_BY: Record<PermissionView['decidedBy'], (granted: boolean) => string> = {
  user: (g) => (g ? 'granted by you' : 'denied by you'),
  setting: (g) => (g ? 'granted by setting' : 'denied'),
  bundled: (g) => (g ? 'bundled default' : 'denied'),
  undecided: () => 'asked at first use',
};

/** Whether the plugin's commands and panels can be used now (a controller exists for it). */
const runnable = (p: PluginView) => p.state === 'active' || p.state === 'idle' || p.state === 'starting';

function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
}

function metricValues(m: MetricsView): Record<string, string> {
  return {
    calls: m.calls.toLocaleString('en-US'),
    errors: m.errors.toLocaleString('en-US'),
    p50: formatMs(m.p50Ms),
    p99: formatMs(m.p99Ms),
    memory: m.memoryBytes === null ? '—' : `${(m.memoryBytes / 1048576).toFixed(1)} MB`,
    restarts: m.restarts.toLocaleString('en-US'),
  };
}

const METRIC_LABELS: readonly (readonly [string, string, string])[] = [
  ['calls', 'Calls', 'Calls into the plugin since it started'],
  ['errors', 'Errors', 'Calls that failed'],
  ['p50', 'p50', 'Median call time'],
  ['p99', 'p99', '99th percentile call time'],
  ['memory', 'Memory', 'Linear memory of its instance'],
  ['restarts', 'Restarts', 'Times its sandbox was restarted after a crash'],
];

function signature(p: PluginView): string {
  return JSON.stringify({ ...p, metrics: p.metrics === null ? null : true });
}

// ---- one plugin row -----------------------------------------------------------------------------------------------------

function renderPlugin(p: PluginView): HTMLLIElement {
  const n = ++uid;
  const isOpen = expanded.has(p.key);
  const st = STATE_INFO[p.state];
  const fk = (what: string) => `${p.key}\n${what}`;
  const nameId = `plugin-name-${n}`;
  const detailsId = `plugin-details-${n}`;

  const toggle = h('button', {
    type: 'button', class: 'plugin-toggle', 'data-toggle': '', 'data-focus-key': fk('toggle'),
    'aria-expanded': String(isOpen), 'aria-controls': detailsId,
    'aria-label': `${p.name} ${p.version}, ${st.label}${p.error ? `: ${p.error}` : ''}, ${p.source}`,
  },
  icon(isOpen ? 'chevron-down' : 'chevron-right', 'twistie'),
  h('span', { class: 'plugin-name', id: nameId }, p.name),
  p.version && h('span', { class: 'plugin-version' }, p.version));

  const stateBadge = h('span', { class: `state-badge state-${p.state}`, title: STATE_HELP[p.state] },
    icon(st.icon, st.spin ? 'codicon-modifier-spin' : ''), h('span', {}, st.label));

  const actions = h('div', { class: 'plugin-actions', role: 'group', 'aria-label': `Actions for ${p.name}` });
  // A shadowed or blocked copy does not run; enabling/disabling is by id and belongs to the copy that would run.
  if (p.state !== 'shadowed' && p.state !== 'blocked') {
    actions.append(p.state === 'disabled'
      ? iconButton('play-circle', `Enable ${p.name}`, { 'data-action': 'enable', 'data-focus-key': fk('enable-disable') })
      : iconButton('circle-slash', `Disable ${p.name}`, { 'data-action': 'disable', 'data-focus-key': fk('enable-disable') }));
  }
  actions.append(iconButton('refresh', `Reload ${p.name}`, { 'data-action': 'reload', 'data-focus-key': fk('reload') }));
  actions.append(iconButton('output', `Show Log of ${p.name}`, { 'data-action': 'showLog', 'data-focus-key': fk('log') }));
  if (p.removable) actions.append(iconButton('trash', `Uninstall ${p.name}`, { 'data-action': 'uninstall', 'data-focus-key': fk('uninstall') }));

  const main = h('div', { class: 'plugin-main', 'data-row-click': '' },
    h('span', { class: `plugin-icon kind-${p.kind}`, 'aria-hidden': 'true' }, icon(KIND_ICON[p.kind] ?? 'plug')),
    h('div', { class: 'plugin-body' },
      h('div', { class: 'line line-title' }, toggle, stateBadge),
      p.description && h('div', { class: 'line plugin-description', title: p.description }, p.description),
      h('div', { class: 'line line-meta' },
        h('span', { class: `source-badge source-${p.source}`, title: `${SOURCE_HELP[p.source]}\n${p.file}` }, p.source),
        h('span', { class: 'plugin-id', title: `Plugin id ${p.id}, plugin API ${p.apiVersion || 'unknown'}${p.kind === 'component' ? '' : `, ${p.kind}`}` },
          p.id, h('span', { class: 'plugin-api' }, ` · API ${p.apiVersion || '?'}${p.kind === 'component' ? '' : ` · ${p.kind}`}`)),
        actions),
      p.error && h('div', { class: `plugin-error state-${p.state}` }, icon(p.state === 'failed' ? 'error' : 'warning'), h('span', {}, p.error))));

  const li = h('li', {
    class: `plugin state-${p.state}${isOpen ? ' expanded' : ''}`, 'data-key': p.key, 'data-plugin-id': p.id,
    'data-state': p.state, 'aria-labelledby': nameId,
  }, main, renderDetails(p, detailsId, isOpen, fk));
  return li;
}

function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'detail-section' }, h('h3', {}, title), ...children);
}

function renderDetails(p: PluginView, id: string, isOpen: boolean, fk: (what: string) => string): HTMLElement {
  const details = h('div', { class: 'plugin-details', id, role: 'region', 'aria-label': `Details of ${p.name}` });
  details.hidden = !isOpen;
  const canRun = runnable(p);
  const why = canRun ? '' : p.state === 'disabled' ? 'Enable the plugin first' : `The plugin is ${p.state}`;

  details.append(h('dl', { class: 'facts' },
    h('dt', {}, 'API version'), h('dd', {}, `${p.apiVersion || 'unknown'}${p.kind === 'component' ? '' : ` (${p.kind})`}`),
    h('dt', {}, 'File'), h('dd', { class: 'file', title: `${SOURCE_HELP[p.source]}: ${p.file}` }, p.file)));

  if (p.commands.length > 0) {
    details.append(section('Commands', h('ul', { class: 'item-list' }, ...p.commands.map((c) => h('li', { class: 'item' },
      h('div', { class: 'item-text', title: c.description || c.title }, h('span', { class: 'item-title' }, c.title), c.description && h('span', { class: 'item-detail' }, c.description)),
      textButton('play', 'Run', canRun ? `Run ${c.title} (${p.name})` : `Run ${c.title}: ${why}`, {
        'data-action': 'runCommand', 'data-command-id': c.id, 'data-focus-key': fk(`run:${c.id}`), disabled: !canRun,
      }))))));
  }
  if (p.panels.length > 0) {
    details.append(section('Panels', h('ul', { class: 'item-list' }, ...p.panels.map((panel) => h('li', { class: 'item' },
      h('div', { class: 'item-text' }, h('span', { class: 'item-title' }, panel.title)),
      textButton('window', 'Open', canRun ? `Open panel ${panel.title} (${p.name})` : `Open panel ${panel.title}: ${why}`, {
        'data-action': 'openPanel', 'data-panel-id': panel.id, 'data-focus-key': fk(`open:${panel.id}`), disabled: !canRun,
      }))))));
  }
  if (p.events.length > 0) {
    details.append(section('Events', h('ul', { class: 'chips', 'aria-label': 'Subscribed editor events' }, ...p.events.map((e) => h('li', { class: 'chip' }, e)))));
  }
  if (p.permissions.length > 0) {
    details.append(section('Permissions', h('ul', { class: 'item-list permissions' }, ...p.permissions.map((perm) => {
      const descId = `perm-${++uid}`;
      return h('li', { class: `item permission ${perm.granted ? 'granted' : 'denied'}`, 'data-capability': perm.capability, title: `${perm.title}: ${perm.detail}\n${DECIDED_BY[perm.decidedBy](perm.granted)}.` },
        h('div', { class: 'item-text' },
          h('span', { class: 'item-title' }, perm.title),
          h('span', { class: 'item-detail', id: descId }, DECIDED_BY[perm.decidedBy](perm.granted)),
          h('span', { class: 'visually-hidden' }, `. ${perm.detail}`)),
        h('button', {
          type: 'button', class: 'switch', role: 'switch', 'aria-checked': String(perm.granted), 'aria-describedby': descId,
          'aria-label': `${perm.title} (${perm.capability})`, title: `${perm.granted ? 'Revoke' : 'Grant'} “${perm.title}”`,
          'data-action': 'permission', 'data-capability': perm.capability, 'data-focus-key': fk(`perm:${perm.capability}`),
        }, h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })),
        h('span', { class: 'switch-label', 'aria-hidden': 'true' }, perm.granted ? 'Granted' : 'Denied')));
    }))));
  } else {
    details.append(section('Permissions', h('p', { class: 'muted' }, 'Requests no permissions.')));
  }

  if (p.metrics) {
    const values = metricValues(p.metrics);
    details.append(section('Metrics', h('div', { class: 'metrics' }, ...METRIC_LABELS.map(([key, label, help]) =>
      h('div', { class: 'metric', title: help }, h('span', { class: 'metric-value', 'data-metric': key }, values[key]), h('span', { class: 'metric-label' }, label))))));
  } else {
    details.append(section('Metrics', h('p', { class: 'muted' }, p.kind === 'component'
      ? 'Not started yet: metrics appear after its first call.'
      : 'Runs as a separate process; no call metrics.')));
  }
  return details;
}

function updateMetrics(row: Row, p: PluginView): void {
  if (!p.metrics) return;
  const values = metricValues(p.metrics);
  for (const el of row.el.querySelectorAll<HTMLElement>('[data-metric]')) {
    const v = values[el.dataset.metric ?? ''];
    if (v !== undefined && el.textContent !== v) el.textContent = v;
  }
}

// ---- applying a snapshot ------------------------------------------------------------------------------------------------

function focusedKey(): string | undefined {
  const el = document.activeElement;
  return el instanceof HTMLElement ? el.closest<HTMLElement>('[data-focus-key]')?.dataset.focusKey : undefined;
}

function restoreFocus(key: string | undefined): void {
  if (key === undefined || !document.hasFocus()) return;
  const active = document.activeElement;
  if (active instanceof HTMLElement && active !== document.body && active.isConnected && active.dataset.focusKey === key) return;
  const target = list.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]:not([disabled])`)
    ?? list.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(`${key.split('\n')[0]}\ntoggle`)}"]`);
  if (target) target.focus();
  else if (!active || active === document.body) (visibleToggles()[0] ?? filterInput).focus(); // its plugin is gone
}

function applySnapshot(s: ManagerSnapshot, revision: number): void {
  const keep = focusedKey();
  snapshot = s;
  const seen = new Set<string>();
  let previous: Element | null = null;
  for (const p of s.plugins) {
    seen.add(p.key);
    const sig = signature(p);
    let row = rows.get(p.key);
    if (!row || row.signature !== sig) {
      const el = renderPlugin(p);
      if (row) row.el.replaceWith(el);
      row = { el, signature: sig, view: p };
      rows.set(p.key, row);
    } else {
      updateMetrics(row, p);
      row.view = p;
    }
    const wanted: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
    if (wanted !== row.el) list.insertBefore(row.el, wanted);
    previous = row.el;
  }
  for (const [key, row] of rows) {
    if (seen.has(key)) continue;
    row.el.remove();
    rows.delete(key);
  }
  for (const key of [...expanded]) if (!seen.has(key)) expanded.delete(key);
  applyFilter();
  restoreFocus(keep);
  lastRevision = revision;
  reportRendered();
}

/** The visible rows in the order they are shown. */
function shownRows(): RenderedRow[] {
  const out: RenderedRow[] = [];
  for (const el of list.children) {
    const row = rows.get((el as HTMLElement).dataset.key ?? '');
    if (!row || row.el.hidden) continue;
    out.push({ key: row.view.key, id: row.view.id, state: row.view.state, expanded: expanded.has(row.view.key) });
  }
  return out;
}

// ---- filter, empty states, summary --------------------------------------------------------------------------------------

function matches(p: PluginView, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const hay = `${p.name}\n${p.id}\n${p.state}\n${p.source}`.toLowerCase();
  return terms.every((t) => hay.includes(t));
}

function applyFilter(): void {
  const text = filterInput.value.trim();
  const terms = text.toLowerCase().split(/\s+/).filter(Boolean);
  clearFilter.hidden = filterInput.value === '';
  let shown = 0;
  for (const row of rows.values()) {
    const ok = matches(row.view, terms);
    row.el.hidden = !ok;
    if (ok) shown++;
  }
  const total = rows.size;
  emptyBox.hidden = snapshot === undefined || total > 0;
  if (!emptyBox.hidden && emptyBox.childElementCount === 0) {
    emptyBox.append(
      h('p', {}, icon('plug'), ' No WASM plugins are installed.'),
      h('p', { class: 'muted' }, 'Install a .wasm plugin from a file or a URL, or put one in this workspace\'s .vscode/wasm-plugins folder.'),
      h('div', { class: 'empty-actions' },
        textButton('file-add', 'Install from File…', 'Install a plugin from a file', { 'data-global-action': 'installFromFile', class: 'text-button primary' }),
        textButton('cloud-download', 'Install from URL…', 'Install a plugin from a URL', { 'data-global-action': 'installFromUrl' })));
  }
  noMatch.hidden = total === 0 || shown > 0;
  if (!noMatch.hidden && noMatch.dataset.text !== text) { // rebuilt only when the text changes: keeps focus on its button
    noMatch.dataset.text = text;
    noMatch.replaceChildren(h('p', {}, `No plugin matches “${text}”.`),
      textButton('close', 'Clear Filter', 'Clear the filter', { 'data-global-action': 'clearFilter' }));
  }
  if (snapshot) {
    const parts = [terms.length > 0 ? `${shown} of ${total} shown` : `${total} plugin${total === 1 ? '' : 's'}`, `${snapshot.activeCount} active`];
    if (snapshot.failedCount > 0) parts.push(`${snapshot.failedCount} failed`);
    const line = parts.join(' · ');
    if (summary.textContent !== line) summary.textContent = line;
    summary.hidden = total === 0;
    summary.classList.toggle('has-failures', snapshot.failedCount > 0);
  }
}

function saveState(): void {
  vscode.setState({ expanded: [...expanded], filter: filterInput.value });
}

function setExpanded(key: string, open: boolean): void {
  const row = rows.get(key);
  if (!row) return;
  if (open) expanded.add(key);
  else expanded.delete(key);
  row.el.classList.toggle('expanded', open);
  const toggle = row.el.querySelector<HTMLElement>('[data-toggle]');
  toggle?.setAttribute('aria-expanded', String(open));
  const twistie = toggle?.querySelector('.twistie');
  twistie?.classList.toggle('codicon-chevron-down', open);
  twistie?.classList.toggle('codicon-chevron-right', !open);
  const details = row.el.querySelector<HTMLElement>('.plugin-details');
  if (details) details.hidden = !open;
  saveState();
  reportRendered();
}

/** Tells the extension what the page shows now (after a snapshot, an expand/collapse or a filter change). */
function reportRendered(): void {
  if (snapshot) post({ type: 'rendered', revision: lastRevision, shown: shownRows() });
}

// ---- input ------------------------------------------------------------------------------------------------------------------

function visibleToggles(): HTMLElement[] {
  return [...list.querySelectorAll<HTMLElement>('li.plugin:not([hidden]) [data-toggle]')];
}

function rowOf(el: Element): Row | undefined {
  const key = el.closest<HTMLElement>('li.plugin')?.dataset.key;
  return key === undefined ? undefined : rows.get(key);
}

list.addEventListener('click', (e) => {
  const target = e.target as Element;
  const row = rowOf(target);
  if (!row) return;
  const p = row.view;
  const button = target.closest<HTMLButtonElement>('button[data-action]');
  if (button) {
    if (button.disabled) return;
    const d = button.dataset;
    switch (d.action) {
      case 'enable': post({ type: 'setEnabled', pluginId: p.id, enabled: true }); break;
      case 'disable': post({ type: 'setEnabled', pluginId: p.id, enabled: false }); break;
      case 'reload': post({ type: 'reload', pluginId: p.id }); break;
      case 'showLog': post({ type: 'showLog', pluginId: p.id }); break;
      case 'uninstall': post({ type: 'uninstall', pluginId: p.id }); break;
      case 'runCommand': if (d.commandId) post({ type: 'runCommand', pluginId: p.id, commandId: d.commandId }); break;
      case 'openPanel': if (d.panelId) post({ type: 'openPanel', pluginId: p.id, panelId: d.panelId }); break;
      case 'permission': {
        const perm = p.permissions.find((x) => x.capability === d.capability);
        if (!perm) break;
        // Show the flip at once; the next snapshot confirms it (or puts it back if the change failed).
        button.setAttribute('aria-checked', String(!perm.granted));
        post({ type: 'setPermission', pluginId: p.id, capability: perm.capability, granted: !perm.granted });
        break;
      }
    }
    return;
  }
  // A click on the row itself (not on a control in it) expands or collapses it, like a tree item.
  // (Not on the error text, which the user may be selecting to copy.)
  if (target.closest('[data-toggle]') || (target.closest('[data-row-click]') && !target.closest('button, a, input, .plugin-error'))) {
    setExpanded(p.key, !expanded.has(p.key));
    row.el.querySelector<HTMLElement>('[data-toggle]')?.focus();
  }
});

list.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement;
  const row = rowOf(target);
  if (!row) return;
  const toggles = visibleToggles();
  const current = row.el.querySelector<HTMLElement>('[data-toggle]');
  const i = current ? toggles.indexOf(current) : -1;
  const onToggle = target.matches('[data-toggle]');
  let next: HTMLElement | undefined;
  switch (e.key) {
    case 'ArrowDown': next = toggles[Math.min(i + 1, toggles.length - 1)]; break;
    case 'ArrowUp': next = onToggle ? toggles[Math.max(i - 1, 0)] : current ?? undefined; break;
    case 'Home': next = toggles[0]; break;
    case 'End': next = toggles[toggles.length - 1]; break;
    case 'ArrowRight':
      if (!onToggle) return;
      if (!expanded.has(row.view.key)) setExpanded(row.view.key, true);
      else next = row.el.querySelector<HTMLElement>('.plugin-details button:not([disabled])') ?? undefined;
      break;
    case 'ArrowLeft':
      if (onToggle) setExpanded(row.view.key, false);
      else next = current ?? undefined;
      break;
    default: return;
  }
  e.preventDefault();
  next?.focus();
});

document.addEventListener('click', (e) => {
  const el = (e.target as Element).closest<HTMLElement>('[data-global-action]');
  switch (el?.dataset.globalAction) {
    case 'installFromFile': post({ type: 'installFromFile' }); break;
    case 'installFromUrl': post({ type: 'installFromUrl' }); break;
    case 'clearFilter': setFilter(''); filterInput.focus(); break;
  }
});

function setFilter(text: string): void {
  filterInput.value = text;
  applyFilter();
  saveState();
  reportRendered();
}

filterInput.addEventListener('input', () => { applyFilter(); saveState(); reportRendered(); });
filterInput.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && filterInput.value !== '') { e.preventDefault(); e.stopPropagation(); setFilter(''); }
  else if (e.key === 'ArrowDown' || e.key === 'Enter') {
    const first = visibleToggles()[0];
    if (first) { e.preventDefault(); first.focus(); }
  }
});
clearFilter.addEventListener('click', () => { setFilter(''); filterInput.focus(); });

document.addEventListener('keydown', (e) => {
  if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target as HTMLElement | null;
  if (t && (t.isContentEditable || t.matches('input, textarea, select'))) return;
  e.preventDefault();
  filterInput.focus();
  filterInput.select();
});

window.addEventListener('message', (e: MessageEvent<ToSidebar>) => {
  const msg = e.data;
  switch (msg?.type) {
    case 'snapshot':
      if (msg.revision >= lastRevision) applySnapshot(msg.snapshot, msg.revision);
      break;
    case 'focusFilter':
      filterInput.focus();
      filterInput.select();
      break;
    case 'test-click':
      if (testHooks) document.querySelector<HTMLElement>(msg.selector)?.click();
      break;
    case 'test-post':
      if (testHooks) vscode.postMessage(msg.message as FromSidebar);
      break;
  }
});

applyFilter();
post({ type: 'ready' });
