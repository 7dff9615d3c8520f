import type {
  NewSaga,
  SagaClaim,
  SagaFilter,
  SagaLog,
  SagaOverride,
  SagaProgressWrite,
  SagaRecord,
  SagaStepRecord,
} from '../../contracts/saga-log.js';
import { quoteIdent } from '../../runtime/identifier.js';
import {
  leaseLost,
  SAGA_COLUMNS,
  SAGA_STEP_COLUMNS,
  type SagaRow,
  type SagaStepRow,
  sagaListLimit,
  stepRowsJson,
  toSagaRecord,
  toSagaStepRecord,
} from '../sql-shared/saga-rows.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import type { PgConnectionGuard, PgExecutor } from './pg-executor.js';
import { runQuery } from './pg-query.js';

const CLAIM_SAGAS = loadSql('claim-sagas.sql', import.meta.url);
const RECORD_SAGA_STEP = loadSql('record-saga-step.sql', import.meta.url);
const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
const json = (raw: unknown) => raw;

/** The saga log in a PostgreSQL-family home (`_ps_sagas`, `_ps_saga_steps`). */
export class PostgresSagaLog implements SagaLog {
  readonly #claim: string;
  readonly #record: string;
  readonly #sagas: string;
  readonly #steps: string;

  constructor(
    private readonly driver: string,
    schema: string,
    private readonly guard: PgConnectionGuard,
  ) {
    const s = quoteIdent(schema, 'schema');
    this.#claim = renderSql(CLAIM_SAGAS, { schema: s });
    this.#record = renderSql(RECORD_SAGA_STEP, { schema: s });
    this.#sagas = `${s}."_ps_sagas"`;
    this.#steps = `${s}."_ps_saga_steps"`;
  }

  async create(saga: NewSaga): Promise<SagaRecord | null> {
    const sql = `INSERT INTO ${this.#sagas} (id, name, version, state, input, step_index, owner, lease_until, attempts, error, cancelling, created_ms, updated_ms)
      VALUES ($1::text, $2::text, $3::int, 'running', $4::jsonb, 0, $5::text, CASE WHEN $5::text IS NULL THEN 0 ELSE ${NOW_MS} + $6::bigint END, 0, NULL, false, ${NOW_MS}, ${NOW_MS})
      ON CONFLICT (id) DO NOTHING RETURNING ${SAGA_COLUMNS}`;
    const params = [saga.id, saga.name, saga.version, JSON.stringify(saga.input ?? null), saga.owner, saga.leaseMs];
    const [row] = await this.#run<SagaRow>('starting a saga', sql, params);
    return row ? toSagaRecord(row, json) : null;
  }

  async claim(claim: SagaClaim): Promise<SagaRecord[]> {
    if (claim.known.length === 0) return [];
    const known = claim.known.map((k) => `${k.name}@${k.version}`);
    const rows = await this.#run<SagaRow>('claiming sagas', this.#claim, [
      claim.owner,
      claim.leaseMs,
      claim.limit,
      known,
    ]);
    return rows.map((row) => toSagaRecord(row, json));
  }

  async renew(sagaId: string, owner: string, leaseMs: number): Promise<boolean> {
    const sql = `UPDATE ${this.#sagas} SET lease_until = ${NOW_MS} + $3::bigint
      WHERE id = $1::text AND owner = $2::text AND lease_until > ${NOW_MS} RETURNING id`;
    return (await this.#run('renewing a saga lease', sql, [sagaId, owner, leaseMs])).length === 1;
  }

  async release(sagaId: string, owner: string): Promise<void> {
    const sql = `UPDATE ${this.#sagas} SET owner = NULL, lease_until = 0 WHERE id = $1::text AND owner = $2::text`;
    await this.#run('releasing a saga lease', sql, [sagaId, owner]);
  }

  async override(change: SagaOverride): Promise<boolean> {
    const sql = `UPDATE ${this.#sagas} SET state = $2::text, cancelling = $3::bool, error = $4::text, attempts = 0,
      owner = NULL, lease_until = 0, updated_ms = ${NOW_MS} WHERE id = $1::text AND state = ANY($5::text[]) RETURNING id`;
    const params = [change.sagaId, change.state, change.cancelling, change.error, [...change.from]];
    return (await this.#run('changing a saga', sql, params)).length === 1;
  }

  async get(sagaId: string): Promise<SagaRecord | null> {
    const sql = `SELECT ${SAGA_COLUMNS} FROM ${this.#sagas} WHERE id = $1::text`;
    const rows = await this.#run<SagaRow>('reading a saga', sql, [sagaId]);
    return rows[0] ? toSagaRecord(rows[0], json) : null;
  }

  async list(filter: SagaFilter): Promise<SagaRecord[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.states) where.push(`state = ANY($${params.push([...filter.states])}::text[])`);
    if (filter.name !== undefined) where.push(`name = $${params.push(filter.name)}::text`);
    if (filter.olderThanMs !== undefined)
      where.push(`created_ms <= ${NOW_MS} - $${params.push(filter.olderThanMs)}::bigint`);
    if (filter.hasError !== undefined) where.push(`error IS ${filter.hasError ? 'NOT ' : ''}NULL`);
    const sql = `SELECT ${SAGA_COLUMNS} FROM ${this.#sagas} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_ms DESC, id LIMIT $${params.push(sagaListLimit(filter))}`;
    const rows = await this.#run<SagaRow>('listing sagas', sql, params);
    return rows.map((row) => toSagaRecord(row, json));
  }

  async steps(sagaId: string): Promise<SagaStepRecord[]> {
    const sql = `SELECT ${SAGA_STEP_COLUMNS} FROM ${this.#steps} WHERE saga_id = $1::text
      ORDER BY started_ms, step_index, phase DESC`;
    const rows = await this.#run<SagaStepRow>('reading a saga timeline', sql, [sagaId]);
    return rows.map((row) => toSagaStepRecord(row, json));
  }

  /** The fenced progress write: one statement (record-saga-step.sql), atomic on its own. */
  record(write: SagaProgressWrite): Promise<SagaRecord> {
    return this.guard.run((c) => this.recordOn(c, write));
  }

  /** The fenced progress write on `exec` (a home transaction's); returns the saga row it wrote. */
  async recordOn(exec: PgExecutor, write: SagaProgressWrite): Promise<SagaRecord> {
    const params = [
      write.sagaId,
      write.owner,
      write.leaseMs,
      write.state,
      write.stepIndex,
      write.attempts,
      write.error,
      stepRowsJson(write),
      write.release,
    ];
    const context = { driver: this.driver, action: 'recording a saga step' };
    const [row] = await runQuery<SagaRow & { fenced: unknown }>(exec, this.#record, params, context);
    if (!row || Number(row.fenced) !== 1) throw leaseLost(write);
    return toSagaRecord(row, json);
  }

  #run<R = unknown>(action: string, sql: string, params: unknown[]): Promise<R[]> {
    return this.guard.run((c) => runQuery<R>(c, sql, params, { driver: this.driver, action }));
  }
}
