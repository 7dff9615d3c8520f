import { createHash } from 'node:crypto';
import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { assertChangeBatch, assertScope as assertSharedScope } from '../key-value-shared/key-value-checks.js';
import { type Envelope, entryKey } from '../key-value-shared/key-value-envelope.js';
import { PROTOCOL_SAFE } from './memcached-options.js';

/** Memcached's longest key. */
const MAX_PROTOCOL_KEY = 250;
/** Past 30 days memcached reads an expiry as a Unix time rather than seconds from now. */
const RELATIVE_LIMIT_S = 30 * 24 * 3600;

/**
 * The memcached key of `key`: the prefix and the key itself when the text
 * protocol takes it, otherwise (spaces, non-ASCII, too long, or a leading
 * `#`) the prefix, `#` and the key's SHA-256, so no key is refused for its
 * length and two keys never share an entry.
 */
export function storageKey(prefix: string, key: string): string {
  const plain = prefix + key;
  if (!key.startsWith('#') && plain.length <= MAX_PROTOCOL_KEY && PROTOCOL_SAFE.test(key)) return plain;
  return `${prefix}#${createHash('sha256').update(key).digest('base64url')}`;
}

/** The memcached key of a versioned entry. */
export function versionedKey(prefix: string, scope: string, key: string): string {
  return storageKey(prefix, entryKey(scope, key));
}

/**
 * Memcached's expiry argument for an entry that expires at `expiry` (epoch
 * ms, 0 = never): whole seconds, one more than needed, since the server
 * counts in seconds; reads apply the exact expiry from the envelope.
 */
export function lifetimeOf(expiry: number, now: number): number {
  if (expiry === 0) return 0;
  const seconds = Math.ceil((expiry - now) / 1000) + 1;
  return seconds <= RELATIVE_LIMIT_S ? seconds : Math.ceil(expiry / 1000) + 1;
}

export function encode(envelope: Envelope): string {
  return JSON.stringify(envelope);
}

/** The envelope in `text`; undefined for anything this store did not write (read as absent). */
export function decode(text: string | undefined): Envelope | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' && typeof (parsed as Envelope).x === 'number'
      ? (parsed as Envelope)
      : undefined;
  } catch {
    return undefined;
  }
}

export function assertKey(key: string, field = 'key'): void {
  if (typeof key !== 'string' || key.length === 0)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A memcached key must be a non-empty string', { field });
}

export function assertScope(scope: string): void {
  assertSharedScope('memcached', scope);
}

export function assertValue(value: unknown, field: string): void {
  if (value === undefined)
    throw new PolystoreError(
      'PS_ERR_INVALID_ARGUMENT',
      'A memcached value must be JSON-serialisable; undefined is not',
      {
        field,
        fix: 'store null, or delete the key with del()',
      },
    );
}

/** Checks a whole batch before anything is written. */
export function assertChanges(scope: string, changes: readonly VersionedChange<unknown>[]): void {
  assertChangeBatch('memcached', scope, changes, assertKey);
  for (const [index, change] of changes.entries()) assertValue(change.value, `changes[${index}].value`);
}
