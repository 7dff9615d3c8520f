/**
 * The saga log a home keeps (`_ps_sagas`, `_ps_saga_steps`): one row per
 * saga with its state, lease and progress, and one row per step and phase.
 * Every write of a saga's progress is fenced by its lease (see
 * `HomeTransaction.recordSagaStep`), so a worker that lost the lease cannot
 * record anything, and a home step's entity writes commit with its record.
 */

/** A saga's life (see src/saga/saga-state.ts for the transitions). */
export type SagaState = 'running' | 'compensating' | 'completed' | 'compensated' | 'stuck' | 'cancelled';

/** The states a worker drives; the others wait for an operator or are final. */
export const ACTIVE_SAGA_STATES: readonly SagaState[] = ['running', 'compensating'];

/** A step row's phase: the step itself, or its compensation. */
export type SagaPhase = 'forward' | 'compensate';

/**
 * `pending`: a compensation intent (recorded before its forward step runs) or
 * a forward step started; `done`: it returned (and for a home step, its
 * writes committed with this record); `failed`: its last attempt threw;
 * `skipped`: a compensation that is not needed (its home step rolled back).
 */
export type SagaStepStatus = 'pending' | 'done' | 'failed' | 'skipped';

/** One saga as the log holds it. Times are milliseconds since the epoch, by the home's clock. */
export interface SagaRecord {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly state: SagaState;
  readonly input: unknown;
  /** The next forward step (how many forward steps are done); compensations are the step rows still pending. */
  readonly stepIndex: number;
  /** The worker holding the lease, or null. */
  readonly owner: string | null;
  /** When the lease ends (0: none). */
  readonly leaseUntil: number;
  /** Attempts of the current step (forward or compensation). */
  readonly attempts: number;
  readonly error: string | null;
  /** An operator cancelled it while it ran: it compensates and ends `cancelled`. */
  readonly cancelling: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One step row of a saga's timeline. */
export interface SagaStepRecord {
  readonly sagaId: string;
  readonly stepIndex: number;
  readonly step: string;
  readonly phase: SagaPhase;
  readonly status: SagaStepStatus;
  readonly attempts: number;
  readonly result: unknown;
  readonly error: string | null;
  readonly startedAt: number;
  readonly updatedAt: number;
}

export interface NewSaga {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly input: unknown;
  /** The worker that runs it at once (it gets the lease), or null to leave it to any worker's next claim. */
  readonly owner: string | null;
  readonly leaseMs: number;
}

/** A step row to insert or replace (by saga, step index and phase). */
export interface SagaStepWrite {
  readonly stepIndex: number;
  readonly step: string;
  readonly phase: SagaPhase;
  readonly status: SagaStepStatus;
  readonly attempts: number;
  /** JSON; null for none. */
  readonly result?: unknown;
  readonly error?: string | null;
}

/**
 * One fenced write of a saga's progress: the saga row's new state and the
 * step rows, recorded only while `owner` holds an unexpired lease (which
 * this write extends by `leaseMs`).
 */
export interface SagaProgressWrite {
  readonly sagaId: string;
  readonly owner: string;
  readonly leaseMs: number;
  readonly state: SagaState;
  readonly stepIndex: number;
  readonly attempts: number;
  readonly error: string | null;
  /** True when the saga reaches a final state or a person: the lease is dropped with the write. */
  readonly release: boolean;
  readonly steps: readonly SagaStepWrite[];
}

/** Which sagas a worker may claim: those of a definition it knows, by name and version. */
export interface SagaClaim {
  readonly owner: string;
  readonly leaseMs: number;
  readonly limit: number;
  readonly known: readonly { readonly name: string; readonly version: number }[];
}

export interface SagaFilter {
  readonly states?: readonly SagaState[];
  readonly name?: string;
  /** Only sagas created at least this many ms ago. */
  readonly olderThanMs?: number;
  /** Only sagas with (true) or without (false) an error. */
  readonly hasError?: boolean;
  /** Most rows (default 100, at most 10 000), newest first. */
  readonly limit?: number;
}

/** An operator's change of a saga (resume, retry compensation, cancel). */
export interface SagaOverride {
  readonly sagaId: string;
  /** Applied only when the saga is in one of these states. */
  readonly from: readonly SagaState[];
  readonly state: SagaState;
  readonly cancelling: boolean;
  readonly error: string | null;
}

/**
 * The saga log of a home (`HomeStore.sagas`). Claims take leases by the
 * home's clock in one statement per batch; two claimers never get the same
 * saga (FOR UPDATE SKIP LOCKED).
 *
 * @example
 * await home.sagas.create({ id: 's1', name: 'order', version: 1, input, owner: null, leaseMs: 0 });
 * const claimed = await home.sagas.claim({ owner: 'w1', leaseMs: 30_000, limit: 10, known: [{ name: 'order', version: 1 }] });
 */
export interface SagaLog {
  /**
   * Inserts a new running saga and returns it as recorded (so its starter
   * can run it without reading it back); null (nothing written) when the id
   * is taken.
   */
  create(saga: NewSaga): Promise<SagaRecord | null>;
  /** Leases up to `limit` running or compensating sagas of known definitions whose lease is free or expired. */
  claim(claim: SagaClaim): Promise<SagaRecord[]>;
  /** Extends `owner`'s lease; false when it no longer holds it (expired and taken, or overridden). */
  renew(sagaId: string, owner: string, leaseMs: number): Promise<boolean>;
  /**
   * Records a saga's progress on its own, fenced by the lease as
   * `HomeTransaction.recordSagaStep` is (`PS_ERR_SAGA_LEASE_LOST`): what an
   * external step's result and an intent need, without a transaction around.
   * Returns the saga as the write left it, or null, as `recordSagaStep` does.
   */
  record(write: SagaProgressWrite): Promise<SagaRecord | null>;
  /** Gives the lease up (a stopping worker), so another worker claims the saga at once. */
  release(sagaId: string, owner: string): Promise<void>;
  /** Changes a saga's state as an operator asks, dropping its lease; false when it was in none of `from`. */
  override(change: SagaOverride): Promise<boolean>;
  get(sagaId: string): Promise<SagaRecord | null>;
  list(filter: SagaFilter): Promise<SagaRecord[]>;
  /** Every step row of a saga, in the order they were first written. */
  steps(sagaId: string): Promise<SagaStepRecord[]>;
}
