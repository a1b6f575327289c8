// Helpers for browser UI tests (test/e2e/*.e2e.mjs): a real VS Code workbench (code-server) in headless Chromium
// with our extension loaded in development mode (no test suite), plus the interactions a person would do.
//
//   const vs = await launchVsCode({ version: 'max' });
//   await vs.runCommand('WASM Plugins: Run Plugin Command…');
//   await vs.quickPick.select('hello');
//   await vs.waitForNotification('Hello');
//   await vs.screenshot('after-hello');
//   const frame = vs.webview({ has: '#root' });     // Playwright FrameLocator inside the webview
//   await vs.close();
//
// Every wait is event/poll based with a timeout and fails with a message naming what it waited for.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCodeServer, repoRoot, resolveVersion } from './install.mjs';
import { openWorkbench, startCodeServer, waitFor } from './codeServer.mjs';

export const screenshotDir = join(repoRoot, 'test-results', 'screenshots');

/**
 * Starts code-server + Chromium and opens the workbench with an extension in development mode.
 * @param {object} [o]
 * @param {string|object} [o.version]   'min' | 'max' | '4.x.y' | a record from ensureCodeServer (default 'max')
 * @param {string} [o.extensionDevelopmentPath]  default: the repo root (our extension)
 * @param {object} [o.userSettings]     per-run user settings
 * @param {object} [o.env]              extra environment for code-server and the extension host
 * @param {string|null} [o.workspaceFixture]     default test/fixtures/workspace (copied); null: no folder
 * @param {string} [o.screenshotPrefix] prefix for screenshot file names
 * @param {(line: string) => void} [o.onLog]     extension-host console lines
 */
export async function launchVsCode(o = {}) {
  const version = typeof o.version === 'object' ? o.version : await ensureCodeServer(resolveVersion(o.version ?? 'max'));
  const server = await startCodeServer({
    version, userSettings: o.userSettings, workspaceFixture: o.workspaceFixture, workspace: o.workspace,
    env: { WASM_PLUGINS_TEST_RUN: '1', ...(o.env ?? {}) }, extraArgs: o.extraArgs,
  });
  let wb;
  try {
    wb = await openWorkbench(server, {
      extensionDevelopmentPath: o.extensionDevelopmentPath ?? repoRoot, folder: o.workspaceFixture === null ? null : undefined, onLog: o.onLog,
      viewport: o.viewport,
    });
    const vs = workbenchHelpers(wb.page, { screenshotPrefix: o.screenshotPrefix ?? '' });
    await vs.waitForWorkbench();
    return Object.assign(vs, {
      server, workbench: wb, version, vscodeVersion: version.vscode, workspace: server.workspace,
      async close() { await wb.close(); await server.stop(); },
    });
  } catch (e) {
    await wb?.close();
    await server.stop();
    throw e;
  }
}

const esc = (s) => s.replace(/["\\]/g, '\\$&');

/** UI helpers over a Playwright page showing the VS Code workbench. */
export function workbenchHelpers(page, { screenshotPrefix = '' } = {}) {
  const quickInput = page.locator('.quick-input-widget');
  const quickInputBox = quickInput.locator('input').first();
  const rows = quickInput.locator('.quick-input-list .monaco-list-row');

  /** Label texts of the visible quick-pick rows. */
  async function itemLabels() {
    return rows.evaluateAll((els) => els.map((el) => (el.querySelector('.label-name')?.textContent ?? el.getAttribute('aria-label') ?? el.textContent ?? '').trim()));
  }

  /** Waits for a row whose label equals `text` (or, failing that, contains it); returns its locator. */
  async function findItem(text, { timeout = 10_000, exact = false } = {}) {
    return waitFor(async () => {
      if (!(await quickInput.isVisible())) return null;
      const labels = await itemLabels();
      let i = labels.findIndex((l) => l === text);
      if (i < 0 && !exact) i = labels.findIndex((l) => l.includes(text));
      return i >= 0 ? rows.nth(i) : null;
    }, { timeout, interval: 100, describe: `quick pick item "${text}"` });
  }

  const quickPick = {
    locator: quickInput,
    input: quickInputBox,
    isOpen: () => quickInput.isVisible(),
    async waitForOpen(timeout = 10_000) { await quickInput.waitFor({ state: 'visible', timeout }); },
    async waitForClosed(timeout = 10_000) { await quickInput.waitFor({ state: 'hidden', timeout }); },
    /** Replaces the text in the quick input. */
    async fill(text) { await quickInputBox.fill(text); },
    items: itemLabels,
    waitForItem: findItem,
    /** Clicks the item labelled `text` (exact label preferred). */
    async select(text, opts) { const row = await findItem(text, opts); await row.click(); },
    /** Accepts what is typed (input boxes, e.g. showInputBox). */
    async submit(text) { if (text !== undefined) await quickInputBox.fill(text); await quickInputBox.press('Enter'); },
    async close() { if (await quickInput.isVisible()) await page.keyboard.press('Escape'); await quickInput.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {}); },
  };

  const vs = {
    page,
    quickPick,

    /** Waits until the workbench shell is up (activity bar and status bar rendered). */
    async waitForWorkbench(timeout = 90_000) {
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout });
      await page.locator('.monaco-workbench .part.activitybar, .monaco-workbench .activitybar').first().waitFor({ state: 'visible', timeout });
    },

    /**
     * Runs a command by its palette title (e.g. "WASM Plugins: Run Plugin Command…"): F1, `>title`, click the row.
     * Retries while the command is not listed yet (the extension host may still be starting).
     */
    async runCommand(title, { timeout = 60_000 } = {}) {
      const row = await vs.findCommand(title, { timeout });
      await row.click();
    },

    /** True when the command palette lists `title` (exact label) within `timeout`; closes the palette. */
    async hasCommand(title, { timeout = 60_000 } = {}) {
      try { await vs.findCommand(title, { timeout }); return true; } catch { return false; } finally { await quickPick.close(); }
    },

    /**
     * Opens the palette with `>title` and waits for the row whose label is exactly `title` (does not run it);
     * returns the row's locator. Reopens the palette while waiting: it does not pick up commands registered while
     * it is open.
     */
    async findCommand(title, { timeout = 60_000 } = {}) {
      const end = Date.now() + timeout;
      for (;;) {
        if (!(await quickInput.isVisible())) await page.keyboard.press('F1');
        await quickInput.waitFor({ state: 'visible', timeout: 10_000 });
        await quickInputBox.fill(`>${title}`);
        try {
          return await findItem(title, { timeout: Math.min(1500, Math.max(500, end - Date.now())), exact: true });
        } catch {
          if (Date.now() > end) {
            const seen = await itemLabels().catch(() => []);
            throw new Error(`command "${title}" not found in the command palette within ${timeout / 1000} s (palette shows: ${seen.slice(0, 10).join(' | ') || 'nothing'})`);
          }
          await page.keyboard.press('Escape');
          await quickInput.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
        }
      }
    },

    /**
     * Waits for a notification containing `text`: a toast, or — when toasts are hidden (VS Code ≥ 1.133 with the
     * smoke-test driver) or already gone — an entry in the notifications center, which it opens via the bell.
     * Returns the locator of the notification's message.
     */
    async waitForNotification(text, { timeout = 30_000 } = {}) {
      const toast = page.locator('.notification-toast', { hasText: text });
      const center = page.locator('.notifications-center');
      const entry = center.locator('.notification-list-item', { hasText: text });
      const start = Date.now();
      return waitFor(async () => {
        if (await toast.first().isVisible()) return toast.first().locator('.notification-list-item-message');
        if (await entry.first().isVisible()) return entry.first().locator('.notification-list-item-message');
        // Give a toast a moment to appear before opening the center (opening it hides the toasts).
        if (Date.now() - start > 1500 && !(await center.isVisible())) {
          await page.locator('#status\\.notifications, .statusbar-item[id="status.notifications"]').first().click({ timeout: 5000 }).catch(() => {});
        }
        return null;
      }, { timeout, interval: 200, describe: `a notification containing "${text}"` });
    },

    /** All notification messages currently in the notifications center (opens it). */
    async notifications() {
      const center = page.locator('.notifications-center');
      if (!(await center.isVisible())) await page.locator('#status\\.notifications').first().click();
      await center.waitFor({ state: 'visible', timeout: 5000 });
      return center.locator('.notification-list-item-message').allTextContents();
    },

    /** Clears all notifications (closes the center afterwards). */
    async clearNotifications() {
      await vs.runCommand('Notifications: Clear All Notifications');
    },

    /** Saves a PNG into test-results/screenshots/<prefix><name>.png and returns its path. */
    async screenshot(name) {
      mkdirSync(screenshotDir, { recursive: true });
      const file = join(screenshotDir, `${screenshotPrefix}${name.replace(/[^\w.-]+/g, '_')}.png`);
      await page.screenshot({ path: file });
      return file;
    },

    /**
     * FrameLocator of the content of a webview (panel or sidebar view): `iframe.webview.ready` → `#active-frame`.
     * With `has`, waits for and picks the webview whose document contains that selector; otherwise `index` (0).
     */
    async webview({ has, index = 0, timeout = 30_000 } = {}) {
      const outer = page.locator('iframe.webview.ready');
      const inner = (i) => page.frameLocator(`iframe.webview.ready >> nth=${i}`).frameLocator('#active-frame');
      if (!has) {
        await waitFor(async () => (await outer.count()) > index, { timeout, describe: `webview #${index}` });
        return inner(index);
      }
      return waitFor(async () => {
        const n = await outer.count();
        for (let i = 0; i < n; i++) if (await inner(i).locator(has).count() > 0) return inner(i);
        return null;
      }, { timeout, describe: `a webview containing ${has}` });
    },

    /** Clicks the activity-bar entry whose title starts with `title` (a view container, e.g. "WASM Plugins"). */
    async openViewContainer(title, { timeout = 30_000 } = {}) {
      const item = page.locator(`.activitybar a[aria-label^="${esc(title)}"], .activitybar .action-item[aria-label^="${esc(title)}"] a`).first();
      await item.waitFor({ state: 'visible', timeout });
      await item.click();
    },

    /** Opens a workspace file by (relative) path through Quick Open; waits for its editor tab. */
    async openFile(relPath, { timeout = 30_000 } = {}) {
      await page.keyboard.press('Control+P');
      await quickInput.waitFor({ state: 'visible', timeout: 10_000 });
      await quickInputBox.fill(relPath);
      const base = relPath.split('/').pop();
      const row = await findItem(base, { timeout });
      await row.click();
      await page.locator(`.tabs-container .tab[aria-label*="${esc(base)}"]`).first().waitFor({ state: 'visible', timeout });
      // Quick Open may stay open a moment after the editor opened; the next step must start from a closed input.
      await quickPick.close();
    },

    /** Text of the status bar items (useful to assert on items contributed by the extension). */
    statusBarTexts: () => page.locator('.statusbar .statusbar-item').allTextContents(),
  };
  return vs;
}
