import { type EntityTableSpec, HOME_MOVED_KEY, type StateRecord, type StoredRow } from '../../contracts/home-store.js';
import { type LogPosition, outboxPosition } from '../../contracts/log-position.js';
import { quoteIdent } from '../../runtime/identifier.js';
import { newestPerId } from '../sql-shared/restore-batch.js';
import { toNumber } from '../sql-shared/row-values.js';
import { assertId, assertName } from '../sql-shared/sql-arguments.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import type { EntityTables } from './entity-table.js';
import type { PgConnectionGuard } from './pg-executor.js';
import { runQuery } from './pg-query.js';
import { POSTGRES_MAX_ID_BYTES } from './postgres-ddl.js';
import { columnArrays } from './postgres-rows.js';

const FENCE_FUNCTION = loadSql('fence-writes.sql', import.meta.url);
/** Longest the fence waits for the transactions that appended to the outbox to end (then the move fails, unfenced). */
export const FENCE_LOCK_TIMEOUT_S = 10;
/** The trigger each fenced table gets (one name: a table has at most one). */
const FENCE_TRIGGER = '"_ps_moved"';

/**
 * What moving a home needs of a PostgreSQL-family home: version-preserving
 * restores (restore-rows.sql, restore-tombstones.sql), the write fence
 * (fence-writes.sql and one statement-level trigger per table), and listings
 * of checkpoints and state.
 */
export class PostgresHomeMove {
  readonly #schema: string;
  readonly #outbox: string;

  constructor(
    private readonly driver: string,
    private readonly guard: PgConnectionGuard,
    private readonly tables: EntityTables,
    schema: string,
  ) {
    this.#schema = quoteIdent(schema, 'schema');
    this.#outbox = `${this.#schema}."_ps_outbox"`;
  }

  async restoreRows(spec: EntityTableSpec, rows: readonly StoredRow[]): Promise<number> {
    const newest = newestPerId(rows);
    for (const row of newest) assertId(row.id, POSTGRES_MAX_ID_BYTES);
    if (newest.length === 0) return 0;
    const table = this.tables.resolve(spec);
    const { columns } = columnArrays(table, newest);
    const params = [newest.map((r) => r.id), newest.map((r) => String(r.version)), spec.entity, ...columns];
    const context = { driver: this.driver, action: `restoring ${spec.entity} rows` };
    return this.guard.run(async (c) => (await runQuery(c, table.restoreSql, params, context)).length);
  }

  async restoreTombstones(
    spec: EntityTableSpec,
    tombstones: readonly { id: string; version: number }[],
  ): Promise<number> {
    const newest = newestPerId(tombstones);
    for (const t of newest) assertId(t.id, POSTGRES_MAX_ID_BYTES);
    if (newest.length === 0) return 0;
    const table = this.tables.resolve(spec);
    const params = [newest.map((t) => t.id), newest.map((t) => String(t.version)), spec.entity];
    const context = { driver: this.driver, action: `restoring ${spec.entity} tombstones` };
    return this.guard.run(async (c) => (await runQuery(c, table.restoreTombstonesSql, params, context)).length);
  }

  /**
   * In one transaction: records where the home moved, creates the refusing
   * function and a statement trigger on the outbox. CREATE TRIGGER takes a
   * lock that waits for every transaction that has appended to the outbox,
   * so once it commits no earlier write is still open, and the newest outbox
   * row read after it is the last one there will be.
   */
  async fence(movedTo: string): Promise<LogPosition | null> {
    const context = { driver: this.driver, action: 'fencing writes' };
    const state = `${this.#schema}."_ps_state"`;
    const value = JSON.stringify({ movedTo, at: Date.now() });
    const row = await this.guard.run((connection) =>
      connection.transaction(async (tx) => {
        await runQuery(
          tx,
          `INSERT INTO ${state} (key, value, revision, updated_at) VALUES ($1::text, $2::jsonb, 1, clock_timestamp())
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, revision = ${state}.revision + 1, updated_at = clock_timestamp()`,
          [HOME_MOVED_KEY, value],
          context,
        );
        // Writes queue behind the trigger's lock while it waits: bound that wait (a transaction left open elsewhere).
        await runQuery(tx, `SET LOCAL lock_timeout = '${FENCE_LOCK_TIMEOUT_S}s'`, [], context);
        await runQuery(tx, renderSql(FENCE_FUNCTION, { schema: this.#schema }), [], context);
        await runQuery(
          tx,
          `CREATE OR REPLACE TRIGGER ${FENCE_TRIGGER} BEFORE INSERT ON ${this.#outbox}
           FOR EACH STATEMENT EXECUTE FUNCTION ${this.#schema}."_ps_refuse_moved"()`,
          [],
          context,
        );
        return (
          await runQuery<{ tx_id: string; seq: string }>(
            tx,
            // Qualified: the text aliases would otherwise win in ORDER BY and sort '999' after '1000'.
            `SELECT o.tx_id::text AS tx_id, o.seq::text AS seq FROM ${this.#outbox} o ORDER BY o.tx_id DESC, o.seq DESC LIMIT 1`,
            [],
            context,
          )
        )[0];
      }),
    );
    return row ? outboxPosition(row.tx_id, row.seq) : null;
  }

  async liftFence(): Promise<void> {
    const context = { driver: this.driver, action: 'lifting the write fence' };
    await this.guard.run((connection) =>
      connection.transaction(async (tx) => {
        await runQuery(tx, `DROP TRIGGER IF EXISTS ${FENCE_TRIGGER} ON ${this.#outbox}`, [], context);
        await runQuery(tx, `DELETE FROM ${this.#schema}."_ps_state" WHERE key = $1::text`, [HOME_MOVED_KEY], context);
      }),
    );
  }

  async listCheckpoints(): Promise<{ consumer: string; position: LogPosition; updatedAt: number | null }[]> {
    const sql = `SELECT consumer, position, floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_at
      FROM ${this.#schema}."_ps_checkpoints" ORDER BY consumer`;
    const context = { driver: this.driver, action: 'listing checkpoints' };
    const rows = await this.guard.run((c) =>
      runQuery<{ consumer: string; position: string; updated_at: unknown }>(c, sql, [], context),
    );
    return rows.map(({ consumer, position, updated_at }) => ({
      consumer,
      position,
      updatedAt: updated_at === null ? null : Number(updated_at),
    }));
  }

  async listState(prefix: string): Promise<{ key: string; record: StateRecord }[]> {
    if (prefix !== '') assertName(prefix, 'prefix');
    const sql = `SELECT key, value, revision, floor(extract(epoch FROM updated_at) * 1000)::float8 AS updated_at
      FROM ${this.#schema}."_ps_state" WHERE left(key, char_length($1::text)) = $1::text ORDER BY key`;
    const context = { driver: this.driver, action: 'listing state values' };
    const rows = await this.guard.run((c) =>
      runQuery<{ key: string; value: unknown; revision: unknown; updated_at: unknown }>(c, sql, [prefix], context),
    );
    return rows.map((row) => ({
      key: row.key,
      record: { value: row.value, revision: toNumber(row.revision), updatedAt: toNumber(row.updated_at) },
    }));
  }
}
