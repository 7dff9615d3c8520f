import type { ColumnChange, ColumnSpec, ColumnType, EntityIndex, EntityTableSpec } from '../../contracts/home-store.js';
import { PolystoreError } from '../../errors/index.js';
import type { ExistingColumn, TableCatalogue } from '../sql-shared/schema-change.js';
import type { HomeNames } from './mysql-ddl.js';
import type { MysqlExecutor } from './mysql-driver.js';
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
 * The live tables of the home's database, read on `exec`. MariaDB commits
 * each DDL statement by itself, so `ensureSchema` makes every table's plan,
 * and refuses any breaking change, before the first `ALTER`; the statements
 * are additive and idempotent, so a failure part-way is completed by the
 * next `ensureSchema`.
 */
export function mysqlCatalogue(
  exec: MysqlExecutor,
  names: HomeNames,
  database: string,
  context: StatementContext,
): TableCatalogue {
  return {
    columns: (table) => readColumns(exec, database, table, context),
    indexes: async (table) =>
      (
        await selectRows<{ name: string }>(
          exec,
          sql`SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS
            WHERE TABLE_SCHEMA = ${bind(database)} AND TABLE_NAME = ${bind(table)}`,
          context,
        )
      ).map((row) => row.name),
    statements: (spec, changes) => alterStatements(names, spec, changes),
  };
}

/**
 * New optional fields become nullable columns; a column made optional or
 * widened (integer to double) is redefined once with its declared type and
 * nullability (`MODIFY` copies the table).
 */
function alterStatements(names: HomeNames, spec: EntityTableSpec, changes: readonly ColumnChange[]): string[] {
  const relation = `${names.database}.${quoteId(spec.table, 'table')}`;
  const statements: string[] = [];
  const modified = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'index') {
      statements.push(indexStatement(relation, spec, change.index));
      continue;
    }
    const { kind, column } = change;
    if (kind === 'add') statements.push(`ALTER TABLE ${relation} ADD COLUMN IF NOT EXISTS ${definition(column)}`);
    else if (!modified.has(column.name)) {
      modified.add(column.name);
      statements.push(`ALTER TABLE ${relation} MODIFY COLUMN ${definition(column)}`);
    }
  }
  return statements;
}

/** Text columns are LONGTEXT, indexed by their first 255 characters; JSON columns and documents cannot be indexed here. */
function indexStatement(relation: string, spec: EntityTableSpec, index: EntityIndex): string {
  const columns = new Map(spec.columns.map((c) => [c.name, c]));
  const keys = index.fields.map((field) => {
    const column = columns.get(field);
    if (spec.storage === 'document' || !column || column.type === 'json') {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The mysql home cannot index "${field}" of entity "${spec.entity}": ${spec.storage === 'document' ? 'it stores documents' : 'it is a JSON field'}`,
        {
          field: 'indexes',
          fix: 'index scalar fields of a relational entity on MariaDB, or use a PostgreSQL home (which indexes document fields)',
        },
      );
    }
    return column.type === 'text' ? `${quoteId(field, 'column')}(255)` : quoteId(field, 'column');
  });
  return `CREATE INDEX IF NOT EXISTS ${quoteId(index.name, 'index')} ON ${relation} (${keys.join(', ')})`;
}

function definition(column: ColumnSpec): string {
  return `${quoteId(column.name, 'column')} ${SQL_TYPES[column.type]} ${column.nullable ? 'NULL' : 'NOT NULL'}`;
}

/** The columns of `table` (none when it does not exist). A JSON column is a LONGTEXT with a `json_valid` check named after it. */
async function readColumns(
  exec: MysqlExecutor,
  database: string,
  table: string,
  context: StatementContext,
): Promise<ExistingColumn[]> {
  const rows = await selectRows<{ name: string; type: string; nullable: string }>(
    exec,
    sql`SELECT COLUMN_NAME AS name, DATA_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ${bind(database)} AND TABLE_NAME = ${bind(table)}`,
    context,
  );
  const checks = await selectRows<{ name: string; clause: string }>(
    exec,
    sql`SELECT CONSTRAINT_NAME AS name, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = ${bind(database)} AND TABLE_NAME = ${bind(table)}`,
    context,
  );
  const json = new Set(checks.filter((c) => /json_valid/i.test(c.clause)).map((c) => c.name));
  return rows.map((row) => ({
    name: row.name,
    type: json.has(row.name) && row.type.toLowerCase() === 'longtext' ? 'json' : CATALOG_TYPES[row.type.toLowerCase()],
    nullable: row.nullable === 'YES',
  }));
}
