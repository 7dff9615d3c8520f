import type { SagaProgressWrite, SagaRecord, SagaStepRecord, SagaStepWrite } from '../contracts/saga-log.js';
import type { SagaDef } from './define-saga.js';
import { isFinal, type SagaPolicy, type SagaProgress } from './saga-state.js';

/** The transition policy a definition implies. */
export function policyOf(def: SagaDef): SagaPolicy {
  return {
    compensable: def.steps.map((s) => s.compensate !== undefined),
    pivot: def.steps.map((s) => s.pivot),
    forward: def.steps.map((s) => s.retry),
    compensation: def.steps.map((s) => s.compensationRetry),
  };
}

/**
 * A saga's progress and forward results as its log rows hold them: the
 * compensation stack is the `compensate` rows still pending or failed, in
 * step order; no backoff survives a restart.
 */
export function progressOf(
  record: SagaRecord,
  steps: readonly SagaStepRecord[],
): { progress: SagaProgress; results: Record<string, unknown> } {
  const covered = steps
    .filter((s) => s.phase === 'compensate' && (s.status === 'pending' || s.status === 'failed'))
    .map((s) => s.stepIndex)
    .sort((a, b) => a - b);
  const results: Record<string, unknown> = {};
  for (const s of steps) if (s.phase === 'forward' && s.status === 'done') results[s.step] = s.result;
  return {
    progress: {
      state: record.state,
      next: record.stepIndex,
      covered,
      attempts: record.attempts,
      error: record.error,
      cancelling: record.cancelling,
      retryAt: 0,
    },
    results,
  };
}

/**
 * The fenced write that takes the log from `before` to `after`: the saga row,
 * `steps` (a later row of one step and phase replaces an earlier one: a write
 * may carry several observations), and a `skipped` row for each compensation
 * that left the stack without running (a rolled-back home step, or the steps
 * before a pivot), including an intent made and dropped within the write.
 */
export function progressWrite(
  def: SagaDef,
  at: { sagaId: string; owner: string; leaseMs: number },
  before: SagaProgress,
  after: SagaProgress,
  given: readonly SagaStepWrite[],
): SagaProgressWrite {
  const byKey = new Map<string, SagaStepWrite>();
  for (const s of given) byKey.set(`${s.stepIndex}/${s.phase}`, s);
  const steps = [...byKey.values()].map(
    (s): SagaStepWrite =>
      s.phase === 'compensate' && s.status === 'pending' && !after.covered.includes(s.stepIndex)
        ? { ...s, status: 'skipped' }
        : s,
  );
  const written = new Set(steps.filter((s) => s.phase === 'compensate').map((s) => s.stepIndex));
  const dropped = before.covered
    .filter((i) => !after.covered.includes(i) && !written.has(i))
    .map(
      (i): SagaStepWrite => ({
        stepIndex: i,
        step: def.steps[i]!.name,
        phase: 'compensate',
        status: 'skipped',
        attempts: 0,
      }),
    );
  return {
    ...at,
    state: after.state,
    stepIndex: after.next,
    attempts: after.attempts,
    error: after.error,
    release: isFinal(after.state) || after.state === 'stuck',
    steps: [...steps, ...dropped],
  };
}
