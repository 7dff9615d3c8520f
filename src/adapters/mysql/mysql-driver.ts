/**
 * The few `mysql2/promise` members the MySQL-family home calls, declared
 * structurally (as Kysely's `MysqlPool`) so no driver type or version leaks
 * into the core. A pool from `mysql2/promise`'s `createPool()` (or
 * `pool.promise()`) satisfies {@link MysqlPool} as is.
 */
export interface MysqlPool extends MysqlExecutor {
  getConnection(): Promise<MysqlPoolConnection>;
  end(): Promise<void>;
}

/** One connection checked out of the pool; it runs one statement at a time. */
export interface MysqlPoolConnection extends MysqlExecutor {
  /** Text-protocol statement without parameters (transaction control and DDL only). */
  query(sql: string): Promise<unknown>;
  release(): void;
  destroy(): void;
}

export interface MysqlExecutor {
  /** A server-side prepared statement: values are bound, never spliced into the SQL text. */
  execute(statement: MysqlStatement, values: MysqlValue[]): Promise<[unknown, unknown]>;
}

/** What the home binds: text (also dates, JSON and big integers), numbers, booleans and NULL. */
export type MysqlValue = string | number | boolean | null;

/** The column metadata a `typeCast` sees. */
export interface MysqlField {
  readonly type: string;
  /** `json` for MariaDB JSON columns (sent as LONGTEXT with extended metadata). */
  readonly extendedFormat?: string;
  string(encoding?: string): string | null;
}

export type MysqlTypeCast = (field: MysqlField, next: () => unknown) => unknown;

/**
 * A statement with per-query decoding options. They override whatever the
 * pool was created with, so an injected pool decodes exactly like ours:
 * BIGINT as decimal strings, DATETIME as `YYYY-MM-DD HH:MM:SS.mmm` strings
 * (never shifted by a client time zone) and JSON as its text.
 */
export interface MysqlStatement {
  readonly sql: string;
  readonly typeCast: MysqlTypeCast;
  readonly supportBigNumbers: true;
  readonly bigNumberStrings: true;
  readonly dateStrings: true;
}

/** The write result of an INSERT/UPDATE/DELETE without RETURNING. */
export interface MysqlWriteResult {
  readonly affectedRows: number;
  /** The AUTO_INCREMENT value the write generated, or the argument of a LAST_INSERT_ID(expr) it called; else 0. */
  readonly insertId: number;
}

const jsonAsText: MysqlTypeCast = (field, next) => {
  // MySQL's native JSON type arrives with the binary charset; the text is UTF-8.
  if (field.type === 'JSON') return field.string('utf8');
  if (field.extendedFormat === 'json') return field.string();
  return next();
};

/** Wraps SQL text in the decoding options every statement of the home uses. */
export function statement(sql: string): MysqlStatement {
  return { sql, typeCast: jsonAsText, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true };
}
