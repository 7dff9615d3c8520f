import type { SearchFieldType } from '../../contracts/search-store.js';
import { assertIdentifier } from '../../runtime/identifier.js';
import type { CheckedFilter, CheckedQuery, RangeOp } from '../search-shared/search-query-checks.js';
import { type IndexTables, vectorSql } from './search-tables.js';

/** A text query ready to run: tsquery texts, passed as parameters. */
export interface TextMatch {
  /** What a hit must match: any positive part, no negated one. */
  readonly any: string;
  /** Each positive part (term or phrase, corrections ORed in): a hit ranks by how many it matches. */
  readonly parts: readonly string[];
}

/** One row of the search statement: a hit of the page, the total, or a facet count. */
export interface SearchRow {
  readonly part: 'hit' | 'total' | 'facet';
  readonly id: string | null;
  readonly doc: Record<string, unknown> | null;
  readonly score: number | null;
  readonly field: string | null;
  readonly value: string | null;
  readonly n: number | null;
}

const RANGE_SQL: Readonly<Record<RangeOp, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
const ARRAY_TYPES: ReadonlySet<SearchFieldType> = new Set(['string[]', 'enum[]']);

/**
 * One statement for a search: the page of hits (best first, ties by id),
 * the number of matches and the facet counts over all of them. Values are
 * parameters; field names are allow-listed identifiers written as literals.
 * A hit's score is the number of positive parts it matches plus its
 * `ts_rank_cd` (weights A to D, normalised into [0, 1)), so scores sort as
 * hits do and hits holding every term come first.
 */
export function searchStatement(
  tables: IndexTables,
  query: CheckedQuery,
  text: TextMatch | undefined,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const param = (value: unknown, cast: string) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  const allFields = new Set(query.properties).size === tables.spec.searchable.length;
  const vector = allFields ? 'd.search' : `(${vectorSql(tables.spec, query.properties, 'd.doc')})`;
  const where = ['d.doc IS NOT NULL'];
  let score = '0::float8';
  if (text) {
    const any = param(text.any, 'tsquery');
    where.push(`${vector} @@ ${any}`);
    const parts = param(text.parts, 'tsquery[]');
    score = `(SELECT count(*) FROM unnest(${parts}) AS p(q) WHERE ${vector} @@ p.q) + ts_rank_cd(${vector}, ${any}, 32)`;
  }
  for (const filter of query.filters) where.push(filterSql(filter, param));
  const limit = param(query.limit, 'int');
  const offset = param(query.offset, 'int');
  const facets = param(query.facets, 'text[]');
  const sql = `WITH matches AS MATERIALIZED (
      SELECT d.id, d.doc, ${score} AS score FROM ${tables.docs} AS d WHERE ${where.join(' AND ')}
    ),
    page AS (
      SELECT id, doc, score, row_number() OVER (ORDER BY score DESC, id) AS n
      FROM matches ORDER BY score DESC, id LIMIT ${limit} OFFSET ${offset}
    )
    SELECT 'hit' AS part, p.id, p.doc, p.score::float8 AS score, NULL::text AS field, NULL::text AS value, p.n::int AS n
    FROM page AS p
    UNION ALL
    SELECT 'total', NULL, NULL, NULL, NULL, NULL, (SELECT count(*) FROM matches)::int
    UNION ALL
    SELECT 'facet', NULL, NULL, NULL, f.field, v.value, count(*)::int
    FROM matches AS m
    CROSS JOIN unnest(${facets}) AS f(field)
    CROSS JOIN LATERAL (
      SELECT DISTINCT x.value
      FROM jsonb_array_elements_text(
        CASE jsonb_typeof(m.doc -> f.field) WHEN 'array' THEN m.doc -> f.field ELSE jsonb_build_array(m.doc -> f.field) END
      ) AS x(value)
      WHERE x.value IS NOT NULL
    ) AS v
    GROUP BY f.field, v.value`;
  return { sql, params };
}

/**
 * A filter as SQL over `d.doc`: scalars compare as JSON values (exact,
 * case-sensitive, a number equal to the same number), an array field
 * matches when it holds any of the values, ranges compare numbers.
 */
function filterSql(filter: CheckedFilter, param: (value: unknown, cast: string) => string): string {
  const field = `d.doc -> '${assertIdentifier(filter.field, 'search field')}'`;
  if (filter.kind === 'range') {
    return filter.bounds
      .map(([op, bound]) => `(d.doc ->> '${filter.field}')::float8 ${RANGE_SQL[op]} ${param(bound, 'float8')}`)
      .join(' AND ');
  }
  if (ARRAY_TYPES.has(filter.type)) return `${field} ?| ${param(filter.values, 'text[]')}`;
  return `${field} = ANY(${param(
    filter.values.map((value) => JSON.stringify(value)),
    'jsonb[]',
  )})`;
}
