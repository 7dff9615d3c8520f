import { type ErrorCode, isPolystoreError, type PolystoreError, wrapStoreError } from '../../errors/index.js';
import { stringProp } from '../sql-shared/driver-error.js';
import { homeMoved } from '../sql-shared/home-moved.js';
import { type MysqlExecutor, type MysqlWriteResult, statement } from './mysql-driver.js';
import type { SqlFragment } from './mysql-sql.js';

/** What a statement is doing, for messages: never holds values. */
export interface StatementContext {
  /** The server, password redacted (or "the server of the injected pool"). */
  readonly target: string;
  readonly action: string;
  /** The code for rejected values: bad record values, or bad filter values. */
  readonly dataError?: 'PS_ERR_VALIDATION' | 'PS_ERR_INVALID_FILTER';
}

/** Runs a statement that returns rows (SELECT, or a write with RETURNING). */
export async function selectRows<R>(exec: MysqlExecutor, query: SqlFragment, context: StatementContext): Promise<R[]> {
  try {
    const [rows] = await exec.execute(statement(query.text), [...query.values]);
    return rows as R[];
  } catch (err) {
    throw toStoreError(err, context);
  }
}

/** Runs a write without RETURNING and reports how many rows it changed. */
export async function writeRows(
  exec: MysqlExecutor,
  query: SqlFragment,
  context: StatementContext,
): Promise<MysqlWriteResult> {
  try {
    const [result] = await exec.execute(statement(query.text), [...query.values]);
    const { affectedRows, insertId } = result as Partial<Record<keyof MysqlWriteResult, unknown>>;
    return { affectedRows: Number(affectedRows ?? 0), insertId: Number(insertId ?? 0) };
  } catch (err) {
    throw toStoreError(err, context);
  }
}

/** How the fence triggers of a moved home start their message (mysql-home-move.ts). */
const HOME_MOVED_PREFIX = 'PS_ERR_HOME_MOVED ';
/** Error numbers (MariaDB numbering) of values a column or function rejected. */
const DATA_ERRORS: ReadonlySet<number> = new Set([1264, 1292, 1366, 1367, 1406, 1690, 4025]);
/** Failures after which InnoDB has rolled back the whole transaction, not just the statement. */
export const TRANSACTION_ROLLED_BACK: ReadonlySet<number> = new Set([1213]);
const SESSION_LOST: ReadonlySet<number> = new Set([1053, 1152, 1153, 1158, 1159, 1160, 1161, 1927, 2006, 2013]);
const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/**
 * Maps a driver error by its error number. Driver messages are never copied
 * into ours: they quote offending values (`Duplicate entry 'alice@x.com'`);
 * the driver error stays reachable as `cause`.
 */
export function toStoreError(err: unknown, context: StatementContext): PolystoreError {
  if (isPolystoreError(err)) return err;
  const errno = errnoOf(err);
  const sqlState = stringProp(err, 'sqlState');
  const details = { ...(errno !== undefined ? { errno } : {}), ...(sqlState ? { sqlState } : {}) };
  const where = `while ${context.action}`;
  const number = errno !== undefined ? ` (error ${errno})` : '';
  if (isUnavailable(err)) {
    const code = stringProp(err, 'code');
    return wrapStoreError(
      err,
      'PS_ERR_STORE_UNAVAILABLE',
      `The mysql home cannot reach ${context.target}${code ? ` (${code})` : number} ${where}`,
      {
        details,
        fix: 'check that the server is running, reachable and accepts these credentials; the call can be retried',
      },
    );
  }
  const message = stringProp(err, 'sqlMessage') ?? stringProp(err, 'message') ?? '';
  if (errno === 1644 && message.startsWith(HOME_MOVED_PREFIX)) {
    return homeMoved(err, message.slice(HOME_MOVED_PREFIX.length));
  }
  if (errno === 1062) {
    return wrapStoreError(err, 'PS_ERR_ALREADY_EXISTS', `A unique key is already taken ${where}`, { details });
  }
  if (errno === 1048) {
    const field = columnOf(err);
    return wrapStoreError(err, 'PS_ERR_VALIDATION', `A required field is missing ${where}`, {
      details,
      ...(field ? { field } : {}),
      fix: 'set every non-nullable field',
    });
  }
  if ((errno !== undefined && DATA_ERRORS.has(errno)) || sqlState?.startsWith('22')) {
    const code: ErrorCode = context.dataError ?? 'PS_ERR_VALIDATION';
    const field = columnOf(err);
    return wrapStoreError(err, code, `The mysql home rejected a value${number} ${where}`, {
      details,
      ...(field ? { field } : {}),
      fix: 'check that each value fits its field (ids up to 512 bytes, integers within 64 bits, dates in years 1000-9999)',
    });
  }
  if (errno === 1213 || errno === 1205) {
    return wrapStoreError(
      err,
      'PS_ERR_TRANSACTION_CONFLICT',
      `The mysql home aborted a lock wait: the transaction conflicted with a concurrent one${number} ${where}`,
      { details, fix: 'retry the whole transaction; the server rolled back what it had written' },
    );
  }
  return wrapStoreError(err, 'PS_ERR_STORE_QUERY', `The mysql home rejected a statement${number} ${where}`, {
    details,
    fix: 'see the error cause for the database message; run ensureSchema() if a table is missing',
  });
}

/** A lost or unopenable session: mysql2 marks those `fatal`; socket codes and session-ending errors too. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof AggregateError) return err.errors.some(isUnavailable);
  if (typeof err !== 'object' || err === null) return false;
  if ((err as { fatal?: unknown }).fatal === true) return true;
  const code = stringProp(err, 'code');
  if (code !== undefined && SOCKET_CODES.has(code)) return true;
  const errno = errnoOf(err);
  return (errno !== undefined && SESSION_LOST.has(errno)) || (stringProp(err, 'sqlState')?.startsWith('08') ?? false);
}

/** The server's error number of a driver error (mysql2 sets `errno` on server errors), or undefined. */
export function errnoOf(err: unknown): number | undefined {
  const errno = (err as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' && errno > 0 ? errno : undefined;
}

/** The column a data error names; only an identifier is taken from the driver message, never a value. */
function columnOf(err: unknown): string | undefined {
  const message = stringProp(err, 'sqlMessage') ?? '';
  return /^(?:Column|Data too long for column|Out of range value for column) '([A-Za-z_][A-Za-z0-9_]{0,62})'/.exec(
    message,
  )?.[1];
}
