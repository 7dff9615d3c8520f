import type {
  AppliedSchema,
  BreakingChange,
  ColumnChange,
  EntityTableSpec,
  HomeStore,
  SchemaPlan,
  SchemaVersion,
} from './contracts/home-store.js';

/** One entity's schema as its home holds it (`db.schemaStatus()`). */
export interface EntitySchemaStatus {
  readonly entity: string;
  readonly table: string;
  /** The version recorded in the home; null until a `ready()` (or `migrate --apply`) records one. */
  readonly version: number | null;
  readonly recorded: SchemaVersion | null;
  /** False when the table does not exist yet (`ready()` creates it, in either mode). */
  readonly exists: boolean;
  /** The table exists, has the declared columns, and the recorded version is the declaration's. */
  readonly matches: boolean;
  /** What `ready()` in auto mode would do now: additive changes with their SQL, and what it would refuse. */
  readonly pending: {
    readonly changes: readonly ColumnChange[];
    readonly statements: readonly string[];
    readonly breaking: readonly BreakingChange[];
  };
  /** With `apply: true`: what was applied, and the version recorded before. */
  readonly applied?: {
    readonly created: boolean;
    readonly changes: readonly ColumnChange[];
    readonly statements: readonly string[];
    readonly previousVersion: number | null;
  };
}

/**
 * Plans every entity against its home (and with `apply`, first applies the
 * additive changes as `ready()` does in auto mode, recording the versions).
 */
export async function readSchemaStatus(
  home: HomeStore,
  specs: readonly EntityTableSpec[],
  apply: boolean,
): Promise<EntitySchemaStatus[]> {
  await home.ready();
  const applied = apply ? await home.ensureSchema(specs, { apply: 'auto' }) : [];
  const byEntity = new Map(applied.map((a) => [a.entity, a]));
  return (await home.planSchema(specs)).map((plan) => toStatus(plan, byEntity.get(plan.entity)));
}

function toStatus(plan: SchemaPlan, applied: AppliedSchema | undefined): EntitySchemaStatus {
  const { changes, statements, breaking } = plan;
  return {
    entity: plan.entity,
    table: plan.table,
    version: plan.recorded?.version ?? null,
    recorded: plan.recorded,
    exists: plan.exists,
    matches:
      plan.exists && changes.length === 0 && breaking.length === 0 && plan.recorded?.fingerprint === plan.fingerprint,
    pending: { changes, statements, breaking },
    ...(applied
      ? {
          applied: {
            created: applied.created,
            changes: applied.changes,
            statements: applied.statements,
            previousVersion: applied.previousVersion,
          },
        }
      : {}),
  };
}

/** A change in a line: `add "nick" (text, optional)`. */
export function describeChange(change: ColumnChange): string {
  if (change.kind === 'index') return `index ${change.index.fields.map((f) => `"${f}"`).join(', ')}`;
  const { name, type } = change.column;
  switch (change.kind) {
    case 'add':
      return `add "${name}" (${type}, optional)`;
    case 'relax':
      return `make "${name}" optional`;
    case 'widen':
      return `widen "${name}" from ${change.from} to ${type}`;
  }
}
