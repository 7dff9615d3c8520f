import { type EntityTableSpec, HOME_MOVED_KEY, type StateRecord, type StoredRow } from '../../contracts/home-store.js';
import { type LogPosition, outboxPosition } from '../../contracts/log-position.js';
import { newestPerId } from '../sql-shared/restore-batch.js';
import { toNumber } from '../sql-shared/row-values.js';
import { assertId, assertName } from '../sql-shared/sql-arguments.js';
import { MAX_ID_BYTES } from './mysql-ddl.js';
import type { MysqlExecutor, MysqlValue } from './mysql-driver.js';
import { type StatementContext, selectRows, writeRows } from './mysql-query.js';
import { COLUMN_CODEC } from './mysql-row-codec.js';
import { type MysqlSession, textStatement, withConnection } from './mysql-session.js';
import { bind, joinSql, quoteId, raw, repeatGroup, sql } from './mysql-sql.js';

/** Rows per restore step: their ids are bound twice (rows, tombstones) and their columns once. */
const ROWS_PER_STEP = 200;
/** Longest the fence waits for the transactions that used the outbox to end (then the move fails, unfenced). */
const FENCE_LOCK_TIMEOUT_S = 10;
/** MESSAGE_TEXT of SIGNAL holds at most 128 characters. */
const MESSAGE_PREFIX = 'PS_ERR_HOME_MOVED ';

/**
 * What moving a home needs of the MariaDB home: version-preserving restores
 * (rows and tombstones read under row locks, the newer ones written in one
 * transaction per step), the write fence (a row trigger on the outbox that
 * SIGNALs the new home's location), and listings of checkpoints and state.
 */
export class MysqlHomeMove {
  constructor(private readonly session: () => Promise<MysqlSession>) {}

  async restoreRows(spec: EntityTableSpec, rows: readonly StoredRow[]): Promise<number> {
    const columns =
      spec.storage === 'document' ? ', doc' : spec.columns.map((c) => `, ${quoteId(c.name, 'column')}`).join('');
    const markers = spec.storage === 'document' ? ', ?' : spec.columns.map(() => ', ?').join('');
    return this.#restore(spec, rows, 'rows', (s, winners) => {
      const table = s.tables.resolve(spec);
      return {
        text: `INSERT INTO ${table.relation} (id, _version${columns}) VALUES ${repeatGroup(`(?, ?${markers})`, winners.length)}`,
        values: winners.flatMap((row) => [row.id, row.version, ...table.encode(row.id, row.data)]),
      };
    });
  }

  restoreTombstones(spec: EntityTableSpec, tombstones: readonly { id: string; version: number }[]): Promise<number> {
    return this.#restore(spec, tombstones, 'tombstones', (s, winners) => ({
      text: `INSERT INTO ${s.names.tombstones} (entity, id, version) VALUES ${repeatGroup('(?, ?, ?)', winners.length)}`,
      values: winners.flatMap((t) => [spec.entity, t.id, t.version]),
    }));
  }

  /**
   * In steps of ROWS_PER_STEP, one transaction each: reads the versions held
   * for the step's ids under row locks, removes the row and tombstone of each
   * id the step holds newer, and writes those with `insert`.
   */
  async #restore<T extends { readonly id: string; readonly version: number }>(
    spec: EntityTableSpec,
    entries: readonly T[],
    what: string,
    insert: (s: MysqlSession, winners: readonly T[]) => { text: string; values: MysqlValue[] },
  ): Promise<number> {
    const newest = newestPerId(entries);
    for (const entry of newest) assertId(entry.id, MAX_ID_BYTES);
    const s = await this.session();
    const { relation } = s.tables.resolve(spec);
    let written = 0;
    for (let i = 0; i < newest.length; i += ROWS_PER_STEP) {
      const step = newest.slice(i, i + ROWS_PER_STEP);
      written += await this.#inTransaction(s, `restoring ${spec.entity} ${what}`, async (tx, context) => {
        const held = await this.#held(tx, s, relation, spec.entity, step, context);
        const winners = step.filter((entry) => entry.version > (held.get(entry.id) ?? 0));
        if (winners.length === 0) return 0;
        await this.#clear(tx, s, relation, spec.entity, winners, context);
        await writeRows(tx, insert(s, winners), context);
        return winners.length;
      });
    }
    return written;
  }

  /**
   * Records where the home moved, then creates the refusing trigger. CREATE
   * TRIGGER waits for the metadata lock of every transaction that has used
   * the outbox, so once it returns no earlier write is still open, and the
   * newest outbox row read after it is the last one there will be.
   */
  async fence(movedTo: string): Promise<LogPosition | null> {
    const s = await this.session();
    const context = { target: s.target, action: 'fencing writes' };
    const value = JSON.stringify({ movedTo, at: Date.now() });
    const now = raw('CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)');
    await writeRows(
      s.pool,
      sql`INSERT INTO ${raw(s.names.state)} (\`key\`, value, revision, updated_ms) VALUES (${bind(HOME_MOVED_KEY)}, ${bind(value)}, 1, ${now})
        ON DUPLICATE KEY UPDATE value = VALUES(value), revision = revision + 1, updated_ms = VALUES(updated_ms)`,
      context,
    );
    const body = `BEGIN
      DECLARE moved VARCHAR(512) DEFAULT 'another home';
      SELECT JSON_VALUE(value, '$.movedTo') INTO moved FROM ${s.names.state} WHERE \`key\` = '${HOME_MOVED_KEY}';
      SET moved = SUBSTRING(CONCAT('${MESSAGE_PREFIX}', moved), 1, 128);
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = moved;
    END`;
    await withConnection(s, context, async (connection) => {
      // Writes queue behind the trigger's metadata lock while it waits: bound that wait (a transaction left open).
      await textStatement(connection, `SET SESSION lock_wait_timeout = ${FENCE_LOCK_TIMEOUT_S}`, context);
      try {
        await textStatement(
          connection,
          `CREATE OR REPLACE TRIGGER ${fenceTrigger(s)} BEFORE INSERT ON ${s.names.outbox} FOR EACH ROW ${body}`,
          context,
        );
      } finally {
        await textStatement(connection, 'SET SESSION lock_wait_timeout = DEFAULT', context);
      }
    });
    const [last] = await selectRows<{ tx_no: unknown; seq: unknown }>(
      s.pool,
      sql`SELECT tx_no, seq FROM ${raw(s.names.outbox)} ORDER BY tx_no DESC, seq DESC LIMIT 1`,
      context,
    );
    return last ? outboxPosition(String(last.tx_no), String(last.seq)) : null;
  }

  async liftFence(): Promise<void> {
    const s = await this.session();
    const context = { target: s.target, action: 'lifting the write fence' };
    await withConnection(s, context, async (connection) => {
      await textStatement(connection, `DROP TRIGGER IF EXISTS ${fenceTrigger(s)}`, context);
    });
    await writeRows(s.pool, sql`DELETE FROM ${raw(s.names.state)} WHERE \`key\` = ${bind(HOME_MOVED_KEY)}`, context);
  }

  async listCheckpoints(): Promise<{ consumer: string; position: LogPosition; updatedAt: number | null }[]> {
    const s = await this.session();
    const rows = await selectRows<{ consumer: string; position: string; updated_ms: unknown }>(
      s.pool,
      sql`SELECT consumer, position, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', updated_at) DIV 1000 AS updated_ms
        FROM ${raw(s.names.checkpoints)} ORDER BY consumer`,
      { target: s.target, action: 'listing checkpoints' },
    );
    return rows.map(({ consumer, position, updated_ms }) => ({
      consumer,
      position,
      updatedAt: updated_ms === null ? null : Number(updated_ms),
    }));
  }

  async listState(prefix: string): Promise<{ key: string; record: StateRecord }[]> {
    if (prefix !== '') assertName(prefix, 'prefix');
    const s = await this.session();
    const rows = await selectRows<{ key: string; value: unknown; revision: unknown; updated_ms: unknown }>(
      s.pool,
      sql`SELECT \`key\`, value, revision, updated_ms FROM ${raw(s.names.state)}
        WHERE LEFT(\`key\`, CHAR_LENGTH(${bind(prefix)})) = ${bind(prefix)} ORDER BY \`key\``,
      { target: s.target, action: 'listing state values' },
    );
    return rows.map((row) => ({
      key: row.key,
      record: {
        value: COLUMN_CODEC.decodeJson(row.value),
        revision: toNumber(row.revision),
        updatedAt: toNumber(row.updated_ms),
      },
    }));
  }

  /** The newest version held for each id of `entries`, live row or tombstone, read under row locks. */
  async #held(
    tx: MysqlExecutor,
    s: MysqlSession,
    relation: string,
    entity: string,
    entries: readonly { id: string }[],
    context: StatementContext,
  ): Promise<Map<string, number>> {
    const ids = joinSql(
      entries.map((e) => bind(e.id)),
      ', ',
    );
    const rows = await selectRows<{ id: string; v: unknown }>(
      tx,
      sql`SELECT id, _version AS v FROM ${raw(relation)} WHERE id IN (${ids}) FOR UPDATE`,
      context,
    );
    const tombstones = await selectRows<{ id: string; v: unknown }>(
      tx,
      sql`SELECT id, version AS v FROM ${raw(s.names.tombstones)} WHERE entity = ${bind(entity)} AND id IN (${ids}) FOR UPDATE`,
      context,
    );
    const held = new Map<string, number>();
    for (const { id, v } of [...rows, ...tombstones]) held.set(id, Math.max(held.get(id) ?? 0, toNumber(v)));
    return held;
  }

  /** Deletes the row and the tombstone of each id of `entries` (a newer one replaces them). */
  async #clear(
    tx: MysqlExecutor,
    s: MysqlSession,
    relation: string,
    entity: string,
    entries: readonly { id: string }[],
    context: StatementContext,
  ): Promise<void> {
    const ids = joinSql(
      entries.map((e) => bind(e.id)),
      ', ',
    );
    await writeRows(tx, sql`DELETE FROM ${raw(relation)} WHERE id IN (${ids})`, context);
    await writeRows(
      tx,
      sql`DELETE FROM ${raw(s.names.tombstones)} WHERE entity = ${bind(entity)} AND id IN (${ids})`,
      context,
    );
  }

  async #inTransaction<R>(
    s: MysqlSession,
    action: string,
    fn: (tx: MysqlExecutor, context: StatementContext) => Promise<R>,
  ): Promise<R> {
    const context = { target: s.target, action };
    return withConnection(s, context, async (connection) => {
      await textStatement(connection, 'START TRANSACTION', context);
      try {
        const result = await fn(connection, context);
        await textStatement(connection, 'COMMIT', context);
        return result;
      } catch (err) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }
}

/** The outbox's fence trigger (triggers are named per database). */
function fenceTrigger(s: MysqlSession): string {
  return `${s.names.database}.${quoteId('_ps_moved_outbox')}`;
}
