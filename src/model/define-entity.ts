import { createHash } from 'node:crypto';
import type { ColumnType, EntityIndex, EntityTableSpec } from '../contracts/home-store.js';
import { PolystoreError } from '../errors/index.js';
import { assertIdentifier } from '../runtime/identifier.js';
import { compileRecordCodec, type RecordCodec } from './record-codec.js';
import { columnsOf, introspectSchema, type SchemaShape } from './schema-introspection.js';
import type { InferInput, InferOutput, StandardSchemaV1 } from './standard-schema.js';

/** Default limit on one record's JSON size. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface EntityOptions<Name extends string, S extends StandardSchemaV1> {
  /** Entity name: an identifier, unique in the model. */
  readonly name: Name;
  /** Any Standard Schema validator; a zod object also gives typed columns and unknown-field checks. */
  readonly schema: S;
  /** The field holding the record's string id. Default `id`. */
  readonly id?: string;
  /**
   * `relational` (default for zod objects): one typed column per field.
   * `document`: the record kept as one JSON document, queried by dotted paths.
   */
  readonly storage?: 'relational' | 'document';
  /** Table name in the home. Default: the entity name. */
  readonly table?: string;
  /** Per-entity payload limit in bytes (default: the model's, 1 MiB). */
  readonly maxPayloadBytes?: number;
  /** Produces an id when `create` gets none. Default: no generation (the id is required). */
  readonly generateId?: () => string;
  /**
   * Indexes of the home table, each on one field or several (in order):
   * `indexes: ['email', ['city', 'age']]`. Adding one later is an additive
   * schema change (`ready()` or `polystore migrate --apply` creates it).
   * Top-level fields only; MariaDB indexes scalar fields of relational entities.
   */
  readonly indexes?: readonly (string | readonly string[])[];
}

/**
 * A declared entity: its schema, id field and how the home stores it. `T` is
 * the record as reads return it (the schema's output), `In` what writes
 * accept (its input: defaulted fields may be left out).
 */
export interface EntityDef<Name extends string = string, T = unknown, In = T> {
  readonly name: Name;
  readonly schema: StandardSchemaV1<unknown, T>;
  readonly idField: string;
  readonly shape: SchemaShape | null;
  readonly table: EntityTableSpec;
  readonly maxPayloadBytes: number | undefined;
  readonly generateId: (() => string) | undefined;
  /** The one decoder of this entity's records (home rows, cache values, events, update merges). */
  readonly codec: RecordCodec;
  /** Type-level only: what writes accept. */
  readonly __input?: In;
}

/** The record type of an entity definition. */
export type EntityRecord<E> = E extends EntityDef<string, infer T, unknown> ? T : never;

/** What writes of an entity definition accept (defaulted fields optional). */
export type EntityInput<E> = E extends EntityDef<string, unknown, infer In> ? In : never;

const RESERVED = /^(_version|_ps_.*|\$.*)$/;

/**
 * Declares an entity once: its schema gives the types of every read and write.
 *
 * @example
 * const users = defineEntity({
 *   name: 'users',
 *   schema: z.object({ id: z.string(), email: z.email(), name: z.string() }),
 * });
 * const products = defineEntity({ name: 'products', schema: productSchema, storage: 'document' });
 */
export function defineEntity<const Name extends string, S extends StandardSchemaV1>(
  options: EntityOptions<Name, S>,
): EntityDef<Name, InferOutput<S>, InferInput<S>> {
  const name = options.name;
  assertIdentifier(name, 'entity name');
  const idField = options.id ?? 'id';
  const shape = introspectSchema(options.schema);
  const storage = options.storage ?? (shape ? 'relational' : 'document');
  if (storage === 'relational' && !shape) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `Entity "${name}" asks for relational storage but its schema cannot be introspected`,
      {
        field: 'storage',
        fix: "use a zod object schema, or declare `storage: 'document'`",
      },
    );
  }
  if (shape) checkShape(name, shape, idField, storage);
  if (options.maxPayloadBytes !== undefined && !(options.maxPayloadBytes > 0)) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', `Entity "${name}" has a non-positive maxPayloadBytes`, {
      field: 'maxPayloadBytes',
      fix: 'give a positive number of bytes',
    });
  }
  return {
    name,
    schema: options.schema as StandardSchemaV1<unknown, InferOutput<S>>,
    idField,
    shape,
    table: {
      entity: name,
      table: assertIdentifier(options.table ?? name, 'table name'),
      storage,
      columns: storage === 'relational' && shape ? columnsOf(shape, idField) : [],
      ...(options.indexes?.length
        ? { indexes: entityIndexes(name, options.table ?? name, shape, options.indexes) }
        : {}),
    },
    maxPayloadBytes: options.maxPayloadBytes,
    generateId: options.generateId,
    codec: compileRecordCodec(options.schema, shape, idField, storage),
  };
}

function checkShape(entity: string, shape: SchemaShape, idField: string, storage: 'relational' | 'document'): void {
  const id = shape.fields.get(idField);
  if (id?.type !== 'text') {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', `Entity "${entity}" has no string id field "${idField}"`, {
      field: 'id',
      fix: `declare \`${idField}: z.string()\` in the schema or name the id field with the \`id\` option`,
    });
  }
  if (idField !== 'id' && shape.fields.has('id')) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `Entity "${entity}" declares a field "id" besides its id field "${idField}"`,
      {
        field: 'id',
        fix: 'rename the field, or use it as the id',
      },
    );
  }
  for (const [field] of shape.fields) {
    if (RESERVED.test(field) || (storage === 'relational' && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(field))) {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `Entity "${entity}" declares the field "${field}", which is reserved or not an identifier`,
        {
          field,
          fix: 'rename it: fields are identifiers and may not start with `$` or `_ps_` or be `_version`',
        },
      );
    }
  }
}

/** The declared type of a top-level field, when the schema is introspectable. */
export function fieldType(entity: EntityDef, field: string): ColumnType | undefined {
  return field === entity.idField ? 'text' : entity.shape?.fields.get(field)?.type;
}

/**
 * The declared indexes, named `<table>_<fields>_idx` (a long name is cut and
 * a hash of it added, keeping it within 63 bytes and unique).
 */
function entityIndexes(
  entity: string,
  table: string,
  shape: SchemaShape | null,
  declared: readonly (string | readonly string[])[],
): EntityIndex[] {
  const invalid = (message: string) =>
    new PolystoreError('PS_ERR_INVALID_CONFIG', `Entity "${entity}": ${message}`, {
      field: 'indexes',
      fix: "list top-level fields of the entity, e.g. indexes: ['email', ['city', 'age']]",
    });
  const seen = new Set<string>();
  return declared.map((entry) => {
    const fields = typeof entry === 'string' ? [entry] : [...entry];
    if (fields.length === 0) throw invalid('an index names no field');
    for (const field of fields) {
      if (typeof field !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(field))
        throw invalid(`the index field ${JSON.stringify(String(field)).slice(0, 70)} is not a field name`);
      if (shape && !shape.fields.has(field)) throw invalid(`the index field "${field}" is not declared in its schema`);
    }
    let name = `${table}_${fields.join('_')}_idx`;
    if (name.length > 63) name = `${name.slice(0, 54)}_${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
    if (seen.has(name)) throw invalid(`the index on ${fields.join(', ')} is declared twice`);
    seen.add(name);
    return { name, fields };
  });
}
