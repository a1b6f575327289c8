// Durable plugin storage across a real window reload: the word-count plugin keeps its save count in its workspace
// storage and shows it in its status bar item ("Saved N times"). Save three times, reload the browser window (a new
// workbench and a new extension host), save once more: the count continues from where it was instead of starting at
// 1 again, so nothing written before the reload was lost.
// Auto save (on by default in newer code-server builds) would save on its own; this test decides when to save.
export const options = { timeout: 180_000, userSettings: { 'files.autoSave': 'off' } };

/** The count in word-count's status bar item, or 0 before it shows. */
async function saveCount(vs) {
  for (const t of await vs.statusBarTexts()) {
    const m = t.match(/Saved (\d+) times/);
    if (m) return Number(m[1]);
  }
  return 0;
}

/** Types a character, saves with Ctrl+S, and waits until the count is above `previous`; returns it. */
async function saveAndCount(vs, previous) {
  const editor = vs.page.locator('.monaco-editor .view-lines').first();
  const dirtyTab = vs.page.locator('.tabs-container .tab.dirty');
  // Type until the editor really took the keystroke (right after a reload the editor may not have focus yet).
  for (let attempt = 0; !(await dirtyTab.count()); attempt++) {
    if (attempt === 5) throw new Error('the editor never became dirty after typing');
    await editor.click();
    await vs.page.keyboard.type('x');
    await dirtyTab.first().waitFor({ timeout: 2000 }).catch(() => {});
  }
  await vs.page.keyboard.press('Control+S');
  await dirtyTab.first().waitFor({ state: 'detached', timeout: 10_000 });
  const end = Date.now() + 30_000;
  for (;;) {
    const n = await saveCount(vs);
    if (n > previous) return n;
    if (Date.now() > end) throw new Error(`the save count stayed at ${n} after a save (status bar: ${(await vs.statusBarTexts()).join(' | ')})`);
    await vs.page.locator('.statusbar').getByText(`Saved ${previous + 1} times`).first().waitFor({ timeout: 1000 }).catch(() => {});
  }
}

/** Our extension activates after startup; a save before that is not seen by any plugin (nothing is active yet). */
async function waitForExtension(vs) {
  await vs.page.locator('.statusbar-item', { hasText: 'WASM' }).first().waitFor({ timeout: 60_000 });
}

export async function run(vs, { log }) {
  await vs.waitForWorkbench();
  await waitForExtension(vs);
  await vs.openFile('notes.txt');
  let count = 0;
  for (let i = 0; i < 3; i++) count = await saveAndCount(vs, count);
  log(`saved 3 times: "Saved ${count} times"; reloading the window`);
  await vs.page.reload();
  await vs.waitForWorkbench();
  await waitForExtension(vs);
  await vs.openFile('notes.txt');
  const after = await saveAndCount(vs, count);
  if (after <= count) throw new Error(`the count restarted after the reload: ${after} after ${count}`);
  log(`after the reload the count continued: "Saved ${after} times"`);
  await vs.screenshot('storage-after-reload');
}
