import type { ApplyResult } from '../../contracts/view-store.js';
import { wrapStoreError } from '../../errors/index.js';
import { quoteIdent } from '../../runtime/identifier.js';
import { type EncodedFacts, encodeFacts, type FactChange, factsOf } from './duckdb-rows.js';
import type { DuckDBSession, DuckDBTypeHandle } from './duckdb-session.js';
import { LEDGER_TABLE, STAGE_TABLE, type TableLayout } from './duckdb-table.js';

const STAGE = `temp.main.${STAGE_TABLE}`;
/** The ledger versions of the staged keys the ledger knows. */
const READ_HELD = `SELECT s.key, l.version FROM ${STAGE} s JOIN ${LEDGER_TABLE} l ON l.scope = $1 AND l.key = s.key`;
/** Moves the ledger entries the staged versions are newer than (the version guard, again in SQL). */
const UPDATE_OLDER = `UPDATE ${LEDGER_TABLE} AS l SET version = s.version, deleted = s.deleted FROM ${STAGE} s
  WHERE l.scope = $1 AND l.key = s.key AND s.version > l.version`;

/** Tables whose last batch held keys the ledger knew (updates, redeliveries): the next one starts guarded. */
const updating = new WeakSet<TableLayout>();

/**
 * Applies a batch in one transaction. Rolls back on any error.
 *
 * First try, for a batch of keys the view has never seen (a projector
 * catching up on creates): the ledger entries and the fact rows go in
 * through the appender, and the ledger's primary key refuses any key it
 * already holds. Its cost depends on the batch, not on the size of the view.
 *
 * When the ledger refuses (some key is known), the batch is rolled back and
 * applied guarded: its ledger entries are staged through the appender, one
 * join reads the versions held, the changes not newer are dropped, the new
 * keys' entries are appended, the replaced keys' entries are updated and
 * their rows deleted, and the new rows are appended. A redelivered or older
 * change writes nothing. After a batch with known keys, the next batch of
 * that table starts guarded; after one without, it tries the append again.
 */
export async function applyFacts(
  session: DuckDBSession,
  layout: TableLayout,
  changes: readonly FactChange[],
): Promise<ApplyResult> {
  const facts = encodeFacts(layout, changes);
  if (changes.length === 0) return { applied: 0, skipped: 0 };
  try {
    if (!updating.has(layout) && (await appendIfAllNew(session, layout, changes, facts))) {
      return { applied: changes.length, skipped: 0 };
    }
    const { applied, known } = await applyGuarded(session, layout, changes, facts);
    if (known) updating.add(layout);
    else updating.delete(layout);
    return { applied, skipped: changes.length - applied };
  } catch (err) {
    session.dropAppenders();
    await session.run('ROLLBACK').catch(() => undefined);
    throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', `The duckdb store could not apply a batch to "${layout.table}"`, {
      fix: 'the batch was rolled back; the cause holds the engine message',
    });
  }
}

/** Commits the batch when the ledger holds none of its keys; otherwise rolls back and returns false. */
async function appendIfAllNew(
  session: DuckDBSession,
  layout: TableLayout,
  changes: readonly FactChange[],
  facts: EncodedFacts,
): Promise<boolean> {
  await session.run('BEGIN TRANSACTION');
  try {
    await appendLedger(session, LEDGER_TABLE, changes, layout.table);
  } catch {
    // A key the ledger holds (the only way an append of fresh, unique keys fails): take the guarded path.
    session.dropAppenders();
    await session.run('ROLLBACK');
    return false;
  }
  await session.append(layout.table, factTypes(session, layout), facts.columns);
  await session.run('COMMIT');
  return true;
}

/** Applies the changes newer than the ledger in one transaction; returns how many, and whether any key was known. */
async function applyGuarded(
  session: DuckDBSession,
  layout: TableLayout,
  changes: readonly FactChange[],
  facts: EncodedFacts,
): Promise<{ applied: number; known: boolean }> {
  const { VARCHAR } = session.driver;
  const scope = layout.table;
  await session.run(`BEGIN TRANSACTION; DELETE FROM ${STAGE}`);
  await appendLedger(session, STAGE_TABLE, changes);
  const held = new Map(
    (await session.runPrepared(READ_HELD, [scope], [VARCHAR])).map((row) => [String(row.key), Number(row.version)]),
  );
  const freshAt = changes.flatMap((change, i) =>
    change.version > (held.get(change.key) ?? Number.NEGATIVE_INFINITY) ? [i] : [],
  );
  const fresh = freshAt.map((i) => changes[i]!);
  const replaced = fresh.filter((change) => held.has(change.key)).map((change) => change.key);
  await appendLedger(
    session,
    LEDGER_TABLE,
    fresh.filter((change) => !held.has(change.key)),
    scope,
  );
  if (replaced.length > 0) {
    await session.runPrepared(UPDATE_OLDER, [scope], [VARCHAR]);
    const [list, listType] = session.varcharList(replaced);
    await session.run(`DELETE FROM ${quoteIdent(layout.table)} WHERE _key IN (SELECT unnest($1))`, [list], [listType]);
  }
  await session.append(layout.table, factTypes(session, layout), factsOf(facts, freshAt));
  await session.run('COMMIT');
  return { applied: fresh.length, known: held.size > 0 };
}

/**
 * Appends the changes' ledger entries: to the ledger itself with their
 * scope, or (without a scope) to the staging table, which has no scope column.
 */
async function appendLedger(
  session: DuckDBSession,
  table: string,
  changes: readonly FactChange[],
  scope?: string,
): Promise<void> {
  const { VARCHAR, BIGINT, BOOLEAN } = session.driver;
  const entries = [
    changes.map((change) => change.key),
    changes.map((change) => BigInt(change.version)),
    changes.map((change) => change.value === null),
  ];
  if (scope === undefined) {
    await session.append(table, [VARCHAR, BIGINT, BOOLEAN], entries, 'temp');
  } else {
    const scopes = changes.map(() => scope);
    await session.append(table, [VARCHAR, VARCHAR, BIGINT, BOOLEAN], [scopes, ...entries]);
  }
}

/** The appender types of a fact table's columns: `_key` first. */
function factTypes(session: DuckDBSession, layout: TableLayout): DuckDBTypeHandle[] {
  const { VARCHAR, BIGINT, DOUBLE, BOOLEAN } = session.driver;
  // Dates and timestamps travel as VARCHAR; the appender casts them to the column type.
  const byType: Record<string, DuckDBTypeHandle> = { bigint: BIGINT, double: DOUBLE, boolean: BOOLEAN };
  return [VARCHAR, ...layout.columns.map((column) => byType[column.type] ?? VARCHAR)];
}
