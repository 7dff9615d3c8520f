import type { ComparisonOp, FilterNode, JsonValue } from '../../contracts/filter-ast.js';
import type { FindOptions } from '../../contracts/home-store.js';
import { quoteIdent } from '../../runtime/identifier.js';
import { assertColumnFilterValue, resolveFilterField, type ScalarColumnType } from '../sql-shared/filter-fields.js';
import type { EntityTable } from './entity-table.js';
import { SQL_TYPES } from './row-codec.js';

/** Collects bound parameters and hands out their `$n` markers. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * What a filter path points at: a typed column compared with plain SQL, or a
 * jsonb value (a document path, or a `json` column) compared with the Mongo
 * rules. `root`/`keys` are set when equality can use containment (`@>`), which
 * the document table's GIN index serves.
 */
type Target = ColumnTarget | JsonTarget;

interface ColumnTarget {
  readonly kind: 'column';
  readonly sql: string;
  readonly type: ScalarColumnType;
  readonly field: string;
}

interface JsonTarget {
  readonly kind: 'json';
  /** The value's SQL; adds the path parameter on first use (an unused parameter has no type and fails). */
  readonly sql: () => string;
  readonly field: string;
  readonly root?: string;
  readonly keys?: readonly string[];
}

const OPERATORS: Readonly<Record<ComparisonOp, string>> = {
  eq: '=',
  ne: 'IS DISTINCT FROM',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};
const ARRAY_INDEX = /^\d+$/;

/**
 * Compiles a filter to a parameterised boolean SQL expression. Every value is
 * a bound parameter; identifiers come only from the allow-listed spec.
 *
 * @example
 * const params = new SqlParams();
 * const where = compileFilter(table, { kind: 'compare', path: ['price'], op: 'lt', value: 10 }, params);
 * // where: '"price" < $1::double precision', params.values: [10]
 */
export function compileFilter(table: EntityTable, node: FilterNode | null, params: SqlParams): string {
  if (node === null) return 'TRUE';
  switch (node.kind) {
    case 'and':
    case 'or': {
      if (node.nodes.length === 0) return node.kind === 'and' ? 'TRUE' : 'FALSE';
      const parts = node.nodes.map((child) => compileFilter(table, child, params));
      return `(${parts.join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'compare': {
      const target = resolvePath(table, node.path, params);
      return target.kind === 'json'
        ? jsonCompare(target, node.op, node.value, params)
        : columnCompare(target, node.op, node.value, params);
    }
    case 'in': {
      const target = resolvePath(table, node.path, params);
      const any = target.kind === 'json' ? jsonIn(target, node.values, params) : columnIn(target, node.values, params);
      return node.negate ? `(NOT ${any})` : any;
    }
    case 'exists': {
      const target = resolvePath(table, node.path, params);
      if (target.kind === 'column' && target.sql === 'id') return node.exists ? 'TRUE' : 'FALSE';
      return `(${sqlOf(target)} ${node.exists ? 'IS NOT NULL' : 'IS NULL'})`;
    }
  }
}

/**
 * Compiles `orderBy` to an ORDER BY list. Missing and null values sort first
 * ascending (as in MongoDB); `id` breaks ties so pages are stable.
 */
export function compileOrderBy(table: EntityTable, orderBy: FindOptions['orderBy'], params: SqlParams): string {
  const terms = orderBy.map(({ path, direction }) => {
    const sql = sqlOf(resolvePath(table, path, params));
    return direction === 'desc' ? `${sql} DESC NULLS LAST` : `${sql} ASC NULLS FIRST`;
  });
  if (!orderBy.some(({ path }) => path.length === 1 && path[0] === 'id')) terms.push('id ASC');
  return terms.join(', ');
}

function resolvePath(table: EntityTable, path: readonly string[], params: SqlParams): Target {
  const ref = resolveFilterField(table.spec, table.columns, path);
  const { field } = ref;
  switch (ref.kind) {
    case 'id':
      return { kind: 'column', sql: 'id', type: 'text', field };
    case 'document': {
      const sql = jsonPath('doc', ref.keys, params);
      return ref.keys.some((key) => ARRAY_INDEX.test(key))
        ? { kind: 'json', sql, field }
        : { kind: 'json', sql, field, root: 'doc', keys: ref.keys };
    }
    case 'json-column':
      return { kind: 'json', sql: jsonPath(quoteIdent(ref.column.name, 'column'), ref.keys, params), field };
    case 'column':
      return { kind: 'column', sql: quoteIdent(ref.column.name, 'column'), type: ref.type, field };
  }
}

function jsonPath(base: string, keys: readonly string[], params: SqlParams): () => string {
  let sql: string | undefined;
  return () => {
    sql ??= keys.length === 0 ? base : `(${base} #> ${params.add(keys)}::text[])`;
    return sql;
  };
}

function sqlOf(target: Target): string {
  return target.kind === 'column' ? target.sql : target.sql();
}

function columnCompare(target: ColumnTarget, op: ComparisonOp, value: JsonValue, params: SqlParams): string {
  if (value === null && (op === 'eq' || op === 'ne')) {
    return `(${target.sql} ${op === 'eq' ? 'IS NULL' : 'IS NOT NULL'})`;
  }
  const param = params.add(columnValue(target, value));
  return `(${target.sql} ${OPERATORS[op]} ${param}::${SQL_TYPES[target.type]})`;
}

function columnIn(target: ColumnTarget, values: readonly JsonValue[], params: SqlParams): string {
  const present = values.filter((v) => v !== null);
  const parts: string[] = [];
  if (present.length > 0) {
    const param = params.add(present.map((v) => columnValue(target, v)));
    parts.push(`${target.sql} = ANY(${param}::${SQL_TYPES[target.type]}[])`);
  }
  if (present.length < values.length) parts.push(`${target.sql} IS NULL`);
  return parts.length === 0 ? 'FALSE' : `COALESCE(${parts.join(' OR ')}, FALSE)`;
}

/** Checks a filter value against a typed column and converts it to its parameter form. */
function columnValue(target: ColumnTarget, value: JsonValue): unknown {
  assertColumnFilterValue(target.type, target.field, value);
  return target.type === 'timestamp' && typeof value === 'number' ? new Date(value).toISOString() : value;
}

/** Mongo semantics over jsonb; each piece is written to yield TRUE or FALSE, never NULL, so NOT is safe. */
function jsonCompare(target: JsonTarget, op: ComparisonOp, value: JsonValue, params: SqlParams): string {
  if (op === 'eq') return jsonEquals(target, value, params);
  if (op === 'ne') return `(NOT ${jsonEquals(target, value, params)})`;
  const x = target.sql();
  const param = params.add(JSON.stringify(value));
  // Ranges only match values of the same JSON type: 10 > "9" must not hold.
  return `COALESCE(jsonb_typeof(${x}) = jsonb_typeof(${param}::jsonb) AND ${x} ${OPERATORS[op]} ${param}::jsonb, FALSE)`;
}

function jsonIn(target: JsonTarget, values: readonly JsonValue[], params: SqlParams): string {
  if (values.length === 0) return 'FALSE';
  return `(${values.map((v) => jsonEquals(target, v, params)).join(' OR ')})`;
}

/** Equal JSON, or an array holding an equal element; `null` also matches an absent field. */
function jsonEquals(target: JsonTarget, value: JsonValue, params: SqlParams): string {
  if (value === null) {
    const x = target.sql();
    return `(${x} IS NULL OR ${x} = 'null'::jsonb OR (jsonb_typeof(${x}) = 'array' AND ${x} @> '[null]'::jsonb))`;
  }
  if (typeof value !== 'object') {
    if (target.root && target.keys) {
      // Exactly equivalent for scalars: below the top level, @> needs equal
      // structure, so {"a":{"b":5}} matches only b = 5, and {"a":{"b":[5]}}
      // only an array b holding 5. Both forms are served by the GIN index.
      const equal = params.add(JSON.stringify(nest(target.keys, value)));
      const element = params.add(JSON.stringify(nest(target.keys, [value])));
      return `(${target.root} @> ${equal}::jsonb OR ${target.root} @> ${element}::jsonb)`;
    }
    const x = target.sql();
    const param = params.add(JSON.stringify(value));
    return `COALESCE(${x} = ${param}::jsonb OR (jsonb_typeof(${x}) = 'array' AND ${x} @> jsonb_build_array(${param}::jsonb)), FALSE)`;
  }
  // Objects and arrays: containment would also match partial structures, so compare elements exactly.
  const x = target.sql();
  const param = params.add(JSON.stringify(value));
  return `COALESCE(${x} = ${param}::jsonb OR (jsonb_typeof(${x}) = 'array' AND EXISTS (SELECT 1 FROM jsonb_array_elements(${x}) AS e(v) WHERE e.v = ${param}::jsonb)), FALSE)`;
}

function nest(keys: readonly string[], leaf: JsonValue): JsonValue {
  return keys.reduceRight<JsonValue>((inner, key) => ({ [key]: inner }), leaf);
}
