import type { EntityTableSpec } from '../../contracts/home-store.js';
import { PolystoreError } from '../../errors/index.js';
import { assertIdentifier } from '../../runtime/identifier.js';

/** Polystore's own tables; entity tables may not use the `_ps_` prefix. */
export const INTERNAL_TABLE_PREFIX = '_ps_';

/** Columns every entity table gets from the home; a spec may not declare them. */
const RESERVED_COLUMNS = new Set(['id', '_version']);

/**
 * Allow-lists every name in a spec (entity, table, columns) and refuses the
 * reserved table prefix and reserved or repeated columns. Called before any
 * SQL is built from the spec, in every dialect.
 */
export function validateSpec(spec: EntityTableSpec): void {
  assertIdentifier(spec.entity, 'entity');
  assertIdentifier(spec.table, 'table');
  if (spec.table.startsWith(INTERNAL_TABLE_PREFIX)) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The ${spec.entity} table name uses the reserved prefix "${INTERNAL_TABLE_PREFIX}"`,
      {
        field: 'table',
        fix: `rename the table; names starting with ${INTERNAL_TABLE_PREFIX} belong to Polystore`,
      },
    );
  }
  for (const index of spec.indexes ?? []) {
    assertIdentifier(index.name, 'index');
    if (index.fields.length === 0) throw unknownField(spec, '(an index with no field)');
    for (const field of index.fields) assertIdentifier(field, 'index field');
  }
  const seen = new Set<string>();
  for (const column of spec.columns) {
    assertIdentifier(column.name, 'column');
    if (RESERVED_COLUMNS.has(column.name) || seen.has(column.name)) {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The ${spec.entity} column "${column.name}" is reserved or declared twice`,
        {
          field: column.name,
          fix: 'declare each column once and leave out id and _version (the home adds them)',
        },
      );
    }
    seen.add(column.name);
  }
}

/**
 * The error for a record field or filter path naming no declared column. The
 * name is cut to 64 characters: it comes from caller data, not the spec.
 */
export function unknownField(spec: EntityTableSpec, name: string): PolystoreError {
  const known = spec.columns.map((c) => c.name);
  const field = name.slice(0, 64);
  return new PolystoreError('PS_ERR_UNKNOWN_FIELD', `The ${spec.entity} entity has no field "${field}"`, {
    field,
    fix: `use id or a declared column${known.length > 0 ? ` (${known.slice(0, 12).join(', ')})` : ''}`,
  });
}

/**
 * Resolves specs to a dialect's derived table (quoted names, statements,
 * codecs), validating each spec and building its table once. Keyed by the
 * spec object, so a spec that is dropped is collected with its table.
 */
export class EntityTableCache<T> {
  readonly #cache = new WeakMap<EntityTableSpec, T>();

  constructor(private readonly build: (spec: EntityTableSpec) => T) {}

  /** The table for `spec`; throws `PS_ERR_INVALID_CONFIG` the first time if the spec is invalid. */
  resolve(spec: EntityTableSpec): T {
    let table = this.#cache.get(spec);
    if (!table) {
      validateSpec(spec);
      table = this.build(spec);
      this.#cache.set(spec, table);
    }
    return table;
  }
}
