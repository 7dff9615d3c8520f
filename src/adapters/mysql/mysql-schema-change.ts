import type { ColumnSpec, ColumnType, EntityTableSpec } from '../../contracts/home-store.js';
import { type ExistingColumn, planSchemaChange, type SchemaChange } from '../sql-shared/schema-change.js';
import type { HomeNames } from './mysql-ddl.js';
import type { MysqlPoolConnection } from './mysql-driver.js';
import { type StatementContext, selectRows } from './mysql-query.js';
import { SQL_TYPES } from './mysql-row-codec.js';
import { bind, quoteId, sql } from './mysql-sql.js';

/** How `information_schema.COLUMNS.DATA_TYPE` names each column type Polystore writes. */
const CATALOG_TYPES: Readonly<Record<string, ColumnType>> = {
  longtext: 'text',
  bigint: 'integer',
  double: 'double',
  tinyint: 'boolean',
  datetime: 'timestamp',
};

/**
 * Brings the relational entity tables to their declared columns (see
 * planSchemaChange). MariaDB commits each DDL statement by itself, so every
 * table's plan is made, and any breaking change refused, before the first
 * `ALTER`; the changes it then applies are additive and idempotent, so a
 * failure part-way is completed by the next `ensureSchema`.
 */
export async function evolveTables(
  connection: MysqlPoolConnection,
  names: HomeNames,
  database: string,
  specs: readonly EntityTableSpec[],
  context: StatementContext,
  run: (statement: string) => Promise<void>,
): Promise<void> {
  const plans: [EntityTableSpec, SchemaChange][] = [];
  for (const spec of specs) {
    if (spec.storage === 'document') continue;
    plans.push([
      spec,
      planSchemaChange(spec.entity, await readColumns(connection, database, spec, context), spec.columns),
    ]);
  }
  for (const [spec, change] of plans) {
    const relation = `${names.database}.${quoteId(spec.table, 'table')}`;
    for (const column of change.add)
      await run(`ALTER TABLE ${relation} ADD COLUMN IF NOT EXISTS ${definition(column)}`);
    for (const column of change.relax) await run(`ALTER TABLE ${relation} MODIFY COLUMN ${definition(column)}`);
  }
}

function definition(column: ColumnSpec): string {
  return `${quoteId(column.name, 'column')} ${SQL_TYPES[column.type]} NULL`;
}

/** A JSON column is a LONGTEXT with a `json_valid` check named after it. */
async function readColumns(
  connection: MysqlPoolConnection,
  database: string,
  spec: EntityTableSpec,
  context: StatementContext,
): Promise<ExistingColumn[]> {
  const rows = await selectRows<{ name: string; type: string; nullable: string }>(
    connection,
    sql`SELECT COLUMN_NAME AS name, DATA_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ${bind(database)} AND TABLE_NAME = ${bind(spec.table)}`,
    context,
  );
  const checks = await selectRows<{ name: string; clause: string }>(
    connection,
    sql`SELECT CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = ${bind(database)} AND TABLE_NAME = ${bind(spec.table)}`,
    context,
  );
  const json = new Set(checks.filter((c) => /json_valid/i.test(c.clause)).map((c) => c.name));
  return rows.map((row) => ({
    name: row.name,
    type: json.has(row.name) && row.type.toLowerCase() === 'longtext' ? 'json' : CATALOG_TYPES[row.type.toLowerCase()],
    nullable: row.nullable === 'YES',
  }));
}
