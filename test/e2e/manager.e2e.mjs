// The plugin manager view, used like a person would: open the "WASM Plugins" activity-bar container, see the example
// plugins, disable TODO Tracker with its button and see its commands leave "Run Plugin Command…", enable it again,
// run Word Count's "Count Words" from its Run button, open its panel from the view, filter and move with the keyboard,
// then install a plugin that asks for permissions from the view's toolbar (VS Code's own file dialog), allow them in
// the modal prompt, see them granted in the view and revoke one with its switch.
// Screenshots: docs/screenshots/sidebar.png and docs/screenshots/sidebar-permission-prompt.png (for the README), plus
// the steps in test-results/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../harness/codeServer.mjs';
import { repoRoot, resolveVersion } from '../harness/install.mjs';

export const options = {
  timeout: 300_000,
  userSettings: { 'workbench.colorTheme': 'Default Dark Modern' },
};

const EXAMPLES = [['word-count', 'Word Count'], ['text-tools', 'Text Tools'], ['todo-tracker', 'TODO Tracker']];
const TODO_COMMANDS = ['List TODOs', 'Show TODO Panel', 'TODO Statistics'];
const RUN_PLUGIN_COMMAND = 'WASM Plugins: Run Plugin Command…';
const SIDEBAR_WIDTH = 470;
const docs = join(repoRoot, 'docs', 'screenshots');

function check(condition, message) {
  if (!condition) throw new Error(message);
}

export async function run(vs, { log, vscodeVersion }) {
  const { page } = vs;
  // The README's screenshots come from the newest VS Code only; every run keeps its own in test-results/.
  const forDocs = vscodeVersion === resolveVersion('max').vscode;
  const docsShot = async (name) => {
    if (!forDocs) return;
    mkdirSync(docs, { recursive: true });
    await page.screenshot({ path: join(docs, name) });
  };
  const sidebarPart = page.locator('.part.sidebar');

  await vs.openFile('notes.txt');
  await vs.openViewContainer('WASM Plugins');
  await widenSidebar(page, SIDEBAR_WIDTH);
  const view = await vs.webview({ has: '#plugin-list li.plugin', timeout: 60_000 });
  const row = (id) => view.locator(`li.plugin[data-plugin-id="${id}"]`);
  const stateOf = (id) => row(id).getAttribute('data-state', { timeout: 5000 });
  const waitState = (id, ok, what) => waitFor(async () => ok(await stateOf(id)), { timeout: 30_000, describe: `${id} to be ${what}` });

  // ---- the three examples are listed ----
  for (const [id, name] of EXAMPLES) {
    await row(id).locator('.plugin-name', { hasText: name }).waitFor({ timeout: 30_000 });
  }
  log(`the view lists ${EXAMPLES.map(([, n]) => n).join(', ')}`);

  // ---- disable TODO Tracker: its commands leave the quick pick ----
  await row('todo-tracker').getByRole('button', { name: 'Disable TODO Tracker' }).click();
  await waitState('todo-tracker', (s) => s === 'disabled', 'disabled');
  await row('todo-tracker').locator('.state-badge', { hasText: 'Disabled' }).waitFor();
  await vs.screenshot('todo-tracker-disabled');
  let labels = await quickPickLabels(vs);
  check(!TODO_COMMANDS.some((t) => labels.includes(t)), `TODO Tracker is disabled, yet "Run Plugin Command…" offers: ${labels.join(' | ')}`);
  log(`disabled TODO Tracker; the quick pick offers only: ${labels.join(', ')}`);

  // ---- enable it again: they come back ----
  await row('todo-tracker').getByRole('button', { name: 'Enable TODO Tracker' }).click();
  await waitState('todo-tracker', (s) => s !== 'disabled', 'enabled');
  labels = await quickPickLabels(vs, 'List TODOs');
  check(TODO_COMMANDS.every((t) => labels.includes(t)), `TODO Tracker is enabled again, but the quick pick lacks its commands: ${labels.join(' | ')}`);
  log('enabled TODO Tracker; its commands are back in the quick pick');

  // ---- run Count Words from its Run button (notes.txt is the active editor) ----
  await row('word-count').locator('[data-toggle]').click();
  await row('word-count').locator('.plugin-details').waitFor({ state: 'visible' });
  await row('word-count').getByRole('button', { name: 'Run Count Words (Word Count)' }).click();
  const message = await vs.waitForNotification('words,');
  const text = (await message.textContent()) ?? '';
  check(/Word Count: \d+ words, \d+ lines in notes\.txt/.test(text), `unexpected notification "${text}"`);
  log(`Run → "${text.trim()}"`);
  await page.keyboard.press('Escape'); // close the notifications center if the helper opened it
  // The plugin is running now: its metrics count the call (they are polled while the view is visible).
  await waitFor(async () => Number((await row('word-count').locator('[data-metric="calls"]').textContent({ timeout: 2000 }))?.replace(/,/g, '')) >= 1,
    { timeout: 15_000, describe: 'Word Count\'s metrics to show the call' });
  await waitState('word-count', (s) => s === 'active', 'active');

  // ---- keyboard: "/" focuses the filter, typing filters, Escape clears, arrows move between plugins ----
  await row('word-count').locator('[data-toggle]').focus();
  await page.keyboard.press('/');
  await waitFor(() => view.locator('#filter:focus').count(), { timeout: 5000, describe: '"/" to focus the filter box' });
  await page.keyboard.type('todo');
  await waitFor(async () => (await view.locator('li.plugin:not([hidden])').count()) === 2, { timeout: 5000, describe: 'the filter "todo" to leave two plugins' });
  await page.keyboard.press('Escape');
  await waitFor(async () => (await view.locator('li.plugin:not([hidden])').count()) >= 5, { timeout: 5000, describe: 'Escape to clear the filter' });
  await view.locator('li.plugin').first().locator('[data-toggle]').focus();
  await page.keyboard.press('ArrowDown');
  const focused = await view.locator(':focus').evaluate((el) => el.closest('li.plugin')?.dataset.pluginId);
  const second = await view.locator('li.plugin').nth(1).getAttribute('data-plugin-id');
  check(focused === second, `ArrowDown moved the focus to ${focused}, not to the next plugin ${second}`);
  // The toolbar's Filter action focuses the filter box too.
  await sidebarPart.locator('.action-item a[aria-label^="Filter Plugins"], .action-item [aria-label^="Filter Plugins"]').first().click();
  await waitFor(() => view.locator('#filter:focus').count(), { timeout: 10_000, describe: 'the Filter toolbar action to focus the filter box' });
  log('keyboard: "/" and the toolbar focus the filter, the filter filters, Escape clears, ArrowDown moves to the next plugin');

  // ---- the screenshot of the view for the README: examples listed, Word Count expanded with live metrics ----
  // A little taller than the rest of the run so the expanded row fits below the collapsed ones.
  await page.setViewportSize({ width: 1400, height: 1000 });
  await row('word-count').locator('[data-toggle]').focus();
  await view.locator('#plugin-list').evaluate(() => window.scrollTo(0, 0));
  await waitFor(() => row('word-count').locator('.metrics').isVisible(), { timeout: 5000, describe: 'the metrics to be visible' });
  await docsShot('sidebar.png');
  await vs.screenshot('sidebar');
  await page.setViewportSize({ width: 1400, height: 900 });

  // ---- open the Word Count panel from the view ----
  await row('word-count').getByRole('button', { name: 'Open panel Word Count (Word Count)' }).click();
  await page.locator('.tabs-container .tab[aria-label*="Word Count"]').first().waitFor({ state: 'visible', timeout: 30_000 });
  const panel = await vs.webview({ has: '#plugin-root table', timeout: 30_000 });
  const cells = await panel.locator('#plugin-root table').innerText();
  check(/Words/.test(cells) && /Lines/.test(cells), `the panel's table shows "${cells}"`);
  log(`opened the Word Count panel from the view: ${cells.replace(/\s+/g, ' ').trim()}`);
  await vs.screenshot('panel-from-sidebar');

  // ---- install a plugin that asks for permissions; allow them in the prompt ----
  await sidebarPart.locator('.action-item a[aria-label^="Install Plugin from File"], .action-item [aria-label^="Install Plugin from File"]').first().click();
  await vs.quickPick.waitForOpen(15_000);
  const wasm = join(repoRoot, 'dist', 'test-plugins', 'kitchen-sink.wasm');
  // VS Code's simple file dialog fills in its start folder asynchronously (which would overwrite a path typed too
  // early), then lists the typed folder asynchronously: type once it shows its start folder, accept once it lists ours.
  await waitFor(async () => (await vs.quickPick.input.inputValue()).startsWith('/'), { timeout: 15_000, describe: 'the file dialog to show its start folder' });
  await vs.quickPick.input.fill(wasm);
  await vs.quickPick.waitForItem('bench-echo.wasm', { timeout: 15_000 });
  const dialog = page.locator('.monaco-dialog-box');
  await waitFor(async () => {
    if (await dialog.isVisible()) return true;
    if (await vs.quickPick.isOpen()) {
      if ((await vs.quickPick.input.inputValue()) !== wasm) await vs.quickPick.input.fill(wasm);
      else await vs.quickPick.input.press('Enter');
    }
    return dialog.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false);
  }, { timeout: 30_000, describe: 'the permission prompt after accepting the file dialog' });
  const prompt = await dialog.innerText();
  check(/Allow the WASM plugin "Kitchen Sink \(test\)"/.test(prompt), `unexpected dialog: ${prompt}`);
  await docsShot('sidebar-permission-prompt.png');
  await vs.screenshot('permission-prompt');
  await dialog.getByRole('button', { name: 'Allow' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  log('installed kitchen-sink.wasm through the toolbar and the file dialog; allowed its permissions in the prompt');

  // ---- the view shows them granted (by you); revoke one with its switch ----
  const sink = row('kitchen-sink');
  await sink.waitFor({ timeout: 30_000 });
  await sink.locator('[data-toggle]').click();
  const write = sink.locator('button.switch[data-capability="workspace-write"]');
  // The row may be rebuilt by a snapshot meanwhile (the locator then finds the new one).
  await waitFor(() => write.scrollIntoViewIfNeeded({ timeout: 2000 }).then(() => true), { timeout: 15_000, describe: 'the permission switch to scroll into view' });
  await waitFor(async () => (await write.getAttribute('aria-checked')) === 'true', { timeout: 15_000, describe: '"Write workspace files" to be shown granted' });
  const by = await sink.locator('li.permission[data-capability="workspace-write"] .item-detail').textContent();
  check(by === 'granted by you', `the permission says "${by}", expected "granted by you"`);
  await vs.screenshot('permission-granted');
  await write.click();
  await waitFor(async () => (await write.getAttribute('aria-checked')) === 'false'
    && (await sink.locator('li.permission[data-capability="workspace-write"] .item-detail').textContent()) === 'denied by you',
  { timeout: 15_000, describe: '"Write workspace files" to be shown denied by you' }); // the text comes from the snapshot, not the page's own flip
  await vs.screenshot('permission-revoked');
  log('the view showed "Write workspace files" granted by you; its switch revoked it');
}

/**
 * Opens "Run Plugin Command…" and returns the row labels once `marker` (a command that must be there) is listed.
 * The list is virtualised, but it is sorted by plugin name, so TODO Tracker's rows come second, always rendered.
 */
async function quickPickLabels(vs, marker = 'Count Words') {
  await vs.runCommand(RUN_PLUGIN_COMMAND);
  await vs.quickPick.waitForItem(marker, { timeout: 30_000, exact: true });
  const labels = await vs.quickPick.items();
  await vs.quickPick.close();
  return labels;
}

/** Drags the sash between the side bar and the editor so the side bar is `width` pixels wide. */
async function widenSidebar(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const y = box.y + box.height / 2;
  const x = box.x + box.width;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + (width - box.width) / 2, y, { steps: 5 });
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
  await waitFor(async () => ((await page.locator('.part.sidebar').boundingBox())?.width ?? 0) >= width - 10,
    { timeout: 5000, describe: `the side bar to be ${width} px wide` });
}
