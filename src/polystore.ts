import { checkConsistency, type ViewDrift } from './checker/consistency-checker.js';
import type { AnalyticsStore } from './contracts/analytics-store.js';
import type { EventLog } from './contracts/event-log.js';
import type { GraphStore } from './contracts/graph-store.js';
import type { HomeStore } from './contracts/home-store.js';
import type { KeyValueStore } from './contracts/key-value-store.js';
import type { LogPosition } from './contracts/log-position.js';
import type { SearchStore } from './contracts/search-store.js';
import type { ViewStoreBase } from './contracts/view-store.js';
import { PolystoreError } from './errors/index.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type EntityDef } from './model/define-entity.js';
import type { KeyspaceDef } from './model/define-keyspace.js';
import { EntityClient, type EntityViews } from './router/entity-client.js';
import { KeyspaceClient } from './router/keyspace-client.js';
import type { ReadContext } from './router/read-context.js';
import { AnalyticsClient, GraphClient } from './router/view-query-client.js';
import { type Logger, stderrLogger } from './runtime/logger.js';
import { outboxEventLog } from './sync/outbox-event-log.js';
import { SyncEngine, type SyncOptions } from './sync/sync-engine.js';
import type { CacheViewDef } from './views/cache-view.js';
import type { SearchViewDef } from './views/search-view.js';
import type { ViewDef } from './views/view-def.js';

export type ViewStore = KeyValueStore | SearchStore | GraphStore | AnalyticsStore;

// biome-ignore lint/suspicious/noExplicitAny: entity record types vary per entity; inference recovers each one
type AnyEntity = EntityDef<string, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above, for keyspaces
type AnyKeyspace = KeyspaceDef<string, any>;

export interface PolystoreConfig<E extends AnyEntity, K extends AnyKeyspace> {
  /** The system of record. */
  readonly home: HomeStore;
  /** View stores by name; views and keyspaces refer to these names. */
  readonly stores?: Readonly<Record<string, ViewStore>>;
  readonly entities: readonly E[];
  readonly keyspaces?: readonly K[];
  readonly views?: readonly ViewDef<unknown>[];
  /** The event log between home and projectors (default: the home's outbox). */
  readonly log?: EventLog;
  /** `autoStart` (default true) runs the projectors in this process after `ready()`. */
  readonly sync?: SyncOptions & { readonly autoStart?: boolean };
  /** Largest record in bytes (default 1 MiB). */
  readonly maxPayloadBytes?: number;
  /** Default read-your-writes timeout in ms (default 5000). */
  readonly readTimeoutMs?: number;
  readonly logger?: Logger;
}

type RecordOf<E> = E extends EntityDef<string, infer T> ? T : never;
type ValueOf<K> = K extends KeyspaceDef<string, infer T> ? T : never;
type EntityNamed<E extends AnyEntity, N> = Extract<E, { name: N }>;
type KeyspaceNamed<K extends AnyKeyspace, N> = Extract<K, { name: N }>;

/**
 * Creates a Polystore instance. Nothing is opened until `ready()`.
 *
 * @example
 * const db = createPolystore({
 *   home: pgliteHome({ dataDir: './.polystore/home' }),
 *   stores: { cache: lmdbStore({ path: './.polystore/cache' }), search: oramaStore({ path: './.polystore/search' }) },
 *   entities: [users, products],
 *   views: [cacheView(products, { store: 'cache' }), searchView(products, { store: 'search', fields, searchable: ['name'] })],
 * });
 * await db.ready();
 * await db.entity('products').create({ id: 'p1', name: 'Laptop', price: 999 });
 */
export function createPolystore<E extends AnyEntity, K extends AnyKeyspace = never>(
  config: PolystoreConfig<E, K>,
): Polystore<E, K> {
  return new Polystore(config);
}

export class Polystore<E extends AnyEntity, K extends AnyKeyspace = never> {
  /** The sync engine: start/stop projectors, catch up, stats, dead letters. */
  readonly sync: SyncEngine;
  readonly #config: PolystoreConfig<E, K>;
  readonly #entities = new Map<string, AnyEntity>();
  readonly #views: { view: ViewDef<unknown>; store: ViewStore }[] = [];
  readonly #clients = new Map<string, unknown>();
  readonly #ctx: ReadContext & { maxPayloadBytes: number; afterCommit(): void };
  #lastWrite: LogPosition | null = null;
  #ready: Promise<void> | undefined;

  constructor(config: PolystoreConfig<E, K>) {
    this.#config = config;
    for (const entity of config.entities) {
      if (this.#entities.has(entity.name))
        throw invalid(`The entity "${entity.name}" is declared twice`, 'entities', 'give each entity a unique name');
      this.#entities.set(entity.name, entity);
    }
    const names = new Set<string>();
    for (const view of config.views ?? []) {
      if (names.has(view.name))
        throw invalid(`The view "${view.name}" is declared twice`, 'views', 'give each view a unique `name`');
      names.add(view.name);
      if (!this.#entities.has(view.entity))
        throw invalid(
          `The view "${view.name}" reads the undeclared entity "${view.entity}"`,
          'views',
          'add the entity to `entities`',
        );
      this.#views.push({
        view,
        store: this.#store(view.store, view.kind === 'cache' ? 'key-value' : view.kind, `view "${view.name}"`),
      });
    }
    for (const keyspace of config.keyspaces ?? [])
      this.#store(keyspace.store, 'key-value', `keyspace "${keyspace.name}"`);
    const logger = config.logger ?? stderrLogger;
    this.sync = new SyncEngine(
      config.home,
      config.log ?? outboxEventLog(config.home),
      this.#views.map(({ view, store }) => ({
        view,
        store: store as ViewStoreBase<unknown>,
        entity: this.#entities.get(view.entity)!,
      })),
      config.sync ?? {},
      logger,
    );
    this.#ctx = {
      home: config.home,
      sync: this.sync,
      readTimeoutMs: config.readTimeoutMs ?? 5000,
      maxPayloadBytes: config.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
      lastWrite: () => this.#lastWrite,
      recordWrite: (position) => {
        if (this.#lastWrite === null || position > this.#lastWrite) this.#lastWrite = position;
      },
      afterCommit: () => this.sync.notify(this.#lastWrite ?? undefined),
    };
  }

  /**
   * Opens every store, creates tables, indexes and views, then starts sync
   * (unless the config says `autoStart: false` or the call says `sync: false`,
   * as inspection tools do).
   */
  ready(options: { sync?: boolean } = {}): Promise<void> {
    this.#ready ??= (async () => {
      const { home, stores = {} } = this.#config;
      await home.ready();
      await home.ensureSchema([...this.#entities.values()].map((e) => e.table));
      await Promise.all(Object.values(stores).map((store) => store.ready()));
      for (const { view, store } of this.#views) await view.prepare(store as ViewStoreBase<unknown>);
      if ((options.sync ?? this.#config.sync?.autoStart) !== false) await this.sync.start();
    })().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /** Stops sync (checkpoints saved) and closes every store. */
  async close(): Promise<void> {
    await this.sync.stop();
    const stores = Object.values(this.#config.stores ?? {});
    await Promise.all(stores.map((store) => store.close()));
    // A broker log opened its own connection; the outbox log has nothing to close.
    await (this.#config.log as { close?: () => Promise<void> } | undefined)?.close?.();
    await this.#config.home.close();
  }

  /** The typed client of one entity. */
  entity<N extends E['name']>(name: N): EntityClient<RecordOf<EntityNamed<E, N>>> {
    return this.#client(`entity:${name}`, () => {
      const entity = this.#entities.get(name);
      if (!entity)
        throw new PolystoreError('PS_ERR_UNKNOWN_ENTITY', `No entity is named "${String(name).slice(0, 64)}"`, {
          field: 'entity',
          fix: `use one of ${[...this.#entities.keys()].join(', ')}`,
        });
      return new EntityClient(entity, this.#entityViews(name), this.#ctx);
    });
  }

  /** The typed client of one keyspace (KV-only data with a TTL). */
  keyspace<N extends K['name']>(name: N): KeyspaceClient<ValueOf<KeyspaceNamed<K, N>>> {
    return this.#client(`keyspace:${name}`, () => {
      const def = (this.#config.keyspaces ?? []).find((k) => k.name === name);
      if (!def)
        throw new PolystoreError('PS_ERR_UNKNOWN_ENTITY', `No keyspace is named "${String(name).slice(0, 64)}"`, {
          field: 'keyspace',
          fix: 'declare it in `keyspaces`',
        });
      return new KeyspaceClient(
        def,
        this.#store(def.store, 'key-value', `keyspace "${name}"`) as KeyValueStore,
        this.#ctx.maxPayloadBytes,
      );
    });
  }

  /** Cypher reads on a graph store (read-your-writes waits for its graph views). */
  graph(store: string): GraphClient {
    return this.#client(
      `graph:${store}`,
      () => new GraphClient(this.#store(store, 'graph', 'graph()') as GraphStore, this.#viewsOn(store), this.#ctx),
    );
  }

  /** SQL aggregates on an analytics store (read-your-writes waits for its views). */
  analytics(store: string): AnalyticsClient {
    return this.#client(
      `analytics:${store}`,
      () =>
        new AnalyticsClient(
          this.#store(store, 'analytics', 'analytics()') as AnalyticsStore,
          this.#viewsOn(store),
          this.#ctx,
        ),
    );
  }

  /** The token of this client's newest committed write (for read-your-writes across clients). */
  get lastWrite(): LogPosition | null {
    return this.#lastWrite;
  }

  /** Declared views with their stores. */
  get views(): readonly { view: ViewDef<unknown>; store: ViewStore }[] {
    return this.#views;
  }

  /**
   * Compares every view (or the named ones) with the home id by id and version
   * by version; `repair: true` writes the home's state of each drifted id.
   */
  check(options: { views?: readonly string[]; repair?: boolean } = {}): Promise<ViewDrift[]> {
    const targets = this.#views
      .filter(({ view }) => !options.views || options.views.includes(view.name))
      .map(({ view, store }) => ({
        view,
        store: store as ViewStoreBase<unknown>,
        entity: this.#entities.get(view.entity)!,
      }));
    return checkConsistency(this.#config.home, targets, options);
  }

  #entityViews(entity: string): EntityViews {
    const mine = this.#views.filter(({ view }) => view.entity === entity);
    const cache = mine.find(({ view }) => view.kind === 'cache');
    const search = mine.find(({ view }) => view.kind === 'search');
    return {
      ...(cache ? { cache: { view: cache.view as CacheViewDef, store: cache.store as KeyValueStore } } : {}),
      ...(search ? { search: { view: search.view as SearchViewDef, store: search.store as SearchStore } } : {}),
    };
  }

  #viewsOn(store: string): string[] {
    return this.#views.filter(({ view }) => view.store === store).map(({ view }) => view.name);
  }

  #store(name: string, kind: ViewStore['kind'], user: string): ViewStore {
    const store = this.#config.stores?.[name];
    if (!store)
      throw invalid(
        `The ${user} uses the store "${name}", which is not in \`stores\``,
        'stores',
        `add a ${kind} store named "${name}"`,
      );
    if (store.kind !== kind)
      throw invalid(
        `The ${user} needs a ${kind} store, but "${name}" is a ${store.kind} store`,
        'stores',
        `point it at a ${kind} store`,
      );
    return store;
  }

  #client<C>(key: string, make: () => C): C {
    let client = this.#clients.get(key) as C | undefined;
    if (!client) {
      client = make();
      this.#clients.set(key, client);
    }
    return client;
  }
}

function invalid(message: string, field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
}
