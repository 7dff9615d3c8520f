/**
 * The projector's decisions, one function per (phase, observation) cell of
 * the transition table in `projector-state.ts`. Pure: time comes in as `now`,
 * jitter from `policy.random`; nothing here touches a store or a log.
 */
import type { ChangeEvent } from '../contracts/change-event.js';
import { type LogPosition, maxPosition } from '../contracts/log-position.js';
import { isPolystoreError } from '../errors/index.js';
import { backoffDelay } from '../runtime/retry-policy.js';
import type {
  KeyAttempt,
  ProjectorCounts,
  ProjectorDecision,
  ProjectorObservation,
  ProjectorPolicy,
  ProjectorState,
  ProjectorStatus,
  Unprojectable,
} from './projector-protocol.js';

export interface DecisionContext {
  readonly now: number;
  readonly policy: ProjectorPolicy;
}

/** A decision for observations of kind `K`. */
export type Decide<K extends ProjectorObservation['type']> = (
  state: ProjectorState,
  observation: Extract<ProjectorObservation, { type: K }>,
  context: DecisionContext,
) => ProjectorDecision;

/** Backoff exponent cap for outages and loop failures: past it the delay sits at `maxDelayMs` anyway. */
const MAX_BACKOFF_EXPONENT = 8;
const NONE = { type: 'none' } as const;
const WAKE = { type: 'wake' } as const;

/**
 * Per key, the newest version among `events` of `entity` (in order of each
 * key's first appearance), and how many older versions it supersedes.
 */
export function newestPerKey(
  events: readonly ChangeEvent[],
  entity: string,
): { newest: ChangeEvent[]; superseded: number } {
  const newest = new Map<string, ChangeEvent>();
  let ofEntity = 0;
  for (const event of events) {
    if (event.entity !== entity) continue;
    ofEntity++;
    const seen = newest.get(event.key);
    if (!seen || event.version > seen.version) newest.set(event.key, event);
  }
  return { newest: [...newest.values()], superseded: ofEntity - newest.size };
}

// ---- lifecycle -------------------------------------------------------------

export const begin: Decide<'start'> = (state) => ({
  state: {
    ...state,
    phase: 'opening',
    status: 'starting',
    stopping: false,
    failures: 0,
    idle: false,
    unacked: 0,
    batch: null,
  },
  command: { type: 'open' },
});

export const afterOpen: Decide<'opened'> = (state, { position }, context) =>
  poll({ ...state, position, status: running(state, 'polling') }, context);

/** The consumer did not open: `start()` throws, and a later `start()` tries again. */
export const openFailed: Decide<'failed'> = (state) => ({
  state: { ...state, phase: 'stopped', status: state.stopping ? 'stopped' : 'failed', stopping: false },
  command: { type: 'exit' },
});

/** Nothing runs: the projector is stopped at once. */
export const stopAtRest: Decide<'stop'> = (state) => ({
  state: { ...state, phase: 'stopped', status: 'stopped', stopping: false },
  command: NONE,
});

/** The command in flight finishes; the batch in hand too, then the loop commits and exits. */
export const requestStop: Decide<'stop'> = (state) => ({
  state: { ...state, stopping: true, status: 'stopping' },
  command: NONE,
});

/** As {@link requestStop}, and the sleep in flight ends now. */
export const requestStopAndWake: Decide<'stop'> = (state) => ({
  state: { ...state, stopping: true, status: 'stopping' },
  command: WAKE,
});

export const ignoreStop: Decide<'stop'> = (state) => ({ state, command: NONE });

// ---- the caller's commit (outside the loop) --------------------------------

/** No consumer is open: nothing can be acknowledged. */
export const nothingToCommit: Decide<'commit-requested'> = (state) => ({ state, command: NONE });

export const commitForCaller: Decide<'commit-requested'> = (state, _, { policy }) => ({
  state,
  command: state.unacked > 0 ? commitCommand(policy, false) : NONE,
});

export const noteCallerCommit: Decide<'caller-committed'> = (state, { count }, { now }) => ({
  state: noteCommit(state, count, now),
  command: NONE,
});

// ---- polling ---------------------------------------------------------------

/**
 * The log is empty. Acknowledge once it stayed empty for a whole poll (or a
 * flush is due), not at every gap between writes: under a steady trickle that
 * would cost a checkpoint write, and for on-flush stores a snapshot, per event.
 */
export const afterEmpty: Decide<'log-empty'> = (state, _, context) => {
  const next = { ...state, idle: true };
  if (state.stopping) return finalCommit(next, context);
  const due = state.idle || context.now - state.lastCommitAt >= context.policy.flushIntervalMs;
  if (due && state.unacked > 0) {
    return { state: { ...next, phase: 'committing-idle' }, command: commitCommand(context.policy, false) };
  }
  return sleepPoll(next, context);
};

export const afterIdleCommit: Decide<'committed'> = (state, { count }, context) => {
  const next = noteCommit(state, count, context.now);
  return state.stopping ? finalCommit(next, context) : sleepPoll(next, context);
};

export const afterPoll: Decide<'slept'> = (state, _, context) => poll(state, context);

// ---- the batch in hand -----------------------------------------------------

export const takeBatch: Decide<'fetched'> = (state, { events }, context) => {
  const { newest, superseded } = context.policy.everyEvent
    ? { newest: events.filter((e) => e.entity === context.policy.entity), superseded: 0 }
    : newestPerKey(events, context.policy.entity);
  const next: ProjectorState = {
    ...state,
    idle: false,
    status: running(state, 'applying'),
    counts: count(state.counts, { skipped: superseded }),
    batch: { events, keys: [], at: -1, current: undefined },
  };
  if (newest.length === 0) return batchHandled(next);
  return { state: { ...next, phase: 'applying-batch' }, command: { type: 'apply-batch', events: newest } };
};

/** Unprojectable events count as their key's first attempt and are retried alone, after a backoff. */
export const afterBatchApplied: Decide<'batch-applied'> = (state, observation, context) => {
  const { applied, skipped, unprojectable } = observation;
  const counts = count(state.counts, { applied, skipped, failedAttempts: unprojectable.length });
  return keyByKey({ ...state, counts }, retriesOf(unprojectable, context), context);
};

/** Nothing of the batch is known applied: every key is applied alone, the unprojectable ones last. */
export const afterBatchFailed: Decide<'batch-failed'> = (state, { projectable, unprojectable }, context) => {
  const counts = count(state.counts, { failedAttempts: 1 + unprojectable.length });
  const fresh = projectable.map((event): KeyAttempt => ({ event, attempts: 0, error: undefined, delayMs: 0 }));
  return keyByKey({ ...state, counts }, [...fresh, ...retriesOf(unprojectable, context)], context);
};

export const tryKey: Decide<'slept'> = (state) => applyKey(state, state.batch!.current!);

export const afterKeyApplied: Decide<'key-applied'> = (state, { applied, skipped }, context) =>
  nextKey(
    {
      ...state,
      status: state.status === 'retrying' ? 'applying' : state.status,
      counts: count(state.counts, { applied, skipped }),
    },
    context,
  );

/**
 * A failed key is retried with backoff and dead-lettered after
 * `retry.maxAttempts` failures. An unavailable store (`PS_ERR_STORE_UNAVAILABLE`)
 * uses no attempt and is never dead-lettered; during a stop it abandons the
 * batch instead (it is delivered again after a restart).
 */
export const afterKeyFailed: Decide<'key-failed'> = (state, { error }, context) => {
  const transient = isPolystoreError(error, 'PS_ERR_STORE_UNAVAILABLE');
  const failures = state.failures + 1;
  const counts = count(state.counts, { failedAttempts: 1 });
  if (state.stopping && transient) return finalCommit({ ...state, failures, counts, batch: null }, context);
  const batch = state.batch!;
  const key = batch.current!;
  const attempts = transient ? key.attempts : key.attempts + 1;
  const exponent = transient ? Math.min(failures, MAX_BACKOFF_EXPONENT) : attempts;
  const delayMs = backoffDelay(context.policy.retry, exponent, context.policy.random);
  const current: KeyAttempt = { event: key.event, attempts, error, delayMs };
  return retryKey(
    { ...state, failures, counts, status: running(state, 'retrying'), batch: { ...batch, current } },
    current,
    context,
  );
};

export const afterDeadLetter: Decide<'dead-lettered'> = (state, _, context) =>
  nextKey({ ...state, counts: count(state.counts, { deadLettered: 1 }) }, context);

/**
 * The batch is handled. A store that writes durably is acknowledged at once:
 * other processes read progress from the log, so read-your-writes waits on
 * the ack. An on-flush store's acks trail applies (by at most
 * `flushIntervalMs`, or until idle), sparing a snapshot per batch; a crash
 * only re-delivers events it held.
 */
export const afterAdvance: Decide<'advanced'> = (state, _, context) => {
  const { policy, now } = context;
  if (state.stopping) return finalCommit({ ...state, failures: 0 }, context);
  const due = policy.durability !== 'on-flush' || now - state.lastCommitAt >= policy.flushIntervalMs;
  if (due) return { state: { ...state, phase: 'committing' }, command: commitCommand(policy, false) };
  return poll({ ...state, failures: 0, status: 'polling' }, context);
};

export const afterBatchCommit: Decide<'committed'> = (state, { count }, context) =>
  poll({ ...noteCommit(state, count, context.now), failures: 0, status: running(state, 'polling') }, context);

// ---- failures of the loop --------------------------------------------------

/**
 * Reading the log, committing or dead-lettering failed (home unreachable?):
 * back off and resume from the last durable checkpoint; applies are
 * idempotent, so nothing is lost. During a stop, the loop commits and exits.
 */
export const loopFailed: Decide<'failed'> = (state, _, context) => {
  const failures = state.failures + 1;
  const next: ProjectorState = {
    ...state,
    failures,
    status: running(state, 'retrying'),
    counts: count(state.counts, { failedAttempts: 1 }),
    batch: null,
  };
  if (state.stopping) return finalCommit(next, context);
  const ms = backoffDelay(context.policy.retry, Math.min(failures, MAX_BACKOFF_EXPONENT), context.policy.random);
  return { state: { ...next, phase: 'backing-off' }, command: { type: 'sleep', ms } };
};

export const afterBackoff: Decide<'slept'> = (state, _, context) =>
  state.stopping
    ? finalCommit(state, context)
    : { state: { ...state, phase: 'reopening' }, command: { type: 'reopen' } };

export const afterReopen: Decide<'reopened'> = (state, _, context) =>
  poll({ ...state, unacked: 0, status: running(state, 'polling') }, context);

// ---- the end ---------------------------------------------------------------

export const exitAfterCommit: Decide<'committed'> = (state, { count }, context) =>
  exit(noteCommit(state, count, context.now));

/** The final checkpoint failed (the runtime logs it): events not acknowledged are delivered again. */
export const exitAnyway: Decide<'failed'> = (state) => exit(state);

// ---- helpers ---------------------------------------------------------------

/** The status a running loop reports, unless it is stopping. */
function running(state: ProjectorState, status: ProjectorStatus): ProjectorStatus {
  return state.stopping ? 'stopping' : status;
}

function poll(state: ProjectorState, context: DecisionContext): ProjectorDecision {
  if (state.stopping) return finalCommit(state, context);
  return { state: { ...state, phase: 'fetching' }, command: { type: 'fetch', max: context.policy.batchSize } };
}

function sleepPoll(state: ProjectorState, { policy }: DecisionContext): ProjectorDecision {
  return { state: { ...state, phase: 'polling' }, command: { type: 'sleep', ms: policy.pollIntervalMs } };
}

function finalCommit(state: ProjectorState, { policy }: DecisionContext): ProjectorDecision {
  if (state.unacked === 0) return exit(state);
  return { state: { ...state, phase: 'final-committing', batch: null }, command: commitCommand(policy, true) };
}

function exit(state: ProjectorState): ProjectorDecision {
  return {
    state: { ...state, phase: 'stopped', status: 'stopped', stopping: false, batch: null },
    command: { type: 'exit' },
  };
}

function commitCommand(policy: ProjectorPolicy, final: boolean) {
  return { type: 'commit', flush: policy.durability === 'on-flush', final } as const;
}

/** A commit that found nothing held means the runtime holds nothing (a failed ack may have dropped some). */
function noteCommit(state: ProjectorState, acknowledged: number, now: number): ProjectorState {
  if (acknowledged === 0) return { ...state, unacked: 0 };
  return { ...state, unacked: Math.max(0, state.unacked - acknowledged), lastCommitAt: now };
}

function retriesOf(unprojectable: readonly Unprojectable[], { policy }: DecisionContext): KeyAttempt[] {
  return unprojectable.map(({ event, error }) => ({
    event,
    attempts: 1,
    error,
    delayMs: backoffDelay(policy.retry, 1, policy.random),
  }));
}

function keyByKey(state: ProjectorState, keys: readonly KeyAttempt[], context: DecisionContext): ProjectorDecision {
  const batch = { events: state.batch!.events, keys, at: -1, current: undefined };
  return nextKey({ ...state, batch }, context);
}

/** Takes the next key once the key in hand is applied or dead-lettered (or the first one). */
function nextKey(state: ProjectorState, context: DecisionContext): ProjectorDecision {
  const batch = state.batch!;
  const at = batch.at + 1;
  const current = batch.keys[at];
  const next = { ...state, batch: { ...batch, at, current } };
  return current ? retryKey(next, current, context) : batchHandled(next);
}

/** Tries the key in hand (after its backoff, if any), or dead-letters it once it used up `retry.maxAttempts`. */
function retryKey(state: ProjectorState, key: KeyAttempt, { policy }: DecisionContext): ProjectorDecision {
  if (key.attempts >= policy.retry.maxAttempts) {
    return {
      state: { ...state, phase: 'dead-lettering' },
      command: { type: 'dead-letter', event: key.event, attempts: key.attempts, error: key.error },
    };
  }
  if (key.delayMs > 0) {
    return { state: { ...state, phase: 'retry-waiting' }, command: { type: 'sleep', ms: key.delayMs } };
  }
  return applyKey(state, key);
}

function applyKey(state: ProjectorState, key: KeyAttempt): ProjectorDecision {
  return { state: { ...state, phase: 'applying-key' }, command: { type: 'apply-key', event: key.event } };
}

function batchHandled(state: ProjectorState): ProjectorDecision {
  const { events } = state.batch!;
  const position = events.reduce<LogPosition | null>((at, e) => maxPosition(at, e.position), state.position)!;
  return {
    state: { ...state, phase: 'advancing', position, unacked: state.unacked + events.length, batch: null },
    command: { type: 'advance', position, events },
  };
}

function count(counts: ProjectorCounts, add: Partial<ProjectorCounts>): ProjectorCounts {
  return {
    applied: counts.applied + (add.applied ?? 0),
    skipped: counts.skipped + (add.skipped ?? 0),
    deadLettered: counts.deadLettered + (add.deadLettered ?? 0),
    failedAttempts: counts.failedAttempts + (add.failedAttempts ?? 0),
  };
}
