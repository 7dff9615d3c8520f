import type { ColumnSpec, ColumnType } from '../contracts/home-store.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** One declared top-level field. */
export interface FieldShape {
  readonly type: ColumnType;
  /** The column may hold NULL: the field is optional or accepts null. */
  readonly nullable: boolean;
  /** The field may be absent (`.optional()`, `.nullish()`). */
  readonly optional: boolean;
  /** The field accepts null (`.nullable()`, `.nullish()`). */
  readonly acceptsNull: boolean;
}

/** What Polystore learns of a schema it can read (zod 4 objects). */
export interface SchemaShape {
  /** Declared top-level fields with their column type. */
  readonly fields: ReadonlyMap<string, FieldShape>;
}

interface ZodLike {
  _zod?: {
    def?: { type?: string; innerType?: unknown; format?: string; checks?: { _zod?: { def?: { format?: string } } }[] };
  };
  shape?: Record<string, unknown>;
  format?: string | null;
}

/**
 * Reads the top-level fields of a zod 4 object schema. Other Standard Schema
 * validators are opaque: their entities are stored as documents and unknown
 * fields are left to the validator.
 */
export function introspectSchema(schema: StandardSchemaV1): SchemaShape | null {
  const zod = schema as unknown as ZodLike;
  if (schema['~standard'].vendor !== 'zod' || zod._zod?.def?.type !== 'object' || !zod.shape) return null;
  const fields = new Map<string, FieldShape>();
  for (const [name, field] of Object.entries(zod.shape)) fields.set(name, columnOf(field as ZodLike));
  return { fields };
}

function columnOf(field: ZodLike): FieldShape {
  let node: ZodLike = field;
  let optional = false;
  let acceptsNull = false;
  // A default fills an absent value in, so the field is present in every validated record.
  let defaulted = false;
  for (;;) {
    const type = node._zod?.def?.type;
    if (
      type === 'optional' ||
      type === 'nullable' ||
      type === 'default' ||
      type === 'prefault' ||
      type === 'readonly'
    ) {
      if (type === 'optional' && !defaulted) optional = true;
      if (type === 'nullable') acceptsNull = true;
      if (type === 'default' || type === 'prefault') defaulted = true;
      node = node._zod!.def!.innerType as ZodLike;
      continue;
    }
    return { type: scalarColumn(node), nullable: optional || acceptsNull, optional, acceptsNull };
  }
}

function scalarColumn(node: ZodLike): ColumnType {
  switch (node._zod?.def?.type) {
    case 'string':
    case 'enum':
      return 'text';
    case 'number':
      return isInteger(node) ? 'integer' : 'double';
    case 'bigint':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'timestamp';
    default:
      return 'json';
  }
}

function isInteger(node: ZodLike): boolean {
  if (node.format === 'safeint' || node.format === 'int32' || node._zod?.def?.format === 'safeint') return true;
  return (node._zod?.def?.checks ?? []).some((check) => {
    const format = check._zod?.def?.format;
    return format === 'safeint' || format === 'int32' || format === 'uint32';
  });
}

/** The relational columns of an entity (the id column is implicit). */
export function columnsOf(shape: SchemaShape, idField: string): ColumnSpec[] {
  return [...shape.fields]
    .filter(([name]) => name !== idField)
    .map(([name, c]) => ({ name, type: c.type, nullable: c.nullable }));
}
