import type { KeyValueStore } from '../contracts/key-value-store.js';
import type { ViewStoreBase } from '../contracts/view-store.js';
import type { EntityDef } from '../model/define-entity.js';
import { assertIdentifier } from '../runtime/identifier.js';
import { type Projected, type ViewDef, type ViewOptions, viewName } from './view-def.js';

export interface CacheViewOptions<E> extends ViewOptions {
  /** How long an entry lives; unset keeps entries until they change. */
  readonly ttlMs?: number;
  /** Key prefix in the store (default: the view name). */
  readonly prefix?: string;
  /** What to cache (default: the whole record). */
  readonly select?: (record: Projected<E>) => Record<string, unknown>;
}

/** A cache view of whole records also serves `get(id)` reads (cache-aside). */
export interface CacheViewDef extends ViewDef<unknown> {
  readonly kind: 'cache';
  readonly ttlMs: number | undefined;
  /** True when it caches whole records (no `select`), so `get` can answer from it. */
  readonly wholeRecords: boolean;
}

/**
 * Caches an entity's records (write-through, version-guarded) in a key-value store, kept fresh by its projector.
 *
 * @example
 * cacheView(products, { store: 'cache', ttlMs: 60 * 60 * 1000 })
 */
export function cacheView<E extends EntityDef>(entity: E, options: CacheViewOptions<E>): CacheViewDef {
  const name = viewName(entity, 'cache', options);
  const select = options.select as ((record: Record<string, unknown>) => Record<string, unknown>) | undefined;
  return {
    kind: 'cache',
    name: assertIdentifier(name, 'view name'),
    entity: entity.name,
    store: options.store,
    scope: assertIdentifier(options.prefix ?? name, 'cache prefix'),
    ttlMs: options.ttlMs,
    wholeRecords: select === undefined,
    // Entries of a TTL cache expire on their own: absence is not drift, only stale or extra entries are.
    completeness: options.ttlMs === undefined ? 'complete' : 'partial',
    shape: { version: options.version ?? 1, select: select !== undefined },
    // Write-through: every change stores the new record; a delete leaves a
    // tombstone so an older cache fill cannot bring the record back.
    project: (record) => (select ? select(record) : record),
    prepare: async (store: ViewStoreBase<unknown>, scope?: string) => {
      (store as KeyValueStore).setScopeTtl(
        scope ?? assertIdentifier(options.prefix ?? name, 'cache prefix'),
        options.ttlMs,
      );
    },
  };
}
