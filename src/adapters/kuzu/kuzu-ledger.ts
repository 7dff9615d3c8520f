import type { GraphValue } from '../../contracts/graph-store.js';
import type { VersionEntry } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { ROWS } from './kuzu-columns.js';
import { NODE_OWNERS_DDL, type NodeProperties } from './kuzu-node-owners.js';
import { cypherName, type KuzuSession } from './kuzu-session.js';

/**
 * The version ledger: one `_PsVersion` node per `${scope}/${key}`, holding the
 * newest applied version, a tombstone flag and, as JSON, the part of the
 * graph the key owns (so a newer version or a delete can remove exactly that).
 */
const LEDGER = cypherName('_PsVersion');

const LEDGER_DDL = `CREATE NODE TABLE IF NOT EXISTS ${LEDGER}(k STRING, scope STRING, version INT64, deleted BOOLEAN, owned STRING, PRIMARY KEY(k))`;

/** A node the record lists, with the properties it gives (keys sorted; a given null counts). */
export type OwnedNode = readonly [label: string, id: string, properties: NodeProperties];

/** An edge the record emitted: endpoints' ids and properties (keys sorted, nulls dropped). */
export type OwnedEdge = readonly [
  type: string,
  from: string,
  to: string,
  properties: Readonly<Record<string, GraphValue>>,
];

/** Everything one record contributes to the graph; edges keep their multiplicity. */
export interface OwnedGraph {
  readonly n: readonly OwnedNode[];
  readonly e: readonly OwnedEdge[];
}

export interface LedgerEntry {
  readonly version: number;
  readonly deleted: boolean;
  /** Undefined for tombstones. */
  readonly owned: OwnedGraph | undefined;
}

export interface LedgerWrite {
  readonly k: string;
  readonly version: number;
  readonly owned: OwnedGraph | undefined;
}

/**
 * Scopes may not contain `/`, so the first `/` of a ledger key always ends
 * the scope and `${scope}/${key}` is unambiguous.
 */
export function ledgerKey(scope: string, key: string): string {
  return `${scope}/${key}`;
}

export function assertScope(scope: string): void {
  if (typeof scope !== 'string' || scope.length === 0 || scope.includes('/')) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A graph scope must be a non-empty string without "/"', {
      field: 'scope',
      fix: 'use the entity or projector name as the scope',
    });
  }
}

export async function readLedger(session: KuzuSession, keys: readonly string[]): Promise<Map<string, LedgerEntry>> {
  const rows = await session.run(
    `UNWIND $keys AS key MATCH (v:${LEDGER}) WHERE v.k = key RETURN v.k AS k, v.version AS version, v.deleted AS deleted, v.owned AS owned`,
    { keys: [...keys] },
  );
  const entries = new Map<string, LedgerEntry>();
  for (const row of rows) {
    const owned = typeof row.owned === 'string' && row.owned !== '' ? parseOwned(row.owned) : undefined;
    entries.set(String(row.k), { version: Number(row.version), deleted: row.deleted === true, owned });
  }
  return entries;
}

/** Updates the entries that exist by key and creates the others (see kuzu-columns for the statement shape). */
export async function writeLedger(
  session: KuzuSession,
  scope: string,
  writes: readonly LedgerWrite[],
  existing: ReadonlySet<string>,
): Promise<void> {
  const columns = (rows: readonly LedgerWrite[]) => ({
    ids: rows.map((write) => write.k),
    version: rows.map((write) => write.version),
    deleted: rows.map((write) => write.owned === undefined),
    owned: rows.map((write) => (write.owned === undefined ? '' : JSON.stringify(write.owned))),
  });
  const updates = writes.filter((write) => existing.has(write.k));
  const creates = writes.filter((write) => !existing.has(write.k));
  if (updates.length > 0) {
    await session.run(
      `${ROWS} WITH i, $ids[i] AS key MATCH (v:${LEDGER}) WHERE v.k = key ` +
        'SET v.version = $version[i], v.deleted = $deleted[i], v.owned = $owned[i]',
      columns(updates),
    );
  }
  if (creates.length > 0) {
    await session.run(
      `${ROWS} CREATE (:${LEDGER} {k: $ids[i], scope: $scope, version: $version[i], deleted: $deleted[i], owned: $owned[i]})`,
      { ...columns(creates), scope },
    );
  }
}

export async function listLedger(session: KuzuSession, scope: string): Promise<VersionEntry[]> {
  const rows = await session.run(
    `MATCH (v:${LEDGER}) WHERE v.scope = $scope RETURN v.k AS k, v.version AS version, v.deleted AS deleted ORDER BY v.k`,
    { scope },
  );
  return rows.map((row) => ({
    key: String(row.k).slice(scope.length + 1),
    version: Number(row.version),
    deleted: row.deleted === true,
  }));
}

/** Owned graphs written before node ownership was tracked list edges by type only: they cannot be undone exactly. */
function parseOwned(json: string): OwnedGraph {
  const owned = JSON.parse(json) as Partial<OwnedGraph>;
  if (!Array.isArray(owned.n) || !Array.isArray(owned.e)) throw olderFormat();
  return owned as OwnedGraph;
}

/**
 * Creates the store's bookkeeping tables. A database whose ledger predates
 * node ownership (`_PsVersion` rows but no `_PsNode` table) is refused: its
 * node reference counts are unknown, and guessing them would let a later
 * delete remove nodes other records still point at.
 */
export async function openBookkeeping(session: KuzuSession): Promise<void> {
  const tables = new Set((await session.runOnce('CALL show_tables() RETURN name')).map((row) => String(row.name)));
  if (tables.has('_PsVersion') && !tables.has('_PsNode')) {
    const [row] = await session.runOnce(`MATCH (v:${LEDGER}) RETURN count(*) AS n`);
    if (Number(row?.n) > 0) throw olderFormat();
  }
  await session.runOnce(LEDGER_DDL);
  await session.runOnce(NODE_OWNERS_DDL);
}

function olderFormat(): PolystoreError {
  return new PolystoreError(
    'PS_ERR_STORE_UNAVAILABLE',
    'The kuzu graph was written by an earlier version of the store that did not track which records own each node',
    {
      field: 'path',
      fix: 'remove the database file (and its .wal) and run `polystore check --repair` to rebuild the view from the home',
    },
  );
}
