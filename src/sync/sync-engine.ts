import type { CaptureStats, ChangeCapture } from '../contracts/change-capture.js';
import type { DeadLetter } from '../contracts/dead-letter.js';
import type { ConsumerProgress, EventLog, EventPublisher } from '../contracts/event-log.js';
import type { HomeStore } from '../contracts/home-store.js';
import { type LogPosition, maxPosition } from '../contracts/log-position.js';
import type { ViewStoreBase } from '../contracts/view-store.js';
import { PolystoreError } from '../errors/index.js';
import type { EntityDef } from '../model/define-entity.js';
import type { Logger } from '../runtime/logger.js';
import { unknownView } from '../views/unknown-view.js';
import type { ViewDef } from '../views/view-def.js';
import type { BackfillRecord } from './backfill/backfill-state.js';
import { ViewBackfills } from './backfill/view-backfills.js';
import { DataLossRecovery } from './data-loss-recovery.js';
import { EmbeddedViewLeases } from './embedded-view-leases.js';
import { outboxHold } from './outbox-hold.js';
import { OutboxRelay } from './outbox-relay.js';
import { ProgressTracker } from './progress-tracker.js';
import { ProgressWaiter } from './progress-waiter.js';
import { Projector, type ProjectorStats } from './projector.js';
import { MAX_BATCH_SIZE, type ResolvedSyncOptions, resolveSyncOptions, type SyncOptions } from './sync-options.js';
import { type ViewStatsSnapshot, ViewStatsSnapshots } from './view-stats-snapshots.js';

export type { SyncOptions } from './sync-options.js';
export type { ViewStatsSnapshot } from './view-stats-snapshots.js';

/**
 * One view's stats. `checkpoint` and `progress` are durable, read from the
 * log (the same from any process); the counters and lag percentiles count
 * only what this process's projector did (`local`: whether it runs here).
 */
export type ViewSyncStats = ProjectorStats & {
  /** Every event at or before it is handled: `progress.through`. */
  readonly checkpoint: LogPosition | null;
  readonly progress: ConsumerProgress;
  /** Whether this view's projector runs in this process. */
  readonly local: boolean;
};

export interface SyncStats {
  readonly views: readonly ViewSyncStats[];
  readonly deadLetters: number;
  /** Newest event in the log. */
  readonly head: LogPosition | null;
  /** The change capture feeding a broker log, when this process runs one. */
  readonly capture?: CaptureStats & { readonly name: string };
  /** Views whose store reported that it lost its data, being rebuilt from the home in this process. */
  readonly rebuilding: readonly string[];
  /** Backfills running or paused (in any process), read from the home. */
  readonly backfills: readonly BackfillRecord[];
}

export interface ReplayResult {
  readonly replayed: number;
  readonly failed: number;
}

/**
 * Runs one projector per view over an event log. Writes are never applied to
 * views directly: they reach them only through the log.
 *
 * Progress is read from the log (`EventLog.progress`), never from this
 * process's memory, so read-your-writes, `catchUp()`, `stats()` and
 * `polystore status` tell the truth in a writer process whose views are
 * projected by workers elsewhere. The one in-process shortcut is exact: on an
 * in-order log (the outbox read directly) a running projector's position is a
 * contiguous prefix.
 */
export class SyncEngine {
  readonly #projectors = new Map<string, Projector>();
  /** Present when the log is a broker: it moves outbox events there. */
  readonly #relay: ChangeCapture | undefined;
  /** Rebuilds the views of a store that reports it lost its data (a Redis restarted empty). */
  readonly #recovery: DataLossRecovery;
  /**
   * Fills views from the home where the log cannot: new views on existing
   * data, views behind the pruned outbox, requested backfills (durable,
   * leased, resumable; see ViewBackfills).
   */
  readonly backfills: ViewBackfills;
  readonly #log: EventLog;
  readonly #options: ResolvedSyncOptions;
  readonly #tracker: ProgressTracker;
  /** Read-your-writes and catch-up waits. */
  readonly #waiter: ProgressWaiter;
  /** Each view's counters, kept durable in the home for every process to read. */
  readonly #snapshots: ViewStatsSnapshots;
  /** One live process per embedded view's consumer (see EmbeddedViewLeases). */
  readonly #leases: EmbeddedViewLeases;
  #running = false;
  /** Consumers in other processes that `catchUp()` waits for too (see `alsoCatchUp`). */
  #elsewhere: (() => Promise<readonly string[]>) | undefined;
  /** What runs beside the projectors, started after them and stopped before them (a replica's serving side). */
  readonly #companions: { start(): Promise<void>; stop(): Promise<void> }[] = [];
  #pruneTimer: NodeJS.Timeout | undefined;
  /** The newest write token committed through this process. */
  #newestWrite: LogPosition | null = null;

  constructor(
    private readonly home: HomeStore,
    log: EventLog,
    views: readonly { view: ViewDef<unknown>; store: ViewStoreBase<unknown>; entity: EntityDef }[],
    options: SyncOptions,
    private readonly logger: Logger,
  ) {
    const resolved = resolveSyncOptions(options);
    this.#options = resolved;
    this.#log = log;
    const { retry, pollIntervalMs, flushIntervalMs } = resolved;
    if (isPublisher(log)) {
      const context = { home, publisher: log, batchSize: resolved.batchSize, pollIntervalMs, retry, logger };
      this.#relay = resolved.capture
        ? resolved.capture(context)
        : new OutboxRelay(home, log, { name: `relay_${log.name}`, ...context });
    } else if (resolved.capture) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'sync.capture needs a broker log to publish to', {
        field: 'sync.capture',
        fix: 'set `log` to a broker log (jetstreamLog, redisStreamsLog), or remove `sync.capture` to read the outbox directly',
      });
    }
    for (const { view, store } of views) {
      // The store's preferred batch, unless the caller chose one.
      const preferred = Number.isSafeInteger(store.batchSize) ? store.batchSize! : 0;
      const batchSize =
        options.batchSize === undefined
          ? Math.min(Math.max(resolved.batchSize, preferred), MAX_BATCH_SIZE)
          : resolved.batchSize;
      this.#projectors.set(
        view.name,
        new Projector({
          view,
          store,
          log,
          deadLetters: { add: (letter) => home.addDeadLetter(letter) },
          batchSize,
          pollIntervalMs,
          flushIntervalMs,
          retry,
          logger,
          onCommit: () => {
            this.#waiter.wake();
          },
        }),
      );
    }
    this.#recovery = new DataLossRecovery(home, views, retry, logger, (view) => this.#tracker.through(view));
    this.#tracker = new ProgressTracker(log, this.#relay, logger);
    this.#snapshots = new ViewStatsSnapshots(home, this.#projectors, resolved.statsIntervalMs, logger);
    this.#leases = new EmbeddedViewLeases(
      home,
      views.filter(({ store }) => store.processLocal === true).map(({ view }) => view.name),
      logger,
    );
    this.#waiter = new ProgressWaiter(this.#tracker, this.#projectors, () => this.#exactHere());
    this.backfills = new ViewBackfills({
      home,
      targets: views,
      inOrderLog: log.inOrder === true,
      handledThrough: (view) => this.#tracker.through(view),
      retry,
      logger,
      options: resolved.backfill,
    });
  }

  get running(): boolean {
    return this.#running;
  }

  /** The change capture feeding the broker log (absent when projectors read the outbox directly). */
  get capture(): ChangeCapture | undefined {
    return this.#relay;
  }

  /** Starts every projector (in this process). */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#tracker.open();
    try {
      if (this.#options.relay) await this.#relay?.start();
      if (this.#options.projectors) {
        await this.#leases.claim();
        await this.backfills.plan();
        await Promise.all([...this.#projectors.values()].map((p) => p.start()));
        this.#snapshots.start();
        this.#recovery.start();
        this.backfills.start();
        for (const companion of this.#companions) await companion.start();
      }
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
    const every = this.#options.pruneIntervalMs;
    if (every > 0) {
      this.#pruneTimer = setInterval(() => {
        this.prune().catch((err: unknown) => this.logger.warn({ error: String(err) }, 'outbox prune failed'));
      }, every);
      this.#pruneTimer.unref();
    }
  }

  /**
   * Runs `companion` whenever this process's projectors run: started after
   * them by `start()`, stopped before them by `stop()`. At once when they run already.
   */
  async attach(companion: { start(): Promise<void>; stop(): Promise<void> }): Promise<void> {
    this.#companions.push(companion);
    if (this.#running && this.#options.projectors) await companion.start();
  }

  /** Stops every projector after its current batch, with checkpoints saved. */
  async stop(): Promise<void> {
    if (!this.#running) {
      // Never started here, but a read-your-writes wait may have asked the
      // capture for watermarks, which opens a connection: release it.
      await this.#tracker.close();
      await this.#relay?.stop();
      this.#tracker.open();
      return;
    }
    this.#running = false;
    clearInterval(this.#pruneTimer);
    for (const companion of this.#companions) await companion.stop().catch(() => undefined);
    await this.backfills.stop();
    await this.#recovery.stop();
    // Before the capture stops: a watermark request must not reopen what it closes.
    await this.#tracker.close();
    await this.#relay?.stop();
    await Promise.all([...this.#projectors.values()].map((p) => p.stop()));
    await this.#snapshots.stop();
    await this.#leases.release();
  }

  /**
   * Called after each local commit, with the write's token when known: wakes
   * idle projectors and the relay, and remembers the newest token so that
   * `catchUp()` covers this process's own writes even before the home counts
   * them as settled (an older transaction elsewhere may still be open).
   */
  notify(position?: LogPosition): void {
    if (position !== undefined) this.#newestWrite = maxPosition(this.#newestWrite, position);
    this.#relay?.wake();
    for (const projector of this.#projectors.values()) projector.wake();
  }

  /**
   * Waits until the named views (default: all) have applied every event up to
   * `position` (a write's token), as their durable progress in the log shows:
   * it works the same whether the projectors run here or in other processes.
   * Throws `PS_ERR_CONSISTENCY_TIMEOUT` after `timeoutMs`.
   *
   * @example
   * // `token`: the outbox position a write returned (what read-your-writes reads pass here)
   * await db.sync.waitFor(token, ['items_cache'], 5_000);
   */
  async waitFor(position: LogPosition, viewNames: readonly string[] | undefined, timeoutMs: number): Promise<void> {
    const names = viewNames ?? [...this.#projectors.keys()];
    for (const name of names) this.#projector(name);
    await this.#waiter.waitFor(position, names, timeoutMs);
  }

  /**
   * Waits until every view's durable progress reaches the log's head as of
   * this call (the home's settled outbox head, the broker's head, and this
   * process's newest write), including events a crashed worker still held (they return to
   * the log and must be handled again), and any view being rebuilt after a
   * data loss is rebuilt; then checkpoints this process's projectors. Times
   * out with `PS_ERR_CONSISTENCY_TIMEOUT` when nothing moves the views (no
   * worker, or no relay, running anywhere).
   */
  async catchUp(timeoutMs = 60_000): Promise<void> {
    const names = [...this.#projectors.keys()];
    const [head, logHead] = await Promise.all([
      this.home.outboxHead(),
      // The broker may hold events the outbox has already pruned.
      this.#log.inOrder || names.length === 0 ? null : this.#tracker.progress(names[0]!).then((p) => p.head),
    ]);
    const target = maxPosition(maxPosition(head, logHead), this.#newestWrite);
    const deadline = Date.now() + timeoutMs;
    if (target !== null) await this.waitFor(target, undefined, timeoutMs);
    const elsewhere = target === null ? [] : await this.#catchUpElsewhere(target, deadline, timeoutMs);
    await this.backfills.waitUntilDone([...names, ...elsewhere], deadline, timeoutMs);
    await this.#recovery.idle();
    await Promise.all([...this.#projectors.values()].map((p) => p.commit()));
    if (this.#running) await this.#snapshots.save();
  }

  /**
   * Also waits, in `catchUp()`, for the consumers `list` names that run in
   * other processes (the live replicas of embedded views kept elsewhere),
   * asked again as it waits: one that dies meanwhile leaves the list.
   */
  alsoCatchUp(list: () => Promise<readonly string[]>): void {
    this.#elsewhere = list;
  }

  /** Waits until every consumer elsewhere has handled `target`; returns the ones waited for. */
  async #catchUpElsewhere(target: LogPosition, deadline: number, timeoutMs: number): Promise<string[]> {
    const list = this.#elsewhere;
    if (!list) return [];
    for (;;) {
      const others = (await list()).filter((name) => !this.#projectors.has(name));
      const through = await Promise.all(others.map((name) => this.#tracker.through(name)));
      const behind = others.filter((_, i) => through[i] === null || through[i]! < target);
      if (behind.length === 0) return others;
      if (Date.now() >= deadline) {
        throw new PolystoreError(
          'PS_ERR_CONSISTENCY_TIMEOUT',
          `Replicas elsewhere did not reach the log's head within ${timeoutMs} ms (behind: ${behind.join(', ')})`,
          {
            fix: 'raise `timeoutMs`, or look at `polystore status` for a replica that is stalled',
            details: { behind, timeoutMs },
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Per view, what every worker projecting it counted (applied, skipped,
   * dead-lettered, failed attempts, lag histograms by stage), read from the
   * home: the same from any process, at most `sync.statsIntervalMs` behind
   * the workers (exact for this process's own projectors).
   *
   * @example
   * const stats = await db.sync.viewStats();
   * console.log(stats.get('products_cache')?.applied, stats.get('products_cache')?.lagP99Ms);
   */
  viewStats(): Promise<Map<string, ViewStatsSnapshot>> {
    return this.#snapshots.read();
  }

  /** Per view durable progress (read from the log) and this process's counters; see {@link ViewSyncStats}. */
  async stats(): Promise<SyncStats> {
    const [head, letters] = await Promise.all([this.home.outboxHead(), this.home.listDeadLetters()]);
    const local = this.#running && this.#options.projectors;
    const views = await Promise.all(
      [...this.#projectors.values()].map(async (projector): Promise<ViewSyncStats> => {
        const progress = await this.progress(projector.name);
        return { ...projector.stats(), checkpoint: progress.through, progress, local };
      }),
    );
    const capture = this.#running && this.#relay ? { name: this.#relay.name, ...this.#relay.stats() } : undefined;
    const rebuilding = this.#recovery.rebuilding;
    const backfills = await this.backfills.unfinished();
    const base = { views, deadLetters: letters.length, head, rebuilding, backfills };
    return capture ? { ...base, capture } : base;
  }

  /**
   * The view's durable progress (from any process): the log's, joined with
   * the home's outbox, since a broker knows only what reached it. Events
   * committed in the home and not yet published (a capture that is stopped,
   * failing or behind) are unhandled too: they count in the backlog, move the
   * head and date the lag.
   */
  async progress(view: string, cap = 10_000): Promise<ConsumerProgress> {
    this.#projector(view);
    const progress = await this.#tracker.progress(view);
    if (this.#log.inOrder) return progress;
    const waiting = await this.home.readOutbox(progress.through, cap);
    if (waiting.length === 0) return progress;
    const first = waiting[0]!.committedAt;
    return {
      ...progress,
      head: maxPosition(progress.head, waiting.at(-1)!.position),
      backlog: Math.max(progress.backlog ?? 0, waiting.length),
      oldestUnhandledAt: progress.oldestUnhandledAt === null ? first : Math.min(progress.oldestUnhandledAt, first),
    };
  }

  /**
   * The durable progress of any consumer of the log, declared here or not:
   * another process's replica of an embedded view (`<view>__<replica>`).
   */
  consumerProgress(consumer: string): Promise<ConsumerProgress> {
    return this.#tracker.progress(consumer);
  }

  /** Events (and, on a broker, watermarks) the view has not handled yet, counted up to `cap`. */
  async backlog(view: string, cap = 10_000): Promise<number> {
    const progress = await this.progress(view, cap);
    if (progress.backlog !== null) return Math.min(progress.backlog, cap);
    return (await this.home.readOutbox(progress.through, cap)).length;
  }

  /** When each view's checkpoint in the home was last set (epoch ms), where the home records it. */
  async checkpointTimes(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const { consumer, updatedAt } of await this.home.listCheckpoints())
      if (updatedAt !== null && this.#projectors.has(consumer)) out.set(consumer, updatedAt);
    return out;
  }

  deadLetters(view?: string): Promise<DeadLetter[]> {
    return this.home.listDeadLetters(view);
  }

  /**
   * Applies dead-lettered events again (version-guarded: an event a newer one
   * superseded changes nothing) and removes each one that succeeds;
   * `select` limits it to some of them (one error signature, say).
   *
   * @example
   * const { replayed, failed } = await db.sync.replayDeadLetters('products_cache', (l) => l.id === letter.id);
   */
  async replayDeadLetters(view?: string, select?: (letter: DeadLetter) => boolean): Promise<ReplayResult> {
    let replayed = 0;
    let failed = 0;
    for (const letter of await this.home.listDeadLetters(view)) {
      if (select && !select(letter)) continue;
      const projector = this.#projectors.get(letter.consumer);
      if (!projector) {
        failed++;
        continue;
      }
      try {
        await projector.replay(letter.event);
        await this.home.removeDeadLetter(letter.id);
        replayed++;
      } catch (err) {
        failed++;
        this.logger.warn(
          { view: letter.consumer, eventId: letter.event.eventId, error: String(err) },
          'dead letter replay failed',
        );
      }
    }
    return { replayed, failed };
  }

  /**
   * The home under this engine was replaced (`Polystore.moveHome`), while it
   * was stopped: forget positions of the old home (this process's newest
   * write, what the outbox log cached). The next `start()` reads every
   * checkpoint from the new home.
   */
  homeMoved(): void {
    this.#newestWrite = null;
    this.#log.reset?.();
  }

  /** Deletes outbox events that every view has durably passed (and that no home move still reads). */
  async prune(): Promise<number> {
    // With a broker, the capture is the outbox's only reader: prune what it published.
    const relay = this.#relay;
    const positions = relay
      ? [await relay.prunablePosition()]
      : await Promise.all([...this.#projectors.keys()].map((name) => this.home.getCheckpoint(name)));
    if (positions.length === 0 || positions.some((p) => p === null)) return 0;
    // A home move reading the outbox keeps what it has not read (all of it before it starts).
    const hold = await outboxHold(this.home);
    if (hold === null) return 0;
    const oldest = [...(positions as LogPosition[]), ...(hold === undefined ? [] : [hold])].sort()[0]!;
    const pruned = await this.home.pruneOutbox(oldest);
    // A view that had not passed it (one added later, or run by another config) must be backfilled.
    if (pruned > 0) await this.backfills.advanceHorizon(oldest);
    return pruned;
  }

  /** True when this process's projectors read an in-order log: their positions are contiguous prefixes. */
  #exactHere(): boolean {
    return this.#running && this.#options.projectors && this.#log.inOrder === true;
  }

  #projector(name: string): Projector {
    const projector = this.#projectors.get(name);
    if (!projector) throw unknownView(name, this.#projectors.keys());
    return projector;
  }
}

function isPublisher(log: EventLog): log is EventLog & EventPublisher {
  return typeof (log as Partial<EventPublisher>).publish === 'function';
}
