import type { ChangeEvent } from '../contracts/change-event.js';
import type { ViewStoreBase } from '../contracts/view-store.js';
import type { EntityDef, EntityRecord } from '../model/define-entity.js';

export type ViewKind = 'cache' | 'search' | 'graph' | 'analytics' | 'archive';

/**
 * A declared view: which entity feeds it, which store holds it and how a
 * record maps to what the store keeps. Built by `cacheView`, `searchView`,
 * `graphView`, `analyticsView` and `archiveView`.
 */
export interface ViewDef<V = unknown> {
  readonly kind: ViewKind;
  /** Unique view name; also the projector's consumer name. */
  readonly name: string;
  readonly entity: string;
  /** Name of the store (key of `stores` in the config). */
  readonly store: string;
  /** Scope inside the store: cache key prefix, index or table name. */
  readonly scope: string;
  /**
   * Maps a record (its JSON form, as events carry it) to the view's value;
   * `null` keeps the record out of the view (stored as a tombstone).
   */
  project(record: Record<string, unknown>): V | null;
  /**
   * Present on views that keep every change (an archive): maps the whole
   * event to the view's value. Their projectors hand the store every event of
   * a batch, several per key when a key changed more than once, instead of
   * the newest per key.
   */
  projectEvent?(event: ChangeEvent): V;
  /** Creates the index, schema or table the view needs. Idempotent. */
  /**
   * Creates what the view needs in its store (an index, a scope TTL), in
   * `scope` when given (a generation being rebuilt), else in its own scope.
   */
  prepare(store: ViewStoreBase<V>, scope?: string): Promise<void>;
  /** `complete`: every live record must be present. `partial`: absence is not drift (an invalidating cache). */
  readonly completeness: 'complete' | 'partial';
  /**
   * What decides the content the view stores, as JSON: the declared fields,
   * columns or graph schema, whether a projection function is given, and the
   * view's `version`. When it changes, a worker rebuilds the view (see
   * src/sync/rebuild/projection-changes.ts).
   */
  readonly shape: unknown;
  /**
   * Prepares `scope` for content of an earlier declared `shape` (a generation
   * filled before the projection changed, until a rebuild replaces it), where
   * the store checks what it was prepared with (a search index's fields).
   */
  prepareShape?(store: ViewStoreBase<V>, scope: string, shape: unknown): Promise<void>;
}

/** Common options of every view. */
export interface ViewOptions {
  /** Store name from the config's `stores`. */
  readonly store: string;
  /** View name (default: `<entity>_<kind>`). */
  readonly name?: string;
  /**
   * The version of the view's projection (default 1). Raise it when the
   * projection function changes what it stores: a worker then rebuilds the
   * view from the home (key-value and search views beside themselves, with no
   * downtime). Changes of declared fields, columns or graph schema are found
   * without it.
   */
  readonly version?: number;
}

/** The JSON form a projection receives: Dates arrive as ISO strings. */
export type Projected<E> = Jsonified<EntityRecord<E>>;
type Jsonified<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

export function viewName(entity: EntityDef, kind: ViewKind, options: ViewOptions): string {
  return options.name ?? `${entity.name}_${kind}`;
}
