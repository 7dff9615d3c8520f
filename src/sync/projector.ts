import type { ChangeEvent } from '../contracts/change-event.js';
import type { DeadLetter, NewDeadLetter } from '../contracts/dead-letter.js';
import type { EventConsumer, EventLog } from '../contracts/event-log.js';
import type { LogPosition } from '../contracts/log-position.js';
import type { ApplyResult, VersionedChange, ViewStoreBase } from '../contracts/view-store.js';
import { isPolystoreError, PolystoreError } from '../errors/index.js';
import { describeError, type Logger } from '../runtime/logger.js';
import type { RetryPolicy } from '../runtime/retry-policy.js';
import { wakeableSleep } from '../runtime/wakeable-sleep.js';
import type { ViewDef } from '../views/view-def.js';
import { LAG_STAGES, type LagBucketCounts, LagBuckets, type LagStage } from './lag-buckets.js';
import { LagHistogram } from './lag-histogram.js';
import {
  INITIAL_PROJECTOR_STATE,
  type ProjectorCommand,
  type ProjectorObservation,
  type ProjectorPolicy,
  type ProjectorState,
  type ProjectorStatus,
  transition,
  type Unprojectable,
} from './projector-state.js';

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
  /** Jitter of backoff delays, in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
  /** Called after each acknowledgement (durable progress may have moved). */
  readonly onCommit?: () => void;
}

export interface ProjectorStats {
  readonly view: string;
  readonly status: ProjectorStatus;
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
 *
 * Every decision (what to do next, when, how long to wait) is taken by the
 * pure {@link transition} function; this class runs its commands against the
 * log and the store and reports what happened.
 *
 * @example
 * const projector = new Projector({ view, store, log, deadLetters, batchSize: 500, pollIntervalMs: 50,
 *   flushIntervalMs: 1000, retry: DEFAULT_RETRY_POLICY, logger: silentLogger });
 * await projector.start();
 * await projector.waitFor(token); // the view holds the write
 * await projector.stop(); // finishes the batch in hand and checkpoints it
 */
export class Projector {
  #state: ProjectorState = INITIAL_PROJECTOR_STATE;
  readonly #policy: ProjectorPolicy;
  #consumer: EventConsumer | undefined;
  /** Handled events not acknowledged yet. */
  #held: ChangeEvent[] = [];
  #opening: Promise<void> | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #waiters: { position: LogPosition; resolve: () => void }[] = [];
  readonly #lag = new LagHistogram();
  /** Lag per stage since this projector was made (see LAG_STAGES); the last fetch dates `delivery`. */
  readonly #stageLag = new Map<LagStage, LagBuckets>(LAG_STAGES.map((stage) => [stage, new LagBuckets()]));
  #fetchedAt = 0;
  readonly #clock: () => number;

  constructor(private readonly options: ProjectorOptions) {
    this.#clock = options.clock ?? Date.now;
    this.#policy = {
      entity: options.view.entity,
      batchSize: options.batchSize,
      pollIntervalMs: options.pollIntervalMs,
      flushIntervalMs: options.flushIntervalMs,
      retry: options.retry,
      durability: options.store.durability,
      everyEvent: options.view.projectEvent !== undefined,
      random: options.random ?? Math.random,
    };
  }

  get name(): string {
    return this.options.view.name;
  }

  get position(): LogPosition | null {
    return this.#state.position;
  }

  stats(): ProjectorStats {
    return {
      view: this.name,
      status: this.#state.status,
      ...this.#state.counts,
      lagP50Ms: this.#lag.percentile(50),
      lagP99Ms: this.#lag.percentile(99),
      position: this.#state.position,
      waiting: this.#waiters.length,
    };
  }

  /** Commit-to-applied lag histograms by stage, counted since this projector was made. */
  lagBuckets(): Record<LagStage, LagBucketCounts> {
    const out = {} as Record<LagStage, LagBucketCounts>;
    for (const [stage, buckets] of this.#stageLag) out[stage] = buckets.snapshot();
    return out;
  }

  /** Starts the loop; resolves once the consumer is open (a call while starting or running shares that). */
  start(): Promise<void> {
    if (this.#loop) return Promise.resolve();
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  /** Finishes the batch in hand, makes it durable, and stops. */
  async stop(): Promise<void> {
    if (this.#decide({ type: 'stop' }).type === 'wake') this.#wake?.();
    await this.#opening?.catch(() => undefined);
    await this.#loop;
    this.#loop = undefined;
    const consumer = this.#consumer;
    this.#consumer = undefined;
    await consumer?.close();
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
    const at = this.#state.position;
    if (at !== null && at >= position) return Promise.resolve();
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
    const command = this.#decide({ type: 'commit-requested' });
    if (command.type !== 'commit') return;
    const count = await this.#acknowledge(command.flush);
    this.#decide({ type: 'caller-committed', count });
  }

  /** Applies a dead-lettered event again (version-guarded). Throws if it still fails. */
  async replay(event: ChangeEvent): Promise<ApplyResult> {
    const change = this.#project(event);
    const result = await this.options.store.applyIfNewer(this.options.view.scope, [change]);
    if (this.options.store.durability === 'on-flush') await this.options.store.flush();
    return result;
  }

  async #open(): Promise<void> {
    const outcome = await this.#execute(this.#decide({ type: 'start' }));
    const next = this.#decide(outcome);
    if (outcome.type === 'failed') throw outcome.error;
    this.#loop = this.#run(next);
  }

  async #run(first: ProjectorCommand): Promise<void> {
    let command = first;
    while (command.type !== 'exit') command = this.#decide(await this.#execute(command));
  }

  #decide(observation: ProjectorObservation): ProjectorCommand {
    const { state, command } = transition(this.#state, observation, this.#clock(), this.#policy);
    this.#state = state;
    return command;
  }

  /** Runs one command and reports its outcome; a failure is an outcome, never a throw. */
  async #execute(command: ProjectorCommand): Promise<ProjectorObservation> {
    switch (command.type) {
      case 'open':
        return this.#openConsumer();
      case 'fetch':
        return this.#loopStep(async () => {
          const events = await this.#consumer!.fetch(command.max);
          this.#fetchedAt = this.#clock();
          return events.length === 0 ? { type: 'log-empty' } : { type: 'fetched', events };
        });
      case 'sleep':
        await wakeableSleep(command.ms, (wake) => {
          this.#wake = wake;
        });
        return { type: 'slept' };
      case 'apply-batch':
        return this.#applyBatch(command.events);
      case 'apply-key':
        return this.#applyKey(command.event);
      case 'dead-letter':
        return this.#loopStep(async () => {
          const { event, attempts, error } = command;
          await this.options.deadLetters.add({ consumer: this.name, event, attempts, error: describeError(error) });
          this.options.logger.warn({ view: this.name, eventId: event.eventId, attempts }, 'event dead-lettered');
          return { type: 'dead-lettered' };
        });
      case 'advance':
        for (const event of command.events) this.#held.push(event);
        this.#advance(command.position);
        return { type: 'advanced' };
      case 'commit':
        if (command.final) {
          try {
            return { type: 'committed', count: await this.#acknowledge(command.flush) };
          } catch (error) {
            const fields = { view: this.name, error: describeError(error) };
            this.options.logger.warn(fields, 'final checkpoint failed; events will be re-delivered');
            return { type: 'failed', error };
          }
        }
        return this.#loopStep(async () => ({ type: 'committed', count: await this.#acknowledge(command.flush) }));
      case 'reopen':
        return this.#loopStep(async () => {
          const old = this.#consumer;
          this.#consumer = undefined;
          this.#held = [];
          await old?.close();
          this.#consumer = await this.options.log.consumer(this.name);
          return { type: 'reopened' };
        });
      case 'wake':
      case 'none':
      case 'exit':
        throw new PolystoreError('PS_ERR_PROJECTION_FAILED', `The projector loop was handed "${command.type}"`, {
          fix: 'this is a defect in Polystore: report it with the log lines before it',
        });
    }
  }

  /** A step whose failure (log, checkpoint or dead-letter store unreachable) makes the loop back off and resume. */
  async #loopStep(step: () => Promise<ProjectorObservation>): Promise<ProjectorObservation> {
    try {
      return await step();
    } catch (error) {
      this.options.logger.warn({ view: this.name, error: describeError(error) }, 'projector loop error, retrying');
      return { type: 'failed', error };
    }
  }

  async #openConsumer(): Promise<ProjectorObservation> {
    try {
      const consumer = await this.options.log.consumer(this.name);
      try {
        const position = await consumer.acknowledged();
        // A new consumer: events held for a previous one are delivered again.
        this.#held = [];
        this.#consumer = consumer;
        return { type: 'opened', position };
      } catch (error) {
        await consumer.close().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      return { type: 'failed', error };
    }
  }

  async #applyBatch(events: readonly ChangeEvent[]): Promise<ProjectorObservation> {
    const keyed: KeyedChange[] = [];
    const unprojectable: Unprojectable[] = [];
    for (const event of events) {
      try {
        keyed.push({ event, change: this.#project(event) });
      } catch (error) {
        unprojectable.push({ event, error });
      }
    }
    if (keyed.length === 0) return { type: 'batch-applied', applied: 0, skipped: 0, unprojectable };
    try {
      const changes = keyed.map((k) => k.change);
      const { applied, skipped } = await this.options.store.applyIfNewer(this.options.view.scope, changes);
      this.#recordLag(keyed.map((k) => k.event));
      return { type: 'batch-applied', applied, skipped, unprojectable };
    } catch (error) {
      const fields = { view: this.name, error: describeError(error) };
      this.options.logger.warn(fields, 'batch apply failed; applying key by key');
      return { type: 'batch-failed', error, projectable: keyed.map((k) => k.event), unprojectable };
    }
  }

  async #applyKey(event: ChangeEvent): Promise<ProjectorObservation> {
    try {
      const change = this.#project(event);
      const { applied, skipped } = await this.options.store.applyIfNewer(this.options.view.scope, [change]);
      this.#recordLag([event]);
      return { type: 'key-applied', applied, skipped };
    } catch (error) {
      if (this.#state.stopping && isPolystoreError(error, 'PS_ERR_STORE_UNAVAILABLE')) {
        const fields = { view: this.name, error: describeError(error) };
        this.options.logger.warn(fields, 'store unavailable while stopping; the batch in hand will be re-delivered');
      }
      return { type: 'key-failed', error };
    }
  }

  /** Flushes (an `on-flush` store) and acknowledges every handled event held; returns how many. */
  async #acknowledge(flush: boolean): Promise<number> {
    if (this.#held.length === 0 || !this.#consumer) return 0;
    if (flush) await this.options.store.flush();
    const events = this.#held;
    this.#held = [];
    await this.#consumer.ack(events);
    this.options.onCommit?.();
    return events.length;
  }

  #project(event: ChangeEvent): VersionedChange<unknown> {
    const { view } = this.options;
    if (view.projectEvent) return { key: event.key, version: event.version, value: view.projectEvent(event) };
    const value = event.payload === null ? null : this.options.view.project(event.payload);
    return { key: event.key, version: event.version, value: value ?? null };
  }

  #recordLag(events: readonly ChangeEvent[]): void {
    const now = this.#clock();
    const fetchedAt = this.#fetchedAt || now;
    const delivery = this.#stageLag.get('delivery')!;
    const apply = this.#stageLag.get('apply')!;
    const total = this.#stageLag.get('total')!;
    for (const event of events) {
      this.#lag.record(now - event.committedAt);
      total.record(now - event.committedAt);
      delivery.record(Math.max(0, fetchedAt - event.committedAt));
      apply.record(now - fetchedAt);
    }
  }

  #advance(position: LogPosition): void {
    const ready = this.#waiters.filter((w) => w.position <= position);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.position > position);
    for (const waiter of ready) waiter.resolve();
  }
}
