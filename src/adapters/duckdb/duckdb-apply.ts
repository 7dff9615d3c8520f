import type { ApplyResult } from '../../contracts/view-store.js';
import { wrapStoreError } from '../../errors/index.js';
import { quoteIdent } from '../../runtime/identifier.js';
import { checkFactChanges, type FactChange, toColumns } from './duckdb-rows.js';
import { CHUNK_ROWS, type DuckDBSession, type DuckDBTypeHandle } from './duckdb-session.js';
import type { TableLayout } from './duckdb-table.js';

const READ_LEDGER = 'SELECT key, version FROM _ps_versions WHERE scope = $1 AND key IN (SELECT unnest($2))';
const WRITE_LEDGER = `INSERT INTO _ps_versions (scope, key, version, deleted)
  SELECT $1, unnest($2), unnest($3), unnest($4)
  ON CONFLICT (scope, key) DO UPDATE SET version = excluded.version, deleted = excluded.deleted`;

/**
 * Applies a batch in one transaction: reads the ledger versions of the
 * batch's keys, drops the changes that are not newer, deletes the rows of
 * replaced keys, appends the new rows through the appender and upserts the
 * ledger. Rolls back on any error.
 */
export async function applyFacts(
  session: DuckDBSession,
  layout: TableLayout,
  changes: readonly FactChange[],
): Promise<ApplyResult> {
  checkFactChanges(layout, changes);
  if (changes.length === 0) return { applied: 0, skipped: 0 };
  const { VARCHAR } = session.driver;
  const scope = layout.table;
  try {
    await session.run('BEGIN TRANSACTION');
    const [keys, keysType] = session.varcharList(changes.map((change) => change.key));
    const held = new Map(
      (await session.read(READ_LEDGER, [scope, keys], [VARCHAR, keysType])).map((row) => [
        String(row.key),
        Number(row.version),
      ]),
    );
    const fresh = changes.filter((change) => change.version > (held.get(change.key) ?? Number.NEGATIVE_INFINITY));
    if (fresh.length > 0) {
      // Only keys the ledger knows can have rows; first-time keys skip the delete.
      const replaced = fresh.filter((change) => held.has(change.key)).map((change) => change.key);
      if (replaced.length > 0) {
        const [list, listType] = session.varcharList(replaced);
        await session.run(
          `DELETE FROM ${quoteIdent(layout.table)} WHERE _key IN (SELECT unnest($1))`,
          [list],
          [listType],
        );
      }
      await appendRows(session, layout, toColumns(layout, fresh));
      await writeLedger(session, scope, fresh);
    }
    await session.run('COMMIT');
    return { applied: fresh.length, skipped: changes.length - fresh.length };
  } catch (err) {
    await session.run('ROLLBACK').catch(() => undefined);
    throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', `The duckdb store could not apply a batch to "${layout.table}"`, {
      fix: 'the batch was rolled back; the cause holds the engine message',
    });
  }
}

/** Appends whole data chunks (one native call per 2048 rows) inside the open transaction. */
async function appendRows(session: DuckDBSession, layout: TableLayout, columns: readonly unknown[][]): Promise<void> {
  const rowCount = columns[0]?.length ?? 0;
  if (rowCount === 0) return;
  const { DuckDBDataChunk, VARCHAR, BIGINT, DOUBLE, BOOLEAN } = session.driver;
  // Dates and timestamps travel as VARCHAR; the appender casts them to the column type.
  const byType: Record<string, DuckDBTypeHandle> = { bigint: BIGINT, double: DOUBLE, boolean: BOOLEAN };
  const types = [VARCHAR, ...layout.columns.map((column) => byType[column.type] ?? VARCHAR)];
  const appender = await session.connection.createAppender(layout.table);
  try {
    for (let start = 0; start < rowCount; start += CHUNK_ROWS) {
      const end = Math.min(start + CHUNK_ROWS, rowCount);
      const chunk = DuckDBDataChunk.create(types, end - start);
      chunk.setColumns(columns.map((column) => column.slice(start, end)));
      appender.appendDataChunk(chunk);
    }
  } finally {
    appender.closeSync();
  }
}

async function writeLedger(session: DuckDBSession, scope: string, changes: readonly FactChange[]): Promise<void> {
  const { VARCHAR, BIGINT, BOOLEAN, LIST, listValue } = session.driver;
  await session.run(
    WRITE_LEDGER,
    [
      scope,
      listValue(changes.map((change) => change.key)),
      listValue(changes.map((change) => BigInt(change.version))),
      listValue(changes.map((change) => change.value === null)),
    ],
    [VARCHAR, LIST(VARCHAR), LIST(BIGINT), LIST(BOOLEAN)],
  );
}
