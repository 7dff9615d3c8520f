import type { SearchFieldType, SearchFilterValue, SearchIndexSpec, SearchQuery } from '../../contracts/search-store.js';
import { PolystoreError } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';
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

const RANGE_OPS = ['gt', 'gte', 'lt', 'lte'] as const;
const FACET_TYPES: ReadonlySet<SearchFieldType> = new Set(['string', 'enum', 'boolean', 'string[]', 'enum[]']);

type Scalar = string | number | boolean;

export function compileQuery(spec: SearchIndexSpec, query: SearchQuery): CompiledQuery {
  if (typeof query !== 'object' || query === null) throw invalidArgument('query', 'A search query must be an object');
  const text = query.text === undefined ? '' : String(query.text).trim();
  const properties = query.fields ?? spec.searchable;
  if (!Array.isArray(properties) || properties.length === 0) {
    throw invalidArgument('fields', 'The search option "fields" must list at least one field (omit it to search all)');
  }
  for (const field of properties) {
    if (!spec.searchable.includes(field)) {
      throw invalidFilter(
        field,
        `The field "${shown(field)}" is not searchable in the index "${spec.index}"`,
        'name fields listed in the spec as searchable',
      );
    }
  }
  const where: OramaCondition[] = [];
  const exact: ((document: OramaDocument) => boolean)[] = [];
  let matchesNothing = false;
  for (const [field, filter] of Object.entries(query.where ?? {})) {
    const type = fieldType(spec, field, 'filter');
    const compiled = compileFilter(field, type, filter);
    if (compiled === 'nothing') matchesNothing = true;
    else if (typeof compiled === 'function') exact.push(compiled);
    else where.push(...compiled);
  }
  const facets = [...new Set(query.facets ?? [])];
  for (const field of facets) {
    if (!FACET_TYPES.has(fieldType(spec, field, 'facet'))) {
      throw invalidFilter(
        field,
        `The field "${shown(field)}" cannot be a facet`,
        'facets count values of string, enum and boolean fields; filter numbers with ranges',
      );
    }
  }
  return {
    term: text.length > 0 ? text : undefined,
    properties,
    tolerance: count(query.typoTolerance, 1, 'typoTolerance'),
    where,
    postFilter: exact.length === 0 ? undefined : (document) => exact.every((test) => test(document)),
    facets,
    limit: count(query.limit, 10, 'limit'),
    offset: count(query.offset, 0, 'offset'),
    matchesNothing,
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

function compileFilter(
  field: string,
  type: SearchFieldType,
  filter: SearchFilterValue,
): OramaCondition[] | ((document: OramaDocument) => boolean) | 'nothing' {
  if (typeof filter !== 'object' || filter === null) return equality(field, type, [checkOperand(field, type, filter)]);
  if (Array.isArray(filter))
    throw invalidFilter(
      field,
      `The filter on "${shown(field)}" is an array`,
      'use { in: [...] } to match any of several values',
    );
  if ('in' in filter) {
    if (!Array.isArray(filter.in) || Object.keys(filter).length !== 1) {
      throw invalidFilter(field, `The "in" filter on "${shown(field)}" must be the only operator and hold an array`);
    }
    const values = filter.in.map((value) => checkOperand(field, type, value));
    return values.length === 0 ? 'nothing' : equality(field, type, values);
  }
  if (type !== 'number')
    throw invalidFilter(
      field,
      `The range filter on "${shown(field)}" needs a number field`,
      'filter other fields by value or with { in: [...] }',
    );
  const conditions: OramaCondition[] = [];
  for (const [op, bound] of Object.entries(filter)) {
    if (!(RANGE_OPS as readonly string[]).includes(op)) {
      throw invalidFilter(
        field,
        `The filter on "${shown(field)}" uses an unknown operator`,
        `use ${RANGE_OPS.join(', ')} or in`,
      );
    }
    if (typeof bound !== 'number' || !Number.isFinite(bound))
      throw invalidFilter(field, `A range bound on "${shown(field)}" is not a finite number`);
    // Orama allows one operator per condition; the `and` around them intersects.
    conditions.push({ [field]: { [op]: bound } });
  }
  if (conditions.length === 0) throw invalidFilter(field, `The range filter on "${shown(field)}" has no bound`);
  return conditions;
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

function checkOperand(field: string, type: SearchFieldType, value: unknown): Scalar {
  const ok =
    type === 'number'
      ? typeof value === 'number' && Number.isFinite(value)
      : type === 'boolean'
        ? typeof value === 'boolean'
        : type === 'enum'
          ? typeof value === 'string' || typeof value === 'number'
          : typeof value === 'string';
  if (!ok) throw invalidFilter(field, `A filter value on "${shown(field)}" does not match its type ${type}`);
  return value as Scalar;
}

function fieldType(spec: SearchIndexSpec, field: string, what: 'filter' | 'facet'): SearchFieldType {
  const type = Object.hasOwn(spec.fields, field) ? spec.fields[field] : undefined;
  if (type === undefined) {
    throw invalidFilter(
      field,
      `The ${what} field "${shown(field)}" is not declared by the index "${spec.index}"`,
      'name a field declared in the index spec',
    );
  }
  return type;
}

function count(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw invalidArgument(field, `The search option "${shown(field)}" must be a non-negative integer`);
  return value;
}

function invalidFilter(field: string, message: string, fix?: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_FILTER', message, { field: shown(field), ...(fix ? { fix } : {}) });
}

/** Field names come from callers; only identifier-shaped ones are echoed in messages. */
function shown(field: string): string {
  return isIdentifier(field) ? field : '(malformed name)';
}

function invalidArgument(field: string, message: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, { field });
}
