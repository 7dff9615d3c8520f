import type { ColumnChange, ColumnType, EntityTableSpec } from '../../contracts/home-store.js';
import { quoteIdent } from '../../runtime/identifier.js';
import type { ExistingColumn, TableCatalogue } from '../sql-shared/schema-change.js';
import type { PgExecutor } from './pg-executor.js';
import { runQuery, type StatementContext } from './pg-query.js';
import { SQL_TYPES } from './row-codec.js';

/** How the catalogue names each column type Polystore writes (`udt_name`). */
const CATALOG_TYPES: Readonly<Record<string, ColumnType>> = {
  text: 'text',
  int8: 'integer',
  float8: 'double',
  bool: 'boolean',
  timestamptz: 'timestamp',
  jsonb: 'json',
};

/**
 * The live tables of the home's schema, read on `exec`: `ensureSchema` plans
 * with it inside its schema transaction and runs the statements there
 * (PostgreSQL DDL is transactional, so a refused or failed change leaves
 * every table as it was); `planSchema` on a plain connection.
 */
export function postgresCatalogue(exec: PgExecutor, schema: string, context: StatementContext): TableCatalogue {
  return {
    columns: (table) => readColumns(exec, schema, table, context),
    indexes: async (table) =>
      (
        await runQuery<{ name: string }>(
          exec,
          'SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1::text AND tablename = $2::text',
          [schema, table],
          context,
        )
      ).map((row) => row.name),
    statements: (spec, changes) => alterStatements(schema, spec, changes),
  };
}

/**
 * New optional fields become nullable columns, required fields made optional
 * lose NOT NULL, integers widened to doubles change type in place (the
 * table is rewritten under an exclusive lock).
 */
function alterStatements(schema: string, spec: EntityTableSpec, changes: readonly ColumnChange[]): string[] {
  const relation = `${quoteIdent(schema, 'schema')}.${quoteIdent(spec.table, 'table')}`;
  return changes.map((change) => {
    if (change.kind === 'index') {
      // A document's field is indexed as its text (`doc->>'field'`), a relational one as its column.
      const keys = change.index.fields.map((field) =>
        spec.storage === 'document'
          ? `(doc->>'${quoteIdent(field, 'field').slice(1, -1)}')`
          : quoteIdent(field, 'column'),
      );
      return `CREATE INDEX IF NOT EXISTS ${quoteIdent(change.index.name, 'index')} ON ${relation} (${keys.join(', ')})`;
    }
    const { kind, column } = change;
    const name = quoteIdent(column.name, 'column');
    if (kind === 'add') return `ALTER TABLE ${relation} ADD COLUMN IF NOT EXISTS ${name} ${SQL_TYPES[column.type]}`;
    if (kind === 'relax') return `ALTER TABLE ${relation} ALTER COLUMN ${name} DROP NOT NULL`;
    return `ALTER TABLE ${relation} ALTER COLUMN ${name} TYPE ${SQL_TYPES[column.type]}`;
  });
}

/** The columns of `table` (none when it does not exist). */
async function readColumns(
  exec: PgExecutor,
  schema: string,
  table: string,
  context: StatementContext,
): Promise<ExistingColumn[]> {
  const rows = await runQuery<{ name: string; udt: string; nullable: string }>(
    exec,
    `SELECT column_name AS name, udt_name AS udt, is_nullable AS nullable FROM information_schema.columns
      WHERE table_schema = $1::text AND table_name = $2::text`,
    [schema, table],
    context,
  );
  return rows.map((row) => ({ name: row.name, type: CATALOG_TYPES[row.udt], nullable: row.nullable === 'YES' }));
}
