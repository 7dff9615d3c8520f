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

/** In a `u` regex a well-formed surrogate pair is one code point, so only lone surrogates match. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Asserts a record id is one the home stores faithfully, as `PS_ERR_VALIDATION`
 * on field `id` naming the problem (never the id): a string, not empty, with
 * no NUL character (PostgreSQL text cannot hold one), well-formed UTF-16 (a
 * lone surrogate would be stored as U+FFFD: another id), and at most
 * `maxBytes` bytes in UTF-8 (the home's `maxIdBytes`).
 *
 * @example
 * assertId(id, POSTGRES_MAX_ID_BYTES); // before the id reaches a statement
 */
export function assertId(id: unknown, maxBytes: number): asserts id is string {
  const invalid = (problem: string, fix: string) =>
    new PolystoreError('PS_ERR_VALIDATION', `The record id ${problem}`, { field: 'id', fix });
  if (typeof id !== 'string') throw invalid('is not a string', 'pass the id as a string');
  if (id.length === 0) throw invalid('is empty', 'use a non-empty id');
  if (id.includes('\u0000')) {
    throw invalid('contains a NUL character (U+0000), which the home cannot store', 'remove NUL characters from ids');
  }
  if (LONE_SURROGATE.test(id)) {
    throw invalid(
      'is not well-formed UTF-16 (it holds an unpaired surrogate), so the home would store a different id',
      'build ids from whole characters; String.prototype.toWellFormed() shows the id the home would have stored',
    );
  }
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes > maxBytes) {
    throw invalid(
      `is ${bytes} bytes long in UTF-8; this home stores ids of at most ${maxBytes} bytes`,
      'use shorter ids (a hash of a long natural key, for instance)',
    );
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

/** Asserts a keyset scan's bounds are ids the home can hold and its limit is positive. */
export function assertScan(options: { after: unknown; upTo?: unknown; limit: unknown }, maxIdBytes: number): void {
  if (options.after !== null) assertId(options.after, maxIdBytes);
  if (options.upTo !== undefined && options.upTo !== null) assertId(options.upTo, maxIdBytes);
  assertCount(options.limit, 'limit');
  if (options.limit === 0) throw invalidArgument('"limit" must be at least 1', 'limit', 'pass a positive limit');
}
