import type { AnalyticsStore } from '../contracts/analytics-store.js';
import type { GraphStore } from '../contracts/graph-store.js';
import type { KeyValueStore } from '../contracts/key-value-store.js';
import type { SearchStore } from '../contracts/search-store.js';
import { PolystoreError } from '../errors/index.js';
import type { KeyspaceDef } from '../model/define-keyspace.js';
import type { ViewStore } from '../polystore-config.js';
import type { CacheViewDef } from '../views/cache-view.js';
import type { SearchViewDef } from '../views/search-view.js';
import type { ViewDef } from '../views/view-def.js';
import type { EntityViews } from './entity-client.js';
import { KeyspaceClient } from './keyspace-client.js';
import type { RouterContext } from './router-context.js';
import type { StoreBreaker } from './store-breaker.js';
import { AnalyticsClient, GraphClient } from './view-query-client.js';

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

interface QueryModel {
  readonly stores: Readonly<Record<string, ViewStore>>;
  readonly views: readonly DeclaredView[];
}

/** The client of the keyspace named `name` (`PS_ERR_UNKNOWN_ENTITY` when none is declared). */
export function keyspaceClient<T>(
  model: QueryModel & { readonly keyspaces: readonly KeyspaceDef[] },
  name: string,
  maxPayloadBytes: number,
): KeyspaceClient<T> {
  const def = model.keyspaces.find((k) => k.name === name);
  if (!def) throw unknownKeyspace(name);
  return new KeyspaceClient(def as KeyspaceDef<string, T>, model.stores[def.store] as KeyValueStore, maxPayloadBytes);
}

/** Cypher reads on the graph store named `store`, waiting (read-your-writes) for its views. */
export function graphClient(model: QueryModel, store: string, ctx: RouterContext): GraphClient {
  return new GraphClient(
    store,
    storeOfKind(model.stores, store, 'graph') as GraphStore,
    viewNamesOn(model.views, store),
    ctx,
  );
}

/** SQL reads on the analytics store named `store`, waiting (read-your-writes) for its views. */
export function analyticsClient(model: QueryModel, store: string, ctx: RouterContext): AnalyticsClient {
  const analytics = storeOfKind(model.stores, store, 'analytics') as AnalyticsStore;
  return new AnalyticsClient(store, analytics, viewNamesOn(model.views, store), ctx);
}
