import type { LogPosition } from '../contracts/log-position.js';
import type { FieldShape, SchemaShape } from './schema-introspection.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** A record as reads return it: the schema's type plus its version. */
export type Versioned<T> = T & { readonly $version: number };

/**
 * A write's read-your-writes token: the position of its event in the home's
 * outbox. Any process can wait on it (`{ consistency: 'read-your-writes', after: token }`).
 */
export type WriteToken = LogPosition;

/** A record as a write returns it: its new version and the write's token (`$token`, not enumerable). */
export type Written<T> = Versioned<T> & { readonly $token: WriteToken };

/**
 * The one decoder of an entity's records, derived from its schema. Every path
 * that turns stored data into a record goes through it — home rows, cache
 * values, event payloads, update merges — so each read path returns the same
 * record for the same version:
 *
 * - the **JSON form** is what events and views carry: Dates as ISO strings,
 *   bigints as decimal strings, absent fields absent;
 * - `fromJson` revives what the schema declares (`z.date()`, `z.bigint()`,
 *   nested in objects, arrays, records, tuples, optional/nullable/default);
 * - `canonical` is the record the home can hold and give back unchanged: on
 *   relational storage a column cannot tell null from absent, so a field that
 *   accepts null reads back null when unset, and an optional field that does not
 *   accept null reads back absent.
 *
 * Unions, intersections and transforms are not revived (their JSON form is
 * ambiguous): their values read back in JSON form.
 */
export interface RecordCodec {
  /** The record as the home and every view will return it, from a validated record. */
  canonical(record: Record<string, unknown>): Record<string, unknown>;
  /** A home row's data (the id under `id`) as the entity's record. */
  fromHome(id: string, data: Record<string, unknown>): Record<string, unknown>;
  /** A JSON-form record (an event payload, a cache value) as the entity's record. */
  fromJson(json: Record<string, unknown>): Record<string, unknown>;
  /** The JSON form of a record: what events carry and views project. */
  toJson(record: Record<string, unknown>): Record<string, unknown>;
  /** JSON text of a record (bigints as decimal strings). */
  stringify(record: Record<string, unknown>): string;
  /** True when the schema declares a bigint somewhere: records then need `toJson` before any JSON serialiser. */
  readonly hasBigInt: boolean;
}

interface ZodNode {
  readonly _zod?: { readonly def?: Record<string, unknown> & { readonly type?: string } };
}

/** Revives one value from its JSON form; returns the value itself when nothing changes. */
type Reviver = (value: unknown) => unknown;

/**
 * Builds the codec of an entity. `schema` is read when it is a zod 4 schema;
 * other Standard Schema validators get the identity codec (records stay in
 * JSON form).
 *
 * @example
 * const codec = compileRecordCodec(schema, introspectSchema(schema), 'id', 'relational');
 * codec.fromJson({ id: 'u1', createdAt: '2026-01-01T00:00:00.000Z' }).createdAt instanceof Date; // true
 */
export function compileRecordCodec(
  schema: StandardSchemaV1,
  shape: SchemaShape | null,
  idField: string,
  storage: 'relational' | 'document',
): RecordCodec {
  const state = { bigint: false, memo: new Map<ZodNode, Reviver | null>() };
  const revive = schema['~standard'].vendor === 'zod' ? compile(schema as ZodNode, state) : null;
  const replacer = state.bigint ? bigintReplacer : undefined;
  const fromJson = (json: Record<string, unknown>) => (revive ? (revive(json) as Record<string, unknown>) : json);
  // Relational NULLs: absent for optional fields that refuse null, null for fields that accept it.
  const nulls = storage === 'relational' && shape ? nullRules(shape, idField) : null;
  const stringify = (record: Record<string, unknown>) => JSON.stringify(record, replacer);
  const toJson = (record: Record<string, unknown>) => JSON.parse(stringify(record)) as Record<string, unknown>;

  return {
    hasBigInt: state.bigint,
    stringify,
    toJson,
    fromJson,
    canonical(record) {
      let out = record;
      for (const [key, value] of Object.entries(record)) {
        if (value === undefined) {
          if (out === record) out = { ...record };
          delete out[key];
        }
      }
      if (nulls) {
        for (const field of nulls.setNull) {
          if (out[field] === undefined) {
            if (out === record) out = { ...record };
            out[field] = null;
          }
        }
      }
      return out;
    },
    fromHome(id, data) {
      let out = data;
      if (idField !== 'id') {
        const { id: _omit, ...rest } = data;
        out = { ...rest, [idField]: id };
      }
      if (nulls) {
        for (const field of nulls.dropNull) {
          if (out[field] === null) {
            if (out === data) out = { ...data };
            delete out[field];
          }
        }
      }
      return fromJson(out);
    },
  };
}

function nullRules(shape: SchemaShape, idField: string): { setNull: string[]; dropNull: string[] } {
  const setNull: string[] = [];
  const dropNull: string[] = [];
  shape.fields.forEach((field: FieldShape, name) => {
    if (name === idField || !field.nullable) return;
    if (field.acceptsNull) setNull.push(name);
    else dropNull.push(name);
  });
  return { setNull, dropNull };
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function compile(node: ZodNode, state: { bigint: boolean; memo: Map<ZodNode, Reviver | null> }): Reviver | null {
  if (state.memo.has(node)) return state.memo.get(node)!;
  const def = node._zod?.def;
  const type = def?.type;
  let reviver: Reviver | null = null;
  if (type === 'date') {
    reviver = reviveDate;
  } else if (type === 'bigint') {
    state.bigint = true;
    reviver = reviveBigInt;
  } else if (type !== undefined && WRAPPERS.has(type)) {
    const inner = compile(def!.innerType as ZodNode, state);
    reviver = inner && ((value) => (value === null || value === undefined ? value : inner(value)));
  } else if (type === 'object') {
    reviver = objectReviver(def!.shape as Record<string, ZodNode>, state);
  } else if (type === 'array') {
    const element = compile(def!.element as ZodNode, state);
    reviver = element && ((value) => (Array.isArray(value) ? mapArray(value, element) : value));
  } else if (type === 'record') {
    const inner = compile(def!.valueType as ZodNode, state);
    reviver = inner && ((value) => (isPlainObject(value) ? mapValues(value, inner) : value));
  } else if (type === 'tuple') {
    reviver = tupleReviver(def!.items as ZodNode[], def!.rest as ZodNode | null, state);
  } else if (type === 'pipe') {
    const out = def!.out as ZodNode;
    reviver = out._zod?.def?.type === 'transform' ? null : compile(out, state);
  } else if (type === 'lazy') {
    // Recursive schemas: resolve on first use, after this node is memoised.
    let resolved: Reviver | null | undefined;
    state.memo.set(node, (value) => {
      resolved ??= compile((def!.getter as () => ZodNode)(), state) ?? ((v: unknown) => v);
      return resolved(value);
    });
    return state.memo.get(node)!;
  }
  state.memo.set(node, reviver);
  return reviver;
}

function objectReviver(
  shape: Record<string, ZodNode>,
  state: { bigint: boolean; memo: Map<ZodNode, Reviver | null> },
): Reviver | null {
  const fields: [string, Reviver][] = [];
  for (const [name, child] of Object.entries(shape)) {
    const reviver = compile(child, state);
    if (reviver) fields.push([name, reviver]);
  }
  if (fields.length === 0) return null;
  return (value) => {
    if (!isPlainObject(value)) return value;
    let out: Record<string, unknown> | undefined;
    for (const [name, reviver] of fields) {
      const current = value[name];
      if (current === undefined) continue;
      const next = reviver(current);
      if (next !== current) {
        out ??= { ...value };
        out[name] = next;
      }
    }
    return out ?? value;
  };
}

function tupleReviver(
  items: readonly ZodNode[],
  rest: ZodNode | null,
  state: { bigint: boolean; memo: Map<ZodNode, Reviver | null> },
): Reviver | null {
  const revivers = items.map((item) => compile(item, state));
  const restReviver = rest ? compile(rest, state) : null;
  if (!restReviver && revivers.every((r) => r === null)) return null;
  return (value) => {
    if (!Array.isArray(value)) return value;
    return mapArray(value, (element, i) => {
      const reviver = i < revivers.length ? revivers[i] : restReviver;
      return reviver ? reviver(element) : element;
    });
  };
}

function reviveDate(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date;
}

function reviveBigInt(value: unknown): unknown {
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  return value;
}

function mapArray(values: readonly unknown[], reviver: (value: unknown, index: number) => unknown): unknown[] {
  let out: unknown[] | undefined;
  values.forEach((value, i) => {
    const next = reviver(value, i);
    if (next !== value) {
      out ??= [...values];
      out[i] = next;
    }
  });
  return out ?? (values as unknown[]);
}

function mapValues(value: Record<string, unknown>, reviver: Reviver): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, current] of Object.entries(value)) {
    const next = reviver(current);
    if (next !== current) {
      out ??= { ...value };
      out[key] = next;
    }
  }
  return out ?? value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function withVersion<T>(record: Record<string, unknown>, version: number): Versioned<T> {
  return { ...record, $version: version } as Versioned<T>;
}

/** A written record: a copy with its version and, not enumerable (it is no field of the record), its token. */
export function withToken<T>(record: Record<string, unknown>, version: number, token: WriteToken): Written<T> {
  return Object.defineProperty({ ...record, $version: version }, '$token', { value: token }) as Written<T>;
}

/**
 * `withVersion` without the copy, for a record the caller owns outright (a
 * value a key-value store just decoded: see KeyValueStore).
 */
export function attachVersion<T>(record: Record<string, unknown>, version: number): Versioned<T> {
  record.$version = version;
  return record as Versioned<T>;
}

/** The JSON form of a home row's record: what a view projects (as events carry it). */
export function jsonFormOfRow(
  entity: { readonly codec: RecordCodec },
  row: { readonly id: string; readonly data: Record<string, unknown> },
): Record<string, unknown> {
  return entity.codec.toJson(entity.codec.fromHome(row.id, row.data));
}
