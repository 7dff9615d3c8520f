import type { ScopeDigests } from './bucket-digest.js';
import type { StoreMetric } from './store-metrics.js';

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
  /** Figures about the store itself, for metrics (see StoreMetricsSource); absent where it has none. */
  collectMetrics?(): Promise<readonly StoreMetric[]>;
}

/** A view store: applies version-guarded changes and reports what it holds. */
export interface ViewStoreBase<V> extends StoreLifecycle {
  readonly durability: Durability;
  /**
   * True on embedded stores whose content only the process that opened them
   * sees (Orama, Kuzu, DuckDB): one process projects each of their views, and
   * other processes query it through view replicas (`replicas` in the config).
   */
  readonly processLocal?: boolean;
  /**
   * Events per batch the store applies best, when it asks for more than
   * `sync.batchSize`: a store whose every apply pays a cost that grows with
   * the view (a join that scans a table) amortises it over bigger batches.
   * Projectors of its views fetch up to this many events at once, unless the
   * sync options set `batchSize` explicitly.
   */
  readonly batchSize?: number;
  /**
   * Longest key (UTF-8 bytes) a change may carry in `scope`, when the store
   * has a limit (LMDB keys are bounded, the scope prefix included). Polystore
   * refuses ids longer than the lowest limit of an entity's stores at write
   * time, so no event can reach a view that cannot hold it.
   */
  maxKeyBytes?(scope: string): number;
  /**
   * Applies each change only if its version is newer than the version the
   * store holds for `scope`/`key` (a tombstone counts). Idempotent: applying
   * the same change twice, or an older one after a newer one, changes nothing.
   * Within one call a key appears at most once, except for views that
   * project every event (`ViewDef.projectEvent`, an archive): they get each
   * event of a batch, in log order.
   */
  applyIfNewer(scope: string, changes: readonly VersionedChange<V>[]): Promise<ApplyResult>;
  /**
   * Every key of `scope` with the version the store holds, tombstones
   * included. Absent on a key-value store that cannot list its keys
   * (Memcached): the checker then reads such a view back by key from the
   * home's side only (see `KeyValueStore`), and a rebuild cannot find its
   * extra entries.
   */
  listVersions?(scope: string): Promise<VersionEntry[]>;
  /**
   * Present on stores that keep per-bucket digests of each scope as they
   * apply (bucket-digest.ts): the digests of the live entries of `scope`, or
   * null when the store does not know them to be right (the scope was written
   * before it kept them, or they were dropped: an apply with a TTL, a data
   * loss). They follow the store's own writes only: an entry removed or
   * changed behind the store (another client's DEL, an eviction) is not seen.
   */
  bucketDigests?(scope: string): Promise<ScopeDigests | null>;
  /**
   * Counts the entries of `scope` into its digests, while applies go on, once
   * (later calls return at once): true when they are valid afterwards, false
   * when the scope's entries can expire or the digests were dropped meanwhile.
   */
  buildDigests?(scope: string): Promise<boolean>;
  /** Makes earlier applies durable (required when `durability` is `on-flush`). */
  flush(): Promise<void>;
  /**
   * Removes every entry of `scope` (an index, a key prefix), durably: what a
   * zero-downtime rebuild does to the generation it replaced. Present on the
   * stores whose views can be rebuilt beside themselves (key-value, search).
   */
  dropScope?(scope: string): Promise<void>;
  /**
   * Present on stores whose server can lose every entry on its own (Redis
   * without persistence: a restart empties it). Starts watching for such a
   * loss and calls `listener` for each one found, at once when one is already
   * pending (a rebuild that a crashed process left unfinished). The sync
   * engine answers by rebuilding the store's views from the home. Returns a
   * function that removes the listener.
   */
  onDataLoss?(listener: (loss: DataLoss) => void): () => void;
}

/** A view store that lists the keys it holds: every store kind but some key-value stores. */
export interface ListsVersions {
  /** Every key of `scope` with the version the store holds, tombstones included. */
  listVersions(scope: string): Promise<VersionEntry[]>;
}

/** A store found that it lost its entries: its views must be rebuilt from the home. */
export interface DataLoss {
  /** Names this loss; every process that finds the same loss sees the same id. */
  readonly id: string;
  /**
   * Records that every view on the store was rebuilt from the home since the
   * loss. Resolves false when the store lost its data again meanwhile (that
   * loss is reported on its own).
   */
  rebuilt(): Promise<boolean>;
}
