import { type ErrorCode, isPolystoreError, PolystoreError, wrapStoreError } from '../../errors/index.js';
import type { PgExecutor } from './pg-executor.js';

/** What a statement is doing, for error messages: `inserting a users row`. Never holds values. */
export interface StatementContext {
  readonly driver: string;
  readonly action: string;
  /** The code for data exceptions (SQLSTATE class 22): bad record values, or bad filter values. */
  readonly dataError?: 'PS_ERR_VALIDATION' | 'PS_ERR_INVALID_FILTER';
}

/** Runs one statement and turns a driver error into a coded error (the driver error stays the cause). */
export async function runQuery<R>(
  exec: PgExecutor,
  sql: string,
  params: unknown[],
  context: StatementContext,
): Promise<R[]> {
  try {
    return (await exec.query<R>(sql, params)).rows;
  } catch (err) {
    throw toStoreError(err, context);
  }
}

/**
 * Maps a PostgreSQL error by its SQLSTATE. Driver messages are not copied:
 * they can quote the offending value (`invalid input syntax for type bigint: "..."`).
 */
export function toStoreError(err: unknown, context: StatementContext): PolystoreError {
  if (isPolystoreError(err)) return err;
  const sqlstate = stringProp(err, 'code');
  const where = `while ${context.action}`;
  const details = sqlstate ? { sqlstate } : {};
  if (sqlstate === '23502') {
    const column = stringProp(err, 'column');
    return wrapStoreError(err, 'PS_ERR_VALIDATION', `A required field is missing ${where}`, {
      details,
      ...(column ? { field: column } : {}),
      fix: 'set every non-nullable field',
    });
  }
  if (sqlstate?.startsWith('22')) {
    const code: ErrorCode = context.dataError ?? 'PS_ERR_VALIDATION';
    return wrapStoreError(err, code, `The ${context.driver} home rejected a value (SQLSTATE ${sqlstate}) ${where}`, {
      details,
      fix: 'check that each value fits its field type (dates as ISO 8601 strings, numbers within range)',
    });
  }
  if (sqlstate === '23505') {
    return wrapStoreError(err, 'PS_ERR_ALREADY_EXISTS', `A unique key is already taken ${where}`, { details });
  }
  if (sqlstate?.startsWith('08') || sqlstate?.startsWith('57P') || sqlstate === '53300') {
    return wrapStoreError(
      err,
      'PS_ERR_STORE_UNAVAILABLE',
      `The ${context.driver} home is unavailable (SQLSTATE ${sqlstate}) ${where}`,
      {
        details,
        fix: 'check that the database is running and reachable; the call can be retried',
      },
    );
  }
  return wrapStoreError(
    err,
    'PS_ERR_STORE_QUERY',
    `The ${context.driver} home rejected a statement${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''} ${where}`,
    { details, fix: 'see the error cause for the database message; run ensureSchema() if a table is missing' },
  );
}

function stringProp(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const prop = (value as Record<string, unknown>)[key];
  return typeof prop === 'string' ? prop : undefined;
}

/** Rejects malformed call arguments before they reach SQL. */
export function invalidArgument(message: string, field: string, fix: string, cause?: unknown): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, {
    field,
    fix,
    ...(cause === undefined ? {} : { cause }),
  });
}

export function assertId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw invalidArgument('A record id must be a non-empty string', 'id', 'pass the id as a string');
  }
}

export function assertCount(value: unknown, field: string, allowInfinity = false): asserts value is number {
  const ok = Number.isSafeInteger(value) ? (value as number) >= 0 : allowInfinity && value === Number.POSITIVE_INFINITY;
  if (!ok)
    throw invalidArgument(`"${field}" must be a non-negative integer`, field, `pass a whole number for "${field}"`);
}
