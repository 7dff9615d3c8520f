import type { ChangeOp } from '../contracts/change-event.js';
import type { HomeTransaction, StoredRow } from '../contracts/home-store.js';
import type { KeyValueStore } from '../contracts/key-value-store.js';
import type { SearchQuery, SearchStore } from '../contracts/search-store.js';
import { PolystoreError } from '../errors/index.js';
import type { EntityDef } from '../model/define-entity.js';
import { type Filter, parseFilter } from '../model/parse-filter.js';
import {
  attachVersion,
  fromHomeData,
  reviveRecord,
  toJsonForm,
  type Versioned,
  withVersion,
} from '../model/record-codec.js';
import { checkUnknownFields, validateRecord } from '../model/validate-record.js';
import type { CacheViewDef } from '../views/cache-view.js';
import type { SearchViewDef } from '../views/search-view.js';
import { awaitConsistency, type ReadContext, strongUnsupported } from './read-context.js';
import type { ReadOptions } from './read-options.js';

export interface WriteOptions {
  /** Fail with `PS_ERR_VERSION_CONFLICT` unless the record is still at this version. */
  readonly expectedVersion?: number;
}

export interface FindOptions {
  readonly limit?: number;
  readonly offset?: number;
  /** `{ price: 'asc', 'specs.ram': 'desc' }` */
  readonly orderBy?: Readonly<Record<string, 'asc' | 'desc'>>;
}

export interface SearchHitRecord<T> {
  readonly record: Versioned<T>;
  readonly score: number;
}

export interface EntitySearchResult<T> {
  readonly hits: readonly SearchHitRecord<T>[];
  readonly total: number;
  readonly facets: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** The views that serve an entity's reads. */
export interface EntityViews {
  readonly cache?: { view: CacheViewDef; store: KeyValueStore };
  readonly search?: { view: SearchViewDef; store: SearchStore };
}

const MAX_LIMIT = 10_000;

/** One change a write appends to the outbox. */
interface PendingChange {
  readonly op: ChangeOp;
  readonly key: string;
  readonly version: number;
  readonly record: Record<string, unknown> | null;
}

/**
 * Reads and writes of one entity. Writes go to the home with their outbox
 * event in one transaction; reads go to the store that suits them.
 *
 * @example
 * const users = db.entity('users');
 * const ada = await users.create({ id: 'u1', email: 'ada@example.com', name: 'Ada' });
 * await users.update('u1', { name: 'Ada L.' }, { expectedVersion: ada.$version });
 * const same = await users.get('u1', { consistency: 'read-your-writes' });
 */
export class EntityClient<T> {
  constructor(
    private readonly entity: EntityDef<string, T>,
    private readonly views: EntityViews,
    private readonly ctx: ReadContext & { readonly maxPayloadBytes: number; afterCommit(): void },
  ) {}

  /** Inserts a record; fails with `PS_ERR_ALREADY_EXISTS` if the id is taken. */
  async create(input: T): Promise<Versioned<T>> {
    const [record] = await this.createMany([input]);
    return record!;
  }

  /**
   * Inserts several records in one transaction: all or none. A home with batch
   * writes takes them in one statement for the rows and one for their events.
   */
  async createMany(inputs: readonly T[]): Promise<Versioned<T>[]> {
    const records = await Promise.all(inputs.map((input) => this.#prepareNew(input)));
    const spec = this.entity.table;
    const ids = records.map((record) => record[this.entity.idField] as string);
    const versions = await this.#write(async (tx, _append, appendMany, create) => {
      if (records.length > 1 && tx.insertMany && appendMany) {
        const inserted = await tx.insertMany(
          spec,
          records.map((data, i) => ({ id: ids[i]!, data })),
        );
        await appendMany(records.map((record, i) => ({ op: 'create', key: ids[i]!, version: inserted[i]!, record })));
        return inserted;
      }
      const out: number[] = [];
      for (const [i, record] of records.entries()) out.push(await create(ids[i]!, record));
      return out;
    });
    return records.map((record, i) => withVersion<T>(record, versions[i]!));
  }

  /**
   * Merges `patch` into the record (top-level fields), validates the result and
   * writes it with a new version.
   */
  async update(id: string, patch: Partial<T>, options: WriteOptions = {}): Promise<Versioned<T>> {
    const changes = this.#checkPatch(patch);
    const spec = this.entity.table;
    const result = await this.#write(async (tx, append) => {
      const current = await tx.get(spec, id, { lock: true });
      if (!current) throw this.#notFound(id);
      this.#checkExpected(id, current.version, options.expectedVersion);
      const merged = (await validateRecord(
        this.entity,
        { ...fromHomeData(this.entity, id, current.data), ...changes },
        this.ctx.maxPayloadBytes,
      )) as Record<string, unknown>;
      const version = await tx.update(spec, id, merged, current.version);
      await append('update', id, version, merged);
      return { merged, version };
    });
    return withVersion<T>(result.merged, result.version);
  }

  /** Deletes a record; views drop it when the delete event reaches them. */
  async delete(id: string, options: WriteOptions = {}): Promise<{ id: string; $version: number }> {
    const version = await this.#write(async (tx, append) => {
      const v = await tx.delete(this.entity.table, id, options.expectedVersion);
      await append('delete', id, v, null);
      return v;
    });
    return { id, $version: version };
  }

  /**
   * Reads one record: from the cache view when there is one (filling it on a
   * miss), else from the home. `strong` reads the home only.
   */
  async get(id: string, options?: ReadOptions): Promise<Versioned<T> | null> {
    const cache = this.views.cache;
    if (!cache || options?.consistency === 'strong') return (await this.#fromHome([id], false))[0] ?? null;
    if (options?.consistency !== undefined) await awaitConsistency(this.ctx, [cache.view.name], options);
    // The cache-hit path of getMany for one id, without its arrays: the hottest read.
    const entry = await cache.store.getVersioned<Record<string, unknown>>(cache.view.scope, id);
    if (entry === null) return (await this.#fromHome([id], true))[0] ?? null;
    return entry.value === null ? null : attachVersion<T>(reviveRecord(this.entity, entry.value), entry.version);
  }

  /** Reads several records, in the order of `ids`; missing ids give null. */
  async getMany(ids: readonly string[], options?: ReadOptions): Promise<(Versioned<T> | null)[]> {
    const cache = this.views.cache;
    if (!cache || options?.consistency === 'strong') return this.#fromHome(ids, false);
    await awaitConsistency(this.ctx, [cache.view.name], options);
    const cached = await cache.store.mgetVersioned<Record<string, unknown>>(cache.view.scope, ids);
    const out: (Versioned<T> | null)[] = new Array(ids.length).fill(null);
    const misses: number[] = [];
    cached.forEach((entry, i) => {
      if (entry === null) misses.push(i);
      else if (entry.value !== null) out[i] = attachVersion<T>(reviveRecord(this.entity, entry.value), entry.version);
    });
    if (misses.length > 0) {
      const loaded = await this.#fromHome(
        misses.map((i) => ids[i]!),
        true,
      );
      misses.forEach((index, j) => {
        out[index] = loaded[j] ?? null;
      });
    }
    return out;
  }

  /** Queries the home with a Mongo-style filter (always fresh). */
  async find(filter?: Filter, options: FindOptions = {}): Promise<Versioned<T>[]> {
    const node = parseFilter(this.entity, filter);
    const rows = await this.ctx.home.find(this.entity.table, node, {
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
    });
    return rows.map((row) => this.#fromRow(row));
  }

  /** Counts home records matching a filter. */
  count(filter?: Filter): Promise<number> {
    return this.ctx.home.count(this.entity.table, parseFilter(this.entity, filter));
  }

  /**
   * Full-text search in the entity's search view, with typo tolerance, filters
   * and facets; hits are hydrated through the cache/home.
   */
  async search(query: SearchQuery, options?: ReadOptions): Promise<EntitySearchResult<T>> {
    const search = this.views.search;
    if (!search) {
      throw new PolystoreError('PS_ERR_UNSUPPORTED_READ', `The ${this.entity.name} entity has no search view`, {
        fix: `declare searchView(${this.entity.name}, {...}) in the model's views`,
      });
    }
    if (options?.consistency === 'strong') throw strongUnsupported('A search');
    await awaitConsistency(
      this.ctx,
      [search.view.name, ...(this.views.cache ? [this.views.cache.view.name] : [])],
      options,
    );
    if (query.limit !== undefined) checkLimit(query.limit);
    const result = await search.store.search(search.view.scope, query);
    const records = await this.getMany(
      result.hits.map((hit) => hit.id),
      options?.consistency === 'read-your-writes' ? { ...options, consistency: 'eventual' } : options,
    );
    const hits: SearchHitRecord<T>[] = [];
    result.hits.forEach((hit, i) => {
      const record = records[i];
      if (record) hits.push({ record, score: hit.score });
    });
    return { hits, total: result.total, facets: result.facets };
  }

  async #fromHome(ids: readonly string[], fill: boolean): Promise<(Versioned<T> | null)[]> {
    const rows =
      ids.length === 1
        ? [await this.ctx.home.get(this.entity.table, ids[0]!)].filter((r) => r !== null)
        : await this.ctx.home.getMany(this.entity.table, ids);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const cache = this.views.cache;
    if (fill && cache && rows.length > 0) {
      // Version-guarded: a fill never overwrites a newer version written by the projector.
      const changes = rows.map((row) => ({
        key: row.id,
        version: row.version,
        value: cache.view.project(toJsonForm(fromHomeData(this.entity, row.id, row.data))),
      }));
      await cache.store.applyIfNewer(cache.view.scope, changes);
    }
    return ids.map((id) => {
      const row = byId.get(id);
      return row ? this.#fromRow(row) : null;
    });
  }

  #fromRow(row: StoredRow): Versioned<T> {
    return withVersion<T>(fromHomeData(this.entity, row.id, row.data), row.version);
  }

  async #prepareNew(input: T): Promise<Record<string, unknown>> {
    let candidate = input as unknown;
    const idField = this.entity.idField;
    if (
      this.entity.generateId &&
      typeof candidate === 'object' &&
      candidate !== null &&
      (candidate as Record<string, unknown>)[idField] === undefined
    ) {
      candidate = { ...(candidate as object), [idField]: this.entity.generateId() };
    }
    return (await validateRecord(this.entity, candidate, this.ctx.maxPayloadBytes)) as Record<string, unknown>;
  }

  #checkPatch(patch: Partial<T>): Record<string, unknown> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new PolystoreError('PS_ERR_VALIDATION', `An update of ${this.entity.name} takes an object of fields`, {
        fix: 'pass { field: value }',
      });
    }
    const changes = patch as Record<string, unknown>;
    checkUnknownFields(this.entity, Object.keys(changes));
    if (this.entity.idField in changes) {
      throw new PolystoreError(
        'PS_ERR_VALIDATION',
        `The id field "${this.entity.idField}" of ${this.entity.name} cannot be updated`,
        {
          field: this.entity.idField,
          fix: 'create a new record and delete the old one',
        },
      );
    }
    return changes;
  }

  #checkExpected(id: string, current: number, expected: number | undefined): void {
    if (expected !== undefined && expected !== current) {
      throw new PolystoreError(
        'PS_ERR_VERSION_CONFLICT',
        `${this.entity.name} "${id.slice(0, 128)}" is at version ${current}, not the expected ${expected}`,
        {
          field: 'expectedVersion',
          fix: 'read the record again, reapply the change and retry',
          details: { expectedVersion: expected, currentVersion: current },
        },
      );
    }
  }

  #notFound(id: string): PolystoreError {
    return new PolystoreError('PS_ERR_NOT_FOUND', `No ${this.entity.name} has the id "${id.slice(0, 128)}"`, {
      field: this.entity.idField,
      fix: 'check the id, or create the record first',
    });
  }

  /**
   * Runs `fn` in one home transaction; its outbox appends record the write's
   * token. `appendMany` is undefined when the home has no batch append;
   * `create` inserts a row with its create event (in one call where the home can).
   */
  async #write<R>(
    fn: (
      tx: HomeTransaction,
      append: (op: ChangeOp, id: string, version: number, record: Record<string, unknown> | null) => Promise<void>,
      appendMany: ((changes: readonly PendingChange[]) => Promise<void>) | undefined,
      create: (id: string, record: Record<string, unknown>) => Promise<number>,
    ) => Promise<R>,
  ): Promise<R> {
    let last: string | null = null;
    const entity = this.entity.name;
    const spec = this.entity.table;
    const result = await this.ctx.home.transaction((tx) => {
      const appendOutboxMany = tx.appendOutboxMany?.bind(tx);
      const append = async (op: ChangeOp, key: string, version: number, payload: Record<string, unknown> | null) => {
        last = await tx.appendOutbox({ entity, key, version, op, payload });
      };
      return fn(
        tx,
        append,
        appendOutboxMany &&
          (async (changes) => {
            const events = changes.map((c) => ({
              entity,
              key: c.key,
              version: c.version,
              op: c.op,
              payload: c.record,
            }));
            last = (await appendOutboxMany(events)) ?? last;
          }),
        async (id, record) => {
          if (tx.insertWithEvent) {
            const { version, position } = await tx.insertWithEvent(spec, id, record, record);
            last = position;
            return version;
          }
          const version = await tx.insert(spec, id, record);
          await append('create', id, version, record);
          return version;
        },
      );
    });
    if (last !== null) this.ctx.recordWrite(last);
    this.ctx.afterCommit();
    return result;
  }
}

function checkLimit(limit: number): number {
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
