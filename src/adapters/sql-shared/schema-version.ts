import { createHash } from 'node:crypto';
import type {
  AppliedSchema,
  EntityTableSpec,
  SchemaPlan,
  SchemaVersion,
  StateRecord,
} from '../../contracts/home-store.js';
import { PolystoreError } from '../../errors/index.js';

/** The home's state values, on the connection or transaction that holds the schema lock. */
export interface StateAccess {
  readState(key: string): Promise<StateRecord | null>;
  writeState(key: string, value: unknown, expectedRevision: number | null): Promise<number | null>;
}

/** Attempts at the compare-and-set of one record before giving up (only a writer outside the lock can interfere). */
const RECORD_ATTEMPTS = 5;

/** The state key of an entity's schema version. */
export function schemaStateKey(entity: string): string {
  return `schema/${entity}`;
}

/** A stable hash of a table's shape: its storage and columns, whatever order they are declared in. */
export function schemaFingerprint(spec: EntityTableSpec): string {
  const columns = spec.columns
    .map((c) => [c.name, c.type, c.nullable] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Indexes count once an entity declares any: the fingerprints of entities without them stay as they were.
  const indexes = [...(spec.indexes ?? [])]
    .map((i) => [i.name, i.fields] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(
      JSON.stringify(
        indexes.length > 0 ? { storage: spec.storage, columns, indexes } : { storage: spec.storage, columns },
      ),
    )
    .digest('hex')
    .slice(0, 16);
}

/** The recorded version of `entity`, or null (none, or a value that is not one). */
export async function readSchemaVersion(state: StateAccess, entity: string): Promise<SchemaVersion | null> {
  return toSchemaVersion((await state.readState(schemaStateKey(entity)))?.value);
}

/**
 * Records each entity's version once its table matches its declaration:
 * unchanged when the recorded fingerprint is the declaration's, else one
 * more than the recorded version, by compare-and-set. Runs under the schema
 * lock, so callers with the same new declaration bump it once.
 */
export async function recordSchemaVersions(
  state: StateAccess,
  specs: readonly EntityTableSpec[],
  plans: readonly SchemaPlan[],
  now = Date.now(),
): Promise<AppliedSchema[]> {
  const applied: AppliedSchema[] = [];
  for (const [i, spec] of specs.entries()) {
    const plan = plans[i]!;
    const key = schemaStateKey(spec.entity);
    for (let attempt = 1; ; attempt++) {
      const stored = await state.readState(key);
      const recorded = toSchemaVersion(stored?.value);
      const done = (version: SchemaVersion) =>
        applied.push({
          entity: spec.entity,
          table: spec.table,
          created: !plan.exists,
          changes: plan.changes,
          statements: plan.statements,
          version,
          previousVersion: recorded?.version ?? null,
        });
      if (recorded?.fingerprint === plan.fingerprint) {
        done(recorded);
        break;
      }
      const next: SchemaVersion = {
        version: (recorded?.version ?? 0) + 1,
        fingerprint: plan.fingerprint,
        columns: spec.columns,
        appliedAt: now,
      };
      if ((await state.writeState(key, next, stored?.revision ?? null)) !== null) {
        done(next);
        break;
      }
      if (attempt === RECORD_ATTEMPTS) {
        throw new PolystoreError(
          'PS_ERR_STORE_QUERY',
          `The schema version of entity "${spec.entity}" kept changing under another writer (state key ${key})`,
          { field: spec.entity, fix: 'let only ensureSchema write schema/<entity> state keys, then run it again' },
        );
      }
    }
  }
  return applied;
}

function toSchemaVersion(value: unknown): SchemaVersion | null {
  const v = value as Partial<SchemaVersion> | null | undefined;
  if (typeof v !== 'object' || v === null) return null;
  if (!Number.isSafeInteger(v.version) || typeof v.fingerprint !== 'string' || !Array.isArray(v.columns)) return null;
  return {
    version: v.version!,
    fingerprint: v.fingerprint,
    columns: v.columns,
    appliedAt: typeof v.appliedAt === 'number' ? v.appliedAt : 0,
  };
}
