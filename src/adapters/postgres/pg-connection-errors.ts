import { isPolystoreError, type PolystoreError, wrapStoreError } from '../../errors/index.js';

/**
 * Where the home connects, for messages: the connection string with its
 * password redacted (or a description of an injected pool), and what to start
 * when nothing answers there.
 */
export interface PgTarget {
  readonly description: string;
  readonly startHint: string;
  /** What connects, for messages: `postgres home` unless said otherwise (`postgres search store`). */
  readonly label?: string;
}

/** Node socket error codes meaning the server cannot be reached or the connection dropped. */
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
]);

/** What node-postgres throws, without any code, when a connection is lost or cannot be made in time. */
const PG_CONNECTION_MESSAGE =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/**
 * A transport failure the shared SQLSTATE mapping cannot see: a socket error
 * or one of node-postgres's code-less connection errors. Deliberately narrow:
 * anything classified here is retried by projectors instead of dead-lettered.
 */
export function isTransportError(err: unknown): boolean {
  if (err instanceof AggregateError) return err.errors.some(isTransportError);
  const code = codeOf(err);
  if (code !== undefined) return SOCKET_CODES.has(code);
  return err instanceof Error && PG_CONNECTION_MESSAGE.test(err.message);
}

/**
 * True when the session behind `err` is gone: a transport failure, a
 * connection exception (SQLSTATE class 08) or a terminated session (57P01
 * admin shutdown, 57P02 crash, 57P05 idle timeout, ...). Looks through the
 * `cause` of an already coded error.
 */
export function isBrokenConnection(err: unknown): boolean {
  if (isPolystoreError(err)) return isBrokenConnection(err.cause);
  const code = codeOf(err);
  return isTransportError(err) || code?.startsWith('08') === true || code?.startsWith('57P') === true;
}

/** A transport failure during a call, as a retryable `PS_ERR_STORE_UNAVAILABLE`. */
export function connectionLost(err: unknown, target: PgTarget): PolystoreError {
  return wrapStoreError(
    err,
    'PS_ERR_STORE_UNAVAILABLE',
    `The ${target.label ?? 'postgres home'} has no working connection to ${target.description} (${reasonOf(err)})`,
    {
      ...detailsOf(err),
      fix: 'check that PostgreSQL is running and reachable; the call can be retried',
    },
  );
}

/** Why `ready()` could not open the home, with the fix that applies. */
export function openError(err: unknown, target: PgTarget): PolystoreError {
  if (isPolystoreError(err)) return err;
  const code = codeOf(err);
  const where = target.description;
  if (code?.startsWith('28')) {
    return wrapStoreError(
      err,
      'PS_ERR_STORE_UNAVAILABLE',
      `PostgreSQL at ${where} refused the login (SQLSTATE ${code})`,
      {
        details: { sqlstate: code },
        fix: 'check the user and password of the connection, and that pg_hba.conf admits this client',
      },
    );
  }
  if (code === '3D000') {
    return wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', `The database of ${where} does not exist`, {
      details: { sqlstate: code },
      fix: 'create the database (createdb NAME) or correct its name in the connection',
    });
  }
  if (isBrokenConnection(err) || code === '53300') {
    return wrapStoreError(
      err,
      'PS_ERR_STORE_UNAVAILABLE',
      `The ${target.label ?? 'postgres home'} cannot reach PostgreSQL at ${where} (${reasonOf(err)})`,
      { ...detailsOf(err), fix: target.startHint },
    );
  }
  return wrapStoreError(
    err,
    'PS_ERR_STORE_UNAVAILABLE',
    `The ${target.label ?? 'postgres home'} could not open a connection to ${where}${code ? ` (${code})` : ''}`,
    {
      ...detailsOf(err),
      fix: 'see the error cause; check the ssl settings and that the server accepts connections from this host',
    },
  );
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** A code, never the driver's message (which may quote values). */
function reasonOf(err: unknown): string {
  const code = codeOf(err) ?? (err instanceof AggregateError ? codeOf(err.errors[0]) : undefined);
  return code ?? 'connection closed';
}

function detailsOf(err: unknown): { details?: Record<string, unknown> } {
  const code = codeOf(err);
  if (code === undefined) return {};
  // SQLSTATEs are five characters and no class starts with E; Node's codes (EPIPE) do.
  return { details: /^(?!E)[0-9A-Z]{5}$/.test(code) ? { sqlstate: code } : { code } };
}
