import type { AnalyticsColumnType, AnalyticsTableSpec } from '../../contracts/analytics-store.js';
import { PolystoreError } from '../../errors/index.js';
import { assertIdentifier, quoteIdent } from '../../runtime/identifier.js';
import type { DuckDBSession } from './duckdb-session.js';

/** A fact table as the database holds it: `_key` first, then columns in table order. */
export interface TableLayout {
  readonly table: string;
  readonly columns: readonly { readonly name: string; readonly type: AnalyticsColumnType }[];
}

/** The version ledger shared by every fact table; the table name is the scope. Columns in this order. */
export const LEDGER_TABLE = '_ps_versions';
export const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE}(scope VARCHAR, key VARCHAR, version BIGINT, deleted BOOLEAN, PRIMARY KEY (scope, key))`;

/** The connection's own staging table (in `temp`, gone when the store closes) for a batch's ledger entries. */
export const STAGE_TABLE = '_ps_stage';
export const STAGE_DDL = `CREATE TEMP TABLE IF NOT EXISTS ${STAGE_TABLE}(key VARCHAR, version BIGINT, deleted BOOLEAN)`;

const SQL_TYPES: Record<AnalyticsColumnType, string> = {
  varchar: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/**
 * Creates the table if needed and adds declared columns it lacks (a table
 * created by an earlier spec keeps its other columns, which applies fill with
 * NULL). A declared column that exists with another type is refused.
 */
export async function ensureFactTable(session: DuckDBSession, spec: AnalyticsTableSpec): Promise<TableLayout> {
  const table = assertTableName(spec.table);
  const declared = Object.entries(spec.columns).map(([name, type]) => {
    assertIdentifier(name, `column of ${table}`);
    if (name.toLowerCase() === '_key') {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The column "_key" of "${table}" is reserved by the duckdb store`,
        {
          field: name,
          fix: 'remove it; the store keeps the source key in `_key`',
        },
      );
    }
    if (!Object.hasOwn(SQL_TYPES, type)) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The column "${name}" of "${table}" has an unsupported type`, {
        field: name,
        fix: 'use one of varchar, bigint, double, boolean, date, timestamp',
      });
    }
    return { name, type };
  });
  const columns = declared.map(({ name, type }) => `, ${quoteIdent(name)} ${SQL_TYPES[type]}`).join('');
  await session.run(`CREATE TABLE IF NOT EXISTS ${quoteIdent(table)}("_key" VARCHAR NOT NULL${columns})`);

  const existing = await readColumns(session, table);
  for (const { name, type } of declared) {
    const current = existing.find((column) => column.name.toLowerCase() === name.toLowerCase());
    if (current === undefined) {
      await session.run(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(name)} ${SQL_TYPES[type]}`);
    } else if (current.sqlType !== SQL_TYPES[type]) {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The column "${name}" of "${table}" already exists with type ${current.sqlType}`,
        {
          field: name,
          fix: 'keep the column type, or declare a new column or table',
        },
      );
    }
  }
  const layout = await loadLayout(session, table);
  if (!layout)
    throw new PolystoreError('PS_ERR_STORE_QUERY', `The duckdb store could not read back the table "${table}"`);
  return layout;
}

/** The layout of an existing fact table, from the catalog; undefined when the table does not exist. */
export async function loadLayout(session: DuckDBSession, table: string): Promise<TableLayout | undefined> {
  const existing = await readColumns(session, table);
  if (existing.length === 0) return undefined;
  if (existing[0]?.name !== '_key') {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The table "${table}" was not created by the duckdb store`, {
      fix: 'use another table name, or let ensureTable create the table',
    });
  }
  const columns = existing.slice(1).map(({ name, sqlType }) => {
    const type = (Object.keys(SQL_TYPES) as AnalyticsColumnType[]).find(
      (candidate) => SQL_TYPES[candidate] === sqlType,
    );
    if (type === undefined) {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The column "${name}" of "${table}" has the unsupported type ${sqlType}`,
        {
          field: name,
          fix: 'fact tables hold varchar, bigint, double, boolean, date and timestamp columns only',
        },
      );
    }
    return { name, type };
  });
  return { table, columns };
}

/** Fact table names are identifiers outside the store's `_ps_` prefix. */
export function assertTableName(table: string): string {
  assertIdentifier(table, 'analytics table');
  if (table.toLowerCase().startsWith('_ps_')) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The analytics table "${table}" uses the reserved prefix "_ps_"`,
      {
        field: 'table',
        fix: 'rename the table; names starting with `_ps_` belong to the store',
      },
    );
  }
  return table;
}

async function readColumns(session: DuckDBSession, table: string): Promise<{ name: string; sqlType: string }[]> {
  const rows = await session.read(
    `SELECT column_name AS name, data_type AS type FROM information_schema.columns
     WHERE table_catalog = current_database() AND table_schema = 'main' AND lower(table_name) = lower($1)
     ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((row) => ({ name: String(row.name), sqlType: String(row.type) }));
}
