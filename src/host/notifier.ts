// Every notification the extension shows goes through here: plugin messages (rate limited so a plugin cannot bury
// the user), and failures (one notification per plugin and kind of failure at a time, naming the plugin, with
// "Show Log"). It also keeps a short journal of what it showed, which the in-VS-Code tests read.

import * as vscode from 'vscode';
import type { PluginError } from '../core/errors';
import { RateLimiter } from '../core/metrics';
import type { Logs } from './logging';

export type Level = 'info' | 'warning' | 'error';

export interface Shown {
  readonly level: Level;
  readonly message: string;
  readonly pluginId: string | undefined;
  readonly actions: readonly string[];
}

const SHOW_LOG = 'Show Log';
const JOURNAL = 200;
/** The same failure of the same plugin is not shown again within this time. */
const FAILURE_QUIET_MS = 30_000;

export class Notifier implements vscode.Disposable {
  private readonly journal: Shown[] = [];
  private readonly emitter = new vscode.EventEmitter<Shown>();
  readonly onDidShow = this.emitter.event;
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly lastFailure = new Map<string, number>();

  constructor(private readonly logs: Logs) {}

  get shown(): readonly Shown[] {
    return this.journal;
  }

  private show(level: Level, message: string, pluginId: string | undefined, actions: string[]): Thenable<string | undefined> {
    const entry: Shown = { level, message, pluginId, actions };
    this.journal.push(entry);
    if (this.journal.length > JOURNAL) this.journal.shift();
    this.emitter.fire(entry);
    const fn = level === 'error' ? vscode.window.showErrorMessage : level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return fn(message, ...actions);
  }

  /** A message a plugin asked to show (host function or action). At most 5 per 10 s per plugin; the rest go to its log. */
  fromPlugin(pluginId: string, pluginName: string, level: Level, message: string): void {
    let limiter = this.limiters.get(pluginId);
    if (!limiter) {
      limiter = new RateLimiter(0.5, Date.now, 5);
      this.limiters.set(pluginId, limiter);
    }
    const text = message.length > 2000 ? `${message.slice(0, 2000)}…` : message;
    if (!limiter.take()) {
      this.logs.channel(pluginId).info(`(notification not shown: too many) ${text}`);
      return;
    }
    void this.show(level, `${pluginName}: ${text}`, pluginId, []);
  }

  /** A plugin failed (load error, trap, timeout…): one clear notification with "Show Log". */
  pluginFailed(pluginId: string, error: PluginError): void {
    const key = `${pluginId}:${error.reason}`;
    const now = Date.now();
    const last = this.lastFailure.get(key);
    if (last !== undefined && now - last < FAILURE_QUIET_MS) return;
    this.lastFailure.set(key, now);
    void this.show('error', error.message, pluginId, [SHOW_LOG]).then((choice) => {
      if (choice === SHOW_LOG) this.logs.show(pluginId);
    });
  }

  /** A message of the host itself. */
  info(message: string): void {
    void this.show('info', message, undefined, []);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
