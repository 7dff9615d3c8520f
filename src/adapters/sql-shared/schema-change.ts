import type {
  BreakingChange,
  ColumnChange,
  ColumnSpec,
  ColumnType,
  EntityTableSpec,
  SchemaPlan,
  SchemaVersion,
} from '../../contracts/home-store.js';
import { PolystoreError } from '../../errors/index.js';
import { describeChange } from '../../schema-status.js';
import { readSchemaVersion, type StateAccess, schemaFingerprint } from './schema-version.js';

/** A column an entity table already has; `type` is undefined for a type Polystore does not write. */
export interface ExistingColumn {
  readonly name: string;
  readonly type: ColumnType | undefined;
  readonly nullable: boolean;
}

/** Columns every entity table has besides its fields. */
const OWN_COLUMNS = new Set(['id', '_version']);

/** Type changes every stored value survives unchanged (`from>to`): integers read back as the same doubles. */
const WIDENINGS = new Set(['integer>double']);

/**
 * Plans the change from a relational entity table's columns to the declared
 * ones. Additive changes (a new optional field, a required field made
 * optional, an integer field made a double) go in `changes`; any other (a
 * new required field, another type change, a field made required, a removed
 * or renamed field) in `breaking`, each with its expand/contract steps.
 *
 * @example
 * const { changes, breaking } = planSchemaChange(existing, spec.columns);
 * if (breaking.length === 0) for (const change of changes) await run(alterStatement(change));
 */
export function planSchemaChange(
  existing: readonly ExistingColumn[],
  declared: readonly ColumnSpec[],
): { changes: ColumnChange[]; breaking: BreakingChange[] } {
  const current = new Map(existing.filter((c) => !OWN_COLUMNS.has(c.name)).map((c) => [c.name, c]));
  const changes: ColumnChange[] = [];
  const breaking: BreakingChange[] = [];
  for (const column of declared) {
    const held = current.get(column.name);
    current.delete(column.name);
    if (!held) {
      if (column.nullable) changes.push({ kind: 'add', column });
      else breaking.push(newRequired(column.name));
      continue;
    }
    if (held.type !== column.type) {
      if (held.type === undefined || !WIDENINGS.has(`${held.type}>${column.type}`)) {
        breaking.push(typeChange(column.name, held.type, column.type));
        continue;
      }
      changes.push({ kind: 'widen', column, from: held.type });
    }
    if (held.nullable && !column.nullable) breaking.push(becomesRequired(column.name));
    else if (!held.nullable && column.nullable) changes.push({ kind: 'relax', column });
  }
  for (const name of current.keys()) breaking.push(noLongerDeclared(name));
  return { changes, breaking };
}

/** How a home reads its live tables and writes the SQL of additive changes. */
export interface TableCatalogue {
  /** The columns of `table` (none when it does not exist). */
  columns(table: string): Promise<ExistingColumn[]>;
  /** The names of the indexes `table` has (none when it does not exist). */
  indexes(table: string): Promise<string[]>;
  statements(spec: EntityTableSpec, changes: readonly ColumnChange[]): string[];
}

/**
 * Plans each entity table against the live one, with the version recorded
 * in `state`: the one reading of the catalogue behind both `planSchema` and
 * `ensureSchema`. `stateMayBeMissing` (`planSchema` before any
 * `ensureSchema`) first checks that the state table exists.
 */
export async function planTables(
  specs: readonly EntityTableSpec[],
  catalogue: TableCatalogue,
  state: StateAccess,
  options: { stateMayBeMissing?: boolean } = {},
): Promise<SchemaPlan[]> {
  const recorded = !options.stateMayBeMissing || (await catalogue.columns('_ps_state')).length > 0;
  const plans: SchemaPlan[] = [];
  for (const spec of specs) {
    const existing = await catalogue.columns(spec.table);
    const indexes = new Set(existing.length > 0 ? await catalogue.indexes(spec.table) : []);
    const version = recorded ? await readSchemaVersion(state, spec.entity) : null;
    plans.push(planEntity(spec, existing, indexes, version, (changes) => catalogue.statements(spec, changes)));
  }
  return plans;
}

/**
 * One entity's plan against its live table (`existing` is empty when the
 * table does not exist yet: nothing to change, `ensureSchema` creates it).
 * `statementsOf` is the home's SQL for the additive changes.
 */
function planEntity(
  spec: EntityTableSpec,
  existing: readonly ExistingColumn[],
  existingIndexes: ReadonlySet<string>,
  recorded: SchemaVersion | null,
  statementsOf: (changes: readonly ColumnChange[]) => string[],
): SchemaPlan {
  const exists = existing.length > 0;
  const { changes, breaking } =
    exists && spec.storage === 'relational' ? planSchemaChange(existing, spec.columns) : { changes: [], breaking: [] };
  // A declared index the table lacks (every one, for a table not created yet) is created after the columns.
  for (const index of spec.indexes ?? []) if (!existingIndexes.has(index.name)) changes.push({ kind: 'index', index });
  return {
    entity: spec.entity,
    table: spec.table,
    exists,
    fingerprint: schemaFingerprint(spec),
    recorded,
    changes,
    statements: breaking.length > 0 ? [] : statementsOf(changes),
    breaking,
  };
}

/**
 * Refuses a set of plans before anything is altered: any breaking change
 * with `PS_ERR_SCHEMA_CHANGE`; in manual mode, any additive change of an
 * existing table with `PS_ERR_SCHEMA_PENDING`.
 */
export function refuseChanges(plans: readonly SchemaPlan[], apply: 'auto' | 'manual'): void {
  const broken = plans.filter((plan) => plan.breaking.length > 0);
  if (broken.length > 0) throw breakingError(broken);
  const pending = plans.filter((plan) => plan.exists && plan.changes.length > 0);
  if (apply === 'manual' && pending.length > 0) throw pendingError(pending);
}

function breakingError(plans: readonly SchemaPlan[]): PolystoreError {
  const which = plans.map((p) => `"${p.entity}"`).join(', ');
  const listed = plans.map((p) => p.breaking.map((b) => b.change).join('; '));
  const message =
    plans.length === 1
      ? `The schema of entity ${which} changed in a way the home cannot apply by itself: ${listed[0]}`
      : `The schemas of entities ${which} changed in ways the home cannot apply by itself: ${plans.map((p, i) => `${p.entity}: ${listed[i]}`).join('; ')}`;
  const steps = plans.flatMap((p) =>
    p.breaking.map((b) => `${b.change}: ${b.steps.map((step, i) => `${i + 1}) ${step}`).join(' ')}`),
  );
  return new PolystoreError('PS_ERR_SCHEMA_CHANGE', message, {
    field: plans[0]!.entity,
    details: {
      changes: plans.flatMap((p) => p.breaking.map((b) => b.change)),
      entities: plans.map((p) => ({ entity: p.entity, breaking: p.breaking })),
    },
    fix: `change it in steps that each keep old and new code working (expand, then contract); nothing was altered. ${steps.join('. ')}`,
  });
}

function pendingError(plans: readonly SchemaPlan[]): PolystoreError {
  const listed = plans.map((p) => `"${p.entity}" (${p.changes.map(describeChange).join(', ')})`);
  return new PolystoreError(
    'PS_ERR_SCHEMA_PENDING',
    `The tables of ${listed.join('; ')} differ from their declarations, and schema.apply is "manual": nothing was altered`,
    {
      field: plans[0]!.entity,
      details: { entities: plans.map((p) => ({ entity: p.entity, changes: p.changes, statements: p.statements })) },
      fix: 'review the changes with `polystore migrate --plan`, then apply them with `polystore migrate --apply` (or set schema.apply to "auto")',
    },
  );
}

function newRequired(field: string): BreakingChange {
  return {
    field,
    change: `"${field}" is new and required`,
    steps: [
      `declare "${field}" as optional (or with a default) and deploy: the home adds its column`,
      `write "${field}" on every new record and backfill the existing ones`,
      `once every record has it, set its column NOT NULL yourself, then declare it required`,
    ],
  };
}

function typeChange(field: string, from: ColumnType | undefined, to: ColumnType): BreakingChange {
  return {
    field,
    change: `"${field}" changes type from ${from ?? 'an unknown type'} to ${to}`,
    steps: [
      `keep "${field}" as it is and add a new optional field of type ${to} (e.g. "${field}V2"); deploy`,
      `write both fields and backfill the new one from "${field}"`,
      `move the readers to the new field`,
      `remove "${field}" from the schema and drop its column yourself (the home never drops data)`,
    ],
  };
}

function becomesRequired(field: string): BreakingChange {
  return {
    field,
    change: `"${field}" becomes required`,
    steps: [
      `keep "${field}" optional and backfill it on every record that lacks it`,
      `set its column NOT NULL yourself, then declare it required`,
    ],
  };
}

function noLongerDeclared(field: string): BreakingChange {
  return {
    field,
    change: `"${field}" is no longer declared (removed or renamed)`,
    steps: [
      `for a rename, declare the new name as an optional field next to "${field}", write both, backfill and move the readers`,
      `keep "${field}" declared, as optional, until no deployed code writes it`,
      `then drop its column yourself (the home never drops data) and remove it from the schema`,
    ],
  };
}
