import { type ScopeDigests, valuesOf } from '../../contracts/bucket-digest.js';
import type {
  SearchDocument,
  SearchHit,
  SearchIndexSpec,
  SearchQuery,
  SearchResult,
  SearchStore,
} from '../../contracts/search-store.js';
import type { ApplyResult, VersionEntry, VersionedChange } from '../../contracts/view-store.js';
import { isPolystoreError } from '../../errors/index.js';
import { quoteIdent } from '../../runtime/identifier.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { openPgConnection } from '../postgres/pg-open.js';
import type { PgPoolConnection } from '../postgres/pg-pool-connection.js';
import type { ResolvedPostgresOptions } from '../postgres/postgres-options.js';
import type { PgExecutor } from '../postgres-shared/pg-executor.js';
import { checkSearchQuery } from '../search-shared/search-query-checks.js';
import { checkSearchDocuments, checkSearchSpec, indexNotEnsured, sameSpec } from '../search-shared/search-spec.js';
import { digestsFromRows } from '../sql-shared/bucket-digest-rows.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import { searchError, specChanged } from './search-errors.js';
import { type SearchRow, searchStatement, type TextMatch } from './search-statement.js';
import {
  CATALOG_TABLE,
  createIndexTables,
  type ExtensionSchemas,
  ensureExtensions,
  extensionSchemas,
  fragmentsOf,
  type IndexTables,
  tablesOf,
} from './search-tables.js';
import { parseTsquery, printTsquery, queryParts, withCorrections } from './tsquery-text.js';

const APPLY_CHANGES = loadSql('apply-changes.sql', import.meta.url);
/** The homes' digest statement, over the live documents of an index. */
const BUCKET_DIGESTS = loadSql('../postgres-shared/bucket-digests.sql', import.meta.url);
/** Digest buckets: 2^16, as the Redis store keeps them. */
const DIGEST_BITS = 16;
const FIND_CORRECTIONS = loadSql('find-corrections.sql', import.meta.url);

/** Corrections ORed in per misspelled word, the closest first. */
const MAX_CORRECTIONS = 8;
/** Serialises every ensureIndex on a server: schema, extension and catalog creation race otherwise. */
const ENSURE_LOCK = "hashtext('polystore search store')";

/** SQLSTATE of a statement on a table that is gone (another process dropped the index). */
const UNDEFINED_TABLE = '42P01';

/**
 * Search views in PostgreSQL tables: one schema for the store, a catalog of
 * its indexes, and per index a document table (a stored weighted tsvector
 * with a GIN index) and a word table (counted, trigram-indexed) for typo
 * tolerance. Every process that opens the store on the same schema sees the
 * same indexes. `durability: 'immediate'`: an apply is committed when it
 * resolves.
 */
export class PostgresSearchStore implements SearchStore {
  readonly kind = 'search';
  readonly driver = 'postgres-search';
  readonly durability = 'immediate';
  readonly #guard: RuntimeGuard<PgPoolConnection>;
  readonly #schema: string;
  readonly #indexes = new Map<string, IndexTables>();

  constructor(resolved: ResolvedPostgresOptions) {
    this.#schema = quoteIdent(resolved.schema, 'schema');
    this.#guard = new RuntimeGuard<PgPoolConnection>(
      'postgres-search',
      () => openPgConnection(resolved),
      (connection) => connection.close(),
    );
  }

  async ready(): Promise<void> {
    await this.#guard.client();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  /** Ids are a btree key: PostgreSQL refuses index entries over about 2.7 kB. */
  maxKeyBytes(): number {
    return 2048;
  }

  async ensureIndex(spec: SearchIndexSpec): Promise<void> {
    const checked = checkSearchSpec(spec);
    await this.#guard.client();
    const known = this.#indexes.get(checked.index);
    if (known) {
      if (!sameSpec(known.spec, checked)) throw specChanged(checked.index);
      return;
    }
    const tables = await this.#run('ensuring a search index', (connection) =>
      connection.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${ENSURE_LOCK})`);
        const ext = await ensureExtensions(tx);
        await tx.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
        await tx.query(
          `CREATE TABLE IF NOT EXISTS ${this.#schema}.${CATALOG_TABLE} (
            name text PRIMARY KEY, id int GENERATED ALWAYS AS IDENTITY UNIQUE, spec jsonb NOT NULL)`,
        );
        const found = await this.#lookup(tx, checked.index, ext);
        if (found) {
          if (!sameSpec(found.spec, checked)) throw specChanged(checked.index);
          return found;
        }
        const { rows } = await tx.query<{ id: number }>(
          `INSERT INTO ${this.#schema}.${CATALOG_TABLE} (name, spec) VALUES ($1, $2) RETURNING id`,
          [checked.index, JSON.stringify(checked)],
        );
        const id = rows[0]!.id;
        for (const ddl of createIndexTables(this.#schema, id, checked, ext.trgm)) await tx.query(ddl);
        return tablesOf(this.#schema, id, checked, ext);
      }),
    );
    this.#indexes.set(checked.index, tables);
  }

  async applyIfNewer(index: string, changes: readonly VersionedChange<SearchDocument>[]): Promise<ApplyResult> {
    const tables = await this.#tables(index);
    const documents = checkSearchDocuments(tables.spec, changes);
    // One change per key (the newest): a statement cannot write a row twice.
    const newest = new Map<string, { version: number; doc: string | null }>();
    changes.forEach((change, i) => {
      const seen = newest.get(change.key);
      if (seen && seen.version >= change.version) return;
      const document = documents[i];
      newest.set(change.key, {
        version: change.version,
        doc: document === undefined ? null : JSON.stringify(document),
      });
    });
    if (newest.size === 0) return { applied: 0, skipped: 0 };
    const keys = [...newest.keys()];
    const rows = await this.#onTables(index, 'applying changes to a search index', (connection, current) =>
      connection.query<{ applied: number }>(renderSql(APPLY_CHANGES, fragmentsOf(current)), [
        keys,
        keys.map((key) => newest.get(key)!.version),
        keys.map((key) => newest.get(key)!.doc),
      ]),
    );
    const applied = rows.rows[0]?.applied ?? 0;
    return { applied, skipped: changes.length - applied };
  }

  /**
   * Full-text search in `websearch_to_tsquery` syntax (`"a phrase"`, `or`,
   * `-excluded`), where a hit needs any of the terms and ranks by how many
   * it holds, then by `ts_rank_cd`. A word that no document holds is
   * corrected to the index's words within `typoTolerance` edits (found by
   * trigram similarity, or by length for words under 6 characters). Words are
   * lowercased, not stemmed. An empty `text` matches every document that
   * passes the filters (score 0).
   */
  async search(index: string, query: SearchQuery): Promise<SearchResult> {
    const tables = await this.#tables(index);
    const checked = checkSearchQuery(tables.spec, query);
    const facets: Record<string, Record<string, number>> = Object.fromEntries(
      checked.facets.map((field) => [field, {}]),
    );
    if (checked.matchesNothing) return { hits: [], total: 0, facets };
    return this.#onTables(index, 'searching an index', async (connection, current) => {
      let text: TextMatch | undefined;
      if (checked.text !== undefined) {
        text = await textMatch(connection, current, checked.text, checked.tolerance);
        if (text === undefined) return { hits: [], total: 0, facets };
      }
      const { sql, params } = searchStatement(current, checked, text);
      const { rows } = await connection.query<SearchRow>(sql, params);
      const hits: (SearchHit & { n: number })[] = [];
      let total = 0;
      for (const row of rows) {
        if (row.part === 'hit') {
          hits.push({ id: row.id!, score: row.score!, document: row.doc as SearchDocument, n: row.n! });
        } else if (row.part === 'total') total = row.n!;
        else facets[row.field!]![row.value!] = row.n!;
      }
      hits.sort((a, b) => a.n - b.n);
      return { hits: hits.map(({ n: _n, ...hit }) => hit), total, facets };
    });
  }

  async listVersions(index: string): Promise<VersionEntry[]> {
    const rows = await this.#onTables(index, 'listing the versions of a search index', (connection, current) =>
      connection.query<{ key: string; version: number; deleted: boolean }>(
        `SELECT id AS key, version, doc IS NULL AS deleted FROM ${current.docs}`,
      ),
    );
    return rows.rows;
  }

  /**
   * The digests of the index's live documents, computed in SQL from the
   * table at each call (so always right: nothing is kept that could drift).
   * A clean consistency check then reads no ids.
   */
  async bucketDigests(index: string): Promise<ScopeDigests> {
    const rows = await this.#onTables(index, 'computing the digests of a search index', (connection, current) =>
      connection.query<{ bucket: unknown; n: unknown; total: unknown }>(
        renderSql(BUCKET_DIGESTS, {
          relation: `(SELECT id, version::bigint AS _version FROM ${current.docs} WHERE doc IS NOT NULL) AS live`,
        }),
        [DIGEST_BITS],
      ),
    );
    return { bits: DIGEST_BITS, values: valuesOf(digestsFromRows(rows.rows)) };
  }

  /** Drops the index's tables and its catalog row, for every process. */
  async dropScope(index: string): Promise<void> {
    await this.#run('dropping a search index', (connection) =>
      connection.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${ENSURE_LOCK})`);
        const exists = await tx.query<{ found: string | null }>(`SELECT to_regclass($1) AS found`, [
          `${this.#schema}.${CATALOG_TABLE}`,
        ]);
        if (exists.rows[0]?.found === null) return;
        const { rows } = await tx.query<{ id: number }>(
          `DELETE FROM ${this.#schema}.${CATALOG_TABLE} WHERE name = $1 RETURNING id`,
          [index],
        );
        for (const { id } of rows) {
          await tx.query(
            `DROP TABLE IF EXISTS ${this.#schema}."ps_search_${id}", ${this.#schema}."ps_search_${id}_words"`,
          );
        }
      }),
    );
    this.#indexes.delete(index);
  }

  /** Applies are committed as they resolve; this only checks the store is open. */
  async flush(): Promise<void> {
    await this.#guard.client();
  }

  /** The index's tables: known here, or ensured by another process (read from the catalog). */
  async #tables(index: string): Promise<IndexTables> {
    const known = this.#indexes.get(index);
    if (known) return known;
    await this.#guard.client();
    if (typeof index !== 'string') throw indexNotEnsured();
    const found = await this.#run('reading the search index catalog', async (connection) => {
      const exists = await connection.query<{ found: string | null }>(`SELECT to_regclass($1) AS found`, [
        `${this.#schema}.${CATALOG_TABLE}`,
      ]);
      if (exists.rows[0]?.found === null) return undefined;
      return this.#lookup(connection, index, await extensionSchemas(connection));
    });
    if (!found) throw indexNotEnsured();
    this.#indexes.set(index, found);
    return found;
  }

  async #lookup(exec: PgExecutor, index: string, ext: ExtensionSchemas): Promise<IndexTables | undefined> {
    const { rows } = await exec.query<{ id: number; spec: SearchIndexSpec }>(
      `SELECT id, spec FROM ${this.#schema}.${CATALOG_TABLE} WHERE name = $1`,
      [index],
    );
    const row = rows[0];
    return row ? tablesOf(this.#schema, row.id, checkSearchSpec(row.spec), ext) : undefined;
  }

  /** Runs `fn` on the index's tables; once more on fresh ones if another process dropped them meanwhile. */
  async #onTables<R>(
    index: string,
    action: string,
    fn: (connection: PgPoolConnection, tables: IndexTables) => Promise<R>,
  ): Promise<R> {
    const tables = await this.#tables(index);
    try {
      return await this.#run(action, (connection) => fn(connection, tables));
    } catch (err) {
      if (!isPolystoreError(err) || (err.details as { sqlstate?: string } | undefined)?.sqlstate !== UNDEFINED_TABLE)
        throw err;
      this.#indexes.delete(index);
      const fresh = await this.#tables(index);
      return this.#run(action, (connection) => fn(connection, fresh));
    }
  }

  async #run<R>(action: string, fn: (connection: PgPoolConnection) => Promise<R>): Promise<R> {
    const connection = await this.#guard.client();
    try {
      return await fn(connection);
    } catch (err) {
      throw searchError(err, action);
    }
  }
}

/**
 * Parses `text` as `websearch_to_tsquery` does and ORs into each word that
 * no document holds its corrections; undefined when nothing can match (no
 * words, or only negated ones).
 */
async function textMatch(
  exec: PgExecutor,
  tables: IndexTables,
  text: string,
  tolerance: number,
): Promise<TextMatch | undefined> {
  const { rows } = await exec.query<{ query: string; corrections: Record<string, string[]> }>(
    renderSql(FIND_CORRECTIONS, fragmentsOf(tables)),
    [text, Math.max(tolerance, 1)],
  );
  const parsed = parseTsquery(rows[0]?.query ?? '');
  if (parsed === undefined) return undefined;
  const corrections = new Map(
    tolerance === 0
      ? []
      : Object.entries(rows[0]?.corrections ?? {}).map(([word, near]) => [word, near.slice(0, MAX_CORRECTIONS)]),
  );
  const { positive, negative } = queryParts(withCorrections(parsed, corrections));
  if (positive.length === 0) return undefined;
  const parts = positive.map(printTsquery);
  const any = [parts.length === 1 ? parts[0]! : `(${parts.join(' | ')})`, ...negative.map(printTsquery)].join(' & ');
  return { any, parts };
}
