// The script of every plugin panel page. Plugin HTML carries no script (the CSP allows only this one, by nonce), so
// interaction is declarative: clicking an element with `data-message='<json>'` posts that JSON; submitting a
// `<form data-message-form="<type>">` posts `{ "type": "<type>", <field>: <value>, … }`. Messages from the plugin
// fill elements with `data-bind="<key>"` or `id="<key>"` (text of that member; a list fills a <ul>/<ol> with items),
// `{ "html": … }` replaces the body, and
// `{ "state": … }` is remembered so the panel comes back after a window reload.

import type { FromPanel, PanelState, ToPanel } from './protocol/panel';

interface VsCodeApi {
  postMessage(message: FromPanel): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('plugin-root') as HTMLElement;
const boot = document.getElementById('panel-boot') as HTMLElement;
const testHooks = boot.dataset.testHooks === 'true';
const identity = { pluginId: boot.dataset.pluginId ?? '', panelId: boot.dataset.panelId ?? '' };

const visibleText = () => (root.innerText || root.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 4000);
const post = (message: FromPanel) => vscode.postMessage(message);

function parse(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

root.addEventListener('click', (e) => {
  const el = (e.target as Element | null)?.closest<HTMLElement>('[data-message]');
  if (!el || !root.contains(el)) return;
  e.preventDefault();
  post({ type: 'post', message: parse(el.dataset.message) });
});

root.addEventListener('submit', (e) => {
  const form = e.target as HTMLFormElement;
  if (!form.matches('form[data-message-form]')) return;
  e.preventDefault();
  const message: Record<string, unknown> = { type: form.dataset.messageForm };
  for (const [key, value] of new FormData(form).entries()) message[key] = typeof value === 'string' ? value : value.name;
  const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
  if (submitter?.name) message[submitter.name] = submitter.value;
  post({ type: 'post', message });
});

function describe(item: unknown): string {
  if (item !== null && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    if (typeof o.text === 'string') return typeof o.line === 'number' ? `${o.line + 1}: ${o.text}` : o.text;
    if (typeof o.label === 'string') return o.label;
  }
  return typeof item === 'string' ? item : JSON.stringify(item);
}

function fill(el: HTMLElement, value: unknown): void {
  if (Array.isArray(value) && (el.tagName === 'UL' || el.tagName === 'OL')) {
    el.replaceChildren(...value.map((item) => {
      const li = document.createElement('li');
      li.textContent = describe(item);
      return li;
    }));
    return;
  }
  el.textContent = typeof value === 'string' ? value : JSON.stringify(value);
}

/** Fills `[data-bind="<key>"]` and `#<key>` elements with the message's members. */
function applyMessage(message: unknown): void {
  if (message === null || typeof message !== 'object') return;
  const m = message as Record<string, unknown>;
  if (typeof m.html === 'string') root.innerHTML = m.html;
  if ('state' in m) vscode.setState({ ...identity, state: m.state });
  for (const [key, value] of Object.entries(m)) {
    if (key === 'html' || key === 'state') continue;
    const selector = `[data-bind="${CSS.escape(key)}"], #${CSS.escape(key)}`;
    for (const el of root.querySelectorAll<HTMLElement>(selector)) fill(el, value);
  }
}

window.addEventListener('message', (e: MessageEvent<ToPanel>) => {
  const msg = e.data;
  switch (msg?.type) {
    case 'render':
      root.innerHTML = msg.html;
      post({ type: 'applied', text: visibleText() });
      break;
    case 'message':
      applyMessage(msg.message);
      post({ type: 'applied', text: visibleText() });
      break;
    case 'test-click':
      if (testHooks) root.querySelector<HTMLElement>(msg.selector)?.click();
      break;
    case 'test-flood':
      if (testHooks) for (let i = 0; i < Math.min(msg.count, 100_000); i++) post({ type: 'post', message: msg.message });
      break;
  }
});

if (vscode.getState() === undefined) vscode.setState({ ...identity, state: null });
post({ type: 'ready', text: visibleText() });
