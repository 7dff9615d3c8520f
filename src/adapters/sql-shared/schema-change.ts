import type { ColumnSpec, ColumnType } from '../../contracts/home-store.js';
import { PolystoreError } from '../../errors/index.js';

/** A column an entity table already has; `type` is undefined for a type Polystore does not write. */
export interface ExistingColumn {
  readonly name: string;
  readonly type: ColumnType | undefined;
  readonly nullable: boolean;
}

/** The additive changes that bring a table to its entity's declared columns. */
export interface SchemaChange {
  /** New optional fields: added as nullable columns, so existing rows read without them. */
  readonly add: readonly ColumnSpec[];
  /** Required fields that became optional: their columns accept NULL from now on. */
  readonly relax: readonly ColumnSpec[];
}

/** Columns every entity table has besides its fields. */
const OWN_COLUMNS = new Set(['id', '_version']);

/**
 * Plans the change from a relational entity table's columns to the declared
 * ones. Additive changes (a new optional field, a required field made
 * optional) are returned; any other (a new required field, a changed type, a
 * field made required, a removed or renamed field) refuses the whole plan
 * with `PS_ERR_SCHEMA_CHANGE`, naming each change and the expand/contract
 * steps, so nothing is applied half-way.
 *
 * @example
 * const change = planSchemaChange('users', existing, spec.columns);
 * for (const column of change.add) await run(`ALTER TABLE users ADD COLUMN ...`);
 */
export function planSchemaChange(
  entity: string,
  existing: readonly ExistingColumn[],
  declared: readonly ColumnSpec[],
): SchemaChange {
  const current = new Map(existing.filter((c) => !OWN_COLUMNS.has(c.name)).map((c) => [c.name, c]));
  const add: ColumnSpec[] = [];
  const relax: ColumnSpec[] = [];
  const breaking: string[] = [];
  for (const column of declared) {
    const held = current.get(column.name);
    current.delete(column.name);
    if (!held) {
      if (column.nullable) add.push(column);
      else breaking.push(`"${column.name}" is new and required`);
    } else if (held.type !== column.type) {
      breaking.push(`"${column.name}" changes type from ${held.type ?? 'an unknown type'} to ${column.type}`);
    } else if (held.nullable && !column.nullable) {
      breaking.push(`"${column.name}" becomes required`);
    } else if (!held.nullable && column.nullable) {
      relax.push(column);
    }
  }
  for (const name of current.keys()) breaking.push(`"${name}" is no longer declared (removed or renamed)`);
  if (breaking.length > 0) {
    throw new PolystoreError(
      'PS_ERR_SCHEMA_CHANGE',
      `The schema of entity "${entity}" changed in a way the home cannot apply by itself: ${breaking.join('; ')}`,
      {
        field: entity,
        details: { changes: breaking },
        fix:
          'change it in steps that each keep old and new code working (expand, then contract): declare a new field ' +
          'as optional (or with a default), deploy, backfill it, then make it required; for a new type or name, add a ' +
          'new optional field, write both, backfill, move the readers, then remove the old field from the schema and ' +
          'drop its column yourself',
      },
    );
  }
  return { add, relax };
}
