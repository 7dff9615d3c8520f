import type { SearchQuery, SearchStore } from '../contracts/search-store.js';
import { PolystoreError } from '../errors/index.js';
import type { Versioned } from '../model/record-codec.js';
import type { ReplicaSearchAnswer } from '../replicas/replica-protocol.js';
import { timedCall } from '../runtime/operation-meter.js';
import type { SearchViewDef } from '../views/search-view.js';
import { checkLimit, type EntityReads } from './entity-reads.js';
import type { ReadOptions } from './read-options.js';
import {
  awaitConsistency,
  freshEnough,
  type RouterContext,
  remoteStore,
  replicaRead,
  strongUnsupported,
} from './router-context.js';
import type { StoreBreaker } from './store-breaker.js';

export interface SearchHitRecord<T> {
  readonly record: Versioned<T>;
  readonly score: number;
}

export interface EntitySearchResult<T> {
  readonly hits: readonly SearchHitRecord<T>[];
  readonly total: number;
  readonly facets: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /**
   * Present while the search view is being filled from the home (a new view,
   * a backfill after a prune, a requested refill): hits and totals cover only
   * the records it holds so far, `examined` of `total` at the last look.
   */
  readonly backfilling?: { readonly examined: number; readonly total: number };
}

/** A search view of an entity, behind its store's breaker. */
export interface SearchRoute {
  readonly view: SearchViewDef;
  readonly store: SearchStore;
  readonly breaker: StoreBreaker;
}

/**
 * Full-text search of one entity in its search view; hits are hydrated
 * through the entity's reads (cache, else home). The home cannot answer a
 * text query, so a search store that is failing (its breaker open) fails the
 * search at once with `PS_ERR_STORE_UNAVAILABLE` instead of waiting on it.
 */
export class EntitySearch<T> {
  constructor(
    private readonly entityName: string,
    private readonly route: SearchRoute | undefined,
    private readonly reads: EntityReads<T>,
    private readonly cacheView: string | undefined,
    private readonly ctx: RouterContext,
  ) {}

  async search(query: SearchQuery, options?: ReadOptions): Promise<EntitySearchResult<T>> {
    const route = this.route;
    if (!route) {
      throw new PolystoreError('PS_ERR_UNSUPPORTED_READ', `The ${this.entityName} entity has no search view`, {
        fix: `declare searchView(${this.entityName}, {...}) in the model's views`,
      });
    }
    if (options?.consistency === 'strong') throw strongUnsupported('A search');
    if (query?.limit !== undefined) checkLimit(query.limit);
    if (!route.breaker.available) {
      throw new PolystoreError(
        'PS_ERR_STORE_UNAVAILABLE',
        `The search view "${route.view.name}" is unavailable (its store failed repeatedly); the home cannot answer a text search`,
        {
          field: 'search',
          fix: 'retry later (the view catches up when its store returns), or query the home with find()',
        },
      );
    }
    const { result, backfill } = await this.#find(route, query, options);
    const records = await this.reads.getMany(
      result.hits.map((hit) => hit.id),
      options?.consistency === 'read-your-writes' ? { ...options, consistency: 'eventual' } : options,
    );
    const hits: SearchHitRecord<T>[] = [];
    result.hits.forEach((hit, i) => {
      const record = records[i];
      if (record) hits.push({ record, score: hit.score });
    });
    return {
      hits,
      total: result.total,
      facets: result.facets,
      ...(backfill ? { backfilling: { examined: backfill.examined, total: backfill.total } } : {}),
    };
  }

  /**
   * The search view's hits (ids, scores, documents) for `query` once the view
   * is consistent enough: from the store here, or, for an embedded store kept
   * by replicas in other processes, from one of them (which waits for the
   * caller's write itself). What a replica runs for another process's search.
   */
  findHits(query: SearchQuery, options?: ReadOptions): Promise<ReplicaSearchAnswer> {
    const route = this.route;
    if (!route) throw new Error('findHits needs a search view');
    return this.#find(route, query, options);
  }

  async #find(route: SearchRoute, query: SearchQuery, options: ReadOptions | undefined): Promise<ReplicaSearchAnswer> {
    const remote = remoteStore(this.ctx, route.view.store);
    if (remote) {
      // The cache that hydrates the hits is this process's: its read-your-writes wait is here.
      if (this.cacheView) await awaitConsistency(this.ctx, [this.cacheView], options);
      const read = replicaRead(this.ctx, options);
      return timedCall(this.ctx.meter, route.view.store, 'search', () =>
        remote.ask<ReplicaSearchAnswer>(
          route.view.store,
          { op: 'search', entity: this.entityName, query, read },
          read.timeoutMs,
        ),
      );
    }
    const views = [route.view.name, ...(this.cacheView ? [this.cacheView] : [])];
    await awaitConsistency(this.ctx, views, options);
    // The home cannot answer a text search: a view too stale is waited for.
    await freshEnough(this.ctx, [route.view.name], options, false);
    const [result, backfill] = await Promise.all([
      route.breaker.track(() =>
        timedCall(this.ctx.meter, route.view.store, 'search', () => route.store.search(route.view.scope, query)),
      ),
      this.ctx.sync.backfills.unfinishedRecently(route.view.name),
    ]);
    return { result, backfill: backfill ? { examined: backfill.examined, total: backfill.total } : null };
  }
}
