import { PolystoreError } from '../../errors/index.js';

/**
 * Rejects a malformed call argument before it reaches SQL, as
 * `PS_ERR_INVALID_ARGUMENT` naming the argument (never echoing its value).
 */
export function invalidArgument(message: string, field: string, fix: string, cause?: unknown): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, {
    field,
    fix,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Asserts a record id is a non-empty string (the id column is text in every dialect). */
export function assertId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw invalidArgument('A record id must be a non-empty string', 'id', 'pass the id as a string');
  }
}

/**
 * Asserts a count-like argument (a version, a limit, an offset, attempts) is
 * a non-negative safe integer; `allowInfinity` admits an unbounded limit.
 */
export function assertCount(value: unknown, field: string, allowInfinity = false): asserts value is number {
  const ok = Number.isSafeInteger(value) ? (value as number) >= 0 : allowInfinity && value === Number.POSITIVE_INFINITY;
  if (!ok)
    throw invalidArgument(`"${field}" must be a non-negative integer`, field, `pass a whole number for "${field}"`);
}

/** Asserts a name-like argument (a consumer, a log position) is a non-empty string. */
export function assertName(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidArgument(`"${field}" must be a non-empty string`, field, `pass "${field}" as a string`);
  }
}
