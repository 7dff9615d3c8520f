import type { KeyValueStore } from '../contracts/key-value-store.js';
import type { SearchStore } from '../contracts/search-store.js';
import { PolystoreError } from '../errors/index.js';
import type { ViewStore } from '../polystore-config.js';
import type { CacheViewDef } from '../views/cache-view.js';
import type { SearchViewDef } from '../views/search-view.js';
import type { ViewDef } from '../views/view-def.js';
import type { EntityViews } from './entity-client.js';
import type { StoreBreaker } from './store-breaker.js';

type DeclaredView = { readonly view: ViewDef<unknown>; readonly store: ViewStore };

/** The views an entity's reads can be served from: its whole-record cache view and its search view, with their breakers. */
export function entityViews(
  views: readonly DeclaredView[],
  breakers: ReadonlyMap<ViewStore, StoreBreaker>,
  entity: string,
): EntityViews {
  const mine = views.filter(({ view }) => view.entity === entity);
  const route = <V, S>(found: DeclaredView | undefined) =>
    found && { view: found.view as V, store: found.store as S, breaker: breakers.get(found.store)! };
  const cache = route<CacheViewDef, KeyValueStore>(
    mine.find(({ view }) => view.kind === 'cache' && (view as CacheViewDef).wholeRecords),
  );
  const search = route<SearchViewDef, SearchStore>(mine.find(({ view }) => view.kind === 'search'));
  return { ...(cache ? { cache } : {}), ...(search ? { search } : {}) };
}

/** The names of the views kept on the store named `store`. */
export function viewNamesOn(views: readonly DeclaredView[], store: string): string[] {
  return views.filter(({ view }) => view.store === store).map(({ view }) => view.name);
}

/** The store named `name`, which must be of `kind` (`PS_ERR_INVALID_CONFIG` otherwise). */
export function storeOfKind(
  stores: Readonly<Record<string, ViewStore>>,
  name: string,
  kind: ViewStore['kind'],
): ViewStore {
  const store = stores[name];
  if (!store || store.kind !== kind) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      store ? `The store "${name}" is a ${store.kind} store, not a ${kind} store` : `No store is named "${name}"`,
      { field: 'stores', fix: `name a ${kind} store from \`stores\`` },
    );
  }
  return store;
}

export function unknownEntity(name: unknown, known: readonly string[]): PolystoreError {
  return new PolystoreError('PS_ERR_UNKNOWN_ENTITY', `No entity is named "${String(name).slice(0, 64)}"`, {
    field: 'entity',
    fix: `use one of ${known.join(', ')}`,
  });
}

export function closedError(): PolystoreError {
  return new PolystoreError('PS_ERR_STORE_CLOSED', 'This Polystore was closed', {
    fix: 'create a new Polystore with createPolystore()',
  });
}

export function unknownKeyspace(name: unknown): PolystoreError {
  return new PolystoreError('PS_ERR_UNKNOWN_ENTITY', `No keyspace is named "${String(name).slice(0, 64)}"`, {
    field: 'keyspace',
    fix: 'declare it in `keyspaces`',
  });
}
