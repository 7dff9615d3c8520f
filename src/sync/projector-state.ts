/**
 * The projector as a pure transition function: from its state and what the
 * runtime observed, the next state and the command the runtime runs next
 * (`projector.ts` only executes commands and reports their outcomes).
 *
 * The table decides every (phase, observation) pair: adding a phase or an
 * observation without deciding each pair fails to compile. A phase names the
 * command in flight, so most observations can only arrive in one phase;
 * `null` marks a pair the runtime never produces, and reaching it is a bug
 * (it throws). Calls from outside the loop (`start`, `stop`, `commit`) are
 * decided in every phase.
 */
import { PolystoreError } from '../errors/index.js';
import {
  afterAdvance,
  afterBackoff,
  afterBatchApplied,
  afterBatchCommit,
  afterBatchFailed,
  afterDeadLetter,
  afterEmpty,
  afterIdleCommit,
  afterKeyApplied,
  afterKeyFailed,
  afterOpen,
  afterPoll,
  afterReopen,
  begin,
  commitForCaller,
  type Decide,
  exitAfterCommit,
  exitAnyway,
  ignoreStop,
  loopFailed,
  noteCallerCommit,
  nothingToCommit,
  openFailed,
  requestStop,
  requestStopAndWake,
  stopAtRest,
  takeBatch,
  tryKey,
} from './projector-decisions.js';
import type {
  ProjectorDecision,
  ProjectorObservation,
  ProjectorPhase,
  ProjectorPolicy,
  ProjectorSignal,
  ProjectorState,
  ProjectorStatus,
} from './projector-protocol.js';

export type * from './projector-protocol.js';
export { INITIAL_PROJECTOR_STATE } from './projector-protocol.js';

/** Every (phase, observation) pair and the decision taken there (`null`: cannot happen). */
export type ProjectorTable = {
  readonly [P in ProjectorPhase]: { readonly [S in ProjectorSignal]: Decide<S> | null };
};

const TABLE: ProjectorTable = {
  idle: {
    start: begin,
    stop: stopAtRest,
    'commit-requested': nothingToCommit,
    'caller-committed': null,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: null,
    reopened: null,
    failed: null,
  },
  opening: {
    start: null,
    stop: requestStop,
    'commit-requested': nothingToCommit,
    'caller-committed': noteCallerCommit,
    opened: afterOpen,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: null,
    reopened: null,
    failed: openFailed,
  },
  fetching: {
    start: null,
    stop: requestStop,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: takeBatch,
    'log-empty': afterEmpty,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: null,
    reopened: null,
    failed: loopFailed,
  },
  polling: {
    start: null,
    stop: requestStopAndWake,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: afterPoll,
    reopened: null,
    failed: null,
  },
  'committing-idle': {
    start: null,
    stop: requestStop,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: afterIdleCommit,
    slept: null,
    reopened: null,
    failed: loopFailed,
  },
  'applying-batch': {
    start: null,
    stop: requestStop,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': afterBatchApplied,
    'batch-failed': afterBatchFailed,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: null,
    reopened: null,
    failed: null,
  },
  'retry-waiting': {
    start: null,
    stop: requestStopAndWake,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: tryKey,
    reopened: null,
    failed: null,
  },
  'applying-key': {
    start: null,
    stop: requestStop,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': afterKeyApplied,
    'key-failed': afterKeyFailed,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: null,
    reopened: null,
    failed: null,
  },
  'dead-lettering': {
    start: null,
    stop: requestStop,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': afterDeadLetter,
    advanced: null,
    committed: null,
    slept: null,
    reopened: null,
    failed: loopFailed,
  },
  advancing: {
    start: null,
    stop: requestStop,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: afterAdvance,
    committed: null,
    slept: null,
    reopened: null,
    failed: null,
  },
  committing: {
    start: null,
    stop: requestStop,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: afterBatchCommit,
    slept: null,
    reopened: null,
    failed: loopFailed,
  },
  'backing-off': {
    start: null,
    stop: requestStopAndWake,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: afterBackoff,
    reopened: null,
    failed: null,
  },
  reopening: {
    start: null,
    stop: requestStop,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: null,
    reopened: afterReopen,
    failed: loopFailed,
  },
  'final-committing': {
    start: null,
    stop: ignoreStop,
    'commit-requested': commitForCaller,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: exitAfterCommit,
    slept: null,
    reopened: null,
    failed: exitAnyway,
  },
  stopped: {
    start: begin,
    stop: ignoreStop,
    'commit-requested': nothingToCommit,
    'caller-committed': noteCallerCommit,
    opened: null,
    fetched: null,
    'log-empty': null,
    'batch-applied': null,
    'batch-failed': null,
    'key-applied': null,
    'key-failed': null,
    'dead-lettered': null,
    advanced: null,
    committed: null,
    slept: null,
    reopened: null,
    failed: null,
  },
};

/**
 * Decides what the projector does after `observation`, at `now` (the injected
 * clock), under `policy`. Pure: the same arguments (and jitter) give the same
 * decision. Throws `PS_ERR_PROJECTION_FAILED` on a pair the table marks impossible.
 *
 * @example
 * let { state, command } = transition(INITIAL_PROJECTOR_STATE, { type: 'start' }, Date.now(), policy);
 * // command: { type: 'open' }; the runtime opens the consumer, then:
 * ({ state, command } = transition(state, { type: 'opened', position: null }, Date.now(), policy));
 * // command: { type: 'fetch', max: policy.batchSize }
 */
export function transition(
  state: ProjectorState,
  observation: ProjectorObservation,
  now: number,
  policy: ProjectorPolicy,
): ProjectorDecision {
  const decide = TABLE[state.phase][observation.type] as Decide<ProjectorSignal> | null;
  if (decide === null) {
    throw new PolystoreError(
      'PS_ERR_PROJECTION_FAILED',
      `The projector of an entity's view observed "${observation.type}" while in phase "${state.phase}", which no transition decides`,
      { fix: 'this is a defect in Polystore: report it with the log lines before it', details: { phase: state.phase } },
    );
  }
  const decision = decide(state, observation as never, { now, policy });
  const next = decision.state;
  if (next.status === state.status && next.failures === state.failures) return decision;
  return { state: { ...next, since: now }, command: decision.command };
}

/** The transition table, for documentation and tests. */
export function transitionTable(): ProjectorTable {
  return TABLE;
}

/** Whether a projector in this status is still working toward the log head. */
export function isActive(status: ProjectorStatus): boolean {
  return status === 'starting' || status === 'polling' || status === 'applying' || status === 'retrying';
}
