// Like a person: open a file, press F1, run "WASM Plugins: Run Plugin Command…", pick "Count Words" in the quick
// pick and read the plugin's answer in the notification. The screenshot of this moment on the oldest supported VS
// Code (where notification toasts are visible) is the README's picture.
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const options = { timeout: 150_000 };
const docs = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');

export async function run(vs, { log, vscodeVersion }) {
  await vs.waitForWorkbench();
  await vs.openFile('README.md');
  await vs.runCommand('WASM Plugins: Run Plugin Command…');
  // Our quick pick replaces the command palette: wait until it shows (its placeholder) and lists its commands.
  await vs.quickPick.locator.locator('input[placeholder^="Type to search the commands of installed WASM plugins"]').waitFor({ timeout: 15_000 });
  await vs.quickPick.waitForItem('Count Words', { exact: true, timeout: 15_000 });
  const titles = await vs.quickPick.items();
  for (const title of ['Count Words', 'Upper Case', 'List TODOs']) {
    if (!titles.some((t) => t.includes(title))) throw new Error(`the plugin quick pick lacks "${title}" (shows: ${titles.join(' | ')})`);
  }
  log(`quick pick offers ${titles.length} plugin commands`);
  await vs.quickPick.fill('Count Words');
  // A person presses Enter once the list shows the filtered row on top.
  const top = vs.quickPick.locator.locator('.quick-input-list .monaco-list-row').first();
  await top.filter({ hasText: 'Count Words' }).waitFor({ timeout: 10_000 });
  const picking = await vs.screenshot('run-command-pick');
  await vs.page.keyboard.press('Enter');
  const message = await vs.waitForNotification('words,');
  const text = await message.textContent();
  if (!/Word Count: \d+ words, \d+ lines in README\.md/.test(text ?? '')) throw new Error(`unexpected notification: ${text}`);
  log(`notification: ${text}`);
  const shot = await vs.screenshot('run-command-result');
  if (vscodeVersion.startsWith('1.100')) {
    copyFileSync(shot, join(docs, 'run-command.png'));
    copyFileSync(picking, join(docs, 'run-command-pick.png'));
  }
}
