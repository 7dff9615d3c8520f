import type { VersionEntry } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { cypherName, type KuzuSession } from './kuzu-session.js';

/**
 * The version ledger: one `_PsVersion` node per `${scope}/${key}`, holding the
 * newest applied version, a tombstone flag and, as JSON, the part of the
 * graph the key owns (so a newer version or a delete can remove it).
 */
const LEDGER = cypherName('_PsVersion');

export const LEDGER_DDL = `CREATE NODE TABLE IF NOT EXISTS ${LEDGER}(k STRING, scope STRING, version INT64, deleted BOOLEAN, owned STRING, PRIMARY KEY(k))`;

/** Nodes by `[label, id]`; edges by type only, since every edge carries its `_owner`. */
export interface OwnedGraph {
  readonly nodes: readonly (readonly [label: string, id: string])[];
  readonly edges: readonly string[];
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
    const owned = typeof row.owned === 'string' && row.owned !== '' ? (JSON.parse(row.owned) as OwnedGraph) : undefined;
    entries.set(String(row.k), { version: Number(row.version), deleted: row.deleted === true, owned });
  }
  return entries;
}

export async function writeLedger(session: KuzuSession, scope: string, writes: readonly LedgerWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const rows = writes.map((write) => ({
    k: write.k,
    s: scope,
    v: write.version,
    d: write.owned === undefined,
    o: write.owned === undefined ? '' : JSON.stringify(write.owned),
  }));
  await session.run(
    `UNWIND $rows AS r MERGE (v:${LEDGER} {k: r.k}) SET v.scope = r.s, v.version = r.v, v.deleted = r.d, v.owned = r.o`,
    { rows },
  );
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
