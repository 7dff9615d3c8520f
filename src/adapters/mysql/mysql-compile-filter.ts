import type { ComparisonOp, FilterNode, JsonValue } from '../../contracts/filter-ast.js';
import type { FindOptions } from '../../contracts/home-store.js';
import {
  assertColumnFilterValue,
  invalidFilter,
  jsonKind,
  resolveFilterField,
  type ScalarColumnType,
} from '../sql-shared/filter-fields.js';
import type { MysqlValue } from './mysql-driver.js';
import { type EntityTable, ROW_ALIAS } from './mysql-entity-table.js';
import { toDatetime } from './mysql-row-codec.js';
import { bind, joinSql, quoteId, raw, type SqlFragment, sql } from './mysql-sql.js';

/**
 * What a filter path points at: a typed column compared with plain SQL, or a
 * JSON value (a document path, or a `json` column) compared with the Mongo
 * rules of the PostgreSQL home.
 */
type Target = ColumnTarget | JsonTarget;

interface ColumnTarget {
  readonly kind: 'column';
  readonly sql: SqlFragment;
  readonly type: ScalarColumnType;
  readonly field: string;
  readonly isId: boolean;
}

interface JsonTarget {
  readonly kind: 'json';
  /** The JSON document (or column) the path starts from. */
  readonly base: SqlFragment;
  /** A JSON path such as `$."a"[0]."b"`, bound as a parameter; null for the base itself. */
  readonly path: string | null;
  /** The value at the path: JSON text, or SQL NULL when the path is absent. */
  readonly value: SqlFragment;
  readonly field: string;
}

const RANGE: Readonly<Record<Exclude<ComparisonOp, 'eq' | 'ne'>, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
/**
 * The same segments `parseFilter` admits; checked again because a FilterNode
 * can come from elsewhere, and unlike the PostgreSQL home (which binds keys as
 * a text[] parameter) this one splices keys into the JSON path text.
 */
const SEGMENT = /^(?:[A-Za-z_][A-Za-z0-9_]{0,62}|\d{1,6})$/;
const ARRAY_INDEX = /^\d+$/;

/**
 * Compiles a filter to a parameterised boolean expression over the entity
 * table aliased `r`. Every value and every JSON path is a bound parameter;
 * identifiers come only from the allow-listed spec. Each JSON piece yields
 * TRUE or FALSE, never NULL, so `NOT` is safe (ne/nin match absent fields).
 *
 * @example
 * const where = compileFilter(table, { kind: 'compare', path: ['price'], op: 'lt', value: 10 });
 * // where.text: '(r.`price` < ?)', where.values: [10]
 */
export function compileFilter(table: EntityTable, node: FilterNode | null): SqlFragment {
  if (node === null) return raw('TRUE');
  switch (node.kind) {
    case 'and':
    case 'or': {
      if (node.nodes.length === 0) return raw(node.kind === 'and' ? 'TRUE' : 'FALSE');
      const parts = joinSql(
        node.nodes.map((child) => compileFilter(table, child)),
        node.kind === 'and' ? ' AND ' : ' OR ',
      );
      return sql`(${parts})`;
    }
    case 'compare': {
      const target = resolvePath(table, node.path);
      return target.kind === 'json'
        ? jsonCompare(target, node.op, node.value)
        : columnCompare(target, node.op, node.value);
    }
    case 'in': {
      const target = resolvePath(table, node.path);
      const any = target.kind === 'json' ? jsonIn(target, node.values) : columnIn(target, node.values);
      return node.negate ? sql`(NOT ${any})` : any;
    }
    case 'exists': {
      const target = resolvePath(table, node.path);
      if (target.kind === 'column') {
        if (target.isId) return raw(node.exists ? 'TRUE' : 'FALSE');
        return sql`(${target.sql} ${raw(node.exists ? 'IS NOT NULL' : 'IS NULL')})`;
      }
      if (target.path === null) return sql`(${target.base} ${raw(node.exists ? 'IS NOT NULL' : 'IS NULL')})`;
      return sql`(COALESCE(JSON_CONTAINS_PATH(${target.base}, 'one', ${bind(target.path)}), 0) = ${raw(node.exists ? '1' : '0')})`;
    }
  }
}

/**
 * Compiles `orderBy`. Missing values sort first ascending and last descending
 * (as in MongoDB and the PostgreSQL home); JSON values order by type (null <
 * string < number < boolean < array < object, jsonb's order), then by value.
 * `id` breaks ties so pages are stable.
 */
export function compileOrderBy(table: EntityTable, orderBy: FindOptions['orderBy']): SqlFragment {
  const terms = orderBy.flatMap(({ path, direction }) => {
    const dir = raw(direction === 'desc' ? 'DESC' : 'ASC');
    const target = resolvePath(table, path);
    if (target.kind === 'column') return [sql`${target.sql} ${dir}`];
    const x = target.value;
    return [
      sql`CASE JSON_TYPE(${x}) WHEN 'NULL' THEN 1 WHEN 'STRING' THEN 2 WHEN 'INTEGER' THEN 3 WHEN 'DOUBLE' THEN 3 WHEN 'BOOLEAN' THEN 4 WHEN 'ARRAY' THEN 5 WHEN 'OBJECT' THEN 6 ELSE 0 END ${dir}`,
      sql`IF(JSON_TYPE(${x}) IN ('INTEGER', 'DOUBLE'), CAST(${x} AS DOUBLE), NULL) ${dir}`,
      sql`IF(JSON_TYPE(${x}) = 'STRING', JSON_UNQUOTE(${x}) COLLATE utf8mb4_nopad_bin, NULL) ${dir}`,
      sql`${x} ${dir}`,
    ];
  });
  if (!orderBy.some(({ path }) => path.length === 1 && path[0] === 'id')) terms.push(raw(`${ROW_ALIAS}.id ASC`));
  return joinSql(terms, ', ');
}

function resolvePath(table: EntityTable, path: readonly string[]): Target {
  if (!path.every((segment) => SEGMENT.test(segment))) {
    const field = path.join('.').slice(0, 64);
    throw invalidFilter(`"${field}" is not a valid field path`, field, 'use dotted identifiers');
  }
  const ref = resolveFilterField(table.spec, table.columns, path);
  const { field } = ref;
  switch (ref.kind) {
    case 'id':
      return { kind: 'column', sql: raw(`${ROW_ALIAS}.id`), type: 'text', field, isId: true };
    case 'document':
      return jsonTarget(raw(`${ROW_ALIAS}.doc`), ref.keys, field);
    case 'json-column':
      return jsonTarget(columnSql(ref.column.name), ref.keys, field);
    case 'column':
      return { kind: 'column', sql: columnSql(ref.column.name), type: ref.type, field, isId: false };
  }
}

function columnSql(name: string): SqlFragment {
  return raw(`${ROW_ALIAS}.${quoteId(name, 'column')}`);
}

/** Numeric segments index arrays (`$[0]`); names are quoted keys (`$."a"`), safe since they are identifiers. */
function jsonTarget(base: SqlFragment, keys: readonly string[], field: string): JsonTarget {
  if (keys.length === 0) return { kind: 'json', base, path: null, value: base, field };
  const path = `$${keys.map((key) => (ARRAY_INDEX.test(key) ? `[${key}]` : `."${key}"`)).join('')}`;
  return { kind: 'json', base, path, value: sql`JSON_EXTRACT(${base}, ${bind(path)})`, field };
}

function columnCompare(target: ColumnTarget, op: ComparisonOp, value: JsonValue): SqlFragment {
  if (value === null && (op === 'eq' || op === 'ne')) {
    return sql`(${target.sql} ${raw(op === 'eq' ? 'IS NULL' : 'IS NOT NULL')})`;
  }
  const param = bind(columnValue(target, value));
  if (op === 'ne') return sql`(NOT (${target.sql} <=> ${param}))`;
  return sql`(${target.sql} ${raw(op === 'eq' ? '=' : RANGE[op])} ${param})`;
}

function columnIn(target: ColumnTarget, values: readonly JsonValue[]): SqlFragment {
  const present = values.filter((v) => v !== null);
  const parts: SqlFragment[] = [];
  if (present.length > 0) {
    const list = joinSql(
      present.map((v) => bind(columnValue(target, v))),
      ', ',
    );
    parts.push(sql`${target.sql} IN (${list})`);
  }
  if (present.length < values.length) parts.push(sql`${target.sql} IS NULL`);
  return parts.length === 0 ? raw('FALSE') : sql`COALESCE(${joinSql(parts, ' OR ')}, FALSE)`;
}

/** Checks a filter value against a typed column and converts it to its parameter form. */
function columnValue(target: ColumnTarget, value: JsonValue): MysqlValue {
  assertColumnFilterValue(target.type, target.field, value);
  if (target.type !== 'timestamp') return value as MysqlValue;
  const text = toDatetime(value);
  if (text === null) {
    throw invalidFilter(
      `"${target.field}" is compared with a string that is not a date`,
      target.field,
      'pass a Date, an ISO 8601 string or epoch milliseconds',
    );
  }
  return text;
}

function jsonCompare(target: JsonTarget, op: ComparisonOp, value: JsonValue): SqlFragment {
  if (op === 'eq') return jsonEquals(target, value);
  if (op === 'ne') return sql`(NOT ${jsonEquals(target, value)})`;
  const x = target.value;
  const cmp = raw(RANGE[op]);
  // Ranges only match values of the same JSON type: 10 > "9" must not hold.
  if (typeof value === 'number') {
    return sql`COALESCE(JSON_TYPE(${x}) IN ('INTEGER', 'DOUBLE') AND CAST(${x} AS DOUBLE) ${cmp} ${bind(value)}, FALSE)`;
  }
  if (typeof value === 'string') {
    return sql`COALESCE(JSON_TYPE(${x}) = 'STRING' AND JSON_UNQUOTE(${x}) COLLATE utf8mb4_nopad_bin ${cmp} ${bind(value)}, FALSE)`;
  }
  if (typeof value === 'boolean') {
    return sql`COALESCE(JSON_TYPE(${x}) = 'BOOLEAN' AND (${x} = 'true') ${cmp} ${bind(value)}, FALSE)`;
  }
  if (value === null) {
    // null is only ever equal to null: >= and <= hold for it, > and < never.
    return op === 'gte' || op === 'lte' ? sql`COALESCE(JSON_TYPE(${x}) = 'NULL', FALSE)` : raw('FALSE');
  }
  throw invalidFilter(
    `"${target.field}" is range-compared with ${jsonKind(value)}`,
    target.field,
    `compare "${target.field}" with a number, a string or a boolean`,
  );
}

function jsonIn(target: JsonTarget, values: readonly JsonValue[]): SqlFragment {
  if (values.length === 0) return raw('FALSE');
  return sql`(${joinSql(
    values.map((v) => jsonEquals(target, v)),
    ' OR ',
  )})`;
}

/**
 * Equal JSON (JSON_EQUALS: numbers by value, objects regardless of key
 * order), or an array holding an equal element; `null` also matches an absent
 * field. Elements are compared exactly: JSON_CONTAINS would also match
 * [[1, 2]] for [1] and [[5]] for 5, which MongoDB does not.
 */
function jsonEquals(target: JsonTarget, value: JsonValue): SqlFragment {
  const x = target.value;
  const json = JSON.stringify(value);
  if (value === null) {
    return sql`COALESCE(${x} IS NULL OR JSON_TYPE(${x}) = 'NULL' OR ${hasElement(x, json)}, FALSE)`;
  }
  return sql`COALESCE(${jsonEqualsTrue(x, bind(json))} OR ${hasElement(x, json)}, FALSE)`;
}

function hasElement(x: SqlFragment, json: string): SqlFragment {
  return sql`(JSON_TYPE(${x}) = 'ARRAY' AND EXISTS (SELECT 1 FROM JSON_TABLE(${x}, '$[*]' COLUMNS (_ps_v JSON PATH '$')) AS _ps_e WHERE ${jsonEqualsTrue(raw('_ps_e._ps_v'), bind(json))}))`;
}

/**
 * JSON_EQUALS, TRUE or FALSE. `IS TRUE` is not decoration: with a NULL
 * argument MariaDB's JSON_EQUALS is NULL as a value but true inside OR, AND
 * and IF (its val_bool returns 1 with the null flag set; seen on 10.11), so
 * a bare `JSON_EQUALS(absent, 5) OR ...` matches every row without the field.
 */
function jsonEqualsTrue(a: SqlFragment, b: SqlFragment): SqlFragment {
  return sql`(JSON_EQUALS(${a}, ${b}) IS TRUE)`;
}
