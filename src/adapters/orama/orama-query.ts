import type { SearchFieldType, SearchIndexSpec, SearchQuery } from '../../contracts/search-store.js';
import { type CheckedFilter, checkSearchQuery, type Scalar } from '../search-shared/search-query-checks.js';
import type { OramaDocument } from './orama-schema.js';

/** A condition in Orama's `where` syntax (one operator per condition). */
export type OramaCondition = Record<string, unknown>;

/**
 * A query translated for Orama. Conditions on `number`, `boolean`, `enum` and
 * `enum[]` fields run inside Orama. Orama matches `string` filters by token
 * (`"Red"` would match `"Red Shoes"`), so equality on `string` and `string[]`
 * fields is checked exactly here instead (`postFilter`), over all text matches.
 */
export interface CompiledQuery {
  /** Undefined for "every document matching the filters". */
  readonly term: string | undefined;
  readonly properties: readonly string[];
  readonly tolerance: number;
  readonly where: readonly OramaCondition[];
  readonly postFilter: ((document: OramaDocument) => boolean) | undefined;
  readonly facets: readonly string[];
  readonly limit: number;
  readonly offset: number;
  /** True when a filter can match nothing (an empty `in`). */
  readonly matchesNothing: boolean;
}

export function compileQuery(spec: SearchIndexSpec, query: SearchQuery): CompiledQuery {
  const checked = checkSearchQuery(spec, query);
  const where: OramaCondition[] = [];
  const exact: ((document: OramaDocument) => boolean)[] = [];
  for (const filter of checked.filters) {
    const compiled = compileFilter(filter);
    if (typeof compiled === 'function') exact.push(compiled);
    else where.push(...compiled);
  }
  return {
    term: checked.text,
    properties: checked.properties,
    tolerance: checked.tolerance,
    where,
    postFilter: exact.length === 0 ? undefined : (document) => exact.every((test) => test(document)),
    facets: checked.facets,
    limit: checked.limit,
    offset: checked.offset,
    matchesNothing: checked.matchesNothing,
  };
}

/** Counts each value of the facet fields over `documents` (arrays count each distinct item once). */
export function countFacets(
  facets: readonly string[],
  documents: readonly OramaDocument[],
): Record<string, Record<string, number>> {
  const result: Record<string, Record<string, number>> = {};
  for (const field of facets) {
    const counts = new Map<string, number>();
    for (const document of documents) {
      const value = document[field];
      if (value === undefined) continue;
      for (const item of new Set(Array.isArray(value) ? value : [value])) {
        const label = String(item);
        counts.set(label, (counts.get(label) ?? 0) + 1);
      }
    }
    result[field] = Object.fromEntries(counts);
  }
  return result;
}

interface ScoredHit {
  readonly id: string;
  readonly score: number;
}

/**
 * Orders text matches so that a hit holding more of the query's distinct
 * tokens (after typo tolerance, in any searched field) comes first, then by
 * relevance, then by id: BM25 alone can put a short document holding one
 * term, or a long one repeating it, above one holding them all. A hit's score
 * becomes tokens matched + bm25 / (bm25 + 1), so its integer part counts the
 * tokens and the order of scores is the order of hits. `idsMatching` runs
 * the same search for one token (only asked when there are several).
 */
export async function rankByTermsMatched<H extends ScoredHit>(
  hits: readonly H[],
  tokens: readonly string[],
  idsMatching: (token: string) => Promise<ReadonlySet<string>>,
): Promise<H[]> {
  const matched = new Map<string, number>();
  if (tokens.length > 1) {
    for (const token of tokens) {
      for (const id of await idsMatching(token)) matched.set(id, (matched.get(id) ?? 0) + 1);
    }
  }
  return hits
    .map((hit) => ({ ...hit, score: (matched.get(hit.id) ?? 1) + hit.score / (hit.score + 1) }))
    .sort(byScoreThenId);
}

export function byScoreThenId(a: ScoredHit, b: ScoredHit): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function compileFilter(filter: CheckedFilter): OramaCondition[] | ((document: OramaDocument) => boolean) {
  // Orama allows one operator per condition; the `and` around them intersects.
  if (filter.kind === 'range') return filter.bounds.map(([op, bound]) => ({ [filter.field]: { [op]: bound } }));
  return equality(filter.field, filter.type, filter.values);
}

/** Any-of equality, as Orama conditions or (for text fields) an exact predicate. */
function equality(
  field: string,
  type: SearchFieldType,
  values: readonly Scalar[],
): OramaCondition[] | ((document: OramaDocument) => boolean) {
  switch (type) {
    case 'enum':
      return [{ [field]: values.length === 1 ? { eq: values[0] } : { in: values } }];
    case 'enum[]':
      return [{ [field]: { containsAny: values } }];
    case 'number':
      return [
        values.length === 1
          ? { [field]: { eq: values[0] } }
          : { or: values.map((value) => ({ [field]: { eq: value } })) },
      ];
    case 'boolean': {
      const distinct = [...new Set(values)];
      return [distinct.length === 1 ? { [field]: distinct[0] } : { or: distinct.map((value) => ({ [field]: value })) }];
    }
    case 'string':
      return (document) => values.includes(document[field] as string);
    case 'string[]':
      return (document) => {
        const items = document[field];
        return Array.isArray(items) && items.some((item) => values.includes(item));
      };
  }
}
