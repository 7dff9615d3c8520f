import type { CaptureStats, ChangeCapture, ChangeCaptureFactory } from '../contracts/change-capture.js';
import type { DeadLetter } from '../contracts/dead-letter.js';
import type { EventLog, EventPublisher } from '../contracts/event-log.js';
import type { HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';
import type { ViewStoreBase } from '../contracts/view-store.js';
import { PolystoreError } from '../errors/index.js';
import type { EntityDef } from '../model/define-entity.js';
import type { Logger } from '../runtime/logger.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../runtime/retry-policy.js';
import type { ViewDef } from '../views/view-def.js';
import { DataLossRecovery } from './data-loss-recovery.js';
import { OutboxRelay } from './outbox-relay.js';
import { Projector, type ProjectorStats } from './projector.js';

export interface SyncOptions {
  /** Events fetched per batch (default 500). */
  readonly batchSize?: number;
  /** Wait between polls of an idle log, in ms (default 50); local writes wake projectors at once. */
  readonly pollIntervalMs?: number;
  /** Longest delay before an `on-flush` view is flushed and checkpointed (default 1000 ms). */
  readonly flushIntervalMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /**
   * With a broker log: run the change capture (the outbox relay, or `capture`)
   * in this process (default true). Run the outbox relay in one process or
   * several (publishing is de-duplicated by event id); a CDC capture in one
   * (a replication slot streams to one client at a time).
   */
  readonly relay?: boolean;
  /**
   * With a broker log: how committed outbox events reach it. Default: the
   * polling outbox relay; `postgresCdc(...)` from `polystore/postgres-cdc`
   * streams them from a logical replication slot instead.
   */
  readonly capture?: ChangeCaptureFactory;
  /** Run the projectors in this process (default true); false for a writer-only process. */
  readonly projectors?: boolean;
  /** Delete outbox events every consumer has passed, every this many ms (default 30 000; 0 disables). */
  readonly pruneIntervalMs?: number;
}

export interface SyncStats {
  /** Per view; `checkpoint` is the durable position (what a restart resumes from). */
  readonly views: readonly (ProjectorStats & { readonly checkpoint: LogPosition | null })[];
  readonly deadLetters: number;
  /** Newest event in the log. */
  readonly head: LogPosition | null;
  /** The change capture feeding a broker log, when this process runs one. */
  readonly capture?: CaptureStats & { readonly name: string };
  /** Views whose store reported that it lost its data, being rebuilt from the home in this process. */
  readonly rebuilding: readonly string[];
}

export interface ReplayResult {
  readonly replayed: number;
  readonly failed: number;
}

/**
 * Runs one projector per view over an event log. Writes are never applied to
 * views directly: they reach them only through the log.
 */
export class SyncEngine {
  readonly #projectors = new Map<string, Projector>();
  /** Present when the log is a broker: it moves outbox events there. */
  readonly #relay: ChangeCapture | undefined;
  /** Rebuilds the views of a store that reports it lost its data (a Redis restarted empty). */
  readonly #recovery: DataLossRecovery;
  #running = false;
  #pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly home: HomeStore,
    log: EventLog,
    views: readonly { view: ViewDef<unknown>; store: ViewStoreBase<unknown>; entity: EntityDef }[],
    private readonly options: SyncOptions,
    private readonly logger: Logger,
  ) {
    const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (isPublisher(log)) {
      const context = {
        home,
        publisher: log,
        batchSize: options.batchSize ?? 500,
        pollIntervalMs: options.pollIntervalMs ?? 50,
        retry,
        logger,
      };
      this.#relay = options.capture
        ? options.capture(context)
        : new OutboxRelay(home, log, { name: `relay_${log.name}`, ...context });
    } else if (options.capture) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'sync.capture needs a broker log to publish to', {
        field: 'sync.capture',
        fix: 'set `log` to a broker log (jetstreamLog, redisStreamsLog), or remove `sync.capture` to read the outbox directly',
      });
    }
    if (!(retry.maxAttempts >= 1)) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'sync.retry.maxAttempts must be at least 1', {
        field: 'sync.retry.maxAttempts',
        fix: 'use 1 or more',
      });
    }
    for (const { view, store } of views) {
      this.#projectors.set(
        view.name,
        new Projector({
          view,
          store,
          log,
          deadLetters: { add: (letter) => home.addDeadLetter(letter) },
          batchSize: options.batchSize ?? 500,
          pollIntervalMs: options.pollIntervalMs ?? 50,
          flushIntervalMs: options.flushIntervalMs ?? 1000,
          retry,
          logger,
        }),
      );
    }
    this.#recovery = new DataLossRecovery(home, views, retry, logger);
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
    try {
      if (this.options.relay !== false) await this.#relay?.start();
      if (this.options.projectors !== false) {
        await Promise.all([...this.#projectors.values()].map((p) => p.start()));
        this.#recovery.start();
      }
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
    const every = this.options.pruneIntervalMs ?? 30_000;
    if (every > 0) {
      this.#pruneTimer = setInterval(() => {
        this.prune().catch((err: unknown) => this.logger.warn({ error: String(err) }, 'outbox prune failed'));
      }, every);
      this.#pruneTimer.unref();
    }
  }

  /** Stops every projector after its current batch, with checkpoints saved. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#pruneTimer);
    await this.#recovery.stop();
    await this.#relay?.stop();
    await Promise.all([...this.#projectors.values()].map((p) => p.stop()));
  }

  /** Wakes idle projectors; called after each local commit. */
  notify(): void {
    this.#relay?.wake();
    for (const projector of this.#projectors.values()) projector.wake();
  }

  /**
   * Waits until the named views (default: all) have applied every event up to
   * `position`. Throws `PS_ERR_CONSISTENCY_TIMEOUT` after `timeoutMs`.
   */
  async waitFor(position: LogPosition, viewNames: readonly string[] | undefined, timeoutMs: number): Promise<void> {
    const names = viewNames ?? [...this.#projectors.keys()];
    for (const name of names) this.#projector(name);
    const deadline = Date.now() + timeoutMs;
    // In this process the projectors report as they apply; otherwise (workers
    // elsewhere) their durable checkpoints in the home are polled.
    const behind = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const name of names) {
        const at = this.#running ? this.#projector(name).position : await this.home.getCheckpoint(name);
        if (at === null || at < position) out.push(name);
      }
      return out;
    };
    let waiting = await behind();
    while (waiting.length > 0) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new PolystoreError(
          'PS_ERR_CONSISTENCY_TIMEOUT',
          `Views did not apply the write within ${timeoutMs} ms (behind: ${waiting.join(', ')})`,
          {
            fix: "raise `timeoutMs`, check `polystore status` for a stalled projector, or read with consistency 'strong'",
            details: { behind: waiting, timeoutMs },
          },
        );
      }
      if (this.#running) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all(waiting.map((name) => this.#projector(name).waitFor(position))),
          new Promise((resolve) => {
            timer = setTimeout(resolve, left);
          }),
        ]);
        clearTimeout(timer);
      } else {
        await new Promise((resolve) => setTimeout(resolve, Math.min(20, left)));
      }
      waiting = await behind();
    }
  }

  /**
   * Waits until every view has applied the log up to its current head (and
   * any view being rebuilt after a data loss is rebuilt), then checkpoints.
   */
  async catchUp(timeoutMs = 60_000): Promise<void> {
    const head = await this.home.outboxHead();
    if (head !== null) await this.waitFor(head, undefined, timeoutMs);
    await this.#recovery.idle();
    await Promise.all([...this.#projectors.values()].map((p) => p.commit()));
  }

  async stats(): Promise<SyncStats> {
    const [head, letters] = await Promise.all([this.home.outboxHead(), this.home.listDeadLetters()]);
    const views = [];
    for (const projector of this.#projectors.values()) {
      views.push({ ...projector.stats(), checkpoint: await this.home.getCheckpoint(projector.name) });
    }
    const capture = this.#running && this.#relay ? { name: this.#relay.name, ...this.#relay.stats() } : undefined;
    const rebuilding = this.#recovery.rebuilding;
    return capture
      ? { views, deadLetters: letters.length, head, capture, rebuilding }
      : { views, deadLetters: letters.length, head, rebuilding };
  }

  /** Events in the log after the view's durable checkpoint, counted up to `cap`. */
  async backlog(view: string, cap = 10_000): Promise<number> {
    this.#projector(view);
    return (await this.home.readOutbox(await this.home.getCheckpoint(view), cap)).length;
  }

  deadLetters(view?: string): Promise<DeadLetter[]> {
    return this.home.listDeadLetters(view);
  }

  /**
   * Applies dead-lettered events again (version-guarded: an event a newer one
   * superseded changes nothing) and removes each one that succeeds.
   */
  async replayDeadLetters(view?: string): Promise<ReplayResult> {
    let replayed = 0;
    let failed = 0;
    for (const letter of await this.home.listDeadLetters(view)) {
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

  /** Deletes outbox events that every view has durably passed. */
  async prune(): Promise<number> {
    // With a broker, the capture is the outbox's only reader: prune what it published.
    const relay = this.#relay;
    const positions = relay
      ? [await relay.prunablePosition()]
      : await Promise.all([...this.#projectors.keys()].map((name) => this.home.getCheckpoint(name)));
    if (positions.length === 0 || positions.some((p) => p === null)) return 0;
    const oldest = (positions as LogPosition[]).sort()[0]!;
    return this.home.pruneOutbox(oldest);
  }

  #projector(name: string): Projector {
    const projector = this.#projectors.get(name);
    if (!projector) {
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `No view is named "${name}"`, {
        field: 'view',
        fix: `use one of ${[...this.#projectors.keys()].join(', ')}`,
      });
    }
    return projector;
  }
}

function isPublisher(log: EventLog): log is EventLog & EventPublisher {
  return typeof (log as Partial<EventPublisher>).publish === 'function';
}
