import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import {
  assertChangeBatch,
  assertScope as assertSharedScope,
  exceedsBytes,
} from '../key-value-shared/key-value-checks.js';

/**
 * What the store keeps per key: the value, its expiry (`0` = never) and, for
 * entries written by `applyIfNewer`, the version and a tombstone flag.
 */
export interface Envelope {
  readonly v: unknown;
  /** Expiry in epoch milliseconds; `0` when the entry does not expire. */
  readonly x: number;
  /** Version; present only on versioned entries. */
  readonly n?: number;
  /** Set on a tombstone (a versioned delete). */
  readonly d?: true;
}

/** A versioned entry: one with a version number. */
export interface VersionedEnvelope extends Envelope {
  readonly n: number;
}

/** LMDB's default build limits keys to 1978 bytes; the expiry index adds a few. */
export const MAX_KEY_BYTES = 1024;

/** True when the entry exists and has not expired at `now`. */
export function isLive(envelope: Envelope | undefined, now: number): envelope is Envelope {
  return envelope !== undefined && (envelope.x === 0 || envelope.x > now);
}

/** True when the entry exists, has not expired and carries a version. */
export function isLiveVersioned(envelope: Envelope | undefined, now: number): envelope is VersionedEnvelope {
  return isLive(envelope, now) && typeof envelope.n === 'number';
}

export function expiresAt(ttlMs: number | undefined, now: number): number {
  return ttlMs === undefined ? 0 : now + ttlMs;
}

export function plainEnvelope(value: unknown, expiry: number): Envelope {
  return { v: value, x: expiry };
}

export function versionedEnvelope(change: VersionedChange<unknown>, expiry: number): VersionedEnvelope {
  return change.value === null
    ? { v: null, x: expiry, n: change.version, d: true }
    : { v: change.value, x: expiry, n: change.version };
}

/** The LMDB key of a versioned entry. */
export function entryKey(scope: string, key: string): string {
  return `${scope}:${key}`;
}

/** Keys of `scope` sort in `[scope + ':', scope + ';')` (';' follows ':' in UTF-8). */
export function scopeRange(scope: string): { start: string; end: string } {
  return { start: `${scope}:`, end: `${scope};` };
}

export function assertKey(key: string, what = 'key'): void {
  if (typeof key !== 'string' || key.length === 0 || exceedsBytes(key, MAX_KEY_BYTES)) {
    throw new PolystoreError(
      'PS_ERR_INVALID_ARGUMENT',
      `An lmdb ${what} must be a non-empty string of at most ${MAX_KEY_BYTES} bytes`,
      {
        field: what,
        fix: 'use shorter keys, e.g. an entity id rather than a serialised record',
      },
    );
  }
}

/** Scopes and TTLs follow the rules every key-value adapter shares. */
export { assertTtl } from '../key-value-shared/key-value-checks.js';

export function assertScope(scope: string): void {
  assertSharedScope('lmdb', scope);
}

export function assertValue(value: unknown, field: string): void {
  if (value === undefined) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'An lmdb value must be JSON-serialisable; undefined is not', {
      field,
      fix: 'store null, or delete the key with del()',
    });
  }
}

/** Checks a whole batch before the transaction starts, so a bad change never leaves half a batch written. */
export function assertChanges(scope: string, changes: readonly VersionedChange<unknown>[]): void {
  assertChangeBatch('lmdb', scope, changes, (key, field) => {
    assertKey(key, field);
    assertKey(entryKey(scope, key), field);
  });
  for (const [index, change] of changes.entries()) assertValue(change.value, `changes[${index}].value`);
}
