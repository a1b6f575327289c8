// Entry of the suite that runs inside a real VS Code extension host (bundled by esbuild to out/test/host/index.js).
//
// Contract (the same as @vscode/test-electron's extensionTestsPath): VS Code loads this module and awaits `run()`;
// resolving means success, rejecting means failure; the launcher turns that into its exit code. `run()` runs mocha
// (BDD: describe/it, spec reporter, 30 s timeout) over every `*.test.js` next to this file, i.e. every
// test/host/*.test.ts, in file-name order.
//
// Output: the extension host's console goes to the launcher (code-server harness: codeAutomationLog; test-electron:
// its stdout), so every reporter line is printed as `[wasm-plugins-test] <line>`; the harness shows those lines.
// Metrics: `metric(name, value, unit)` prints `[wasm-plugins-metric] {"name":…,"value":…,"unit":…}`; the harness
// forwards them and writes them to test-results/vscode-<version>.json. At the start one
// `[wasm-plugins-test-info] {"vscode":…,"node":…}` line, at the end one `[wasm-plugins-test-result] {"passes":…,
// "failures":…,"pending":…}` line tell the launcher what ran where.
// Configuration: the launcher may point WASM_PLUGINS_TEST_CONFIG at a JSON file (see TestRunConfig); tests read it
// with `testConfig()`. WASM_PLUGINS_TEST_RUN=1 is set by every launcher.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export const TEST_TAG = '[wasm-plugins-test]';
export const METRIC_TAG = '[wasm-plugins-metric]';
export const INFO_TAG = '[wasm-plugins-test-info]';
export const RESULT_TAG = '[wasm-plugins-test-result]';

/** What a launcher may pass in the JSON file named by WASM_PLUGINS_TEST_CONFIG. Every field is optional. */
export interface TestRunConfig {
  /** Only run tests whose full title matches this regular expression (mocha --grep). */
  grep?: string;
  /** Invert `grep`. */
  invert?: boolean;
  /** Only load test files whose name contains one of these strings. */
  files?: string[];
  /** Per-test timeout in ms (default 30000). */
  timeout?: number;
  /** Stop after the first failure. */
  bail?: boolean;
  /** Launcher facts for tests: which launcher/version, the workspace copy it opened, plugin folders, … */
  launcher?: string;
  vscodeVersion?: string;
  workspace?: string;
  [key: string]: unknown;
}

let cachedConfig: TestRunConfig | undefined;

/** The launcher's run configuration ({} when none was given). */
export function testConfig(): TestRunConfig {
  if (cachedConfig) return cachedConfig;
  const file = process.env.WASM_PLUGINS_TEST_CONFIG;
  cachedConfig = {};
  if (file) {
    try {
      cachedConfig = JSON.parse(fs.readFileSync(file, 'utf8')) as TestRunConfig;
    } catch (e) {
      throw new Error(`cannot read WASM_PLUGINS_TEST_CONFIG=${file}: ${(e as Error).message}`);
    }
  }
  return cachedConfig;
}

/** Prints lines tagged for the launcher (the extension host forwards console output unformatted, line by line). */
export function log(...args: unknown[]): void {
  for (const line of util.format(...args).split('\n')) console.log(`${TEST_TAG} ${line}`);
}

/** Records a measurement (e.g. activation time) that the launcher collects into test-results/. */
export function metric(name: string, value: number, unit = 'ms', extra: Record<string, unknown> = {}): void {
  console.log(`${METRIC_TAG} ${JSON.stringify({ name, value, unit, ...extra })}`);
}

export async function run(): Promise<void> {
  try {
    await runMocha();
  } catch (e) {
    // VS Code logs a rejection without our tag; say it where the launcher shows it.
    log(`suite failed: ${(e as Error).message}`);
    throw e;
  }
}

function runMocha(): Promise<void> {
  const config = testConfig();
  console.log(`${INFO_TAG} ${JSON.stringify({
    vscode: vscode.version, node: process.version, appName: vscode.env.appName, uiKind: vscode.UIKind[vscode.env.uiKind],
    remoteName: vscode.env.remoteName ?? null, platform: process.platform, arch: process.arch,
  })}`);

  Mocha.reporters.Base.consoleLog = log;
  const mocha = new Mocha({
    ui: 'bdd', reporter: 'spec', color: false, timeout: config.timeout ?? 30_000, bail: config.bail ?? false,
  });
  if (config.grep) mocha.grep(new RegExp(config.grep));
  if (config.invert) mocha.invert();

  const files = fs.readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .filter((f) => !config.files?.length || config.files.some((s) => f.includes(s)))
    .sort();
  if (files.length === 0) {
    return Promise.reject(new Error(`no *.test.js files in ${__dirname}${config.files?.length ? ` matching ${config.files.join(', ')}` : ''} — run \`npm run build\``));
  }
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const { passes = 0, pending = 0, tests = 0, duration = 0 } = runner.stats ?? {};
        console.log(`${RESULT_TAG} ${JSON.stringify({ passes, failures, pending, tests, duration })}`);
        if (failures > 0) reject(new Error(`${failures} test${failures === 1 ? '' : 's'} failed`));
        else resolve();
      });
    } catch (e) {
      log(`the suite could not start: ${(e as Error).stack ?? e}`);
      reject(e as Error);
    }
  });
}
