import { PolystoreError } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';

/** How the rows of one table become points. */
export interface InfluxLayout {
  /** The `timestamp` column that gives each point its time; rows without one (or tables without it) land at the Unix epoch. */
  readonly time?: string;
  /** `varchar` or `date` columns written as tags (indexed, usable in GROUP BY); every other column is a field. */
  readonly tags?: readonly string[];
}

export interface InfluxStoreOptions {
  /** The InfluxDB 1.x HTTP API, e.g. `http://127.0.0.1:8086`. */
  readonly url: string;
  /** The database (created on `ready()` when missing). */
  readonly database: string;
  /** Each table's layout, by table name, or a function of the table name. Tables without one: no tags, no time. */
  readonly tables?: Readonly<Record<string, InfluxLayout>> | ((table: string) => InfluxLayout | undefined);
  /** Milliseconds an HTTP call may take before it fails with `PS_ERR_STORE_UNAVAILABLE` (default 10000). */
  readonly timeoutMs?: number;
}

export interface ResolvedInfluxOptions {
  readonly url: string;
  /** The URL without credentials or query, for messages. */
  readonly where: string;
  readonly database: string;
  readonly layoutOf: (table: string) => InfluxLayout;
  readonly timeoutMs: number;
}

function invalid(field: string, message: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
}

/** Checks the options at construction, before anything connects. */
export function validateOptions(options: InfluxStoreOptions): ResolvedInfluxOptions {
  let parsed: URL;
  try {
    parsed = new URL(options?.url);
  } catch (err) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'The influxdb store url is not a URL', {
      field: 'url',
      fix: "pass e.g. url: 'http://127.0.0.1:8086'",
      cause: err,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid('url', 'The influxdb store url must be http: or https:', "e.g. 'http://127.0.0.1:8086'");
  if (!isIdentifier(options.database))
    throw invalid('database', 'The influxdb database must be an identifier', "e.g. database: 'analytics'");
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw invalid('timeoutMs', 'timeoutMs must be a positive whole number of milliseconds', 'e.g. 10000');
  const tables = options.tables ?? {};
  if (typeof tables !== 'function' && (typeof tables !== 'object' || tables === null))
    throw invalid(
      'tables',
      'tables must be an object of layouts by table, or a function',
      "e.g. { orders: { time: 'placed_at', tags: ['category'] } }",
    );
  const layoutOf = (table: string): InfluxLayout =>
    (typeof tables === 'function' ? tables(table) : Object.hasOwn(tables, table) ? tables[table] : undefined) ?? {};
  const where = `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  return { url: where, where, database: options.database, layoutOf, timeoutMs };
}
