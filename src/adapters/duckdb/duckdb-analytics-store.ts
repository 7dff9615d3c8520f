import type {
  AnalyticsRow,
  AnalyticsStore,
  AnalyticsTableSpec,
  AnalyticsValue,
} from '../../contracts/analytics-store.js';
import type { StoreMetric } from '../../contracts/store-metrics.js';
import type { ApplyResult, VersionEntry, VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError, wrapStoreError } from '../../errors/index.js';
import { diskSize } from '../../runtime/disk-size.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { applyFacts } from './duckdb-apply.js';
import { DuckDBSession } from './duckdb-session.js';
import {
  assertTableName,
  ensureFactTable,
  LEDGER_DDL,
  loadLayout,
  STAGE_DDL,
  type TableLayout,
} from './duckdb-table.js';

export interface DuckDBStoreOptions {
  /** Database file (created if missing), or `':memory:'` for a throwaway store. One store per file per process. */
  readonly path: string;
}

/**
 * An analytics view in an embedded DuckDB database. One connection, every
 * operation serialised; each `applyIfNewer` batch is one transaction, durable
 * through DuckDB's write-ahead log when its promise resolves.
 */
class DuckDBAnalyticsStore implements AnalyticsStore {
  readonly kind = 'analytics';
  readonly driver = 'duckdb';
  /** Only this process sees what it holds: other processes query it through view replicas. */
  readonly processLocal = true;
  readonly durability = 'immediate';
  readonly #guard: RuntimeGuard<DuckDBSession>;
  readonly #layouts = new Map<string, TableLayout>();

  constructor(private readonly path: string) {
    this.#guard = new RuntimeGuard(
      'duckdb',
      () => openSession(path),
      async (session) => session.close(),
      {
        serialize: true,
      },
    );
  }

  async ready(): Promise<void> {
    await this.#guard.client();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  /** The database file's size with its write-ahead log, for metrics. */
  async collectMetrics(): Promise<StoreMetric[]> {
    if (this.path === ':memory:') return [];
    return [{ name: 'polystore_store_size_bytes', value: await diskSize([this.path, `${this.path}.wal`]) }];
  }

  ensureTable(spec: AnalyticsTableSpec): Promise<void> {
    return this.#guard.run(async (session) => {
      session.dropAppenders();
      try {
        this.#layouts.set(spec.table, await ensureFactTable(session, spec));
      } catch (err) {
        throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', 'The duckdb store could not create an analytics table', {
          fix: 'the cause holds the engine message; ensureTable is idempotent and can be retried',
        });
      }
    });
  }

  async applyIfNewer(
    table: string,
    changes: readonly VersionedChange<readonly AnalyticsRow[]>[],
  ): Promise<ApplyResult> {
    assertTableName(table);
    return this.#guard.run(async (session) => applyFacts(session, await this.#layout(session, table), changes));
  }

  listVersions(table: string): Promise<VersionEntry[]> {
    return this.#guard.run(async (session) => {
      const rows = await session
        .read('SELECT key, version, deleted FROM _ps_versions WHERE scope = $1 ORDER BY key', [table])
        .catch((err: unknown) => {
          throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', 'The duckdb store could not read its version ledger');
        });
      return rows.map((row) => ({ key: String(row.key), version: Number(row.version), deleted: row.deleted === true }));
    });
  }

  /** Applies are durable on commit; flushing also folds the WAL into the database file. */
  flush(): Promise<void> {
    return this.#guard.run(async (session) => {
      await session.run('CHECKPOINT').catch((err: unknown) => {
        throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', 'The duckdb store could not checkpoint');
      });
    });
  }

  /**
   * Runs parameterised SQL (`$1`, `$2`, ... bound by the driver) and returns
   * plain objects: BIGINT/HUGEINT/DECIMAL as numbers (64-bit values beyond
   * 2^53 stay decimal strings), DATE as `YYYY-MM-DD`, TIMESTAMP as an ISO
   * string in UTC.
   */
  query<R = Record<string, unknown>>(sql: string, params: readonly AnalyticsValue[] = []): Promise<R[]> {
    return this.#guard.run(async (session) => {
      // The SQL may change a table the kept appenders write to.
      session.dropAppenders();
      try {
        return (await session.read(sql, [...params])) as R[];
      } catch (err) {
        throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', 'The duckdb store rejected a query', {
          fix: 'check the SQL and that every $n placeholder has a parameter; the cause holds the engine message',
        });
      }
    });
  }

  async #layout(session: DuckDBSession, table: string): Promise<TableLayout> {
    const known = this.#layouts.get(table);
    if (known) return known;
    const layout = await loadLayout(session, table);
    if (!layout) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The analytics table "${table}" does not exist`, {
        field: 'table',
        fix: 'call ensureTable with its spec before applying changes to it',
      });
    }
    this.#layouts.set(table, layout);
    return layout;
  }
}

async function openSession(path: string): Promise<DuckDBSession> {
  const session = await DuckDBSession.open(path);
  try {
    await session.run(LEDGER_DDL);
    await session.run(STAGE_DDL);
    return session;
  } catch (err) {
    session.close();
    throw wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', 'The duckdb store could not create its version ledger');
  }
}

/**
 * Creates an analytics view backed by an embedded DuckDB database. Nothing
 * is loaded or opened until first use; `@duckdb/node-api` (an optional peer)
 * is imported lazily.
 *
 * @example
 * import { duckdbStore } from 'polystore/duckdb';
 *
 * const analytics = duckdbStore({ path: './data/analytics.duckdb' });
 * await analytics.ensureTable({
 *   table: 'order_lines',
 *   columns: { day: 'date', category: 'varchar', amount: 'double', qty: 'bigint' },
 * });
 * await analytics.applyIfNewer('order_lines', [
 *   { key: 'o1', version: 1, value: [{ day: '2024-05-01', category: 'books', amount: 12.5, qty: 2 }] },
 * ]);
 * const revenue = await analytics.query<{ category: string; revenue: number }>(
 *   'SELECT category, sum(amount * qty) AS revenue FROM order_lines WHERE day >= $1 GROUP BY category',
 *   ['2024-05-01'],
 * );
 * await analytics.close();
 */
export function duckdbStore(options: DuckDBStoreOptions): AnalyticsStore {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'The duckdb store needs a database path', {
      field: 'path',
      fix: "pass `path`, e.g. duckdbStore({ path: './data/analytics.duckdb' }) or { path: ':memory:' }",
    });
  }
  return new DuckDBAnalyticsStore(options.path);
}
