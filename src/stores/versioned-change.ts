/**
 * What a projector hands to a view store: the newest known state of one key,
 * guarded by its version. `value: null` is a delete (a tombstone is kept so a
 * late, older upsert cannot resurrect the key).
 */
export interface VersionedChange<V> {
  readonly key: string;
  readonly version: number;
  readonly value: V | null;
}

/** One key's version as a view holds it; used by the consistency checker. */
export interface VersionEntry {
  readonly key: string;
  readonly version: number;
  readonly deleted: boolean;
}

/** The outcome of a version-guarded batch apply. */
export interface ApplyResult {
  /** Changes written because their version was newer than the view's. */
  readonly applied: number;
  /** Changes ignored because the view already held that version or a newer one. */
  readonly skipped: number;
}

/**
 * How a view store makes applies durable.
 * - `immediate`: an apply is durable when its promise resolves.
 * - `on-flush`: applies are durable only after `flush()` resolves; the
 *   projector advances its checkpoint only after a flush.
 */
export type Durability = 'immediate' | 'on-flush';

/** Lifecycle every store adapter exposes. Nothing connects at import time. */
export interface StoreLifecycle {
  /** A short name for logs and metrics, e.g. `pglite`, `lmdb`. Never a URL. */
  readonly driver: string;
  /** Opens the store. Idempotent; retried if a previous attempt failed. */
  ready(): Promise<void>;
  /** Releases the store. Later calls fail with `PS_ERR_STORE_CLOSED`. */
  close(): Promise<void>;
}

/** A view store: applies version-guarded changes and reports what it holds. */
export interface ViewStoreBase<V> extends StoreLifecycle {
  readonly durability: Durability;
  /**
   * Applies each change only if its version is newer than the version the
   * store holds for `scope`/`key` (a tombstone counts). Idempotent: applying
   * the same change twice, or an older one after a newer one, changes nothing.
   * Within one call a key appears at most once.
   */
  applyIfNewer(scope: string, changes: readonly VersionedChange<V>[]): Promise<ApplyResult>;
  /** Every key of `scope` with the version the store holds, tombstones included. */
  listVersions(scope: string): Promise<VersionEntry[]>;
  /** Makes earlier applies durable (required when `durability` is `on-flush`). */
  flush(): Promise<void>;
}
