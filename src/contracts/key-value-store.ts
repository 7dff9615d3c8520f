import type { ListsVersions, ViewStoreBase } from './view-store.js';

export interface SetOptions {
  /** Time to live in milliseconds; the key reads as absent once it has passed. */
  readonly ttlMs?: number;
}

/**
 * A key-value store: plain get/set with TTL, plus the version-guarded view
 * operations used by cache projections. Values are JSON-serialisable, and
 * each read returns values decoded afresh: the caller owns them and may
 * change them without affecting the store or other readers.
 */
export interface KeyValueStore extends ViewStoreBase<unknown> {
  readonly kind: 'key-value';
  get<T = unknown>(key: string): Promise<T | null>;
  mget<T = unknown>(keys: readonly string[]): Promise<(T | null)[]>;
  set(key: string, value: unknown, options?: SetOptions): Promise<void>;
  del(key: string): Promise<boolean>;
  /**
   * Reads a versioned entry written by `applyIfNewer` (key = `${scope}:${key}`).
   * Returns null when absent or expired; `value: null` for a tombstone.
   */
  getVersioned<T = unknown>(scope: string, key: string): Promise<{ value: T | null; version: number } | null>;
  /**
   * `getVersioned` answered synchronously, offered by embedded stores whose
   * reads need no I/O once open (LMDB): `undefined` while the store cannot
   * answer now (not open yet), so the caller falls back to `getVersioned`.
   * A bad argument or a failed read throws. The cache-hit path of
   * `entity.get()` uses it to save the promise hops of an asynchronous read.
   */
  getVersionedSync?<T = unknown>(scope: string, key: string): { value: T | null; version: number } | null | undefined;
  mgetVersioned<T = unknown>(
    scope: string,
    keys: readonly string[],
  ): Promise<({ value: T | null; version: number } | null)[]>;
  /** Sets the TTL applied to entries written by `applyIfNewer` in `scope` (tombstones included). */
  setScopeTtl(scope: string, ttlMs: number | undefined): void;
}

/** A key-value store that lists its keys (Redis, LMDB): the consistency checker and rebuilds can see its extra entries. */
export type ListingKeyValueStore = KeyValueStore & ListsVersions;
