import { randomUUID } from 'node:crypto';
import type { FilterNode } from '../../contracts/filter-ast.js';
import type { HomeStore } from '../../contracts/home-store.js';
import type { LogPosition } from '../../contracts/log-position.js';
import { PolystoreError } from '../../errors/index.js';
import { parseFilter } from '../../model/parse-filter.js';
import { describeError, type Logger } from '../../runtime/logger.js';
import type { RetryPolicy } from '../../runtime/retry-policy.js';
import { SharedNaps } from '../../runtime/wakeable-sleep.js';
import { unknownView } from '../../views/unknown-view.js';
import type { BackfillOptions } from '../sync-options.js';
import { BackfillRecords, startingBackfill } from './backfill-record-store.js';
import { runBackfill } from './backfill-runner.js';
import { type BackfillReason, type BackfillRecord, claimable, isUnfinished } from './backfill-state.js';
import type { ReconcileTarget } from './reconcile-chunk.js';

interface Context {
  readonly home: HomeStore;
  readonly targets: readonly ReconcileTarget[];
  /** Whether the projectors read the outbox itself (whose pruned horizon then bounds what they can see). */
  readonly inOrderLog: boolean;
  /** A view's durable handled prefix, from the log. */
  readonly handledThrough: (view: string) => Promise<LogPosition | null>;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly options: Required<BackfillOptions>;
}

/**
 * Keeps every view filled from the home when the log alone cannot: a view
 * added to an application that already has data (its projector starts at the
 * log's beginning, which no longer holds the older records once the outbox
 * was pruned, or never held them on a broker started later), a view left
 * behind the pruned horizon, and any backfill asked for by an operator.
 *
 * Each backfill is a record in the home (`BackfillRecord`), so its state and
 * progress read the same from every process, and its work is leased: any
 * worker running projectors takes over one whose worker died, from the saved
 * cursor. While a view has a running backfill it is reported `backfilling`,
 * never up to date.
 */
export class ViewBackfills {
  readonly records: BackfillRecords;
  readonly #owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly #byView: ReadonlyMap<string, ReconcileTarget>;
  readonly #running = new Map<string, Promise<void>>();
  readonly #naps = new SharedNaps();
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  /** unfinishedRecently's last read per view. */
  readonly #recent = new Map<string, { at: number; record: BackfillRecord | null }>();

  constructor(private readonly ctx: Context) {
    this.records = new BackfillRecords(ctx.home);
    this.#byView = new Map(ctx.targets.map((t) => [t.view.name, t]));
  }

  /**
   * Records the backfills the views need, so that from now on every process
   * reports them. Run before the projectors start: a view that never handled
   * an event is told apart only then (once its projector reads the events
   * left after a prune, its checkpoint no longer shows what it missed).
   */
  async plan(): Promise<void> {
    if (this.ctx.options.auto) await this.#plan(false).catch((err: unknown) => this.#planFailed(err));
  }

  /** Looks for backfills to run or take over, at once and every `pollMs`. */
  start(): void {
    if (this.#abort) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#loop = this.#watch(abort.signal);
  }

  /** Stops at the next chunk boundary of each running backfill (its lease then runs out, or is taken over). */
  async stop(): Promise<void> {
    const abort = this.#abort;
    if (!abort) return;
    this.#abort = undefined;
    abort.abort();
    this.#naps.wakeAll();
    await this.#loop;
    await Promise.all(this.#running.values());
  }

  /** The view's backfill record (any process's), or null if it never had one. */
  async status(view: string): Promise<BackfillRecord | null> {
    this.#target(view);
    return (await this.records.read(view))?.record ?? null;
  }

  /**
   * Starts a backfill of the view from the home (replacing a finished or
   * cancelled one), or returns the one running or paused. A worker running
   * projectors picks it up; `run` does it in this process. `filter` (the
   * entity's filter syntax, as `find` takes) limits it to the matching records.
   *
   * @example
   * await db.sync.backfills.request('products_search', { filter: { category: 'audio' } });
   * await db.sync.backfills.run('products_search', { onProgress: (r) => console.log(r.examined, r.total) });
   */
  async request(view: string, options: { filter?: unknown } = {}): Promise<BackfillRecord> {
    const filter = parseFilter(this.#target(view).entity, options.filter);
    this.#recent.delete(view);
    for (;;) {
      const stored = await this.records.read(view);
      if (stored && isUnfinished(stored.record)) return stored.record;
      const record = await this.#newRecord(view, 'requested', filter);
      const put = await this.records.put(record, stored?.revision ?? null);
      if (put) {
        this.#wake();
        return put.record;
      }
    }
  }

  pause(view: string): Promise<BackfillRecord | null> {
    this.#target(view);
    this.#recent.delete(view);
    return this.records.update(view, () => ({ kind: 'pause' }));
  }

  async resume(view: string): Promise<BackfillRecord | null> {
    this.#target(view);
    this.#recent.delete(view);
    const record = await this.records.update(view, () => ({ kind: 'resume' }));
    this.#wake();
    return record;
  }

  cancel(view: string): Promise<BackfillRecord | null> {
    this.#target(view);
    this.#recent.delete(view);
    return this.records.update(view, () => ({ kind: 'cancel', now: Date.now() }));
  }

  /**
   * Runs the view's backfill in this process until it ends or stops being
   * this process's (paused, cancelled, taken over); the record as it ended.
   */
  async run(
    view: string,
    options: { onProgress?: (record: BackfillRecord) => void; signal?: AbortSignal } = {},
  ): Promise<BackfillRecord | null> {
    const target = this.#target(view);
    // This process's worker may be running it already: wait for that run instead of a second one beside it.
    const running = this.#running.get(view);
    if (running) {
      await running;
      return this.status(view);
    }
    const run = this.#runHere(target, options);
    this.#running.set(
      view,
      run.then(
        () => undefined,
        () => undefined,
      ),
    );
    try {
      return await run;
    } finally {
      this.#running.delete(view);
    }
  }

  #runHere(
    target: ReconcileTarget,
    options: { onProgress?: (record: BackfillRecord) => void; signal?: AbortSignal },
  ): Promise<BackfillRecord | null> {
    const { leaseMs, chunkBudgetMs, minChunk, maxChunk } = this.ctx.options;
    return runBackfill(this.ctx.home, this.records, target, {
      owner: this.#owner,
      leaseMs,
      chunkBudgetMs,
      minChunk,
      maxChunk,
      retry: this.ctx.retry,
      logger: this.ctx.logger,
      sleep: (ms) => this.#naps.sleep(ms),
      ...options,
    });
  }

  /**
   * The view's unfinished backfill as read from the home at most
   * `maxAgeMs` ago (one read per view per second on a busy path; this
   * process's own request, pause, resume or cancel reads it again), or null:
   * what a search tells its caller when the view does not hold every record yet.
   */
  async unfinishedRecently(view: string, maxAgeMs = 1000): Promise<BackfillRecord | null> {
    const now = Date.now();
    const cached = this.#recent.get(view);
    if (cached && now - cached.at < maxAgeMs) return cached.record;
    const stored = await this.records.read(view);
    const record = stored && isUnfinished(stored.record) ? stored.record : null;
    this.#recent.set(view, { at: now, record });
    return record;
  }

  /** The backfills of `views` (default all) that are running, read from the home. */
  async active(views?: readonly string[]): Promise<BackfillRecord[]> {
    return (await this.#recorded(views)).filter((record) => record.status === 'running');
  }

  /** The backfills of `views` (default all) that are running or paused, read from the home. */
  async unfinished(views?: readonly string[]): Promise<BackfillRecord[]> {
    return (await this.#recorded(views)).filter(isUnfinished);
  }

  async #recorded(views: readonly string[] | undefined): Promise<BackfillRecord[]> {
    const names = views ?? [...this.#byView.keys()];
    const records = await Promise.all(names.map((view) => this.records.read(view)));
    return records.flatMap((stored) => (stored ? [stored.record] : []));
  }

  /** Waits until no running backfill of `names` is left (any process's), or throws PS_ERR_CONSISTENCY_TIMEOUT. */
  async waitUntilDone(names: readonly string[], deadline: number, timeoutMs: number): Promise<void> {
    for (;;) {
      const active = await this.active(names);
      if (active.length === 0) return;
      if (Date.now() >= deadline) {
        const behind = active.map((b) => b.view);
        throw new PolystoreError(
          'PS_ERR_CONSISTENCY_TIMEOUT',
          `Views were still being backfilled after ${timeoutMs} ms (${behind.join(', ')})`,
          {
            fix: 'raise `timeoutMs`, or check `polystore status` for the backfill progress and a worker to run it',
            details: { behind, timeoutMs },
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Records the outbox's pruned horizon (after a prune), which tells which views must be backfilled. */
  advanceHorizon(position: LogPosition): Promise<void> {
    return this.records.advanceHorizon(position);
  }

  async #watch(signal: AbortSignal): Promise<void> {
    for (let ticks = 1; !signal.aborted; ticks++) {
      try {
        // Planning reads the log's progress for every view: every tenth look is often enough.
        // Projectors run meanwhile: only views left behind a later prune can be told apart now.
        if (this.ctx.options.auto && ticks % 10 === 0)
          await this.#plan(true).catch((err: unknown) => this.#planFailed(err));
        await this.#takeUp(signal);
      } catch (err) {
        this.ctx.logger.warn({ error: describeError(err) }, 'looking for backfills failed');
      }
      await this.#naps.sleep(this.ctx.options.pollMs);
    }
  }

  #planFailed(err: unknown): void {
    this.ctx.logger.warn({ error: describeError(err) }, 'could not tell which views need a backfill');
  }

  /**
   * Starts a backfill for each complete view the log cannot fill (see
   * {@link ViewBackfills}); `checkpointed`: only views that handled events
   * before (a view's first events, read while projectors run, hide what it missed).
   */
  async #plan(checkpointed: boolean): Promise<void> {
    const horizon = this.ctx.inOrderLog ? await this.records.horizon() : null;
    for (const [view, target] of this.#byView) {
      // A partial view (a TTL cache) is filled on reads; nothing to copy.
      if (target.view.completeness !== 'complete') continue;
      const stored = await this.records.read(view);
      if (stored && isUnfinished(stored.record)) continue;
      const through = await this.ctx.handledThrough(view);
      if (checkpointed && through === null) continue;
      let reason: BackfillReason;
      if (this.ctx.inOrderLog) {
        if (horizon === null || (through !== null && through >= horizon)) continue;
        // Already backfilled (or cancelled by an operator) for this horizon.
        if (stored && (stored.record.horizon ?? '') >= horizon) continue;
        reason = through === null ? 'new-view' : 'pruned';
      } else {
        // A broker's stream starts where its capture started: a view that never handled
        // an event may miss records written before, once. A finished backfill is not redone.
        if (through !== null || stored) continue;
        reason = 'new-view';
      }
      const last = await this.ctx.home.lastIds(target.entity.table);
      if (last.row === null && last.tombstone === null) continue;
      const record = await this.#newRecord(view, reason, null, horizon);
      if (await this.records.put(record, stored?.revision ?? null)) {
        this.ctx.logger.info({ view, reason, records: record.total }, 'backfilling a view from the home');
      }
    }
  }

  /** Runs each backfill of this process's views that is running and free (or whose worker's lease ran out). */
  async #takeUp(signal: AbortSignal): Promise<void> {
    for (const view of this.#byView.keys()) {
      if (signal.aborted || this.#running.has(view)) continue;
      const stored = await this.records.read(view);
      if (!stored || !claimable(stored.record, this.#owner, Date.now())) continue;
      const run = this.#runHere(this.#target(view), { signal })
        .then(() => undefined)
        .catch((err: unknown) => this.ctx.logger.warn({ view, error: describeError(err) }, 'backfill stopped'))
        .finally(() => this.#running.delete(view));
      this.#running.set(view, run);
    }
  }

  async #newRecord(
    view: string,
    reason: BackfillReason,
    filter: FilterNode | null,
    horizon?: string | null,
  ): Promise<BackfillRecord> {
    const { entity } = this.#target(view);
    const known = horizon !== undefined || !this.ctx.inOrderLog;
    const pruned = known ? (horizon ?? null) : await this.records.horizon();
    return startingBackfill(this.ctx.home, { view, entity, reason, filter, horizon: pruned });
  }

  #target(view: string): ReconcileTarget {
    const target = this.#byView.get(view);
    if (!target) throw unknownView(view, this.#byView.keys());
    return target;
  }

  #wake(): void {
    this.#naps.wakeAll();
  }
}
