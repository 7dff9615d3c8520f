/**
 * The language between the projector runtime and its transition function:
 * what the runtime observed, what it is told to do next, the policy the
 * decisions follow, and the state they are taken from. Types only (and the
 * initial state): the decisions live in `projector-decisions.ts`, the table
 * that picks one per (phase, observation) in `projector-state.ts`.
 */
import type { ChangeEvent } from '../contracts/change-event.js';
import type { LogPosition } from '../contracts/log-position.js';
import type { Durability } from '../contracts/view-store.js';
import type { RetryPolicy } from '../runtime/retry-policy.js';

/** What a projector reports about itself (`stats().status`). */
export type ProjectorStatus =
  | 'idle'
  | 'starting'
  | 'polling'
  | 'applying'
  | 'retrying'
  | 'stopping'
  | 'stopped'
  /** `start()` could not open the consumer (it threw); a later `start()` tries again. */
  | 'failed';

/**
 * Where the loop is: at rest, or waiting for the outcome of one command
 * (the phase names the command in flight).
 */
export type ProjectorPhase =
  | 'idle'
  | 'opening'
  | 'fetching'
  /** Sleeping `pollIntervalMs` after the log was found empty. */
  | 'polling'
  /** Acknowledging after the log was found empty; then `polling`. */
  | 'committing-idle'
  | 'applying-batch'
  /** Sleeping the backoff before the key in hand is tried again. */
  | 'retry-waiting'
  | 'applying-key'
  | 'dead-lettering'
  | 'advancing'
  /** Acknowledging the batch just handled; then `fetching`. */
  | 'committing'
  /** Sleeping the backoff after the loop failed (log, checkpoint, dead-letter store); then `reopening`. */
  | 'backing-off'
  | 'reopening'
  | 'final-committing'
  | 'stopped';

/** An event that could not be projected (the view's `project` threw). */
export interface Unprojectable {
  readonly event: ChangeEvent;
  readonly error: unknown;
}

/** What the runtime saw: the outcome of the command in flight, or a call from outside the loop. */
export type ProjectorObservation =
  /** `start()` was called. */
  | { readonly type: 'start' }
  /** `stop()` was called. */
  | { readonly type: 'stop' }
  /** `commit()` was called (a caller wants the checkpoint now). */
  | { readonly type: 'commit-requested' }
  /** A commit run for `commit()` finished, acknowledging `count` events (0: it found none held). */
  | { readonly type: 'caller-committed'; readonly count: number }
  /** The consumer is open; `position` is its durable checkpoint. */
  | { readonly type: 'opened'; readonly position: LogPosition | null }
  | { readonly type: 'fetched'; readonly events: readonly ChangeEvent[] }
  | { readonly type: 'log-empty' }
  /** The projectable changes were applied in one call; `unprojectable` were left out. */
  | {
      readonly type: 'batch-applied';
      readonly applied: number;
      readonly skipped: number;
      readonly unprojectable: readonly Unprojectable[];
    }
  /** The one-call apply of `projectable` failed (any error); nothing is known to be applied. */
  | {
      readonly type: 'batch-failed';
      readonly error: unknown;
      readonly projectable: readonly ChangeEvent[];
      readonly unprojectable: readonly Unprojectable[];
    }
  | { readonly type: 'key-applied'; readonly applied: number; readonly skipped: number }
  /** Projecting or applying the key in hand failed; the decision reads whether the store was unavailable. */
  | { readonly type: 'key-failed'; readonly error: unknown }
  | { readonly type: 'dead-lettered' }
  | { readonly type: 'advanced' }
  /** The loop's commit finished, acknowledging `count` events (0: it found none held). */
  | { readonly type: 'committed'; readonly count: number }
  | { readonly type: 'slept' }
  | { readonly type: 'reopened' }
  /** The command in flight failed: opening, fetching, committing, reopening or dead-lettering. */
  | { readonly type: 'failed'; readonly error: unknown };

/** The kinds of observation: the columns of the transition table. */
export type ProjectorSignal = ProjectorObservation['type'];

/** What the runtime does next. */
export type ProjectorCommand =
  /** Open the consumer and read its durable checkpoint. */
  | { readonly type: 'open' }
  | { readonly type: 'fetch'; readonly max: number }
  | { readonly type: 'sleep'; readonly ms: number }
  /** Project each event and apply the projectable ones in one version-guarded call. */
  | { readonly type: 'apply-batch'; readonly events: readonly ChangeEvent[] }
  /** Project and apply one event alone. */
  | { readonly type: 'apply-key'; readonly event: ChangeEvent }
  | {
      readonly type: 'dead-letter';
      readonly event: ChangeEvent;
      readonly attempts: number;
      readonly error: unknown;
    }
  /**
   * The batch is handled: hold `events` for the next acknowledgement and
   * release read-your-writes waits up to `position`.
   */
  | { readonly type: 'advance'; readonly position: LogPosition; readonly events: readonly ChangeEvent[] }
  /**
   * Acknowledge every handled event held, flushing the store first when
   * `flush` (an `on-flush` store). `final`: the last one before the loop exits.
   */
  | { readonly type: 'commit'; readonly flush: boolean; readonly final: boolean }
  /** Close the consumer, drop the events held, open it again (delivery resumes from the checkpoint). */
  | { readonly type: 'reopen' }
  /** End the sleep in flight now (answer to a stop). */
  | { readonly type: 'wake' }
  /** Nothing new: the command in flight goes on (answer to a call from outside the loop). */
  | { readonly type: 'none' }
  /** The loop ends. */
  | { readonly type: 'exit' };

/** What the decisions follow: the sync options, the store's durability and a source of jitter. */
export interface ProjectorPolicy {
  /** Events of other entities are passed over. */
  readonly entity: string;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  /** Longest time an `on-flush` store's applied events wait for their flush and checkpoint while busy. */
  readonly flushIntervalMs: number;
  readonly retry: RetryPolicy;
  readonly durability: Durability;
  /** Hand the store every event of the entity, not only the newest per key (an archive view); default false. */
  readonly everyEvent?: boolean;
  /** Jitter for backoff delays, in [0, 1) (`Math.random` in production). */
  readonly random: () => number;
}

/** A key applied alone: after a failed batch apply, or because it could not be projected. */
export interface KeyAttempt {
  readonly event: ChangeEvent;
  /** Failed attempts that count toward `retry.maxAttempts` (an unavailable store's do not). */
  readonly attempts: number;
  /** The last failure, for the dead letter. */
  readonly error: unknown;
  /** Wait before the next attempt (0: at once). */
  readonly delayMs: number;
}

/** The batch in hand, from its fetch until it is handled. */
export interface Batch {
  /** Every event fetched (other entities' and superseded versions included): all are acknowledged together. */
  readonly events: readonly ChangeEvent[];
  /** Keys to apply one by one, in order. */
  readonly keys: readonly KeyAttempt[];
  /** Index in `keys` of the key in hand (-1 before the first). */
  readonly at: number;
  /** The key in hand with its attempts so far (`keys[at]` as it now stands); undefined once all are done. */
  readonly current: KeyAttempt | undefined;
}

export interface ProjectorCounts {
  readonly applied: number;
  readonly skipped: number;
  readonly deadLettered: number;
  /** Failed apply or projection attempts, and loop failures (each was retried or dead-lettered). */
  readonly failedAttempts: number;
}

export interface ProjectorState {
  readonly phase: ProjectorPhase;
  readonly status: ProjectorStatus;
  /** Epoch ms of the last change of `status` or `failures`, from the injected clock. */
  readonly since: number;
  /** `stop()` was called: the batch in hand is finished, then the loop makes it durable and exits. */
  readonly stopping: boolean;
  /** Consecutive failures since the last handled batch: the backoff exponent of outages and loop failures. */
  readonly failures: number;
  /** The last fetch found the log empty. */
  readonly idle: boolean;
  /** Newest event handled and visible in the view. */
  readonly position: LogPosition | null;
  /** Handled events the runtime holds for the next acknowledgement (at least; 0 once a commit finds none). */
  readonly unacked: number;
  /** Epoch ms of the last commit that acknowledged something (0: none yet). */
  readonly lastCommitAt: number;
  readonly batch: Batch | null;
  readonly counts: ProjectorCounts;
}

/** A decision: the next state and what the runtime does now. */
export interface ProjectorDecision {
  readonly state: ProjectorState;
  readonly command: ProjectorCommand;
}

export const INITIAL_PROJECTOR_STATE: ProjectorState = {
  phase: 'idle',
  status: 'idle',
  since: 0,
  stopping: false,
  failures: 0,
  idle: false,
  position: null,
  unacked: 0,
  lastCommitAt: 0,
  batch: null,
  counts: { applied: 0, skipped: 0, deadLettered: 0, failedAttempts: 0 },
};
