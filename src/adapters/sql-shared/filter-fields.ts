import type { JsonValue } from '../../contracts/filter-ast.js';
import type { ColumnSpec, ColumnType, EntityTableSpec } from '../../contracts/home-store.js';
import { PolystoreError } from '../../errors/index.js';
import { unknownField } from './entity-spec.js';

/** A typed column's type: anything but `json`, which is compared as a document. */
export type ScalarColumnType = Exclude<ColumnType, 'json'>;

/**
 * Where a filter path lands in an entity table, before any SQL is built: the
 * id, a path inside the document (`keys` is the whole path), a path inside a
 * `json` column (`keys` may be empty), or a typed column. `field` is the
 * dotted path, cut to 128 characters, for error messages.
 */
export type FilterField =
  | { readonly kind: 'id'; readonly field: string }
  | { readonly kind: 'document'; readonly field: string; readonly keys: readonly string[] }
  | {
      readonly kind: 'json-column';
      readonly field: string;
      readonly column: ColumnSpec;
      readonly keys: readonly string[];
    }
  | {
      readonly kind: 'column';
      readonly field: string;
      readonly column: ColumnSpec;
      readonly type: ScalarColumnType;
    };

/**
 * Resolves a filter (or orderBy) path against a spec, with the same rules in
 * every dialect: a path is not empty, nothing goes inside the id or a typed
 * column, and a relational path starts at a declared column.
 */
export function resolveFilterField(
  spec: EntityTableSpec,
  columns: ReadonlyMap<string, ColumnSpec>,
  path: readonly string[],
): FilterField {
  const field = path.join('.').slice(0, 128);
  const [head, ...rest] = path;
  if (head === undefined) throw invalidFilter('A filter path is empty', '', 'name a field');
  if (head === 'id') {
    if (rest.length > 0)
      throw invalidFilter(`"${field}" goes inside the id, which is a string`, field, 'filter on "id" itself');
    return { kind: 'id', field };
  }
  if (spec.storage === 'document') return { kind: 'document', field, keys: path };
  const column = columns.get(head);
  if (!column) throw unknownField(spec, head);
  if (column.type === 'json') return { kind: 'json-column', field, column, keys: rest };
  if (rest.length > 0) {
    throw invalidFilter(
      `"${field}" goes inside "${head}", which is a ${column.type} column`,
      field,
      `filter on "${head}" itself`,
    );
  }
  return { kind: 'column', field, column, type: column.type };
}

/**
 * Checks a filter value against a typed column: the type must match (a
 * timestamp takes a string or epoch milliseconds), or `PS_ERR_INVALID_FILTER`.
 * Converting the value to its parameter form is left to the dialect.
 */
export function assertColumnFilterValue(type: ScalarColumnType, field: string, value: JsonValue): void {
  const ok =
    (type === 'text' && typeof value === 'string') ||
    (type === 'integer' && Number.isSafeInteger(value)) ||
    (type === 'double' && typeof value === 'number') ||
    (type === 'boolean' && typeof value === 'boolean') ||
    (type === 'timestamp' && (typeof value === 'string' || typeof value === 'number'));
  if (!ok) {
    throw invalidFilter(
      `"${field}" is a ${type} field but is compared with ${jsonKind(value)}`,
      field,
      `compare "${field}" with a ${type} value`,
    );
  }
}

/** `an array`, `null`, `an object`, `a string`...: a filter value's kind for messages, never the value. */
export function jsonKind(value: JsonValue): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A filter the home cannot run, as `PS_ERR_INVALID_FILTER` naming the field. */
export function invalidFilter(message: string, field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_FILTER', message, { field, fix });
}
