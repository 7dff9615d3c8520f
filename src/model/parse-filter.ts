import type { ComparisonOp, FilterNode, JsonValue } from '../contracts/filter-ast.js';
import { PolystoreError } from '../errors/index.js';
import { type EntityDef, fieldType } from './define-entity.js';

/**
 * The Mongo-style filter subset accepted by `find` and `count`:
 * `$eq $ne $gt $gte $lt $lte $in $nin $exists $and $or`, with dotted paths.
 *
 * @example
 * { category: 'laptops', price: { $lt: 1000 }, 'specs.ram': { $gte: 16 }, $or: [{ stock: { $gt: 0 } }, { preorder: true }] }
 */
export type Filter = { readonly [key: string]: unknown };

const COMPARISONS: Record<string, ComparisonOp> = {
  $eq: 'eq',
  $ne: 'ne',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
};
const SEGMENT = /^(?:[A-Za-z_][A-Za-z0-9_]{0,62}|\d{1,6})$/;
const MAX_DEPTH = 8;
const MAX_NODES = 256;
const MAX_IN_VALUES = 1000;

/** Parses and validates a filter against an entity; throws `PS_ERR_INVALID_FILTER` or `PS_ERR_UNKNOWN_FIELD`. */
export function parseFilter(entity: EntityDef, filter: unknown): FilterNode | null {
  if (filter === undefined || filter === null) return null;
  const state = { nodes: 0 };
  const node = parseObject(entity, filter, 0, state, '');
  return node.kind === 'and' && node.nodes.length === 0 ? null : node;
}

function invalid(message: string, field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_FILTER', message, { field, fix });
}

function parseObject(
  entity: EntityDef,
  value: unknown,
  depth: number,
  state: { nodes: number },
  at: string,
): FilterNode {
  if (!isPlainObject(value))
    throw invalid(
      `A filter${at ? ` in ${at}` : ''} must be an object`,
      at,
      'write { field: value } or { field: { $op: value } }',
    );
  if (depth > MAX_DEPTH)
    throw invalid(`A filter nests deeper than ${MAX_DEPTH} levels`, at, 'flatten the $and/$or nesting');
  const nodes: FilterNode[] = [];
  for (const [key, operand] of Object.entries(value)) {
    if (++state.nodes > MAX_NODES)
      throw invalid(`A filter has more than ${MAX_NODES} conditions`, at, 'split the query');
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(operand) || operand.length === 0) {
        throw invalid(`${key} takes a non-empty array of filters`, key, `write { ${key}: [{...}, {...}] }`);
      }
      const children = operand.map((child, i) => parseObject(entity, child, depth + 1, state, `${key}[${i}]`));
      nodes.push({ kind: key === '$and' ? 'and' : 'or', nodes: children });
    } else if (key.startsWith('$')) {
      throw invalid(
        `Unknown top-level operator "${key.slice(0, 32)}"`,
        key.slice(0, 32),
        'use $and or $or at the top level; field operators go under a field',
      );
    } else {
      nodes.push(...parseField(entity, key, operand));
    }
  }
  return nodes.length === 1 ? nodes[0]! : { kind: 'and', nodes };
}

function parseField(entity: EntityDef, key: string, operand: unknown): FilterNode[] {
  const path = parsePath(entity, key);
  if (!isPlainObject(operand) || !Object.keys(operand).some((k) => k.startsWith('$'))) {
    return [{ kind: 'compare', path, op: 'eq', value: toJson(operand, key) }];
  }
  const out: FilterNode[] = [];
  for (const [op, value] of Object.entries(operand)) {
    const comparison = COMPARISONS[op];
    if (comparison) {
      const json = toJson(value, key);
      if (comparison !== 'eq' && comparison !== 'ne' && typeof json !== 'string' && typeof json !== 'number') {
        throw invalid(
          `${op} on "${key}" needs a number, string or date`,
          key,
          `compare "${key}" with a number, a string or a Date`,
        );
      }
      out.push({ kind: 'compare', path, op: comparison, value: json });
    } else if (op === '$in' || op === '$nin') {
      if (!Array.isArray(value) || value.length > MAX_IN_VALUES) {
        throw invalid(
          `${op} on "${key}" takes an array of at most ${MAX_IN_VALUES} values`,
          key,
          `write { "${key}": { ${op}: [a, b] } }`,
        );
      }
      out.push({ kind: 'in', path, negate: op === '$nin', values: value.map((v) => toJson(v, key)) });
    } else if (op === '$exists') {
      if (typeof value !== 'boolean')
        throw invalid(`$exists on "${key}" takes true or false`, key, `write { "${key}": { $exists: true } }`);
      out.push({ kind: 'exists', path, exists: value });
    } else {
      throw invalid(
        `Unknown operator "${op.slice(0, 32)}" on "${key}"`,
        key,
        'use one of $eq $ne $gt $gte $lt $lte $in $nin $exists',
      );
    }
  }
  return out;
}

function parsePath(entity: EntityDef, key: string): string[] {
  const path = key.split('.');
  if (key.length > 512 || path.some((segment) => !SEGMENT.test(segment))) {
    throw invalid(
      `The filter key "${key.slice(0, 64)}" is not a valid field path`,
      key.slice(0, 64),
      'use dotted identifiers such as "specs.ram" or "tags.0"',
    );
  }
  const head = path[0]!;
  if (entity.shape && head !== entity.idField && !entity.shape.fields.has(head)) {
    throw new PolystoreError('PS_ERR_UNKNOWN_FIELD', `The ${entity.name} entity has no field "${head}" to filter on`, {
      field: head,
      fix: `filter on a declared field (${[...entity.shape.fields.keys()].slice(0, 12).join(', ')})`,
    });
  }
  const type = fieldType(entity, head);
  if (path.length > 1 && entity.table.storage === 'relational' && type !== 'json') {
    throw invalid(`"${key}" goes inside "${head}", which is not a nested field`, key, `filter on "${head}" itself`);
  }
  return head === entity.idField ? ['id', ...path.slice(1)] : path;
}

function toJson(value: unknown, key: string): JsonValue {
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw invalid(`"${key}" is compared with a non-finite number`, key, 'compare with a finite number');
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => toJson(v, key));
  if (isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('$'))
        throw invalid(`"${key}" mixes operators and plain values`, key, 'put operators alone under the field');
      out[k] = toJson(v, key);
    }
    return out;
  }
  throw invalid(
    `"${key}" is compared with a ${typeof value}`,
    key,
    'compare with JSON values (string, number, boolean, null, Date, array, object)',
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
