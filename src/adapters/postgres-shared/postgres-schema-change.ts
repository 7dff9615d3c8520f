import type { ColumnType, EntityTableSpec } from '../../contracts/home-store.js';
import { quoteIdent } from '../../runtime/identifier.js';
import { type ExistingColumn, planSchemaChange } from '../sql-shared/schema-change.js';
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
 * Brings a relational entity table to its declared columns inside the
 * caller's schema transaction (PostgreSQL DDL is transactional, so a refused
 * or failed change leaves the table as it was): new optional fields become
 * nullable columns, required fields made optional lose NOT NULL; any other
 * change throws `PS_ERR_SCHEMA_CHANGE` (see planSchemaChange).
 */
export async function evolveTable(
  tx: PgExecutor,
  schema: string,
  spec: EntityTableSpec,
  context: StatementContext,
): Promise<void> {
  if (spec.storage === 'document') return;
  const rows = await runQuery<{ name: string; udt: string; nullable: string }>(
    tx,
    `SELECT column_name AS name, udt_name AS udt, is_nullable AS nullable FROM information_schema.columns
      WHERE table_schema = $1::text AND table_name = $2::text`,
    [schema, spec.table],
    context,
  );
  const existing: ExistingColumn[] = rows.map((row) => ({
    name: row.name,
    type: CATALOG_TYPES[row.udt],
    nullable: row.nullable === 'YES',
  }));
  const change = planSchemaChange(spec.entity, existing, spec.columns);
  const relation = `${quoteIdent(schema, 'schema')}.${quoteIdent(spec.table, 'table')}`;
  for (const column of change.add) {
    const name = quoteIdent(column.name, 'column');
    await runQuery(
      tx,
      `ALTER TABLE ${relation} ADD COLUMN IF NOT EXISTS ${name} ${SQL_TYPES[column.type]}`,
      [],
      context,
    );
  }
  for (const column of change.relax) {
    await runQuery(
      tx,
      `ALTER TABLE ${relation} ALTER COLUMN ${quoteIdent(column.name, 'column')} DROP NOT NULL`,
      [],
      context,
    );
  }
}
