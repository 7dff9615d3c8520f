import type { SagaState } from '../contracts/saga-log.js';
import { PolystoreError } from '../errors/index.js';
import { backoffDelay, type RetryPolicy } from '../runtime/retry-policy.js';

export type { SagaState } from '../contracts/saga-log.js';

/**
 * Where a saga is, as the runner drives it. `covered` is the compensation
 * stack: the forward steps whose compensation intent is recorded and whose
 * effect may have happened, in forward order; compensations pop it from the
 * end. The log keeps it as the step rows of phase `compensate` still pending.
 */
export interface SagaProgress {
  readonly state: SagaState;
  /** Running: the next forward step to run. */
  readonly next: number;
  readonly covered: readonly number[];
  /** Failed attempts of the current step (forward, or the compensation at the top of `covered`). */
  readonly attempts: number;
  readonly error: string | null;
  /** An operator cancelled it while it ran: once compensated it ends `cancelled`. */
  readonly cancelling: boolean;
  /** Not before this time (ms) is the current step attempted again (the backoff after a failure). */
  readonly retryAt: number;
}

/** What the runner observed (a step's outcome, a recorded intent) or an operator asked. */
export type SagaObservation =
  | { readonly kind: 'intent'; readonly step: number }
  | { readonly kind: 'forward-done'; readonly step: number }
  /**
   * `rolledBack`: nothing of the step happened (a home step's transaction rolled back); its compensation is dropped.
   * `final`: the step said retrying cannot help (a declined card): no more attempts.
   */
  | {
      readonly kind: 'forward-failed';
      readonly step: number;
      readonly error: string;
      readonly rolledBack: boolean;
      readonly final?: boolean;
    }
  | { readonly kind: 'compensation-done'; readonly step: number }
  | { readonly kind: 'compensation-failed'; readonly step: number; readonly error: string }
  | { readonly kind: 'resume' }
  | { readonly kind: 'retry-compensation' }
  | { readonly kind: 'cancel' };

/** What a definition decides: how many steps, which have a compensation, and each one's retries. */
export interface SagaPolicy {
  /** One entry per step: whether it has a compensation (needs an intent before it runs). */
  readonly compensable: readonly boolean[];
  /**
   * One entry per step: a pivot is the point of no return. Once it is done the
   * compensations before it are dropped, and a later step that uses all its
   * retries makes the saga `stuck` (a person decides) instead of compensating.
   */
  readonly pivot: readonly boolean[];
  /** One entry per step: the retries of its forward run. */
  readonly forward: readonly RetryPolicy[];
  /** One entry per step: the retries of its compensation (then the saga is `stuck`). */
  readonly compensation: readonly RetryPolicy[];
  /** The jitter source of backoff delays (injected in tests). */
  readonly random?: () => number;
}

/**
 * The states each observation may lead to from each state; `refuse`: the
 * observation is a coded error there (`PS_ERR_SAGA_STATE`). A missing pair
 * fails to compile.
 */
export const SAGA_TRANSITIONS: Readonly<
  Record<SagaState, Readonly<Record<SagaObservation['kind'], readonly SagaState[] | 'refuse'>>>
> = {
  running: {
    intent: ['running'],
    'forward-done': ['running', 'completed'],
    'forward-failed': ['running', 'compensating', 'compensated', 'stuck'],
    'compensation-done': 'refuse',
    'compensation-failed': 'refuse',
    resume: ['running'],
    'retry-compensation': 'refuse',
    cancel: ['compensating', 'cancelled'],
  },
  compensating: {
    intent: 'refuse',
    'forward-done': 'refuse',
    'forward-failed': 'refuse',
    'compensation-done': ['compensating', 'compensated', 'cancelled'],
    'compensation-failed': ['compensating', 'stuck'],
    resume: ['compensating'],
    'retry-compensation': 'refuse',
    cancel: ['compensating'],
  },
  // Waits for a person: only the operator's retry or cancel apply.
  stuck: { ...finalRow(), 'retry-compensation': ['compensating', 'running'], cancel: ['cancelled'] },
  completed: finalRow(),
  compensated: finalRow(),
  cancelled: finalRow(),
};

function finalRow(): Readonly<Record<SagaObservation['kind'], 'refuse'>> {
  return {
    intent: 'refuse',
    'forward-done': 'refuse',
    'forward-failed': 'refuse',
    'compensation-done': 'refuse',
    'compensation-failed': 'refuse',
    resume: 'refuse',
    'retry-compensation': 'refuse',
    cancel: 'refuse',
  };
}

/** Final states: nothing changes them. */
export function isFinal(state: SagaState): boolean {
  return state === 'completed' || state === 'compensated' || state === 'cancelled';
}

/** A new saga, about to run its first step. */
export function startingProgress(): SagaProgress {
  return { state: 'running', next: 0, covered: [], attempts: 0, error: null, cancelling: false, retryAt: 0 };
}

/**
 * The pure transition function of a saga. Invariants (each tested in
 * test/saga/saga-state.test.ts and listed in docs/sync-spec.md, 17-20):
 * 1. `completed`, `compensated` and `cancelled` are final: every observation is refused.
 * 2. A step with a compensation runs (`forward-done`/`forward-failed`) only
 *    after its intent was recorded: an effect is never left uncovered.
 * 3. Compensations run in the exact reverse order of the covered forward steps.
 * 4. A saga becomes `stuck` only when a compensation used all its attempts,
 *    or a forward step past a pivot did (it can no longer be undone).
 */
export function transition(
  progress: SagaProgress,
  observation: SagaObservation,
  now: number,
  policy: SagaPolicy,
): SagaProgress {
  const allowed = SAGA_TRANSITIONS[progress.state][observation.kind];
  if (allowed === 'refuse') throw refused(progress, observation.kind);
  const fresh = { attempts: 0, retryAt: 0 };
  switch (observation.kind) {
    case 'intent':
      expectStep(progress, observation, progress.next);
      if (!policy.compensable[observation.step]) throw refused(progress, 'intent of a step without compensation');
      if (progress.covered.includes(observation.step)) return progress;
      return { ...progress, covered: [...progress.covered, observation.step] };
    case 'forward-done': {
      expectStep(progress, observation, progress.next);
      expectCovered(progress, observation.step, policy);
      const next = progress.next + 1;
      const state = next >= policy.forward.length ? 'completed' : 'running';
      // Past a pivot the steps before it are never undone.
      const covered = policy.pivot[observation.step] ? [] : progress.covered;
      return { ...progress, ...fresh, state, next, covered, error: null };
    }
    case 'forward-failed': {
      expectStep(progress, observation, progress.next);
      expectCovered(progress, observation.step, policy);
      const covered = observation.rolledBack
        ? progress.covered.filter((step) => step !== observation.step)
        : progress.covered;
      const attempts = progress.attempts + 1;
      const retry = policy.forward[observation.step]!;
      if (attempts < retry.maxAttempts && observation.final !== true) {
        const retryAt = now + backoffDelay(retry, attempts, policy.random);
        return { ...progress, covered, attempts, retryAt, error: observation.error };
      }
      const state = pastPivot(progress, policy) ? 'stuck' : unwound(covered, false);
      return { ...progress, ...fresh, covered, state, error: observation.error };
    }
    case 'compensation-done': {
      expectStep(progress, observation, progress.covered.at(-1) ?? -1);
      const covered = progress.covered.slice(0, -1);
      return { ...progress, ...fresh, covered, state: unwound(covered, progress.cancelling) };
    }
    case 'compensation-failed': {
      expectStep(progress, observation, progress.covered.at(-1) ?? -1);
      const attempts = progress.attempts + 1;
      const retry = policy.compensation[observation.step]!;
      // The saga's error stays why it compensates (each attempt's error is on its step row) until it is stuck.
      if (attempts < retry.maxAttempts)
        return { ...progress, attempts, retryAt: now + backoffDelay(retry, attempts, policy.random) };
      return { ...progress, ...fresh, state: 'stuck', error: observation.error };
    }
    case 'resume':
      return { ...progress, ...fresh };
    case 'retry-compensation':
      // Stuck on a forward step past the pivot: that step runs again; else the compensations do.
      if (pastPivot(progress, policy) && !progress.cancelling && progress.next < policy.forward.length)
        return { ...progress, ...fresh, state: 'running' };
      return { ...progress, ...fresh, state: 'compensating' };
    case 'cancel':
      if (progress.state === 'stuck') return { ...progress, ...fresh, state: 'cancelled', cancelling: true };
      return { ...progress, ...fresh, cancelling: true, state: unwound(progress.covered, true) };
  }
}

/** Whether a pivot step before the current one is done: the saga can no longer be undone as a whole. */
export function pastPivot(progress: SagaProgress, policy: SagaPolicy): boolean {
  return policy.pivot.slice(0, progress.next).some(Boolean);
}

/** What follows the end of the forward path: compensations if any are covered, else the final state. */
function unwound(covered: readonly number[], cancelling: boolean): SagaState {
  if (covered.length > 0) return 'compensating';
  return cancelling ? 'cancelled' : 'compensated';
}

function expectStep(progress: SagaProgress, observation: { kind: string; step: number }, expected: number): void {
  if (observation.step !== expected)
    throw refused(progress, `${observation.kind} of step ${observation.step} (the current step is ${expected})`);
}

function expectCovered(progress: SagaProgress, step: number, policy: SagaPolicy): void {
  if (policy.compensable[step] && !progress.covered.includes(step))
    throw refused(progress, `run step ${step} before its compensation intent is recorded`);
}

function refused(progress: SagaProgress, what: string): PolystoreError {
  return new PolystoreError('PS_ERR_SAGA_STATE', `A ${progress.state} saga cannot take ${what}`, {
    fix: isFinal(progress.state)
      ? 'the saga has ended; start a new one'
      : progress.state === 'stuck'
        ? 'retry its compensation (db.sagas.retryCompensation(id)) or cancel it'
        : 'let the worker holding it carry on, or cancel it',
    details: { state: progress.state },
  });
}
