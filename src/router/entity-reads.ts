import type { HomeStore, StoredRow } from '../contracts/home-store.js';
import type { KeyValueStore } from '../contracts/key-value-store.js';
import { PolystoreError } from '../errors/index.js';
import type { EntityDef } from '../model/define-entity.js';
import { type Filter, parseFilter } from '../model/parse-filter.js';
import { attachVersion, jsonFormOfRow, type Versioned, withVersion } from '../model/record-codec.js';
import { timedCall } from '../runtime/operation-meter.js';
import type { CacheViewDef } from '../views/cache-view.js';
import type { ReadOptions } from './read-options.js';
import { checkIdArgument, unstorableId } from './record-ids.js';
import { awaitConsistency, freshEnough, type RouterContext } from './router-context.js';
import { BYPASS, type StoreBreaker } from './store-breaker.js';

export interface FindOptions {
  readonly limit?: number;
  readonly offset?: number;
  /** `{ price: 'asc', 'specs.ram': 'desc' }` */
  readonly orderBy?: Readonly<Record<string, 'asc' | 'desc'>>;
}

/** A cache view that holds whole records, so it can answer `get` (cache-aside), behind its store's breaker. */
export interface CacheRoute {
  readonly view: CacheViewDef;
  readonly store: KeyValueStore;
  readonly breaker: StoreBreaker;
}

export const MAX_LIMIT = 10_000;

type Entry = { value: Record<string, unknown> | null; version: number } | null;

/**
 * Reads of one entity: by id through the cache view when there is one
 * (filling it on a miss, version-guarded), by filter on the home. A cache
 * store that fails, hangs or has its breaker open is gone around: the home
 * answers, which is never older than the cache. Records from every path go
 * through the entity's one decoder, so a version reads the same everywhere.
 */
export class EntityReads<T> {
  constructor(
    private readonly entity: EntityDef<string, T, unknown>,
    private readonly cache: CacheRoute | undefined,
    private readonly ctx: RouterContext,
    private readonly maxIdBytes: number,
  ) {}

  async get(id: string, options?: ReadOptions): Promise<Versioned<T> | null> {
    checkIdArgument(this.entity, id);
    if (unstorableId(id, this.maxIdBytes)) return null;
    const cache = this.cache;
    if (!cache || options?.consistency === 'strong') {
      this.ctx.access.cache(this.entity.name, 0, 1);
      return this.#homeOne(id, false);
    }
    if (!cache.breaker.available) {
      // The home is never older than the cache: it also answers read-your-writes at once.
      cache.breaker.bypass();
      this.ctx.meter.current?.cacheReads(cache.view.name, 0, 1);
      this.ctx.access.cache(this.entity.name, 0, 1);
      return this.#homeOne(id, false);
    }
    if (options?.consistency !== undefined) await awaitConsistency(this.ctx, [cache.view.name], options);
    if (options?.maxStalenessMs !== undefined) {
      if (!(await freshEnough(this.ctx, [cache.view.name], options, true))) {
        this.ctx.access.cache(this.entity.name, 0, 1);
        return this.#homeOne(id, false);
      }
      // Fresh enough: the cache or the home may answer; the one measured faster does.
      return (await this.#cheapest(cache, [id])).get(id) ?? null;
    }
    // The cache-hit path for one id, without getMany's arrays: the hottest read. An embedded
    // store answers synchronously, saving the promise hops of an asynchronous read.
    const peek = cache.store.getVersionedSync;
    const meter = this.ctx.meter.current;
    const started = meter ? performance.now() : 0;
    let entry = peek
      ? cache.breaker.callSync(() => peek.call(cache.store, cache.view.scope, id) as Entry | undefined)
      : undefined;
    if (entry === undefined) {
      entry = await cache.breaker.call(() => cache.store.getVersioned<Record<string, unknown>>(cache.view.scope, id));
    }
    if (meter) {
      meter.storeCall(cache.view.store, 'get', (performance.now() - started) / 1000, entry === BYPASS);
      meter.cacheReads(
        cache.view.name,
        entry === BYPASS || entry === null ? 0 : 1,
        entry === BYPASS || entry === null ? 1 : 0,
      );
    }
    const hit = entry !== BYPASS && entry !== null;
    this.ctx.access.cache(this.entity.name, hit ? 1 : 0, hit ? 0 : 1);
    if (entry === BYPASS) return this.#homeOne(id, false);
    if (entry === null) return this.#homeOne(id, true);
    return this.#fromEntry(entry);
  }

  /** Several records, in the order of `ids`; missing ids give null. */
  async getMany(ids: readonly string[], options?: ReadOptions): Promise<(Versioned<T> | null)[]> {
    if (!Array.isArray(ids)) {
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'getMany takes an array of ids', {
        field: 'ids',
        fix: 'pass an array of strings',
      });
    }
    for (const id of ids) checkIdArgument(this.entity, id);
    const storable = ids.filter((id) => !unstorableId(id, this.maxIdBytes));
    const cache = this.cache;
    let found: Map<string, Versioned<T> | null>;
    if (!cache || options?.consistency === 'strong') {
      this.ctx.access.cache(this.entity.name, 0, storable.length);
      found = await this.#home(storable, false);
    } else if (!cache.breaker.available) {
      cache.breaker.bypass();
      this.ctx.meter.current?.cacheReads(cache.view.name, 0, storable.length);
      this.ctx.access.cache(this.entity.name, 0, storable.length);
      found = await this.#home(storable, false);
    } else {
      await awaitConsistency(this.ctx, [cache.view.name], options);
      if (options?.maxStalenessMs === undefined) {
        found = await this.#cached(cache, storable);
      } else if (await freshEnough(this.ctx, [cache.view.name], options, true)) {
        found = await this.#cheapest(cache, storable);
      } else {
        this.ctx.access.cache(this.entity.name, 0, storable.length);
        found = await this.#home(storable, false);
      }
    }
    return ids.map((id) => found.get(id) ?? null);
  }

  /** Queries the home with a Mongo-style filter (always fresh). */
  async find(filter?: Filter, options: FindOptions = {}): Promise<Versioned<T>[]> {
    const node = parseFilter(this.entity, filter);
    const findOptions = {
      limit: checkLimit(options.limit ?? 100),
      offset: checkOffset(options.offset ?? 0),
      orderBy: Object.entries(options.orderBy ?? {}).map(([key, direction]) => {
        if (direction !== 'asc' && direction !== 'desc') {
          throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `orderBy "${key}" must be 'asc' or 'desc'`, {
            field: 'orderBy',
            fix: "use 'asc' or 'desc'",
          });
        }
        const path = parseFilter(this.entity, { [key]: { $exists: true } });
        return { path: (path as { path: readonly string[] }).path, direction };
      }),
    };
    const rows = await timedCall(this.ctx.meter, 'home', 'find', () =>
      this.ctx.home.find(this.entity.table, node, findOptions),
    );
    return rows.map((row) => this.#fromRow(row));
  }

  /** Counts home records matching a filter. */
  count(filter?: Filter): Promise<number> {
    const node = parseFilter(this.entity, filter);
    return timedCall(this.ctx.meter, 'home', 'count', () => this.ctx.home.count(this.entity.table, node));
  }

  /** A bounded read either store may answer: from the one measured faster (see RouteCosts), timed. */
  async #cheapest(cache: CacheRoute, ids: readonly string[]): Promise<Map<string, Versioned<T> | null>> {
    const route = this.ctx.costs.choose(this.entity.name);
    const started = performance.now();
    let found: Map<string, Versioned<T> | null>;
    if (route === 'home') {
      this.ctx.staleness.count(cache.view.name, 'cheaperHome');
      this.ctx.access.cache(this.entity.name, 0, ids.length);
      found = await this.#home(ids, false);
    } else {
      found = await this.#cached(cache, ids);
    }
    this.ctx.costs.observe(this.entity.name, route, performance.now() - started);
    return found;
  }

  async #cached(cache: CacheRoute, ids: readonly string[]): Promise<Map<string, Versioned<T> | null>> {
    const unique = [...new Set(ids)];
    const entries = await cache.breaker.call(() =>
      timedCall(this.ctx.meter, cache.view.store, 'get_many', () =>
        cache.store.mgetVersioned<Record<string, unknown>>(cache.view.scope, unique),
      ),
    );
    if (entries === BYPASS) {
      this.ctx.meter.current?.cacheReads(cache.view.name, 0, unique.length);
      this.ctx.access.cache(this.entity.name, 0, unique.length);
      return this.#home(unique, false);
    }
    const out = new Map<string, Versioned<T> | null>();
    const misses: string[] = [];
    entries.forEach((entry, i) => {
      if (entry === null) misses.push(unique[i]!);
      else out.set(unique[i]!, this.#fromEntry(entry));
    });
    this.ctx.meter.current?.cacheReads(cache.view.name, unique.length - misses.length, misses.length);
    this.ctx.access.cache(this.entity.name, unique.length - misses.length, misses.length);
    if (misses.length > 0) for (const [id, record] of await this.#home(misses, true)) out.set(id, record);
    return out;
  }

  async #homeOne(id: string, fill: boolean): Promise<Versioned<T> | null> {
    return (await this.#home([id], fill)).get(id) ?? null;
  }

  async #home(ids: readonly string[], fill: boolean): Promise<Map<string, Versioned<T> | null>> {
    const home: HomeStore = this.ctx.home;
    const rows =
      ids.length === 1
        ? [await timedCall(this.ctx.meter, 'home', 'get', () => home.get(this.entity.table, ids[0]!))].filter(
            (row) => row !== null,
          )
        : await timedCall(this.ctx.meter, 'home', 'get_many', () => home.getMany(this.entity.table, ids));
    const cache = this.cache;
    if (fill && cache && rows.length > 0) {
      // Version-guarded: a fill never overwrites a newer version the projector wrote. A
      // failing cache only loses the fill, never the read.
      const changes = rows.map((row) => ({
        key: row.id,
        version: row.version,
        value: cache.view.project(jsonFormOfRow(this.entity, row)),
      }));
      await cache.breaker.call(() =>
        timedCall(this.ctx.meter, cache.view.store, 'fill', () => cache.store.applyIfNewer(cache.view.scope, changes)),
      );
    }
    const out = new Map<string, Versioned<T> | null>();
    for (const row of rows) out.set(row.id, this.#fromRow(row));
    return out;
  }

  #fromEntry(entry: NonNullable<Entry>): Versioned<T> | null {
    // The store decoded this value for this read alone: attach the version without a copy.
    return entry.value === null ? null : attachVersion<T>(this.entity.codec.fromJson(entry.value), entry.version);
  }

  #fromRow(row: StoredRow): Versioned<T> {
    return withVersion<T>(this.entity.codec.fromHome(row.id, row.data), row.version);
  }
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `limit must be an integer from 1 to ${MAX_LIMIT}`, {
      field: 'limit',
      fix: 'page with offset',
    });
  }
  return limit;
}

function checkOffset(offset: number): number {
  if (!Number.isInteger(offset) || offset < 0) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'offset must be a non-negative integer', {
      field: 'offset',
      fix: 'use 0 or more',
    });
  }
  return offset;
}
