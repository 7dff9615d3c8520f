import type { ChangeEvent } from '../contracts/change-event.js';
import type { DeadLetter, NewDeadLetter } from '../contracts/dead-letter.js';
import type { EventConsumer, EventLog } from '../contracts/event-log.js';
import { type LogPosition, maxPosition } from '../contracts/log-position.js';
import type { ApplyResult, VersionedChange, ViewStoreBase } from '../contracts/view-store.js';
import { isPolystoreError } from '../errors/index.js';
import { describeError, type Logger } from '../runtime/logger.js';
import { backoffDelay, type RetryPolicy } from '../runtime/retry-policy.js';
import { wakeableSleep } from '../runtime/wakeable-sleep.js';
import type { ViewDef } from '../views/view-def.js';
import { LagHistogram } from './lag-histogram.js';
import { INITIAL_PROJECTOR_STATE, type ProjectorSignal, type ProjectorState, transition } from './projector-state.js';

export interface ProjectorOptions {
  readonly view: ViewDef<unknown>;
  readonly store: ViewStoreBase<unknown>;
  readonly log: EventLog;
  readonly deadLetters: { add(letter: NewDeadLetter): Promise<DeadLetter> };
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  /** Longest time applied events wait for their checkpoint (and, for `on-flush` stores, a flush) while busy. */
  readonly flushIntervalMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly clock?: () => number;
  /** Called after each acknowledgement (durable progress may have moved). */
  readonly onCommit?: () => void;
}

export interface ProjectorStats {
  readonly view: string;
  readonly status: ProjectorState['status'];
  readonly applied: number;
  readonly skipped: number;
  readonly deadLettered: number;
  /** Failed apply or projection attempts (each was retried or dead-lettered). */
  readonly failedAttempts: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  /** Newest event handled and visible in the view (in this process). */
  readonly position: LogPosition | null;
  /** Read-your-writes waits registered on this projector and not yet released. */
  readonly waiting: number;
}

interface KeyedChange {
  readonly event: ChangeEvent;
  readonly change: VersionedChange<unknown>;
}

/**
 * Applies a log's events to one view, version-guarded so redelivery and
 * reordering are harmless. Per key, only the newest version of a batch is
 * applied; a failing key is retried with backoff and dead-lettered after
 * `retry.maxAttempts`, while a store that is unavailable is retried until it
 * returns. The checkpoint advances only after the view holds the events durably.
 */
export class Projector {
  #state: ProjectorState = INITIAL_PROJECTOR_STATE;
  #consumer: EventConsumer | undefined;
  #position: LogPosition | null = null;
  #unacked: ChangeEvent[] = [];
  #lastFlush = 0;
  #stopRequested = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #waiters: { position: LogPosition; resolve: () => void }[] = [];
  readonly #lag = new LagHistogram();
  readonly #counts = { applied: 0, skipped: 0, deadLettered: 0, failedAttempts: 0 };
  readonly #clock: () => number;

  constructor(private readonly options: ProjectorOptions) {
    this.#clock = options.clock ?? Date.now;
  }

  get name(): string {
    return this.options.view.name;
  }

  get position(): LogPosition | null {
    return this.#position;
  }

  stats(): ProjectorStats {
    return {
      view: this.name,
      status: this.#state.status,
      ...this.#counts,
      lagP50Ms: this.#lag.percentile(50),
      lagP99Ms: this.#lag.percentile(99),
      position: this.#position,
      waiting: this.#waiters.length,
    };
  }

  /** Starts the loop; resolves once the consumer is open. */
  async start(): Promise<void> {
    if (this.#loop) return;
    this.#stopRequested = false;
    this.#signal('start');
    this.#consumer = await this.options.log.consumer(this.name);
    this.#position = await this.#consumer.acknowledged();
    this.#signal('started');
    this.#loop = this.#run();
  }

  /** Finishes the batch in hand, makes it durable, and stops. */
  async stop(): Promise<void> {
    this.#stopRequested = true;
    this.#signal('stop');
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
    await this.#consumer?.close();
    this.#consumer = undefined;
    this.#signal('stopped');
  }

  /** Ends a poll wait early (a local write just committed). */
  wake(): void {
    this.#wake?.();
  }

  /**
   * Resolves when this handle has applied events up to `position` (the
   * newest position it handled; a contiguous prefix only on an in-order log),
   * or when `signal` aborts: the waiter is then removed, so a timed-out wait
   * leaves nothing behind.
   */
  waitFor(position: LogPosition, signal?: AbortSignal): Promise<void> {
    if (this.#position !== null && this.#position >= position) return Promise.resolve();
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        },
      };
      const abort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve();
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Waits registered with {@link waitFor} and not yet resolved or aborted. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Makes applied events durable and advances the checkpoint now. */
  async commit(): Promise<void> {
    if (this.#unacked.length === 0 || !this.#consumer) return;
    if (this.options.store.durability === 'on-flush') await this.options.store.flush();
    const events = this.#unacked;
    this.#unacked = [];
    await this.#consumer.ack(events);
    this.#lastFlush = this.#clock();
    this.options.onCommit?.();
  }

  /** Applies a dead-lettered event again (version-guarded). Throws if it still fails. */
  async replay(event: ChangeEvent): Promise<ApplyResult> {
    const change = this.#project(event);
    const result = await this.options.store.applyIfNewer(this.options.view.scope, [change]);
    if (this.options.store.durability === 'on-flush') await this.options.store.flush();
    return result;
  }

  async #run(): Promise<void> {
    let resume = false;
    let idle = false;
    while (!this.#stopRequested) {
      try {
        if (resume) {
          await this.#resume();
          resume = false;
        }
        const events = await this.#consumer!.fetch(this.options.batchSize);
        if (events.length === 0) {
          // Commit once the log stayed empty for a whole poll (or a flush is due),
          // not at every gap between writes: under a steady trickle that would cost
          // a checkpoint write, and for on-flush stores a snapshot, per event.
          if (idle || this.#clock() - this.#lastFlush >= this.options.flushIntervalMs) await this.commit();
          idle = true;
          this.#signal('empty');
          await this.#sleep(this.options.pollIntervalMs);
          continue;
        }
        idle = false;
        this.#signal('fetched');
        await this.#handle(events);
        this.#advance(events.reduce<LogPosition | null>((at, e) => maxPosition(at, e.position), this.#position)!);
        this.#unacked.push(...events);
        // A view that writes durably is acknowledged at once: other processes read
        // progress from the log, so read-your-writes waits on the ack. An on-flush
        // view's acks trail applies (by at most flushIntervalMs, or until idle),
        // sparing a snapshot per batch; a crash only re-delivers events it held.
        const flushDue = this.#clock() - this.#lastFlush >= this.options.flushIntervalMs;
        if (this.options.store.durability !== 'on-flush' || flushDue) await this.commit();
        this.#signal('applied');
      } catch (err) {
        // Reading the log or committing failed (home unreachable?): back off and resume
        // from the last durable checkpoint; applies are idempotent, so nothing is lost.
        this.#counts.failedAttempts++;
        this.options.logger.warn({ view: this.name, error: describeError(err) }, 'projector loop error, retrying');
        this.#signal('apply-failed');
        resume = true;
        await this.#sleep(backoffDelay(this.options.retry, Math.min(this.#state.failures, 8)));
      }
    }
    await this.commit().catch((err: unknown) =>
      this.options.logger.warn(
        { view: this.name, error: describeError(err) },
        'final checkpoint failed; events will be re-delivered',
      ),
    );
  }

  async #resume(): Promise<void> {
    await this.#consumer?.close();
    this.#unacked = [];
    this.#consumer = await this.options.log.consumer(this.name);
    this.#signal('started');
  }

  async #handle(events: readonly ChangeEvent[]): Promise<void> {
    const newest = new Map<string, ChangeEvent>();
    for (const event of events) {
      if (event.entity !== this.options.view.entity) continue;
      const seen = newest.get(event.key);
      if (!seen || event.version > seen.version) newest.set(event.key, event);
    }
    const superseded = events.filter((e) => e.entity === this.options.view.entity).length - newest.size;
    this.#counts.skipped += superseded;
    if (newest.size === 0) return;
    const keyed: KeyedChange[] = [];
    const unprojectable: { event: ChangeEvent; error: unknown }[] = [];
    for (const event of newest.values()) {
      try {
        keyed.push({ event, change: this.#project(event) });
      } catch (error) {
        // Counts as the key's first attempt; it is retried alone below.
        this.#counts.failedAttempts++;
        unprojectable.push({ event, error });
      }
    }
    if (keyed.length > 0) {
      try {
        this.#record(
          await this.options.store.applyIfNewer(
            this.options.view.scope,
            keyed.map((k) => k.change),
          ),
          keyed.map((k) => k.event),
        );
      } catch (err) {
        this.#counts.failedAttempts++;
        this.options.logger.warn(
          { view: this.name, error: describeError(err) },
          'batch apply failed; applying key by key',
        );
        for (const { event } of keyed) await this.#applyOne(event);
      }
    }
    for (const { event, error } of unprojectable) await this.#applyOne(event, { error });
  }

  /**
   * Applies one key with retries and backoff; dead-letters it after
   * `maxAttempts` failures. An unavailable store does not use up attempts.
   */
  async #applyOne(event: ChangeEvent, prior?: { error: unknown }): Promise<void> {
    let attempts = prior ? 1 : 0;
    let lastError = prior?.error;
    let delay = prior ? backoffDelay(this.options.retry, 1) : 0;
    while (attempts < this.options.retry.maxAttempts) {
      if (delay > 0) await this.#sleep(delay);
      try {
        const change = this.#project(event);
        this.#record(await this.options.store.applyIfNewer(this.options.view.scope, [change]), [event]);
        if (this.#state.status === 'retrying') this.#signal('retry');
        return;
      } catch (err) {
        const transient = isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE');
        if (this.#stopRequested && transient) throw err;
        if (!transient) attempts++;
        this.#counts.failedAttempts++;
        this.#signal('apply-failed');
        lastError = err;
        delay = backoffDelay(this.options.retry, transient ? Math.min(this.#state.failures, 8) : attempts);
      }
    }
    await this.options.deadLetters.add({ consumer: this.name, event, attempts, error: describeError(lastError) });
    this.#counts.deadLettered++;
    this.options.logger.warn({ view: this.name, eventId: event.eventId, attempts }, 'event dead-lettered');
  }

  #project(event: ChangeEvent): VersionedChange<unknown> {
    const value = event.payload === null ? null : this.options.view.project(event.payload);
    return { key: event.key, version: event.version, value: value ?? null };
  }

  #record(result: ApplyResult, events: readonly ChangeEvent[]): void {
    this.#counts.applied += result.applied;
    this.#counts.skipped += result.skipped;
    const now = this.#clock();
    for (const event of events) this.#lag.record(now - event.committedAt);
  }

  #advance(position: LogPosition): void {
    this.#position = position;
    const ready = this.#waiters.filter((w) => w.position <= position);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.position > position);
    for (const waiter of ready) waiter.resolve();
  }

  #signal(signal: ProjectorSignal): void {
    this.#state = transition(this.#state, signal, this.#clock());
  }

  #sleep(ms: number): Promise<void> {
    return wakeableSleep(ms, (wake) => {
      this.#wake = wake;
    });
  }
}
