import { setTimeout as sleep } from 'node:timers/promises';
import type { HomeStore, HomeTransaction } from '../contracts/home-store.js';
import type { SagaRecord, SagaStepRecord, SagaStepWrite } from '../contracts/saga-log.js';
import { isPolystoreError, PolystoreError } from '../errors/index.js';
import type { PolystoreTransaction } from '../router/transaction-client.js';
import { describeError, type Logger } from '../runtime/logger.js';
import type { ResolvedStep, SagaDef } from './define-saga.js';
import { isNonRetryable } from './non-retryable.js';
import { policyOf, progressOf, progressWrite } from './saga-record.js';
import { type SagaObservation, type SagaProgress, transition } from './saga-state.js';

/**
 * Runs `fn` in one home transaction with typed entity writes, as
 * `db.transaction` does, handing it the home transaction as well (to record
 * the step in it).
 */
export type StepTransaction = <R>(
  fn: (tx: PolystoreTransaction<Record<string, unknown>>, home: HomeTransaction) => Promise<R>,
) => Promise<R>;

/** What one worker's executions share. */
export interface ExecutionDeps {
  /** The home, read on each use (a moved home switches under it). */
  readonly home: () => HomeStore;
  readonly transaction: StepTransaction;
  readonly owner: string;
  readonly leaseMs: number;
  readonly logger: Logger;
  /** True once the worker stops: an execution gives its saga back at the next step boundary. */
  readonly stopping: () => boolean;
  readonly now?: () => number;
  /** The saga's step rows when the caller knows them (a saga it just created has none); else they are read. */
  readonly steps?: readonly SagaStepRecord[];
}

/** Why a saga left this worker: it ended (or waits for a person), the worker stopped, or it lost the lease. */
export type ExecutionEnd = 'settled' | 'released' | 'lost';

/** How an execution ended; `saga`: a settled saga as its last record left it, when the home returned it. */
export interface ExecutionOutcome {
  readonly end: ExecutionEnd;
  readonly saga: SagaRecord | null;
}

/** A step's own failure (thrown by its run or compensate), as opposed to the home failing to record it. */
class StepFailure {
  constructor(readonly error: unknown) {}
}

/**
 * Drives one claimed saga from where its log says it is to its end, one
 * step at a time: compensation intent recorded before a step can have an
 * effect (before an external step runs; in a home step's transaction),
 * home steps recorded in their own transaction (exactly once), external
 * steps recorded after they return (at least once, with a stable key; in
 * the next home step's transaction when one follows). Every record is
 * fenced by the lease: once lost, the execution stops.
 */
export async function runSaga(def: SagaDef, record: SagaRecord, deps: ExecutionDeps): Promise<ExecutionOutcome> {
  const now = deps.now ?? Date.now;
  const policy = policyOf(def);
  const at = { sagaId: record.id, owner: deps.owner, leaseMs: deps.leaseMs };
  const loaded = progressOf(record, deps.steps ?? (await deps.home().sagas.steps(record.id)));
  let progress = loaded.progress;
  /** What the log holds; `progress` runs ahead of it by observations whose rows wait in `unsaved`. */
  let recorded = progress;
  let unsaved: SagaStepWrite[] = [];
  /** The saga row as the last record returned it (null where the home returns none). */
  let saga: SagaRecord | null = null;
  const results = loaded.results;

  /** Records `after` (fenced) with the rows still unsaved; in `tx` when given, else in a write of its own. */
  const save = async (after: SagaProgress, steps: readonly SagaStepWrite[], tx?: HomeTransaction) => {
    const write = progressWrite(def, at, recorded, after, [...unsaved, ...steps]);
    saga = tx ? await tx.recordSagaStep(write) : await deps.home().sagas.record(write);
    recorded = after;
    progress = after;
    unsaved = [];
  };
  /** Moves on to `after` now; its rows are recorded with the next save (a home step's transaction). */
  const defer = (after: SagaProgress, steps: readonly SagaStepWrite[]) => {
    unsaved = [...unsaved, ...steps];
    progress = after;
  };
  const flush = async () => {
    if (unsaved.length > 0) await save(progress, []);
  };
  const observe = (observation: SagaObservation) => transition(progress, observation, now(), policy);

  try {
    while (progress.state === 'running' || progress.state === 'compensating') {
      if (deps.stopping()) {
        await flush();
        await deps.home().sagas.release(record.id, deps.owner);
        return { end: 'released', saga: null };
      }
      if (progress.retryAt > now()) await sleep(progress.retryAt - now());
      if (progress.state === 'running') await forward(progress.next);
      else await compensate(progress.covered.at(-1)!);
    }
    await flush();
    return { end: 'settled', saga };
  } catch (err) {
    if (isPolystoreError(err, 'PS_ERR_SAGA_LEASE_LOST')) {
      deps.logger.debug({ saga: record.id, owner: deps.owner }, 'saga lease lost; its new holder carries on');
      return { end: 'lost', saga: null };
    }
    // The home failed to record (down, restarting): the lease expires and a worker takes the saga over.
    deps.logger.warn({ saga: record.id, error: describeError(err) }, 'saga progress could not be recorded');
    return { end: 'lost', saga: null };
  }

  async function forward(index: number): Promise<void> {
    const step = def.steps[index]!;
    const attempts = progress.attempts + 1;
    if (step.compensate && !progress.covered.includes(index)) {
      // The intent first: once the step may have had an effect, a compensation is always owed. A home
      // step's effect commits with its record, so its intent goes in that transaction (no effect without it).
      const intent = observe({ kind: 'intent', step: index });
      const rows = [
        row(step, index, 'compensate', 'pending', 0),
        row(step, index, 'forward', 'pending', progress.attempts),
      ];
      if (step.kind === 'home') defer(intent, rows);
      else await save(intent, rows);
    }
    const ctx = context(step, attempts);
    try {
      if (step.kind === 'home') {
        await deps.transaction(async (tx, homeTx) => {
          const result = await attempt(step, () => step.run({ ...ctx.base, tx } as never), ctx, true);
          await save(...done(index, attempts, result), homeTx);
          results[step.name] = result;
        });
      } else {
        const result = await attempt(step, () => step.run(ctx.base as never), ctx, false);
        const [after, rows] = done(index, attempts, result);
        results[step.name] = result;
        // Followed at once by a home step: recorded in its transaction. A crash before that commits runs
        // this step again under the same idempotency key (at least once, as without the deferral).
        if (after.state === 'running' && def.steps[index + 1]?.kind === 'home') defer(after, rows);
        else await save(after, rows);
      }
    } catch (err) {
      if (!(err instanceof StepFailure)) throw err;
      const error = describeError(err.error);
      const failed = observe({
        kind: 'forward-failed',
        step: index,
        error,
        rolledBack: step.kind === 'home',
        final: isNonRetryable(err.error),
      });
      await save(failed, [{ ...row(step, index, 'forward', 'failed', attempts), error }]);
    } finally {
      ctx.end();
    }
  }

  /**
   * The record of step `index` done, carrying the next step's compensation
   * intent when it has one: still recorded before that step runs, in one
   * write instead of two.
   */
  function done(index: number, attempts: number, result: unknown): [SagaProgress, SagaStepWrite[]] {
    const step = def.steps[index]!;
    let after = observe({ kind: 'forward-done', step: index });
    const rows = [row(step, index, 'forward', 'done', attempts, result)];
    const next = def.steps[index + 1];
    if (after.state === 'running' && next?.compensate) {
      after = transition(after, { kind: 'intent', step: index + 1 }, now(), policy);
      rows.push(row(next, index + 1, 'compensate', 'pending', 0), row(next, index + 1, 'forward', 'pending', 0));
    }
    return [after, rows];
  }

  async function compensate(index: number): Promise<void> {
    const step = def.steps[index]!;
    const attempts = progress.attempts + 1;
    if (step.kind === 'home' && !(step.name in results)) {
      // Its transaction never committed (it failed, or the lease was lost in it): nothing to undo.
      await save(observe({ kind: 'compensation-done', step: index }), [row(step, index, 'compensate', 'skipped', 0)]);
      return;
    }
    const ctx = context(step, attempts);
    const base = { ...ctx.base, result: results[step.name] };
    try {
      if (step.kind === 'home') {
        await deps.transaction(async (tx, homeTx) => {
          await attempt(step, () => step.compensate!({ ...base, tx } as never), ctx, true);
          const done = observe({ kind: 'compensation-done', step: index });
          await save(done, [row(step, index, 'compensate', 'done', attempts)], homeTx);
        });
      } else {
        await attempt(step, () => step.compensate!(base as never), ctx, false);
        await save(observe({ kind: 'compensation-done', step: index }), [
          row(step, index, 'compensate', 'done', attempts),
        ]);
      }
    } catch (err) {
      if (!(err instanceof StepFailure)) throw err;
      const error = describeError(err.error);
      const failed = observe({ kind: 'compensation-failed', step: index, error });
      await save(failed, [{ ...row(step, index, 'compensate', 'failed', attempts), error }]);
    } finally {
      ctx.end();
    }
  }

  function context(step: ResolvedStep, attempt: number) {
    const controller = new AbortController();
    // External steps can outlast a lease: keep it while they run, and abort them once it is lost.
    const heartbeat =
      step.kind === 'external'
        ? setInterval(
            () => {
              deps
                .home()
                .sagas.renew(record.id, deps.owner, deps.leaseMs)
                .then((held) => held || controller.abort(leaseLostError(record.id, deps.owner)))
                .catch(() => undefined);
            },
            Math.max(50, Math.floor(deps.leaseMs / 3)),
          )
        : undefined;
    return {
      controller,
      base: {
        sagaId: record.id,
        input: record.input,
        results: { ...results },
        idempotencyKey: `${record.id}:${step.name}`,
        attempt,
        signal: controller.signal,
      },
      end: () => clearInterval(heartbeat),
    };
  }
}

/**
 * Runs a step's function within its timeout; what it throws becomes a
 * StepFailure. A home step is not raced (its transaction holds the
 * connection until it returns): one that took too long fails once it
 * returns, before its record, so its writes roll back.
 */
async function attempt<R>(
  step: ResolvedStep,
  fn: () => Promise<R>,
  ctx: { controller: AbortController },
  home: boolean,
): Promise<R> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = fn();
    if (home) {
      const result = await run;
      if (performance.now() - started > step.timeoutMs) throw timedOut(step);
      return result;
    }
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ctx.controller.abort(timedOut(step));
        reject(timedOut(step));
      }, step.timeoutMs);
    });
    const aborted = new Promise<never>((_, reject) => {
      ctx.controller.signal.addEventListener('abort', () => reject(ctx.controller.signal.reason), { once: true });
    });
    run.catch(() => undefined);
    return await Promise.race([run, timeout, aborted]);
  } catch (err) {
    if (isPolystoreError(err, 'PS_ERR_SAGA_LEASE_LOST')) throw err;
    throw new StepFailure(err);
  } finally {
    clearTimeout(timer);
  }
}

function row(
  step: ResolvedStep,
  stepIndex: number,
  phase: SagaStepWrite['phase'],
  status: SagaStepWrite['status'],
  attempts: number,
  result?: unknown,
): SagaStepWrite {
  return { stepIndex, step: step.name, phase, status, attempts, result: result === undefined ? null : result };
}

function timedOut(step: ResolvedStep): PolystoreError {
  return new PolystoreError('PS_ERR_SAGA_STEP_TIMEOUT', `Saga step ${step.name} ran longer than ${step.timeoutMs} ms`, {
    fix: `raise the step's timeoutMs, or make it faster`,
  });
}

function leaseLostError(sagaId: string, owner: string): PolystoreError {
  return new PolystoreError(
    'PS_ERR_SAGA_LEASE_LOST',
    `Worker ${owner} lost the lease of saga ${sagaId} while a step ran`,
    {
      fix: 'nothing to do: the worker holding the lease carries on (raise sagaOptions.leaseMs if steps outlast it)',
    },
  );
}
