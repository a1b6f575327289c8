// Editor events → plugin hooks. Every subscribed plugin gets every event, in order, through its own lane, so a slow or
// failing plugin never delays another one (each runs in its own worker) and never blocks the editor.
//
// Document changes are batched per plugin and per document: a change is delivered as soon as the plugin is free
// (after the optional debounce window, default: the same event-loop turn), and changes that arrive while the plugin is
// still busy with the previous batch are merged into the next one. A fast plugin sees every edit promptly, a slow one
// sees fewer, larger batches; none is lost. Pending changes of a document are delivered before any later event about
// it (save, close), so a save hook always sees the text it saves. Selection changes are throttled (latest wins).

import { Action, EditorEvent, Types } from '../runtime/abi';
import type { EditorEventKind } from '../manifest';
import type { PluginController } from './pluginController';
import { PluginError, describeError } from '../errors';
import type { Log } from '../log';

export interface RouterSubscribers {
  subscribers(kind: EditorEventKind): PluginController[];
}

export interface RouterSink {
  /** Actions a plugin returned from a hook (not will-save: those go back to the caller). */
  actions(plugin: PluginController, actions: Action[], kind: EditorEventKind): void;
  /** A hook failed (trap, timeout, error); the router carries on. */
  failed(plugin: PluginController, error: PluginError, kind: EditorEventKind): void;
}

export interface RouterOptions {
  /** Extra wait before a change batch is sent; 0 = same event-loop turn. */
  readonly changeDebounceMs: number;
  /** At most one selection event per this interval per plugin (the last one wins). */
  readonly selectionThrottleMs: number;
  /** A batch holding this many changes is sent at once, whatever the debounce. */
  readonly maxChangesPerBatch: number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = { changeDebounceMs: 0, selectionThrottleMs: 100, maxChangesPerBatch: 5_000 };

type DocumentInfo = Types.DocumentInfo;
type ContentChange = Types.ContentChange;

interface PendingChanges {
  document: DocumentInfo;
  changes: ContentChange[];
}

interface QueueItem {
  readonly event: EditorEvent;
  readonly kind: EditorEventKind;
  /** Set for requests whose actions go back to the caller (will-save) instead of the sink. */
  readonly reply?: (actions: Action[]) => void;
}

/** One plugin's ordered delivery queue. */
class Lane {
  private readonly pending = new Map<string, PendingChanges>(); // by uri, insertion-ordered
  private pendingSelection: EditorEvent | undefined;
  private lastSelectionAt = -Infinity;
  private busy = false;
  private readonly queue: QueueItem[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the pending timer fires (router clock); a sooner need replaces it. */
  private timerDue = Infinity;

  constructor(readonly plugin: PluginController, private readonly router: EventRouter) {}

  addChanges(document: DocumentInfo, changes: readonly ContentChange[]): void {
    const p = this.pending.get(document.uri);
    if (p) {
      p.document = document;
      p.changes.push(...changes);
    } else {
      this.pending.set(document.uri, { document, changes: [...changes] });
    }
    if ((this.pending.get(document.uri)?.changes.length ?? 0) >= this.router.options.maxChangesPerBatch) this.flushChanges(document.uri);
    this.schedule();
  }

  setSelection(event: EditorEvent): void {
    this.pendingSelection = event;
    this.schedule();
  }

  /** An event about a document (or global): pending changes of that document go first. */
  push(event: EditorEvent, kind: EditorEventKind, uri?: string, reply?: (actions: Action[]) => void): void {
    if (uri !== undefined) this.flushChanges(uri);
    this.queue.push({ event, kind, reply });
    this.schedule();
  }

  private flushChanges(uri: string): void {
    const p = this.pending.get(uri);
    if (!p) return;
    this.pending.delete(uri);
    this.queue.push({ event: Types.EditorEvent.DocumentChanged({ document: p.document, changes: p.changes }), kind: 'document-changed' });
  }

  private schedule(): void {
    if (this.busy) return;
    const selectionWait = this.pendingSelection ? Math.max(0, this.lastSelectionAt + this.router.options.selectionThrottleMs - this.router.now()) : Infinity;
    const changeWait = this.pending.size > 0 ? this.router.options.changeDebounceMs : Infinity;
    const wait = this.queue.length > 0 ? 0 : Math.min(selectionWait, changeWait);
    if (wait === Infinity) return;
    // A timer already set for a throttled selection must not hold back an event that is due sooner.
    const due = this.router.now() + wait;
    if (this.timer !== undefined) {
      if (due >= this.timerDue) return;
      this.cancelTimer();
    }
    this.timerDue = due;
    // setImmediate batches everything that arrives in the same event-loop turn.
    this.timer = wait === 0
      ? (setImmediate(() => this.run()) as unknown as NodeJS.Timeout)
      : setTimeout(() => this.run(), wait);
  }

  private next(): QueueItem | undefined {
    const queued = this.queue.shift();
    if (queued) return queued;
    const first = this.pending.keys().next();
    if (!first.done) {
      this.flushChanges(first.value);
      return this.queue.shift();
    }
    if (this.pendingSelection && this.router.now() - this.lastSelectionAt >= this.router.options.selectionThrottleMs) {
      const event = this.pendingSelection;
      this.pendingSelection = undefined;
      this.lastSelectionAt = this.router.now();
      return { event, kind: 'selection-changed' };
    }
    return undefined;
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); clearImmediate(this.timer as unknown as NodeJS.Immediate); }
    this.timer = undefined;
    this.timerDue = Infinity;
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    this.timerDue = Infinity;
    if (this.busy) return;
    this.busy = true;
    try {
      for (let item = this.next(); item !== undefined; item = this.next()) {
        await this.router.deliver(this.plugin, item);
      }
    } finally {
      this.busy = false;
      this.schedule();
      // Only now is the lane idle: the check after the last delivery ran while it was still busy.
      this.router.checkIdle();
    }
  }

  get idle(): boolean {
    return !this.busy && this.queue.length === 0 && this.pending.size === 0 && this.pendingSelection === undefined;
  }

  dispose(): void {
    this.cancelTimer();
    this.queue.length = 0;
    this.pending.clear();
  }
}

export class EventRouter {
  private readonly lanes = new Map<PluginController, Lane>();
  private readonly idleWaiters: (() => void)[] = [];
  private optionsValue: RouterOptions;

  constructor(
    private readonly registry: RouterSubscribers,
    private readonly sink: RouterSink,
    private readonly log: Log,
    options: Partial<RouterOptions> = {},
    readonly now: () => number = () => performance.now(),
  ) {
    this.optionsValue = { ...DEFAULT_ROUTER_OPTIONS, ...options };
  }

  get options(): RouterOptions {
    return this.optionsValue;
  }

  /** Changes batching and throttling from now on (settings changed). */
  configure(options: Partial<RouterOptions>): void {
    this.optionsValue = { ...this.optionsValue, ...options };
  }

  private lane(plugin: PluginController): Lane {
    let lane = this.lanes.get(plugin);
    if (!lane) {
      lane = new Lane(plugin, this);
      this.lanes.set(plugin, lane);
    }
    return lane;
  }

  /** Forget lanes of plugins that are gone (after a reload or disable). */
  prune(alive: readonly PluginController[]): void {
    const keep = new Set(alive);
    for (const [plugin, lane] of this.lanes) {
      if (!keep.has(plugin)) { lane.dispose(); this.lanes.delete(plugin); }
    }
  }

  documentChanged(document: DocumentInfo, changes: readonly ContentChange[]): void {
    if (changes.length === 0) return;
    for (const p of this.registry.subscribers('document-changed')) this.lane(p).addChanges(document, changes);
  }

  selectionChanged(uri: string, selections: Types.Selection[]): void {
    const event = Types.EditorEvent.SelectionChanged({ uri, selections });
    for (const p of this.registry.subscribers('selection-changed')) this.lane(p).setSelection(event);
  }

  /**
   * Queues an event for every subscriber. `event` may be a function giving each plugin its own payload (or undefined
   * to skip it), e.g. configuration changes filtered by the keys a plugin declared. `uri` orders it after that
   * document's pending changes.
   */
  fire(kind: EditorEventKind, event: EditorEvent | ((plugin: PluginController) => EditorEvent | undefined), uri?: string): void {
    for (const p of this.registry.subscribers(kind)) {
      const e = typeof event === 'function' ? event(p) : event;
      if (e !== undefined) this.lane(p).push(e, kind, uri);
    }
  }

  /**
   * Will-save: asks every subscriber, each after its pending changes of this document, and returns the actions of
   * those that answered within their will-save timeout. A plugin that fails or is late is skipped (and reported), so
   * the save never waits longer than the largest will-save timeout.
   */
  async willSave(event: EditorEvent, uri: string): Promise<{ plugin: PluginController; actions: Action[] }[]> {
    const plugins = this.registry.subscribers('document-will-save');
    const answers = await Promise.all(plugins.map((plugin) => new Promise<{ plugin: PluginController; actions: Action[] }>((resolve) => {
      const timer = setTimeout(() => {
        this.reportFailure(plugin, new PluginError('timeout', plugin.id,
          `${plugin.binary.manifest.name} (${plugin.id}) did not answer the will-save hook within ${plugin.limits.willSaveTimeoutMs} ms; the file was saved without its edits.`), 'document-will-save');
        resolve({ plugin, actions: [] });
      }, plugin.limits.willSaveTimeoutMs + 50);
      this.lane(plugin).push(event, 'document-will-save', uri, (actions) => {
        clearTimeout(timer);
        resolve({ plugin, actions });
      });
    })));
    return answers.filter((a) => a.actions.length > 0);
  }

  /** Resolves once every lane has delivered everything queued (tests and benchmarks). */
  whenIdle(): Promise<void> {
    if ([...this.lanes.values()].every((l) => l.idle)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** @internal used by lanes */
  async deliver(plugin: PluginController, item: QueueItem): Promise<void> {
    try {
      const actions = await plugin.handleEvent(item.event, item.reply ? 'will-save' : 'hook');
      if (item.reply) item.reply(actions);
      else if (actions.length > 0) this.sink.actions(plugin, actions, item.kind);
    } catch (e) {
      item.reply?.([]);
      this.reportFailure(plugin, e, item.kind);
    } finally {
      queueMicrotask(() => this.checkIdle());
    }
  }

  private reportFailure(plugin: PluginController, e: unknown, kind: EditorEventKind): void {
    const error = e instanceof PluginError ? e : new PluginError('internal', plugin.id, describeError(e));
    this.log.warn(`${kind} hook of ${plugin.id} failed: ${error.message}`);
    try { this.sink.failed(plugin, error, kind); } catch (err) { this.log.error(`failure sink threw: ${describeError(err)}`); }
  }

  /** @internal used by lanes */
  checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    if (![...this.lanes.values()].every((l) => l.idle)) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  dispose(): void {
    for (const lane of this.lanes.values()) lane.dispose();
    this.lanes.clear();
  }
}
