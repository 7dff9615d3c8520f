import type { SearchStore } from '../../contracts/search-store.js';
import type { PostgresPoolOptions, PostgresUrlOptions } from '../postgres/postgres-options.js';
import { resolvePostgresOptions } from '../postgres/postgres-options.js';
import { PostgresSearchStore } from './postgres-search-store.js';

/**
 * A server URL (default: `POLYSTORE_POSTGRES_URL`) or a `pg.Pool` you own, as
 * for the postgres home; `schema` holds the store's tables (default
 * `polystore_search`), created by the first `ensureIndex`.
 */
export type PostgresSearchOptions = PostgresUrlOptions | PostgresPoolOptions;

const DEFAULT_SCHEMA = 'polystore_search';

/**
 * Creates a search view store on PostgreSQL (13 or newer, with the contrib
 * extensions pg_trgm and fuzzystrmatch, installed by the first `ensureIndex`
 * when missing). Every process that opens it on the same schema searches the
 * same indexes: a worker projects, any other process searches.
 *
 * Each index is a table of documents with a weighted `tsvector` (searchable
 * fields weighted A, B, C, D in their declared order; a stored generated
 * column with a GIN index) and a table of the words they hold, with a
 * trigram index. Text queries take `websearch_to_tsquery` syntax; a word no
 * document holds is corrected to the index's words within `typoTolerance`
 * edits (trigram similarity, then `levenshtein`). Hits holding more of the
 * query's terms rank first, then by `ts_rank_cd`, then by id. Filters and
 * facets read the stored JSON document. Applies are version-guarded and
 * idempotent, deletes leave tombstones, each batch is one statement.
 *
 * @example
 * import { postgresSearchStore } from 'polystore/postgres-search';
 *
 * const search = postgresSearchStore({ connectionString: 'postgres://app:secret@localhost:5432/shop', schema: 'shop_search' });
 * await search.ensureIndex({
 *   index: 'products',
 *   fields: { name: 'string', description: 'string', category: 'enum', price: 'number' },
 *   searchable: ['name', 'description'],
 * });
 * await search.applyIfNewer('products', [
 *   { key: 'p1', version: 1, value: { name: 'Laptop', description: 'Light and fast', category: 'computers', price: 999 } },
 * ]);
 * const { hits, facets } = await search.search('products', {
 *   text: 'lptop',
 *   where: { price: { lt: 1500 } },
 *   facets: ['category'],
 * }); // hits[0].id === 'p1', facets.category.computers === 1
 * await search.close();
 */
export function postgresSearchStore(options: PostgresSearchOptions = {}): SearchStore {
  const resolved = resolvePostgresOptions(
    { ...options, schema: options.schema ?? DEFAULT_SCHEMA } as PostgresSearchOptions,
    process.env,
    'postgres search store',
  );
  return new PostgresSearchStore(resolved);
}
