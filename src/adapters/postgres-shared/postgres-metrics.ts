import type { StoreMetric } from '../../contracts/store-metrics.js';
import type { PgExecutor } from './pg-executor.js';
import { runQuery } from './pg-query.js';

/** The values `pg_replication_slots.wal_status` takes (PostgreSQL 13+). */
const WAL_STATUSES = ['reserved', 'extended', 'unreserved', 'lost'] as const;

/** Pool figures of a connection that pools (`pg.Pool`); PGlite has none. */
export interface PoolFigures {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number | null;
}

interface DatabaseRow {
  readonly xact_commit: string | number;
  readonly xact_rollback: string | number;
  readonly outbox: string | number;
}

interface SlotRow {
  readonly slot_name: string;
  readonly active: boolean;
  readonly wal_status: string | null;
  readonly retained: string | number | null;
  readonly lag: string | number | null;
}

/**
 * What a PostgreSQL-family home reports about itself at scrape time: the
 * pool, the database's commit and rollback counters, the outbox's size and
 * the logical replication slots of the home's database (retained WAL from
 * `restart_lsn`, lag from `confirmed_flush_lsn`, `wal_status`). Two
 * statements, no table scan beyond the outbox's count.
 *
 * @example
 * const figures = await postgresMetrics(connection, '"shop"', 'postgres', pool.figures());
 */
export async function postgresMetrics(
  exec: PgExecutor,
  schemaSql: string,
  driver: string,
  pool: PoolFigures | null,
): Promise<StoreMetric[]> {
  const context = { driver, action: 'reading metrics' };
  const [database, slots] = await Promise.all([
    runQuery<DatabaseRow>(
      exec,
      `SELECT d.xact_commit, d.xact_rollback, (SELECT count(*) FROM ${schemaSql}."_ps_outbox") AS outbox
       FROM pg_stat_database d WHERE d.datname = current_database()`,
      [],
      context,
    ),
    runQuery<SlotRow>(
      exec,
      `SELECT slot_name, active, wal_status,
              pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained,
              pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag
       FROM pg_replication_slots WHERE database = current_database() AND slot_type = 'logical'`,
      [],
      context,
    ),
  ]);
  const out: StoreMetric[] = [];
  const row = database[0];
  if (row) {
    out.push({ name: 'polystore_postgres_xact_commit_total', value: Number(row.xact_commit) });
    out.push({ name: 'polystore_postgres_xact_rollback_total', value: Number(row.xact_rollback) });
    out.push({ name: 'polystore_outbox_events', value: Number(row.outbox) });
  }
  for (const slot of slots) {
    const labels = { slot: slot.slot_name };
    if (slot.retained !== null)
      out.push({
        name: 'polystore_postgres_replication_slot_retained_wal_bytes',
        value: Number(slot.retained),
        labels,
      });
    if (slot.lag !== null)
      out.push({ name: 'polystore_postgres_replication_slot_lag_bytes', value: Number(slot.lag), labels });
    out.push({ name: 'polystore_postgres_replication_slot_active', value: slot.active ? 1 : 0, labels });
    for (const status of WAL_STATUSES) {
      out.push({
        name: 'polystore_postgres_replication_slot_wal_status',
        value: slot.wal_status === status ? 1 : 0,
        labels: { ...labels, wal_status: status },
      });
    }
  }
  if (pool) {
    out.push({ name: 'polystore_postgres_pool_connections', value: pool.total });
    out.push({ name: 'polystore_postgres_pool_idle_connections', value: pool.idle });
    out.push({ name: 'polystore_postgres_pool_waiting_clients', value: pool.waiting });
    if (pool.max !== null) out.push({ name: 'polystore_postgres_pool_max_connections', value: pool.max });
  }
  return out;
}
