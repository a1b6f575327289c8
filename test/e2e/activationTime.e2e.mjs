// The extension's activation time as VS Code itself measures it: "Developer: Show Running Extensions" lists every
// running extension with the time its activation took (code loading + activate()). Reads our row, checks the
// extension activated, and records the figure in test-results/activation-running-extensions.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const options = { timeout: 150_000 };
const results = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-results');

export async function run(vs, { log, vscodeVersion }) {
  await vs.waitForWorkbench();
  // Our extension activates on startup finished: its status bar item shows it is up.
  await vs.page.locator('.statusbar-item', { hasText: 'WASM' }).first().waitFor({ timeout: 60_000 });
  await vs.runCommand('Developer: Show Running Extensions');
  // A development extension is listed under its id; the row ends with "Activation: <n>ms".
  const row = vs.page.locator('.monaco-list-row', { hasText: 'wasm-plugin-host.wasm-plugin-host' }).filter({ hasText: /Activation: [\d.]+\s*ms/ }).first();
  await row.waitFor({ timeout: 30_000 });
  const text = ((await row.textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const m = text.match(/Activation: ([\d.]+)\s*ms/);
  if (!m) throw new Error(`no activation time in the Running Extensions row: "${(await row.textContent())?.trim()}"`);
  const ms = Number(m[1]);
  log(`Running Extensions: WASM Plugin Host activated in ${ms} ms ("${text}")`);
  await vs.screenshot('running-extensions');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, `activation-running-extensions-${vscodeVersion}.json`), JSON.stringify({ vscodeVersion, activationMs: ms, shown: text }, null, 2) + '\n');
}
