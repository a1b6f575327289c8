// One LogOutputChannel for the host and one per plugin, created when first written to. The core logs through the
// `Log` interface; nothing in the extension writes to the console.

import * as vscode from 'vscode';
import type { Log } from '../core/log';

export class Logs implements vscode.Disposable {
  readonly host: vscode.LogOutputChannel;
  private readonly channels = new Map<string, vscode.LogOutputChannel>();

  constructor() {
    this.host = vscode.window.createOutputChannel('WASM Plugins', { log: true });
  }

  /** The channel of a plugin, e.g. "WASM Plugin: word-count". */
  channel(pluginId: string): vscode.LogOutputChannel {
    let c = this.channels.get(pluginId);
    if (c === undefined) {
      c = vscode.window.createOutputChannel(`WASM Plugin: ${pluginId}`, { log: true });
      this.channels.set(pluginId, c);
    }
    return c;
  }

  forPlugin(pluginId: string): Log {
    // Lazy: a plugin that never logs never gets a channel.
    return {
      trace: (m) => this.channel(pluginId).trace(m),
      debug: (m) => this.channel(pluginId).debug(m),
      info: (m) => this.channel(pluginId).info(m),
      warn: (m) => this.channel(pluginId).warn(m),
      error: (m) => this.channel(pluginId).error(m),
    };
  }

  get hostLog(): Log {
    return {
      trace: (m) => this.host.trace(m),
      debug: (m) => this.host.debug(m),
      info: (m) => this.host.info(m),
      warn: (m) => this.host.warn(m),
      error: (m) => this.host.error(m),
    };
  }

  show(pluginId?: string): void {
    (pluginId === undefined ? this.host : this.channel(pluginId)).show(true);
  }

  /** Channel names that exist right now (for tests and the manager view). */
  get pluginChannels(): readonly string[] {
    return [...this.channels.keys()];
  }

  dispose(): void {
    for (const c of this.channels.values()) c.dispose();
    this.channels.clear();
    this.host.dispose();
  }
}
