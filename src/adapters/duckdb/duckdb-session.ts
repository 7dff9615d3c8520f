import { wrapStoreError } from '../../errors/index.js';
import { ensureParentDir } from '../../runtime/ensure-parent-dir.js';
import { importDriver } from '../../runtime/import-driver.js';

/** An opaque DuckDB logical type (`VARCHAR`, `LIST(BIGINT)`, ...). */
export interface DuckDBTypeHandle {
  readonly typeId: number;
}

/** The few `@duckdb/node-api` members this adapter calls, declared structurally. */
export interface DuckDBReader {
  columnNames(): string[];
  columnTypes(): DuckDBTypeHandle[];
  getRowsJson(): unknown[][];
}

export interface DuckDBChunk {
  setColumns(columns: readonly (readonly unknown[])[]): void;
}

/** A statement prepared once and run many times with new bindings. */
export interface DuckDBPrepared {
  bind(values: DuckDBValues, types?: DuckDBTypes): void;
  runAndReadAll(): Promise<DuckDBReader>;
}

export interface DuckDBAppender {
  appendDataChunk(chunk: DuckDBChunk): void;
  flushSync(): void;
  /** Drops the rows appended since the last flush. */
  clear(): void;
  closeSync(): void;
}

/** Positional values (`$1`, ...) or named ones, as the driver accepts them. */
type DuckDBValues = unknown[] | Record<string, unknown>;
type DuckDBTypes = DuckDBTypeHandle[] | Record<string, DuckDBTypeHandle | undefined>;

export interface DuckDBConnection {
  run(sql: string, values?: DuckDBValues, types?: DuckDBTypes): Promise<unknown>;
  runAndReadAll(sql: string, values?: DuckDBValues, types?: DuckDBTypes): Promise<DuckDBReader>;
  prepare(sql: string): Promise<DuckDBPrepared>;
  createAppender(table: string, schema?: string | null, catalog?: string | null): Promise<DuckDBAppender>;
  closeSync(): void;
}

export interface DuckDBInstance {
  connect(): Promise<DuckDBConnection>;
  closeSync(): void;
}

export interface DuckDBDriver {
  DuckDBInstance: { create(path: string): Promise<DuckDBInstance> };
  DuckDBDataChunk: { create(types: readonly DuckDBTypeHandle[], rowCount?: number): DuckDBChunk };
  VARCHAR: DuckDBTypeHandle;
  BIGINT: DuckDBTypeHandle;
  DOUBLE: DuckDBTypeHandle;
  BOOLEAN: DuckDBTypeHandle;
  LIST(valueType: DuckDBTypeHandle): DuckDBTypeHandle;
  listValue(items: readonly unknown[]): unknown;
}

/** DuckDB appends at most one vector (2048 rows) per data chunk. */
export const CHUNK_ROWS = 2048;

/**
 * One DuckDB database with its single connection. The driver is loaded on
 * first open; every value reaches the engine as a bound parameter or through
 * the appender.
 */
export class DuckDBSession {
  readonly #prepared = new Map<string, DuckDBPrepared>();
  readonly #appenders = new Map<string, DuckDBAppender>();

  private constructor(
    readonly driver: DuckDBDriver,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(path: string): Promise<DuckDBSession> {
    const driver: DuckDBDriver = await importDriver('@duckdb/node-api', () => import('@duckdb/node-api'));
    let instance: DuckDBInstance | undefined;
    try {
      await ensureParentDir(path);
      instance = await driver.DuckDBInstance.create(path);
      return new DuckDBSession(driver, instance, await instance.connect());
    } catch (err) {
      instance?.closeSync();
      throw wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', 'The duckdb store could not open its database', {
        fix: 'check that the database path is writable and that no other process holds the file open',
      });
    }
  }

  /**
   * Runs a statement for its effect. Without values the SQL goes to the
   * engine in one call (and may hold several statements); with values it is
   * prepared, bound and run.
   */
  async run(sql: string, values: unknown[] = [], types?: DuckDBTypeHandle[]): Promise<void> {
    await this.connection.run(sql, values.length > 0 ? values : undefined, types);
  }

  /** Runs a statement and returns its rows as plain objects (see `toPlainRows`). */
  async read(sql: string, values: unknown[] = [], types?: DuckDBTypeHandle[]): Promise<Record<string, unknown>[]> {
    return toPlainRows(await this.connection.runAndReadAll(sql, values.length > 0 ? values : undefined, types));
  }

  /**
   * Runs one of the store's own statements, prepared on first use and kept
   * for the session: later runs only bind and execute. Returns the rows it
   * yields (RETURNING, SELECT) as plain objects.
   */
  async runPrepared(sql: string, values: unknown[], types?: DuckDBTypeHandle[]): Promise<Record<string, unknown>[]> {
    let statement = this.#prepared.get(sql);
    if (statement === undefined) {
      statement = await this.connection.prepare(sql);
      this.#prepared.set(sql, statement);
    }
    statement.bind(values, types);
    return toPlainRows(await statement.runAndReadAll());
  }

  /**
   * Appends rows to a table of the database or (`catalog: 'temp'`) to one of
   * the connection's temporary tables, whole data chunks at a time (one
   * native call per 2048 rows), and flushes them into the open transaction.
   * The table's appender is kept for the session: a failed flush, or any
   * doubt about the table's shape, calls for `dropAppenders`.
   */
  async append(
    table: string,
    types: readonly DuckDBTypeHandle[],
    columns: readonly (readonly unknown[])[],
    catalog?: 'temp',
  ): Promise<void> {
    const rowCount = columns[0]?.length ?? 0;
    if (rowCount === 0) return;
    const id = `${catalog ?? ''}.${table}`;
    let appender = this.#appenders.get(id);
    if (appender === undefined) {
      appender = await this.connection.createAppender(table, catalog ? 'main' : null, catalog ?? null);
      this.#appenders.set(id, appender);
    }
    for (let start = 0; start < rowCount; start += CHUNK_ROWS) {
      const end = Math.min(start + CHUNK_ROWS, rowCount);
      const chunk = this.driver.DuckDBDataChunk.create(types, end - start);
      chunk.setColumns(columns.map((column) => column.slice(start, end)));
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  }

  /**
   * Closes the kept appenders, first dropping rows a failed flush left in
   * them (closing flushes, and must never write outside the transaction
   * that was rolled back). The next append opens a fresh one.
   */
  dropAppenders(): void {
    for (const appender of this.#appenders.values()) {
      try {
        appender.clear();
        appender.closeSync();
      } catch {
        // Nothing is left to write; the engine frees the appender with the connection.
      }
    }
    this.#appenders.clear();
  }

  /** A bound `VARCHAR[]` parameter with its type, for `IN (SELECT unnest($n))`. */
  varcharList(items: readonly string[]): [unknown, DuckDBTypeHandle] {
    return [this.driver.listValue(items), this.driver.LIST(this.driver.VARCHAR)];
  }

  close(): void {
    try {
      this.dropAppenders();
      // Closing the connection destroys the statements it prepared.
      this.#prepared.clear();
      this.connection.closeSync();
    } finally {
      this.instance.closeSync();
    }
  }
}

const TYPE_ID = {
  BIGINT: 5,
  UBIGINT: 9,
  TIMESTAMP: 12,
  HUGEINT: 16,
  DECIMAL: 19,
  TIMESTAMP_S: 20,
  TIMESTAMP_MS: 21,
  TIMESTAMP_NS: 22,
  TIMESTAMP_TZ: 31,
  UHUGEINT: 32,
} as const;

const WIDE_INTEGERS = new Set<number>([TYPE_ID.BIGINT, TYPE_ID.UBIGINT, TYPE_ID.HUGEINT, TYPE_ID.UHUGEINT]);
const NAIVE_TIMESTAMPS = new Set<number>([
  TYPE_ID.TIMESTAMP,
  TYPE_ID.TIMESTAMP_S,
  TYPE_ID.TIMESTAMP_MS,
  TYPE_ID.TIMESTAMP_NS,
]);

/**
 * Rows as plain objects, starting from the driver's lossless JSON form:
 * 64/128-bit integers become numbers when exact (else stay decimal strings),
 * DECIMAL becomes a number, DATE stays `YYYY-MM-DD`, timestamps become ISO
 * strings (UTC, up to microseconds). Nested values keep the JSON form.
 */
export function toPlainRows(reader: DuckDBReader): Record<string, unknown>[] {
  const names = reader.columnNames();
  const converters = reader.columnTypes().map((type) => converterFor(type.typeId));
  return reader.getRowsJson().map((values) => {
    const row: Record<string, unknown> = {};
    names.forEach((name, i) => {
      const value = values[i];
      row[name] = value === null || value === undefined ? null : converters[i]!(value);
    });
    return row;
  });
}

function converterFor(typeId: number): (value: unknown) => unknown {
  if (WIDE_INTEGERS.has(typeId)) return (value) => (typeof value === 'string' ? exactNumber(value) : value);
  if (typeId === TYPE_ID.DECIMAL) return (value) => (typeof value === 'string' ? Number(value) : value);
  if (NAIVE_TIMESTAMPS.has(typeId)) return (value) => (typeof value === 'string' ? naiveToIso(value) : value);
  if (typeId === TYPE_ID.TIMESTAMP_TZ) return (value) => (typeof value === 'string' ? zonedToIso(value) : value);
  return (value) => value;
}

function exactNumber(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/**
 * A naive timestamp is UTC by convention: `2024-03-01 10:11:12` becomes
 * `2024-03-01T10:11:12.000Z` (as `Date#toISOString` writes it); microseconds
 * are kept when present. `infinity` and the like stay as they are.
 */
function naiveToIso(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const fraction = (match[3] ?? '').padEnd(3, '0');
  const digits = /^0*$/.test(fraction.slice(3)) ? fraction.slice(0, 3) : fraction;
  return `${match[1]}T${match[2]}.${digits}Z`;
}

/** `2024-03-01 10:11:12.5+02` → `2024-03-01T08:11:12.500Z`; `infinity` and the like stay as they are. */
function zonedToIso(text: string): string {
  const iso = text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}
