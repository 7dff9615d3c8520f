import type {
  AnalyticsRow,
  AnalyticsStore,
  AnalyticsTableSpec,
  AnalyticsValue,
} from '../../contracts/analytics-store.js';
import type { ApplyResult, VersionEntry, VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { assertIdentifier } from '../../runtime/identifier.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { listVersions, storedSpec, tableLine, versionLine, versionsOf } from './influx-bookkeeping.js';
import { InfluxHttp, rowsOf } from './influx-http.js';
import { type InfluxStoreOptions, type ResolvedInfluxOptions, validateOptions } from './influx-options.js';
import { encodePoints, KEY_TAG, planOf, type TablePlan } from './influx-points.js';

/** Keys per DELETE statement. */
const KEYS_PER_DELETE = 100;

/**
 * An analytics view in InfluxDB 1.x over its HTTP API (no driver): each row
 * a point of the measurement named after the table, tagged with its source
 * key (`_key`) and row number (`_row`) plus the table's tag columns, its
 * other columns fields, its time the table's time column. Versions live in
 * the `_ps_versions` measurement, one point per key at time 0 (a rewrite
 * replaces it). An apply reads the batch's versions, deletes the rows of the
 * keys it takes (`DELETE FROM t WHERE _key = ...`), writes their new rows,
 * then their versions: a crash in between leaves the old version recorded,
 * so the redelivered change is taken again, and rewriting a point is
 * idempotent. The read-then-write guard is not atomic: it relies on one
 * projector applying a view at a time, as the sync engine runs it.
 *
 * Queries are InfluxQL, not SQL, with `$1`, `$2` bound by the server; rows
 * come back with their series' tags and `time` (RFC 3339). So the analytics
 * contract's SQL cases do not apply as written: `sum(amount * qty)` needs a
 * subquery (`SELECT sum(r) FROM (SELECT amount * qty AS r FROM t)`), there
 * is no `count(*)` over a row (count a field), no ORDER BY but time, and no
 * grouping by a field. Its other cases do: versions, tombstones, order and
 * repetition, validation, reopen, close.
 */
class InfluxAnalyticsStore implements AnalyticsStore {
  readonly kind = 'analytics';
  readonly driver = 'influxdb';
  readonly durability = 'immediate';
  readonly #guard: RuntimeGuard<InfluxHttp>;
  readonly #plans = new Map<string, TablePlan>();
  readonly #options: ResolvedInfluxOptions;

  constructor(options: ResolvedInfluxOptions) {
    this.#options = options;
    this.#guard = new RuntimeGuard(
      'influxdb',
      async () => {
        const http = new InfluxHttp(options.url, options.database, options.timeoutMs);
        await http.query(`CREATE DATABASE "${options.database}"`, {}, null);
        return http;
      },
      async () => {},
    );
  }

  async ready(): Promise<void> {
    await this.#guard.client();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  async ensureTable(spec: AnalyticsTableSpec): Promise<void> {
    assertIdentifier(spec?.table, 'table');
    for (const name of Object.keys(spec.columns ?? {})) assertIdentifier(name, 'column');
    const plan = planOf(spec, this.#options.layoutOf(spec.table));
    await this.#guard.run((http) => http.write([tableLine(spec)]));
    this.#plans.set(spec.table, plan);
  }

  async applyIfNewer(
    table: string,
    changes: readonly VersionedChange<readonly AnalyticsRow[]>[],
  ): Promise<ApplyResult> {
    return this.#guard.run(async (http) => {
      const plan = await this.#planOf(http, table);
      const points = encodePoints(plan, changes);
      if (changes.length === 0) return { applied: 0, skipped: 0 };
      const held = await versionsOf(
        http,
        table,
        changes.map((change) => change.key),
      );
      const taken = changes.flatMap((change, i) =>
        (held.get(change.key)?.version ?? Number.NEGATIVE_INFINITY) < change.version ? [i] : [],
      );
      const keys = taken.map((i) => changes[i]!.key);
      for (let i = 0; i < keys.length; i += KEYS_PER_DELETE)
        await deleteRows(http, table, keys.slice(i, i + KEYS_PER_DELETE));
      await http.write(taken.flatMap((i) => points[i]!));
      await http.write(
        taken.map((i) => {
          const { key, version, value } = changes[i]!;
          return versionLine(table, { key, version, deleted: value === null });
        }),
      );
      return { applied: taken.length, skipped: changes.length - taken.length };
    });
  }

  listVersions(table: string): Promise<VersionEntry[]> {
    assertIdentifier(table, 'table');
    return this.#guard.run((http) => listVersions(http, table));
  }

  /**
   * Runs one InfluxQL statement with `$1`, `$2`, ... bound by the server, and
   * returns its rows: each series' columns with its tags.
   */
  async query<R = Record<string, unknown>>(influxql: string, params: readonly AnalyticsValue[] = []): Promise<R[]> {
    const bound = Object.fromEntries(params.map((value, i) => [String(i + 1), value]));
    const [series = []] = await this.#guard.run((http) => http.query(influxql, bound));
    return rowsOf(series) as R[];
  }

  /** Every write resolves once the server acknowledged it (its WAL): nothing to flush. */
  async flush(): Promise<void> {
    await this.#guard.client();
  }

  async #planOf(http: InfluxHttp, table: string): Promise<TablePlan> {
    assertIdentifier(table, 'table');
    const known = this.#plans.get(table);
    if (known) return known;
    const spec = await storedSpec(http, table);
    if (!spec)
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The influxdb table "${table}" was never declared`, {
        fix: 'call ensureTable first (an analytics view does on ready())',
      });
    const plan = planOf(spec, this.#options.layoutOf(table));
    this.#plans.set(table, plan);
    return plan;
  }
}

async function deleteRows(http: InfluxHttp, table: string, keys: readonly string[]): Promise<void> {
  const params = Object.fromEntries(keys.map((key, i) => [`k${i}`, key]));
  const match = keys.map((_, i) => `"${KEY_TAG}" = $k${i}`).join(' OR ');
  await http.query(`DELETE FROM "${table}" WHERE ${match}`, params);
}

/**
 * An analytics store in InfluxDB 1.x (HTTP API, no driver package): rows
 * become points, queries are InfluxQL. Declare per table which `timestamp`
 * column gives the time and which `varchar`/`date` columns are tags.
 *
 * @example
 * import { influxStore } from 'polystore/influxdb';
 * const metrics = influxStore({
 *   url: 'http://127.0.0.1:8086',
 *   database: 'shop',
 *   tables: { orders: { time: 'placed_at', tags: ['region'] } },
 * });
 * await metrics.ensureTable({ table: 'orders', columns: { region: 'varchar', revenue: 'double', placed_at: 'timestamp' } });
 * await metrics.applyIfNewer('orders', [
 *   { key: 'o1', version: 1, value: [{ region: 'eu', revenue: 40, placed_at: '2024-05-01T10:00:00Z' }] },
 * ]);
 * await metrics.query('SELECT sum(revenue) AS revenue FROM orders WHERE time > now() - 1h GROUP BY time(1m)');
 */
export function influxStore(options: InfluxStoreOptions): AnalyticsStore {
  return new InfluxAnalyticsStore(validateOptions(options));
}
