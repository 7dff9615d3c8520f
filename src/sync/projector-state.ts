/**
 * The projector lifecycle as a pure transition function over a typed state.
 * The table is exhaustive: adding a state or an event without deciding every
 * pair fails to compile. `null` marks a pair that cannot happen; reaching it
 * is a bug and throws.
 */
export type ProjectorStatus =
  | 'idle'
  | 'starting'
  | 'polling'
  | 'applying'
  | 'retrying'
  | 'stopping'
  | 'stopped'
  | 'failed';

export type ProjectorSignal =
  | 'start'
  | 'started'
  | 'fetched'
  | 'empty'
  | 'applied'
  | 'apply-failed'
  | 'retry'
  | 'fatal'
  | 'stop'
  | 'stopped';

export interface ProjectorState {
  readonly status: ProjectorStatus;
  /** Consecutive failed attempts of the current batch (0 when healthy). */
  readonly failures: number;
  /** Epoch ms of the last transition, from the injected clock. */
  readonly since: number;
}

type Table = { readonly [S in ProjectorStatus]: { readonly [E in ProjectorSignal]: ProjectorStatus | null } };

const TRANSITIONS: Table = {
  idle: {
    start: 'starting',
    started: null,
    fetched: null,
    empty: null,
    applied: null,
    'apply-failed': null,
    retry: null,
    fatal: 'failed',
    stop: 'stopped',
    stopped: null,
  },
  starting: {
    start: 'starting',
    started: 'polling',
    fetched: null,
    empty: null,
    applied: null,
    'apply-failed': null,
    retry: null,
    fatal: 'failed',
    stop: 'stopping',
    stopped: null,
  },
  polling: {
    start: 'polling',
    started: null,
    fetched: 'applying',
    empty: 'polling',
    applied: null,
    'apply-failed': 'retrying',
    retry: null,
    fatal: 'failed',
    stop: 'stopping',
    stopped: null,
  },
  applying: {
    start: 'applying',
    started: null,
    fetched: null,
    empty: null,
    applied: 'polling',
    'apply-failed': 'retrying',
    retry: null,
    fatal: 'failed',
    stop: 'stopping',
    stopped: null,
  },
  retrying: {
    start: 'retrying',
    started: 'polling',
    fetched: null,
    empty: null,
    applied: 'polling',
    'apply-failed': 'retrying',
    retry: 'applying',
    fatal: 'failed',
    stop: 'stopping',
    stopped: null,
  },
  // A stop waits for the batch in hand: its outcome may still arrive.
  stopping: {
    start: 'stopping',
    started: 'stopping',
    fetched: 'stopping',
    empty: 'stopping',
    applied: 'stopping',
    'apply-failed': 'stopping',
    retry: 'stopping',
    fatal: 'stopped',
    stop: 'stopping',
    stopped: 'stopped',
  },
  stopped: {
    start: 'starting',
    started: null,
    fetched: null,
    empty: null,
    applied: null,
    'apply-failed': null,
    retry: null,
    fatal: null,
    stop: 'stopped',
    stopped: 'stopped',
  },
  failed: {
    start: 'starting',
    started: null,
    fetched: null,
    empty: null,
    applied: null,
    'apply-failed': null,
    retry: null,
    fatal: 'failed',
    stop: 'stopped',
    stopped: 'stopped',
  },
};

export const INITIAL_PROJECTOR_STATE: ProjectorState = { status: 'idle', failures: 0, since: 0 };

/** Applies one signal; throws on a pair the table marks impossible. */
export function transition(state: ProjectorState, signal: ProjectorSignal, now: number): ProjectorState {
  const next = TRANSITIONS[state.status][signal];
  if (next === null) throw new Error(`projector: no transition from "${state.status}" on "${signal}"`);
  const failures =
    signal === 'apply-failed' ? state.failures + 1 : signal === 'applied' || signal === 'start' ? 0 : state.failures;
  return next === state.status && failures === state.failures ? state : { status: next, failures, since: now };
}

/** Every (status, signal) pair and its outcome, for documentation and tests. */
export function transitionTable(): Table {
  return TRANSITIONS;
}

/** Whether a projector in this status is still working toward the log head. */
export function isActive(status: ProjectorStatus): boolean {
  return status === 'starting' || status === 'polling' || status === 'applying' || status === 'retrying';
}
