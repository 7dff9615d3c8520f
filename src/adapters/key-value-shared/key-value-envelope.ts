import type { VersionedChange } from '../../contracts/view-store.js';

/**
 * What a key-value store keeps per key (LMDB, Memcached): the value, its expiry (`0` = never) and, for
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

/** The key of a versioned entry. */
export function entryKey(scope: string, key: string): string {
  return `${scope}:${key}`;
}
