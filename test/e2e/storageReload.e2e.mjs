// Durable plugin storage across a real window reload: the word-count plugin keeps its save count in its workspace
// storage. Save three times, reload the browser window (a new workbench and a new extension host), save once more:
// the count continues from 3, so nothing written before the reload was lost.
// Auto save (on by default in newer code-server builds) would save on its own; this test decides when to save.
export const options = { timeout: 180_000, userSettings: { 'files.autoSave': 'off' } };

async function saveAndWait(vs, expected) {
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
  const want = `Saved ${expected} times`;
  const end = Date.now() + 30_000;
  for (;;) {
    const texts = await vs.statusBarTexts();
    if (texts.some((t) => t.includes(want))) return;
    if (Date.now() > end) throw new Error(`status bar never showed "${want}" (shows: ${texts.join(' | ')})`);
    await vs.page.locator('.statusbar').getByText(want).first().waitFor({ timeout: 1000 }).catch(() => {});
  }
}

export async function run(vs, { log }) {
  await vs.waitForWorkbench();
  await vs.openFile('notes.txt');
  for (let i = 1; i <= 3; i++) await saveAndWait(vs, i);
  log('saved 3 times; reloading the window');
  await vs.page.reload();
  await vs.waitForWorkbench();
  await vs.openFile('notes.txt');
  await saveAndWait(vs, 4);
  log('after the reload the count continued: "Saved 4 times"');
  await vs.screenshot('storage-after-reload');
}
