import type {
  SagaFilter,
  SagaPhase,
  SagaProgressWrite,
  SagaRecord,
  SagaState,
  SagaStepRecord,
  SagaStepStatus,
} from '../../contracts/saga-log.js';
import { PolystoreError } from '../../errors/index.js';
import { toNumber } from './row-values.js';

/** The columns of `_ps_sagas` the SQL homes select, in the names their statements give them. */
export const SAGA_COLUMNS =
  'id, name, version, state, input, step_index, owner, lease_until, attempts, error, cancelling, created_ms, updated_ms';
export const SAGA_STEP_COLUMNS =
  'saga_id, step_index, phase, step, status, attempts, result, error, started_ms, updated_ms';

/** Longest saga id and definition name the homes keep (MariaDB's VARCHAR(255) keys). */
export const MAX_SAGA_ID_LENGTH = 255;

export interface SagaRow {
  readonly id: string;
  readonly name: string;
  readonly version: unknown;
  readonly state: string;
  readonly input: unknown;
  readonly step_index: unknown;
  readonly owner: string | null;
  readonly lease_until: unknown;
  readonly attempts: unknown;
  readonly error: string | null;
  readonly cancelling: unknown;
  readonly created_ms: unknown;
  readonly updated_ms: unknown;
}

export interface SagaStepRow {
  readonly saga_id: string;
  readonly step_index: unknown;
  readonly phase: string;
  readonly step: string;
  readonly status: string;
  readonly attempts: unknown;
  readonly result: unknown;
  readonly error: string | null;
  readonly started_ms: unknown;
  readonly updated_ms: unknown;
}

/** A `_ps_sagas` row as a record; `json` parses a JSON column as the driver returns it. */
export function toSagaRecord(row: SagaRow, json: (raw: unknown) => unknown): SagaRecord {
  return {
    id: row.id,
    name: row.name,
    version: toNumber(row.version),
    state: row.state as SagaState,
    input: json(row.input),
    stepIndex: toNumber(row.step_index),
    owner: row.owner,
    leaseUntil: toNumber(row.lease_until),
    attempts: toNumber(row.attempts),
    error: row.error,
    cancelling: row.cancelling === true || toNumber(row.cancelling) === 1,
    createdAt: toNumber(row.created_ms),
    updatedAt: toNumber(row.updated_ms),
  };
}

export function toSagaStepRecord(row: SagaStepRow, json: (raw: unknown) => unknown): SagaStepRecord {
  return {
    sagaId: row.saga_id,
    stepIndex: toNumber(row.step_index),
    step: row.step,
    phase: row.phase as SagaPhase,
    status: row.status as SagaStepStatus,
    attempts: toNumber(row.attempts),
    result: row.result === null || row.result === undefined ? null : json(row.result),
    error: row.error,
    startedAt: toNumber(row.started_ms),
    updatedAt: toNumber(row.updated_ms),
  };
}

/** The step rows of a progress write as the JSON array the record statements read. */
export function stepRowsJson(write: SagaProgressWrite): string {
  return JSON.stringify(
    write.steps.map((s) => ({
      step_index: s.stepIndex,
      phase: s.phase,
      step: s.step,
      status: s.status,
      attempts: s.attempts,
      result: s.result === undefined ? null : s.result,
      error: s.error ?? null,
    })),
  );
}

/** The error a fenced write gives when its worker no longer holds the lease. */
export function leaseLost(write: SagaProgressWrite): PolystoreError {
  return new PolystoreError(
    'PS_ERR_SAGA_LEASE_LOST',
    `Worker ${write.owner} no longer holds the lease of saga ${write.sagaId}: its progress was not recorded`,
    {
      fix: 'nothing to do: the worker holding the lease carries on (raise sagaOptions.leaseMs if steps outlast it)',
      details: { sagaId: write.sagaId, owner: write.owner },
    },
  );
}

/** `filter.limit` checked (default 100, 1 to 10 000). */
export function sagaListLimit(filter: SagaFilter): number {
  const limit = filter.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw new PolystoreError(
      'PS_ERR_INVALID_ARGUMENT',
      'A saga listing limit must be a whole number from 1 to 10 000',
      {
        field: 'limit',
        fix: 'pass a limit from 1 to 10 000',
      },
    );
  }
  return limit;
}
