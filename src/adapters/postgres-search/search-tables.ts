import type { SearchIndexSpec } from '../../contracts/search-store.js';
import { assertIdentifier } from '../../runtime/identifier.js';
import type { PgExecutor } from '../postgres-shared/pg-executor.js';

/** Where one index lives: its tables and the functions its queries call, as SQL fragments. */
export interface IndexTables {
  readonly spec: SearchIndexSpec;
  readonly docs: string;
  readonly words: string;
  /** pg_trgm's similarity operator, schema-qualified: `OPERATOR("public".%)`. */
  readonly similar: string;
  /** fuzzystrmatch's `levenshtein_less_equal`, schema-qualified. */
  readonly levenshtein: string;
}

/** The fragments the `.sql` templates of an index take. */
export function fragmentsOf(tables: IndexTables): Record<string, string> {
  return { docs: tables.docs, words: tables.words, similar: tables.similar, levenshtein: tables.levenshtein };
}

/** The catalog of the store's indexes, one row per index. */
export const CATALOG_TABLE = 'ps_search_indexes';

/** The four weights of a tsvector, given to searchable fields in their declared order (the rest share the last). */
const WEIGHTS = ['A', 'B', 'C', 'D'] as const;

/** Double-quotes a name read from the server's catalog (an extension's schema), escaping quotes. */
export function quoteCatalogName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The weighted tsvector of a document's `fields`, as an SQL expression over
 * `doc` (jsonb): each field weighted by its position among the spec's
 * searchable fields. Field names are allow-listed identifiers, written as
 * string literals.
 */
export function vectorSql(spec: SearchIndexSpec, fields: readonly string[], doc = 'doc'): string {
  return fields
    .map((field) => {
      const weight = WEIGHTS[Math.min(spec.searchable.indexOf(field), WEIGHTS.length - 1)];
      const empty = spec.fields[field] === 'string[]' ? `'[]'` : `'""'`;
      return `setweight(to_tsvector('simple'::regconfig, coalesce(${doc} -> '${assertIdentifier(field, 'search field')}', ${empty}::jsonb)), '${weight}')`;
    })
    .join(' || ');
}

/**
 * The tables of index number `id` in `schema` (quoted): documents, with the
 * weighted tsvector of their searchable fields kept by PostgreSQL (a stored
 * generated column with a GIN index), and the words they hold, counted, with
 * a trigram index to find the words near a misspelled one.
 */
export function createIndexTables(schema: string, id: number, spec: SearchIndexSpec, trgmSchema: string): string[] {
  const docs = `${schema}."ps_search_${id}"`;
  const words = `${schema}."ps_search_${id}_words"`;
  return [
    `CREATE TABLE ${docs} (
      id text COLLATE "C" PRIMARY KEY,
      version float8 NOT NULL,
      doc jsonb,
      search tsvector GENERATED ALWAYS AS (${vectorSql(spec, spec.searchable)}) STORED
    )`,
    `CREATE INDEX "ps_search_${id}_search" ON ${docs} USING gin (search)`,
    `CREATE TABLE ${words} (word text PRIMARY KEY, docs int NOT NULL)`,
    `CREATE INDEX "ps_search_${id}_words_trgm" ON ${words} USING gin (word ${trgmSchema}.gin_trgm_ops)`,
  ];
}

export function tablesOf(schema: string, id: number, spec: SearchIndexSpec, ext: ExtensionSchemas): IndexTables {
  return {
    spec,
    docs: `${schema}."ps_search_${id}"`,
    words: `${schema}."ps_search_${id}_words"`,
    similar: `OPERATOR(${ext.trgm}.%)`,
    levenshtein: `${ext.fuzzy}.levenshtein_less_equal`,
  };
}

/** The quoted schemas pg_trgm and fuzzystrmatch are installed in. */
export interface ExtensionSchemas {
  readonly trgm: string;
  readonly fuzzy: string;
}

/**
 * Installs pg_trgm and fuzzystrmatch where missing (both are trusted
 * extensions from PostgreSQL 13: a user with CREATE on the database may
 * install them) and returns their schemas.
 */
export async function ensureExtensions(tx: PgExecutor): Promise<ExtensionSchemas> {
  await tx.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await tx.query('CREATE EXTENSION IF NOT EXISTS fuzzystrmatch');
  return extensionSchemas(tx);
}

/** The quoted schemas pg_trgm and fuzzystrmatch are installed in. */
export async function extensionSchemas(exec: PgExecutor): Promise<ExtensionSchemas> {
  const { rows } = await exec.query<{ extname: string; nspname: string }>(
    `SELECT e.extname, n.nspname FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace
     WHERE e.extname IN ('pg_trgm', 'fuzzystrmatch')`,
  );
  const schemaOf = (name: string) => quoteCatalogName(rows.find((row) => row.extname === name)?.nspname ?? 'public');
  return { trgm: schemaOf('pg_trgm'), fuzzy: schemaOf('fuzzystrmatch') };
}
