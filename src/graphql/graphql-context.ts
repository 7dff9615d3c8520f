import type { GraphParam } from '../contracts/graph-store.js';
import { PolystoreError } from '../errors/index.js';
import type { AnyPolystore } from '../http/http-context.js';
import type { Versioned } from '../model/record-codec.js';
import type { ReadOptions } from '../router/read-options.js';
import { RequestBatcher } from './request-batcher.js';

type Row = Versioned<Record<string, unknown>>;

/**
 * What one GraphQL request's resolvers share: its batchers (so sibling
 * fields of a level load together, each id once), the read options each
 * returned record was read with (nested fields read as their root field
 * asked), and the access check of the caller.
 */
export class GraphqlRequestContext {
  readonly #batchers = new Map<string, RequestBatcher<string, unknown>>();
  readonly #options = new WeakMap<object, ReadOptions>();

  /** `authorize(scope)` throws a coded error unless the caller holds `scope`. */
  constructor(
    readonly db: AnyPolystore,
    readonly authorize: (scope: string) => void,
  ) {}

  /** Records of `entity` by id, through its cache: one `getMany` per level and read options. */
  byId(entity: string, options: ReadOptions): RequestBatcher<string, Row | null> {
    return this.#batcher(`id\0${entity}\0${JSON.stringify(options)}`, async (ids) => {
      const rows = (await this.db.entity(entity).getMany(ids, options)) as (Row | null)[];
      return this.tag(rows, options);
    });
  }

  /** Records of `entity` whose `foreignKey` holds each key: one home `find` with `$in` per level. */
  byForeignKey(entity: string, foreignKey: string, options: ReadOptions): RequestBatcher<string, Row[]> {
    return this.#batcher(`fk\0${entity}\0${foreignKey}\0${JSON.stringify(options)}`, async (keys) => {
      const rows: Row[] = [];
      // A home filter's $in takes at most MAX_IN values: more parents take more finds.
      for (let at = 0; at < keys.length; at += MAX_IN) {
        const chunk = keys.slice(at, at + MAX_IN);
        const found = (await this.db
          .entity(entity)
          .find({ [foreignKey]: { $in: chunk } }, { limit: MAX_RELATED + 1 })) as Row[];
        if (found.length > MAX_RELATED) throw tooMany(`${entity}.${foreignKey}`, MAX_RELATED);
        rows.push(...found);
      }
      const groups = new Map<string, Row[]>(keys.map((key) => [key, []]));
      for (const row of this.tag(rows, options)) groups.get(String(row[foreignKey]))?.push(row);
      return keys.map((key) => groups.get(key)!);
    });
  }

  /** Rows of a batched Cypher query for each parent id: one query per level, grouped by its `key` column. */
  byGraph(
    field: string,
    store: string,
    cypher: string,
    params: Readonly<Record<string, GraphParam>>,
    idsParam: string,
    options: ReadOptions,
  ): RequestBatcher<string, Record<string, unknown>[]> {
    return this.#batcher(`graph\0${field}\0${JSON.stringify(options)}`, async (keys) => {
      const rows = await this.db.graph(store).query(cypher, { ...params, [idsParam]: [...keys] }, options);
      const groups = new Map<string, Record<string, unknown>[]>(keys.map((key) => [key, []]));
      for (const row of rows) groups.get(String(row.key))?.push(row);
      return keys.map((key) => groups.get(key)!);
    });
  }

  /** Remembers the read options `rows` were read with, for the fields under them. */
  tag<R extends object | null>(rows: R[], options: ReadOptions): R[] {
    for (const row of rows) if (row) this.#options.set(row, options);
    return rows;
  }

  /** The read options a record was read with (eventual for one that came from elsewhere). */
  optionsOf(row: object): ReadOptions {
    return this.#options.get(row) ?? {};
  }

  #batcher<V>(key: string, load: (keys: readonly string[]) => Promise<readonly V[]>): RequestBatcher<string, V> {
    let batcher = this.#batchers.get(key) as RequestBatcher<string, V> | undefined;
    if (!batcher) {
      batcher = new RequestBatcher(load);
      this.#batchers.set(key, batcher as RequestBatcher<string, unknown>);
    }
    return batcher;
  }
}

/** Most related records one batched relation load reads from the home (one below the home's `find` limit, to tell more from exactly). */
export const MAX_RELATED = 9_999;

/** Most values of one `$in` in a home filter, so most targets a `related` filter may match. */
export const MAX_IN = 1000;

/** A relation load or relation filter that would need more records than one home `find` reads. */
export function tooMany(field: string, most: number): PolystoreError {
  return new PolystoreError('PS_ERR_GRAPHQL_TOO_MANY', `More than ${most} related records match`, {
    field,
    fix: 'narrow the query (a filter, a smaller page of parents), or read this relation with its own paged query',
  });
}
