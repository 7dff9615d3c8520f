import type { SearchQuery } from '../contracts/search-store.js';
import { isPolystoreError } from '../errors/index.js';
import type { Filter } from '../model/parse-filter.js';
import type { Versioned, Written } from '../model/record-codec.js';
import { countFailure, timedCall } from '../runtime/operation-meter.js';
import { backoffDelay, type RetryPolicy } from '../runtime/retry-policy.js';
import { filterFieldsOf, type ReadIntent } from './access-stats.js';
import { type CacheRoute, EntityReads, type FindOptions } from './entity-reads.js';
import { EntitySearch, type EntitySearchResult, type SearchRoute } from './entity-search.js';
import type { Deleted, EntityWriter, WriteOptions } from './entity-writes.js';
import type { ReadOptions } from './read-options.js';
import type { RouterContext } from './router-context.js';
import { WriteScope } from './write-scope.js';

export type { FindOptions } from './entity-reads.js';
export type { EntitySearchResult, SearchHitRecord } from './entity-search.js';
export type { Deleted, WriteOptions } from './entity-writes.js';

/**
 * A single-entity write is its own transaction and holds no caller code, so a
 * transaction the home aborted for conflicting with a concurrent one (a
 * deadlock victim) is run again from the start, a few times, before
 * `PS_ERR_TRANSACTION_CONFLICT` reaches the caller.
 */
const CONFLICT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 4, maxDelayMs: 100 };

/** The views that serve an entity's reads. */
export interface EntityViews {
  readonly cache?: CacheRoute;
  readonly search?: SearchRoute;
}

/**
 * Reads and writes of one entity. Each write goes to the home with its outbox
 * event in one transaction and returns its version and write token
 * (`$token`); reads go to the store that suits them (see `EntityReads`,
 * `EntitySearch`). For several entities in one transaction use `db.transaction`.
 *
 * @example
 * const users = db.entity('users');
 * const ada = await users.create({ id: 'u1', email: 'ada@example.com', name: 'Ada' });
 * await users.update('u1', { name: 'Ada L.' }, { expectedVersion: ada.$version });
 * const same = await users.get('u1', { consistency: 'read-your-writes' });
 * // In another process: await users.get('u1', { consistency: 'read-your-writes', after: ada.$token });
 */
/** One get in this many is timed for the access statistics (see `#read`). */
const GET_TIMING_EVERY = 16;

export class EntityClient<T, In = T> {
  readonly #reads: EntityReads<T>;
  readonly #search: EntitySearch<T>;
  /** Gets so far: one in `GET_TIMING_EVERY` is timed. */
  #gets = 0;

  constructor(
    private readonly writer: EntityWriter<T, In>,
    views: EntityViews,
    private readonly ctx: RouterContext,
  ) {
    this.#reads = new EntityReads<T>(writer.entity, views.cache, ctx, writer.limits.maxIdBytes);
    this.#search = new EntitySearch(writer.entity.name, views.search, this.#reads, views.cache?.view.name, ctx);
  }

  /** Inserts a record; fails with `PS_ERR_ALREADY_EXISTS` if the id is taken. */
  async create(input: In): Promise<Written<T>> {
    const [record] = await this.createMany([input]);
    return record!;
  }

  /**
   * Inserts several records in one transaction: all or none. A home with batch
   * writes takes them in one statement for the rows and one for their events.
   */
  createMany(inputs: readonly In[]): Promise<Written<T>[]> {
    return countFailure(
      this.ctx.meter,
      (async () => {
        const records = await Promise.all(inputs.map((input) => this.writer.prepare(input)));
        if (records.length === 0) return [];
        return this.#write((scope) => this.writer.insert(scope, records));
      })(),
    );
  }

  /**
   * Merges `patch` into the record (top-level fields), validates the result and
   * writes it with a new version.
   */
  update(id: string, patch: Partial<In>, options: WriteOptions = {}): Promise<Written<T>> {
    return countFailure(
      this.ctx.meter,
      this.#write((scope) => this.writer.update(scope, id, patch, options)),
    );
  }

  /** Deletes a record; views drop it when the delete event reaches them. */
  delete(id: string, options: WriteOptions = {}): Promise<Deleted> {
    return countFailure(
      this.ctx.meter,
      this.#write((scope) => this.writer.delete(scope, id, options)),
    );
  }

  /**
   * Reads one record: from the cache view when there is one (filling it on a
   * miss), else from the home. `strong` reads the home only. A failing cache
   * store is gone around: the home answers.
   */
  get(id: string, options?: ReadOptions): Promise<Versioned<T> | null> {
    return this.#read('get', () => this.#reads.get(id, options), { keys: [id] });
  }

  /** Reads several records, in the order of `ids`; missing ids give null. */
  getMany(ids: readonly string[], options?: ReadOptions): Promise<(Versioned<T> | null)[]> {
    return this.#read('get', () => this.#reads.getMany(ids, options), { keys: Array.isArray(ids) ? ids : [] });
  }

  /** Queries the home with a Mongo-style filter (always fresh). */
  find(filter?: Filter, options: FindOptions = {}): Promise<Versioned<T>[]> {
    return this.#read('find', () => this.#reads.find(filter, options), { fields: filterFieldsOf(filter) });
  }

  /** Counts home records matching a filter. */
  count(filter?: Filter): Promise<number> {
    return this.#read('count', () => this.#reads.count(filter), { fields: filterFieldsOf(filter) });
  }

  /**
   * Counts a read in the entity's access statistics (for placement advice).
   * Gets, the hot path, are timed one in `GET_TIMING_EVERY`: the counts stay
   * exact, the mean latency is a sample's, and the others skip the extra
   * promise a timing needs.
   */
  #read<R>(
    intent: ReadIntent,
    start: () => Promise<R>,
    detail: { keys?: readonly string[]; fields?: readonly string[] },
  ): Promise<R> {
    const entity = this.writer.entity.name;
    this.ctx.access.read(entity, intent, detail);
    if (intent === 'get' && ++this.#gets % GET_TIMING_EVERY !== 0) return countFailure(this.ctx.meter, start());
    const started = performance.now();
    return countFailure(this.ctx.meter, start()).then((result) => {
      this.ctx.access.latency(entity, intent, performance.now() - started);
      return result;
    });
  }

  /**
   * Full-text search in the entity's search view, with typo tolerance, filters
   * and facets; hits are hydrated through the cache/home. Fails fast with
   * `PS_ERR_STORE_UNAVAILABLE` while the search store is failing.
   */
  search(query: SearchQuery, options?: ReadOptions): Promise<EntitySearchResult<T>> {
    return this.#read('search', () => this.#search.search(query, options), {});
  }

  async #write<R>(fn: (scope: WriteScope) => Promise<R>): Promise<R> {
    let token = null;
    let result: R;
    for (let attempt = 1; ; attempt++) {
      try {
        result = await timedCall(this.ctx.meter, 'home', 'write', () =>
          this.ctx.home.transaction(async (tx) => {
            const scope = new WriteScope(tx);
            const out = await fn(scope);
            token = scope.token;
            return out;
          }),
        );
        break;
      } catch (err) {
        if (!isPolystoreError(err, 'PS_ERR_TRANSACTION_CONFLICT') || attempt >= CONFLICT_RETRY.maxAttempts) throw err;
        token = null;
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(CONFLICT_RETRY, attempt)));
      }
    }
    if (token !== null) this.ctx.recordWrite(token);
    this.ctx.afterCommit();
    this.ctx.access.write(this.writer.entity.name, Array.isArray(result) ? result.length : 1);
    return result;
  }
}
