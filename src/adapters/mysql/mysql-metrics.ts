import type { StoreMetric } from '../../contracts/store-metrics.js';
import { selectRows } from './mysql-query.js';
import type { MysqlSession } from './mysql-session.js';
import { raw, sql } from './mysql-sql.js';

/** Server status counters exported, by `SHOW GLOBAL STATUS` name. */
const STATUS: Readonly<Record<string, string>> = {
  Threads_connected: 'polystore_mysql_threads_connected',
  Com_rollback: 'polystore_mysql_rollbacks_total',
  Com_commit: 'polystore_mysql_commits_total',
  Slow_queries: 'polystore_mysql_slow_queries_total',
};

/**
 * What a MariaDB (or MySQL) home reports about itself at scrape time: the
 * server's connection, commit, rollback and slow query counters (all
 * clients) and the size of the home's outbox.
 *
 * @example
 * const figures = await mysqlMetrics(session);
 */
export async function mysqlMetrics(s: MysqlSession): Promise<StoreMetric[]> {
  const context = { target: s.target, action: 'reading metrics' };
  const [status, outbox] = await Promise.all([
    selectRows<{ VARIABLE_NAME: string; VARIABLE_VALUE: string }>(
      s.pool,
      sql`SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
          WHERE VARIABLE_NAME IN ('THREADS_CONNECTED', 'COM_ROLLBACK', 'COM_COMMIT', 'SLOW_QUERIES')`,
      context,
    ),
    selectRows<{ n: unknown }>(s.pool, sql`SELECT COUNT(*) AS n FROM ${raw(s.names.outbox)}`, context),
  ]);
  const byName = new Map(Object.entries(STATUS).map(([k, v]) => [k.toUpperCase(), v]));
  const out: StoreMetric[] = status.flatMap((row) => {
    const name = byName.get(String(row.VARIABLE_NAME).toUpperCase());
    return name ? [{ name, value: Number(row.VARIABLE_VALUE) }] : [];
  });
  out.push({ name: 'polystore_outbox_events', value: Number(outbox[0]?.n ?? 0) });
  return out;
}
