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
import { isPolystoreError } from '../../errors/index.js';
import {
  leaseLost,
  SAGA_COLUMNS,
  SAGA_STEP_COLUMNS,
  type SagaRow,
  type SagaStepRow,
  sagaListLimit,
  toSagaRecord,
  toSagaStepRecord,
} from '../sql-shared/saga-rows.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import type { HomeNames } from './mysql-ddl.js';
import type { MysqlExecutor } from './mysql-driver.js';
import { selectRows, writeRows } from './mysql-query.js';
import { COLUMN_CODEC } from './mysql-row-codec.js';
import { checkout, type MysqlSession, textStatement } from './mysql-session.js';
import { bind, joinSql, raw, repeatGroup, SqlBySize, type SqlFragment, sql } from './mysql-sql.js';

const RECORD_SAGA_STEP = loadSql('record-saga-step.sql', import.meta.url);
const UPSERT_SAGA_STEPS = loadSql('upsert-saga-steps.sql', import.meta.url);
const CLAIM_SAGAS = loadSql('claim-sagas.sql', import.meta.url);
const NOW_MS = 'CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)';
const json = (raw: unknown) => COLUMN_CODEC.decodeJson(raw);

/** The statements of one home's saga log, built from its table names. */
class SagaStatements {
  readonly record: string;
  readonly upsert: SqlBySize;
  readonly claim: SqlBySize;
  readonly sagas: string;
  readonly steps: string;

  constructor(names: HomeNames) {
    this.sagas = names.sagas;
    this.steps = names.sagaSteps;
    this.record = renderSql(RECORD_SAGA_STEP, { sagas: names.sagas });
    const group = `(?, ?, ?, ?, ?, ?, ?, ?, ${NOW_MS}, ${NOW_MS})`;
    this.upsert = new SqlBySize((n) =>
      renderSql(UPSERT_SAGA_STEPS, { steps: names.sagaSteps, values: repeatGroup(group, n) }),
    );
    this.claim = new SqlBySize((n) => renderSql(CLAIM_SAGAS, { sagas: names.sagas, known: repeatGroup('?', n) }));
  }
}

/** The saga log in a MariaDB home (`_ps_sagas`, `_ps_saga_steps`). */
/** Claims tried before a deadlock with a racing claimer is reported. */
const CLAIM_ATTEMPTS = 5;

export class MysqlSagaLog implements SagaLog {
  #statements: SagaStatements | undefined;

  constructor(private readonly session: () => Promise<MysqlSession>) {}

  /** The statements for `names` (one home keeps one database, so they are built once). */
  #sql(names: HomeNames): SagaStatements {
    this.#statements ??= new SagaStatements(names);
    return this.#statements;
  }

  async create(saga: NewSaga): Promise<SagaRecord | null> {
    const q = this.#sql((await this.session()).names);
    const lease = saga.owner === null ? raw('0') : sql`${raw(NOW_MS)} + ${bind(saga.leaseMs)}`;
    // INSERT IGNORE ... RETURNING returns the inserted row only: none when the id is taken.
    const query = sql`INSERT IGNORE INTO ${raw(q.sagas)} (id, name, version, state, input, step_index, owner, lease_until, attempts, error, cancelling, created_ms, updated_ms)
      VALUES (${bind(saga.id)}, ${bind(saga.name)}, ${bind(saga.version)}, 'running', ${bind(JSON.stringify(saga.input ?? null))}, 0, ${bind(saga.owner)}, ${lease}, 0, NULL, 0, ${raw(NOW_MS)}, ${raw(NOW_MS)})
      RETURNING ${raw(SAGA_COLUMNS)}`;
    const [row] = await this.#select<SagaRow>('starting a saga', query);
    return row ? toSagaRecord(row, json) : null;
  }

  /**
   * Claims in one transaction. Racing claimers can deadlock in InnoDB (a
   * SKIP LOCKED read then an UPDATE of the rows it picked, in another order
   * than a rival's); the server rolls the loser back whole, so it claims again.
   */
  async claim(claim: SagaClaim): Promise<SagaRecord[]> {
    if (claim.known.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#claimOnce(claim);
      } catch (err) {
        if (attempt >= CLAIM_ATTEMPTS || !isPolystoreError(err, 'PS_ERR_TRANSACTION_CONFLICT')) throw err;
      }
    }
  }

  async #claimOnce(claim: SagaClaim): Promise<SagaRecord[]> {
    const s = await this.session();
    const q = this.#sql(s.names);
    const context = { target: s.target, action: 'claiming sagas' };
    const connection = await checkout(s, context.action);
    let reusable = false;
    try {
      await textStatement(connection, 'START TRANSACTION', context);
      const known = claim.known.map((k) => `${k.name}@${k.version}`);
      const picked = await selectRows<{ id: string }>(
        connection,
        { text: q.claim.get(known.length), values: [...known, claim.limit] },
        context,
      );
      let claimed: SagaRecord[] = [];
      if (picked.length > 0) {
        const ids = joinSql(
          picked.map((p) => bind(p.id)),
          ', ',
        );
        await writeRows(
          connection,
          sql`UPDATE ${raw(q.sagas)} SET owner = ${bind(claim.owner)}, lease_until = ${raw(NOW_MS)} + ${bind(claim.leaseMs)}, updated_ms = ${raw(NOW_MS)} WHERE id IN (${ids})`,
          context,
        );
        const rows = await selectRows<SagaRow>(
          connection,
          sql`SELECT ${raw(SAGA_COLUMNS)} FROM ${raw(q.sagas)} WHERE id IN (${ids})`,
          context,
        );
        claimed = rows.map((row) => toSagaRecord(row, json));
      }
      await textStatement(connection, 'COMMIT', context);
      reusable = true;
      return claimed;
    } finally {
      if (reusable) connection.release();
      else connection.destroy();
    }
  }

  async renew(sagaId: string, owner: string, leaseMs: number): Promise<boolean> {
    const q = this.#sql((await this.session()).names);
    const query = sql`UPDATE ${raw(q.sagas)} SET lease_until = ${raw(NOW_MS)} + ${bind(leaseMs)}
      WHERE id = ${bind(sagaId)} AND owner = ${bind(owner)} AND lease_until > ${raw(NOW_MS)}`;
    return (await this.#write('renewing a saga lease', query)) === 1;
  }

  async release(sagaId: string, owner: string): Promise<void> {
    const q = this.#sql((await this.session()).names);
    const query = sql`UPDATE ${raw(q.sagas)} SET owner = NULL, lease_until = 0 WHERE id = ${bind(sagaId)} AND owner = ${bind(owner)}`;
    await this.#write('releasing a saga lease', query);
  }

  async override(change: SagaOverride): Promise<boolean> {
    const q = this.#sql((await this.session()).names);
    const from = joinSql(
      change.from.map((state) => bind(state)),
      ', ',
    );
    const query = sql`UPDATE ${raw(q.sagas)} SET state = ${bind(change.state)}, cancelling = ${bind(change.cancelling ? 1 : 0)},
      error = ${bind(change.error)}, attempts = 0, owner = NULL, lease_until = 0, updated_ms = ${raw(NOW_MS)}
      WHERE id = ${bind(change.sagaId)} AND state IN (${from})`;
    return (await this.#write('changing a saga', query)) === 1;
  }

  async get(sagaId: string): Promise<SagaRecord | null> {
    const q = this.#sql((await this.session()).names);
    const rows = await this.#select<SagaRow>(
      'reading a saga',
      sql`SELECT ${raw(SAGA_COLUMNS)} FROM ${raw(q.sagas)} WHERE id = ${bind(sagaId)}`,
    );
    return rows[0] ? toSagaRecord(rows[0], json) : null;
  }

  async list(filter: SagaFilter): Promise<SagaRecord[]> {
    const q = this.#sql((await this.session()).names);
    const where: SqlFragment[] = [raw('1 = 1')];
    if (filter.states) {
      const states = filter.states.length === 0 ? raw('NULL') : joinSql(filter.states.map(bind), ', ');
      where.push(sql`state IN (${states})`);
    }
    if (filter.name !== undefined) where.push(sql`name = ${bind(filter.name)}`);
    if (filter.olderThanMs !== undefined) where.push(sql`created_ms <= ${raw(NOW_MS)} - ${bind(filter.olderThanMs)}`);
    if (filter.hasError !== undefined) where.push(raw(`error IS ${filter.hasError ? 'NOT ' : ''}NULL`));
    const query = sql`SELECT ${raw(SAGA_COLUMNS)} FROM ${raw(q.sagas)} WHERE ${joinSql(where, ' AND ')}
      ORDER BY created_ms DESC, id LIMIT ${bind(sagaListLimit(filter))}`;
    const rows = await this.#select<SagaRow>('listing sagas', query);
    return rows.map((row) => toSagaRecord(row, json));
  }

  async steps(sagaId: string): Promise<SagaStepRecord[]> {
    const q = this.#sql((await this.session()).names);
    const query = sql`SELECT ${raw(SAGA_STEP_COLUMNS)} FROM ${raw(q.steps)} WHERE saga_id = ${bind(sagaId)}
      ORDER BY started_ms, step_index, phase DESC`;
    const rows = await this.#select<SagaStepRow>('reading a saga timeline', query);
    return rows.map((row) => toSagaStepRecord(row, json));
  }

  /** The fenced progress write in a transaction of its own (the saga row, then the step rows); no row back (null). */
  async record(write: SagaProgressWrite): Promise<null> {
    const s = await this.session();
    const context = { target: s.target, action: 'recording a saga step' };
    const connection = await checkout(s, context.action);
    let reusable = false;
    try {
      await textStatement(connection, 'START TRANSACTION', context);
      try {
        await this.recordOn(connection, s.names, s.target, write);
      } catch (err) {
        await textStatement(connection, 'ROLLBACK', context);
        reusable = true;
        throw err;
      }
      await textStatement(connection, 'COMMIT', context);
      reusable = true;
      return null;
    } finally {
      if (reusable) connection.release();
      else connection.destroy();
    }
  }

  /**
   * The fenced progress write on a home transaction's connection. MariaDB's
   * UPDATE returns no rows, so the saga is not read back (null).
   */
  async recordOn(exec: MysqlExecutor, names: HomeNames, target: string, write: SagaProgressWrite): Promise<null> {
    const q = this.#sql(names);
    const context = { target, action: 'recording a saga step' };
    const values = [
      write.state,
      write.stepIndex,
      write.attempts,
      write.error,
      write.release ? 1 : 0,
      write.leaseMs,
      write.sagaId,
      write.owner,
    ];
    const { affectedRows } = await writeRows(exec, { text: q.record, values }, context);
    if (affectedRows !== 1) throw leaseLost(write);
    if (write.steps.length === 0) return null;
    const rows = write.steps.flatMap((s) => [
      write.sagaId,
      s.stepIndex,
      s.phase,
      s.step,
      s.status,
      s.attempts,
      s.result === undefined || s.result === null ? null : JSON.stringify(s.result),
      s.error ?? null,
    ]);
    await writeRows(exec, { text: q.upsert.get(write.steps.length), values: rows }, context);
    return null;
  }

  async #select<R>(action: string, query: SqlFragment): Promise<R[]> {
    const s = await this.session();
    return selectRows<R>(s.pool, query, { target: s.target, action });
  }

  async #write(action: string, query: SqlFragment): Promise<number> {
    const s = await this.session();
    return (await writeRows(s.pool, query, { target: s.target, action })).affectedRows;
  }
}
