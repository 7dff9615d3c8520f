import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPolystoreError } from '../../src/errors/index.js';
import {
  isFinal,
  SAGA_TRANSITIONS,
  type SagaObservation,
  type SagaPolicy,
  type SagaProgress,
  type SagaState,
  startingProgress,
  transition,
} from '../../src/saga/saga-state.js';

const STATES: readonly SagaState[] = ['running', 'compensating', 'completed', 'compensated', 'stuck', 'cancelled'];
const KINDS: readonly SagaObservation['kind'][] = [
  'intent',
  'forward-done',
  'forward-failed',
  'compensation-done',
  'compensation-failed',
  'resume',
  'retry-compensation',
  'cancel',
];
const retry = (maxAttempts: number) => ({ maxAttempts, baseDelayMs: 10, maxDelayMs: 100 });

function policyOf(
  steps: number,
  options: { pivot?: number; forward?: number; compensation?: number } = {},
): SagaPolicy {
  return {
    compensable: Array.from({ length: steps }, (_, i) => i < steps - 1 && i !== options.pivot),
    pivot: Array.from({ length: steps }, (_, i) => i === options.pivot),
    forward: Array.from({ length: steps }, () => retry(options.forward ?? 2)),
    compensation: Array.from({ length: steps }, () => retry(options.compensation ?? 2)),
    random: () => 0.5,
  };
}

/** The observation of `kind` a saga in `progress` would be given (its current step). */
function observationOf(kind: SagaObservation['kind'], progress: SagaProgress): SagaObservation {
  const top = progress.covered.at(-1) ?? 0;
  switch (kind) {
    case 'intent':
    case 'forward-done':
      return { kind, step: progress.next };
    case 'forward-failed':
      return { kind, step: progress.next, error: 'boom', rolledBack: false };
    case 'compensation-done':
      return { kind, step: top };
    case 'compensation-failed':
      return { kind, step: top, error: 'boom' };
    default:
      return { kind };
  }
}

function attempt(progress: SagaProgress, observation: SagaObservation, policy: SagaPolicy): SagaProgress | 'refused' {
  try {
    return transition(progress, observation, 1000, policy);
  } catch (err) {
    if (isPolystoreError(err, 'PS_ERR_SAGA_STATE')) return 'refused';
    throw err;
  }
}

describe('saga state machine', () => {
  it('does what its table says for every (state, observation) pair, and nothing leaves a final state', () => {
    const policy = policyOf(3);
    for (const state of STATES) {
      for (const kind of KINDS) {
        // Step 0 covered: every observation names the saga's current step, so only the table decides.
        const progress: SagaProgress = { ...startingProgress(), state, covered: [0] };
        const allowed = SAGA_TRANSITIONS[state][kind];
        const outcome = attempt(progress, observationOf(kind, progress), policy);
        if (allowed === 'refuse') expect({ state, kind, outcome }).toEqual({ state, kind, outcome: 'refused' });
        else
          expect(allowed, `${state} x ${kind} -> ${JSON.stringify(outcome)}`).toContain(
            (outcome as SagaProgress).state,
          );
      }
    }
    for (const final of ['completed', 'compensated', 'cancelled'] as const)
      expect(Object.values(SAGA_TRANSITIONS[final]).every((next) => next === 'refuse')).toBe(true);
  });

  it('runs every step, retries a failure with backoff, compensates in reverse, and gets stuck on the last retry', () => {
    const policy = policyOf(3);
    let p = startingProgress();
    const step = (o: SagaObservation) => {
      p = transition(p, o, 1000, policy);
      return p;
    };
    expect(attempt(p, { kind: 'forward-done', step: 0 }, policy)).toBe('refused'); // no intent yet
    step({ kind: 'intent', step: 0 });
    step({ kind: 'forward-done', step: 0 });
    step({ kind: 'intent', step: 1 });
    expect(step({ kind: 'forward-failed', step: 1, error: 'declined', rolledBack: false })).toMatchObject({
      state: 'running',
      attempts: 1,
      error: 'declined',
    });
    expect(p.retryAt).toBeGreaterThan(1000);
    expect(step({ kind: 'forward-failed', step: 1, error: 'declined', rolledBack: false })).toMatchObject({
      state: 'compensating',
      covered: [0, 1],
      attempts: 0,
    });
    expect(attempt(p, { kind: 'compensation-done', step: 0 }, policy)).toBe('refused'); // 1 first
    step({ kind: 'compensation-done', step: 1 });
    // Why it compensates stays its error while a compensation is retried; stuck, the compensation's.
    expect(step({ kind: 'compensation-failed', step: 0, error: 'refund down' })).toMatchObject({ error: 'declined' });
    expect(step({ kind: 'compensation-failed', step: 0, error: 'refund down' })).toMatchObject({
      state: 'stuck',
      covered: [0],
      error: 'refund down',
    });
    expect(step({ kind: 'retry-compensation' })).toMatchObject({ state: 'compensating', attempts: 0 });
    expect(step({ kind: 'compensation-done', step: 0 })).toMatchObject({ state: 'compensated', covered: [] });
  });

  it('compensates at once when a step says its failure is final, whatever retries are left', () => {
    const policy = policyOf(3, { forward: 5 });
    let p = transition(startingProgress(), { kind: 'intent', step: 0 }, 0, policy);
    p = transition(p, { kind: 'forward-done', step: 0 }, 0, policy);
    p = transition(p, { kind: 'intent', step: 1 }, 0, policy);
    p = transition(
      p,
      { kind: 'forward-failed', step: 1, error: 'declined', rolledBack: false, final: true },
      0,
      policy,
    );
    expect(p).toMatchObject({ state: 'compensating', covered: [0, 1], attempts: 0, error: 'declined' });
  });

  it('drops a rolled-back home step from the compensations, and the steps before a pivot once it is done', () => {
    const policy = policyOf(4, { pivot: 1, forward: 1 });
    let p = transition(startingProgress(), { kind: 'intent', step: 0 }, 0, policy);
    p = transition(p, { kind: 'forward-done', step: 0 }, 0, policy);
    p = transition(p, { kind: 'forward-done', step: 1 }, 0, policy); // the pivot
    expect(p.covered).toEqual([]);
    p = transition(p, { kind: 'intent', step: 2 }, 0, policy);
    p = transition(p, { kind: 'forward-failed', step: 2, error: 'x', rolledBack: true }, 0, policy);
    // Past the pivot: a person decides; the rolled-back step owes nothing.
    expect(p).toMatchObject({ state: 'stuck', covered: [] });
    expect(transition(p, { kind: 'retry-compensation' }, 0, policy)).toMatchObject({ state: 'running', next: 2 });
  });

  it('cancels: a running saga compensates and ends cancelled; a stuck one ends cancelled as is', () => {
    const policy = policyOf(3);
    let p = transition(startingProgress(), { kind: 'intent', step: 0 }, 0, policy);
    p = transition(p, { kind: 'forward-done', step: 0 }, 0, policy);
    p = transition(p, { kind: 'cancel' }, 0, policy);
    expect(p).toMatchObject({ state: 'compensating', cancelling: true });
    expect(transition(p, { kind: 'compensation-done', step: 0 }, 0, policy).state).toBe('cancelled');
    expect(transition(startingProgress(), { kind: 'cancel' }, 0, policy).state).toBe('cancelled');
    const stuck: SagaProgress = { ...p, state: 'stuck' };
    expect(transition(stuck, { kind: 'cancel' }, 0, policy).state).toBe('cancelled');
  });

  /** Random observations, each valid or not, applied to a random definition; refused ones change nothing. */
  const scenario = fc.record({
    steps: fc.integer({ min: 1, max: 6 }),
    pivot: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    forward: fc.integer({ min: 1, max: 3 }),
    compensation: fc.integer({ min: 1, max: 3 }),
    script: fc.array(
      fc.record({
        kind: fc.constantFrom(...KINDS),
        rolledBack: fc.boolean(),
        final: fc.boolean(),
        offset: fc.integer({ min: -1, max: 1 }),
      }),
      { maxLength: 60 },
    ),
  });

  type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

  function play(s: Scenario) {
    const policy = policyOf(s.steps, s);
    let p = startingProgress();
    const trace: { before: SagaProgress; observation: SagaObservation; after: SagaProgress | 'refused' }[] = [];
    for (const move of s.script) {
      const base = observationOf(move.kind, p);
      const observation =
        'step' in base
          ? ({
              ...base,
              step: base.step + move.offset,
              ...(move.kind === 'forward-failed' ? { rolledBack: move.rolledBack, final: move.final } : {}),
            } as SagaObservation)
          : base;
      const after = attempt(p, observation, policy);
      trace.push({ before: p, observation, after });
      if (after !== 'refused') p = after;
    }
    return { policy, trace, end: p };
  }

  it('never changes a final state (property)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        for (const { before, after } of play(s).trace) if (isFinal(before.state)) expect(after).toBe('refused');
      }),
    );
  });

  it('compensates in the exact reverse order of the forward steps it covers (property)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { trace } = play(s);
        for (const { before, observation, after } of trace) {
          if (after === 'refused') continue;
          if (observation.kind === 'compensation-done') expect(observation.step).toBe(before.covered.at(-1));
          // The stack only grows by the step about to run, so it stays in forward order.
          expect([...after.covered].sort((a, b) => a - b)).toEqual(after.covered);
          expect(after.covered.every((i) => i <= after.next)).toBe(true);
        }
      }),
    );
  });

  it('records a compensation intent before the forward step it covers runs (property)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { trace, policy } = play(s);
        for (const { before, observation, after } of trace) {
          if (after === 'refused') continue;
          if (observation.kind !== 'forward-done' && observation.kind !== 'forward-failed') continue;
          if (policy.compensable[observation.step]) expect(before.covered).toContain(observation.step);
        }
      }),
    );
  });

  it('gets stuck only after a compensation (or a step past the pivot) used all its attempts (property)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { trace, policy } = play(s);
        for (const { before, observation, after } of trace) {
          if (after === 'refused' || after.state !== 'stuck' || before.state === 'stuck') continue;
          if (observation.kind === 'compensation-failed') {
            expect(before.attempts + 1).toBe(policy.compensation[observation.step]!.maxAttempts);
          } else {
            expect(observation.kind).toBe('forward-failed');
            expect(policy.pivot.slice(0, before.next).some(Boolean)).toBe(true);
            // All its attempts used, or the step said retrying cannot help.
            if (!(observation.kind === 'forward-failed' && observation.final))
              expect(before.attempts + 1).toBe(policy.forward[before.next]!.maxAttempts);
          }
        }
      }),
    );
  });
});
