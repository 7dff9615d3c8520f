import { ERROR_CATALOGUE, type ErrorCode } from './error-catalogue.js';

const BRAND = Symbol.for('polystore.error');

export interface PolystoreErrorOptions {
  /** The field (dotted path) the error is about, when there is one. */
  field?: string;
  /** What the caller can do about it. */
  fix?: string;
  /** The underlying error; always set when one exists. */
  cause?: unknown;
  /** Structured, secret-free details (never parameter values). */
  details?: Record<string, unknown>;
}

/**
 * Every error Polystore throws. Check with {@link isPolystoreError} rather than
 * `instanceof`, which fails across duplicated package copies.
 *
 * @example
 * try { await db.entity('users').update('u1', { name: 'x' }, { expectedVersion: 1 }) }
 * catch (err) { if (isPolystoreError(err, 'PS_ERR_VERSION_CONFLICT')) retry() }
 */
export class PolystoreError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly fix: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: PolystoreErrorOptions = {}) {
    const text = options.fix ? `${message}. Fix: ${options.fix}` : message;
    super(redactSecrets(text), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PolystoreError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.field = options.field;
    this.fix = options.fix;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.field ? { field: this.field } : {}),
      ...(this.fix ? { fix: this.fix } : {}),
    };
  }
}

/** True when `err` is a Polystore error, optionally with the given code. */
export function isPolystoreError(err: unknown, code?: ErrorCode): err is PolystoreError {
  if (typeof err !== 'object' || err === null || !(BRAND in err)) return false;
  return code === undefined || (err as unknown as PolystoreError).code === code;
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^:/@\s]*)(:[^@\s]*)?@/gi;
const KEY_VALUE_SECRETS = /\b(password|passwd|pwd|secret|token|apikey|api_key)=([^\s&;]+)/gi;

/**
 * Removes credentials from connection strings and `password=...` pairs. A
 * user name with a password keeps the name; userinfo without a password is
 * redacted whole, since some schemes carry a secret there (`nats://<token>@host`).
 */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_CREDENTIALS, (_m, scheme: string, user: string, pass?: string) =>
      pass ? `${scheme}${user}:***@` : user ? `${scheme}***@` : `${scheme}@`,
    )
    .replace(KEY_VALUE_SECRETS, (_m, key: string) => `${key}=***`);
}

/**
 * Wraps an unknown driver error in a coded error without copying its message
 * verbatim into ours (driver messages may echo parameter values); the original
 * stays reachable as `cause`. The caller's stack is appended.
 */
export function wrapStoreError(
  err: unknown,
  code: ErrorCode,
  message: string,
  options: Omit<PolystoreErrorOptions, 'cause'> = {},
): PolystoreError {
  if (isPolystoreError(err)) return err;
  const wrapped = new PolystoreError(code, message, { ...options, cause: err });
  const callerStack = new Error().stack?.split('\n').slice(2).join('\n');
  if (callerStack) wrapped.stack = `${wrapped.stack}\n    --- caller ---\n${callerStack}`;
  return wrapped;
}
