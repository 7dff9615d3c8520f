import type { SearchFieldType, SearchFilterValue, SearchIndexSpec, SearchQuery } from '../../contracts/search-store.js';
import { PolystoreError } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';

export type Scalar = string | number | boolean;

export const RANGE_OPS = ['gt', 'gte', 'lt', 'lte'] as const;
export type RangeOp = (typeof RANGE_OPS)[number];

/** One checked filter: any-of equality (an array field matches when it holds a value), or a number range. */
export type CheckedFilter =
  | { readonly kind: 'any'; readonly field: string; readonly type: SearchFieldType; readonly values: readonly Scalar[] }
  | { readonly kind: 'range'; readonly field: string; readonly bounds: readonly (readonly [RangeOp, number])[] };

/** A search query checked against its index spec, with defaults filled in. */
export interface CheckedQuery {
  /** Undefined for "every document matching the filters". */
  readonly text: string | undefined;
  readonly properties: readonly string[];
  readonly tolerance: number;
  readonly filters: readonly CheckedFilter[];
  readonly facets: readonly string[];
  readonly limit: number;
  readonly offset: number;
  /** True when a filter can match nothing (an empty `in`). */
  readonly matchesNothing: boolean;
}

const FACET_TYPES: ReadonlySet<SearchFieldType> = new Set(['string', 'enum', 'boolean', 'string[]', 'enum[]']);

/** Validates a query against `spec` (fields, operators, operand types), naming the field at fault. */
export function checkSearchQuery(spec: SearchIndexSpec, query: SearchQuery): CheckedQuery {
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
  const filters: CheckedFilter[] = [];
  let matchesNothing = false;
  for (const [field, filter] of Object.entries(query.where ?? {})) {
    const checked = checkFilter(field, fieldType(spec, field, 'filter'), filter);
    if (checked.kind === 'any' && checked.values.length === 0) matchesNothing = true;
    filters.push(checked);
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
    text: text.length > 0 ? text : undefined,
    properties,
    tolerance: count(query.typoTolerance, 1, 'typoTolerance'),
    filters,
    facets,
    limit: count(query.limit, 10, 'limit'),
    offset: count(query.offset, 0, 'offset'),
    matchesNothing,
  };
}

function checkFilter(field: string, type: SearchFieldType, filter: SearchFilterValue): CheckedFilter {
  if (typeof filter !== 'object' || filter === null) {
    return { kind: 'any', field, type, values: [checkOperand(field, type, filter)] };
  }
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
    return { kind: 'any', field, type, values: filter.in.map((value) => checkOperand(field, type, value)) };
  }
  if (type !== 'number')
    throw invalidFilter(
      field,
      `The range filter on "${shown(field)}" needs a number field`,
      'filter other fields by value or with { in: [...] }',
    );
  const bounds: [RangeOp, number][] = [];
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
    bounds.push([op as RangeOp, bound]);
  }
  if (bounds.length === 0) throw invalidFilter(field, `The range filter on "${shown(field)}" has no bound`);
  return { kind: 'range', field, bounds };
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
