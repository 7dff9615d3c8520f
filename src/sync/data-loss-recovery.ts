import { type RebuildTarget, rebuildView } from '../checker/rebuild-view.js';
import type { HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';
import type { DataLoss, ViewStoreBase } from '../contracts/view-store.js';
import { describeError, type Logger } from '../runtime/logger.js';
import { backoffDelay, type RetryPolicy } from '../runtime/retry-policy.js';
import { SharedNaps } from '../runtime/wakeable-sleep.js';

/**
 * Answers a store's report that it lost its data (`onDataLoss`, e.g. a Redis
 * restarted without persistence) by rebuilding every view on that store from
 * the home, then recording the rebuild with the store. Projectors keep
 * applying meanwhile: rebuild and projector both apply version-guarded, so
 * whichever writes a key last, the newer version stays. Rebuilds of one store
 * run one after another; a failing one is retried with backoff until it
 * succeeds or the engine stops (a crash leaves the loss unrecorded, so the
 * next process rebuilds again).
 */
export class DataLossRecovery {
  readonly #byStore = new Map<ViewStoreBase<unknown>, RebuildTarget[]>();
  readonly #unsubscribe: (() => void)[] = [];
  /** Per store, the rebuilds queued or running. */
  readonly #queues = new Map<ViewStoreBase<unknown>, Promise<void>>();
  readonly #waiting = new Set<string>();
  #stopped = true;
  readonly #naps = new SharedNaps();

  /**
   * `handledThrough` reads a view's durable progress: a store whose views never
   * handled anything (a new key prefix) lost nothing; it is recorded as built
   * and left to the projectors and backfills, not reported as a data loss.
   */
  constructor(
    private readonly home: HomeStore,
    targets: readonly RebuildTarget[],
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
    private readonly handledThrough: (view: string) => Promise<LogPosition | null>,
  ) {
    for (const target of targets) {
      if (typeof target.store.onDataLoss !== 'function') continue;
      const views = this.#byStore.get(target.store) ?? [];
      views.push(target);
      this.#byStore.set(target.store, views);
    }
  }

  /** Views whose store reported a loss and which are not rebuilt yet. */
  get rebuilding(): string[] {
    return [...this.#waiting];
  }

  /** Starts watching each store that can report a loss (a loss already pending is reported at once). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    for (const [store, targets] of this.#byStore)
      this.#unsubscribe.push(store.onDataLoss!((loss) => this.#enqueue(store, targets, loss)));
  }

  /** Stops watching; a rebuild in progress ends at its next step (its loss stays unrecorded). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#naps.wakeAll();
    await Promise.all(this.#queues.values());
  }

  /** Resolves once no rebuild is queued or running. */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all(this.#queues.values());
  }

  #enqueue(store: ViewStoreBase<unknown>, targets: readonly RebuildTarget[], loss: DataLoss): void {
    if (this.#stopped) return;
    for (const { view } of targets) this.#waiting.add(view.name);
    const queued = (this.#queues.get(store) ?? Promise.resolve()).then(() => this.#rebuild(store, targets, loss));
    this.#queues.set(store, queued);
    void queued.finally(() => {
      if (this.#queues.get(store) !== queued) return;
      this.#queues.delete(store);
      for (const { view } of targets) this.#waiting.delete(view.name);
    });
  }

  async #rebuild(store: ViewStoreBase<unknown>, targets: readonly RebuildTarget[], loss: DataLoss): Promise<void> {
    const views = targets.map((t) => t.view.name);
    const progress = await Promise.all(views.map((view) => this.handledThrough(view).catch(() => undefined)));
    if (progress.every((through) => through === null)) {
      // Nothing was lost: the views' projectors fill them from the log, and a backfill (planned when
      // sync starts) copies what the log no longer holds. Copying here as well would do it twice.
      const recorded = await loss.rebuilt().catch(() => false);
      this.logger.info(
        { views, store: store.driver, recorded },
        'a new view store: its views are filled by their projectors and backfills',
      );
      return;
    }
    this.logger.warn(
      { views, store: store.driver, loss: loss.id },
      'a view store lost its data; rebuilding its views from the home',
    );
    for (let attempt = 1; !this.#stopped; attempt++) {
      try {
        let written = 0;
        for (const target of targets) written += (await rebuildView(this.home, target)).written;
        // False when the store lost its data again meanwhile: that loss is queued by its own report.
        const recorded = await loss.rebuilt();
        this.logger.info({ views: targets.map((t) => t.view.name), loss: loss.id, written, recorded }, 'views rebuilt');
        return;
      } catch (err) {
        this.logger.warn(
          { views: targets.map((t) => t.view.name), loss: loss.id, attempt, error: describeError(err) },
          'rebuilding views after a data loss failed, retrying',
        );
        await this.#naps.sleep(backoffDelay(this.retry, Math.min(attempt, 8)));
      }
    }
  }
}
