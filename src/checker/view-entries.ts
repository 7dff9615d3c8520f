import type { KeyValueStore } from '../contracts/key-value-store.js';
import type { VersionEntry, ViewStoreBase } from '../contracts/view-store.js';
import { PolystoreError } from '../errors/index.js';
import type { EntityDef } from '../model/define-entity.js';
import type { ViewDef } from '../views/view-def.js';

/** A view store as the checker sees it: the common view operations and its kind. */
export type CheckedStore = ViewStoreBase<unknown> & { readonly kind: string };

/** A view under check, with its store and its entity. */
export interface CheckedView {
  readonly view: ViewDef<unknown>;
  readonly store: CheckedStore;
  readonly entity: EntityDef;
}

/** Keys per read of a key-value store. */
const KEYS_PER_READ = 500;

/** True for a store that reads an entry back by key (`mgetVersioned`): a key-value store. */
export function readsByKey(store: CheckedStore): store is KeyValueStore {
  return store.kind === 'key-value';
}

/**
 * The entries `store` holds for `keys` in `scope` (absent keys left out). A
 * key-value store reads just those keys; any other store lists the whole
 * scope, which is the checker's one read that grows with the view.
 */
export async function entriesOf(
  store: CheckedStore,
  scope: string,
  keys: readonly string[],
): Promise<Map<string, VersionEntry>> {
  const out = new Map<string, VersionEntry>();
  if (keys.length === 0) return out;
  if (readsByKey(store)) {
    for (const [key, entry] of await valuesOf(store, scope, keys))
      out.set(key, { key, version: entry.version, deleted: entry.value === null });
    return out;
  }
  const wanted = new Set(keys);
  for (const entry of await listedEntries(store, scope)) if (wanted.has(entry.key)) out.set(entry.key, entry);
  return out;
}

/**
 * Every entry `store` holds in `scope`. Only a key-value store may lack the
 * listing (it is read back by key instead); any other store without it is
 * refused.
 */
export function listedEntries(store: CheckedStore, scope: string): Promise<VersionEntry[]> {
  if (store.listVersions) return store.listVersions(scope);
  throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The ${store.driver} ${store.kind} store cannot list its keys`, {
    fix: 'use a store that lists its keys (listVersions) for this view',
  });
}

/** The values and versions a key-value store holds for `keys` in `scope` (absent keys left out; null: a tombstone). */
export async function valuesOf(
  store: KeyValueStore,
  scope: string,
  keys: readonly string[],
): Promise<Map<string, { value: unknown; version: number }>> {
  const out = new Map<string, { value: unknown; version: number }>();
  for (let i = 0; i < keys.length; i += KEYS_PER_READ) {
    const chunk = keys.slice(i, i + KEYS_PER_READ);
    const found = await store.mgetVersioned(scope, chunk);
    chunk.forEach((key, j) => {
      const entry = found[j];
      if (entry) out.set(key, entry);
    });
  }
  return out;
}
