import { type ErrorCode, isPolystoreError, type PolystoreError, wrapStoreError } from '../../errors/index.js';
import { stringProp } from '../sql-shared/driver-error.js';
import { homeMoved } from '../sql-shared/home-moved.js';
import type { PgExecutor } from './pg-executor.js';

/** What a statement is doing, for error messages: `inserting a users row`. Never holds values. */
export interface StatementContext {
  readonly driver: string;
  readonly action: string;
  /** The code for data exceptions (SQLSTATE class 22): bad record values, or bad filter values. */
  readonly dataError?: 'PS_ERR_VALIDATION' | 'PS_ERR_INVALID_FILTER';
}

/** What the triggers of a fenced home raise (fence-writes.sql). */
const HOME_MOVED_SQLSTATE = 'PSHM1';

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
  if (sqlstate === HOME_MOVED_SQLSTATE) return homeMoved(err, stringProp(err, 'message') ?? 'another home');
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
  if (sqlstate === '40P01' || sqlstate === '40001') {
    return wrapStoreError(
      err,
      'PS_ERR_TRANSACTION_CONFLICT',
      `The ${context.driver} home aborted the transaction: it conflicted with a concurrent one (SQLSTATE ${sqlstate}) ${where}`,
      { details, fix: 'retry the whole transaction; nothing of it was written' },
    );
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
