import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { assertChangeBatch, assertScope as assertSharedScope } from '../key-value-shared/key-value-checks.js';

/**
 * How a value is kept in one Redis string:
 * - a plain `set()` value is its JSON text, e.g. `{"user":"u1"}`;
 * - a versioned entry is `#<version>|<json>`, e.g. `#7|{"name":"Laptop"}`;
 * - a tombstone is `#<version>|` (JSON text is never empty).
 * JSON text never starts with `#`, so the two kinds cannot be confused, and a
 * versioned entry is readable with GET/MGET in one round trip.
 */
export type Decoded =
  | { readonly kind: 'absent' }
  | { readonly kind: 'plain'; readonly value: unknown }
  | { readonly kind: 'versioned'; readonly version: number; readonly value: unknown };

/** Redis accepts PX up to about 2^63 ms after now; JS integers are exact up to 2^53. */
const HEADER = /^#([^|]+)\|/;
/** Characters special in a SCAN MATCH pattern. */
const GLOB_SPECIAL = /[*?[\]\\]/g;

export function encodePlain(value: unknown, field: string): string {
  return toJson(value, field);
}

export function encodeVersioned(change: VersionedChange<unknown>, field: string): string {
  return `#${change.version}|${change.value === null ? '' : toJson(change.value, field)}`;
}

/** Throws a SyntaxError when the text is neither JSON nor a versioned entry (another program wrote it). */
export function decode(text: string | null): Decoded {
  if (text === null || text === '') return { kind: 'absent' };
  const header = HEADER.exec(text);
  const version = Number(header?.[1]);
  if (header === null || !Number.isFinite(version)) return { kind: 'plain', value: JSON.parse(text) };
  const json = text.slice(header[0].length);
  return { kind: 'versioned', version, value: json === '' ? null : JSON.parse(json) };
}

/** The version and tombstone flag of an entry from its first bytes (GETRANGE 0 31), or undefined. */
export function decodeHeader(head: string): { version: number; deleted: boolean } | undefined {
  const header = HEADER.exec(head);
  const version = Number(header?.[1]);
  if (header === null || !Number.isFinite(version)) return undefined;
  return { version, deleted: head.length === header[0].length };
}

/** The TTL sent to Redis: whole milliseconds, rounded up so an entry never lives shorter than asked. */
export function pxOf(ttlMs: number): number {
  return Math.ceil(ttlMs);
}

/** Escapes a literal for use inside a SCAN MATCH pattern. */
export function escapeGlob(literal: string): string {
  return literal.replace(GLOB_SPECIAL, (char) => `\\${char}`);
}

export function assertKey(key: string, field = 'key'): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `A redis ${field} must be a non-empty string`, {
      field,
      fix: 'pass a non-empty key, e.g. an entity id',
    });
  }
}

/** Scopes and TTLs follow the rules every key-value adapter shares. */
export { assertTtl } from '../key-value-shared/key-value-checks.js';

export function assertScope(scope: string): void {
  assertSharedScope('redis', scope);
}

/**
 * Checks and encodes a whole batch before anything is sent, so a bad change
 * never leaves part of a batch written. Returns the encoded entries in order.
 */
export function encodeChanges(scope: string, changes: readonly VersionedChange<unknown>[]): string[] {
  assertChangeBatch('redis', scope, changes, assertKey);
  return changes.map((change, index) => encodeVersioned(change, `changes[${index}].value`));
}

function toJson(value: unknown, field: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw invalidValue(field, err);
  }
  if (json === undefined) throw invalidValue(field);
  return json;
}

function invalidValue(field: string, cause?: unknown): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A redis value must be JSON-serialisable', {
    field,
    fix: 'store plain objects, arrays, strings, numbers, booleans or null (no undefined, functions, BigInt or cycles); delete a key with del()',
    ...(cause === undefined ? {} : { cause }),
  });
}
