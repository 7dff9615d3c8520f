import { randomUUID } from 'node:crypto';
import type { VersionEntry } from '../../contracts/view-store.js';
import { PolystoreError, wrapStoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';
import type { LmdbDatabase, LmdbRoot } from '../lmdb/lmdb-environment.js';
import type { LedgerEntry, LedgerWrite, OwnedGraph } from './kuzu-ledger.js';
import type { NodeOwners } from './kuzu-node-owners.js';
import { cypherName, type KuzuSession } from './kuzu-session.js';

/**
 * The graph's bookkeeping (the version ledger and node ownership) lives in
 * an LMDB file beside the Kuzu database, because Kuzu 0.11 finds a batch of
 * rows by key only with a hash join that scans the whole table: reading and
 * updating 500 ledger rows cost 14 ms next to 10^4 rows and 96 ms next to
 * 2·10^5 (PROFILE: HASH_JOIN_BUILD over every row). LMDB reads each key from
 * its B-tree, so a batch costs in proportion to the batch alone.
 *
 * Two engines, one outcome. Kuzu holds the truth of which batch committed:
 * a `_PsCommit` row whose `seq` each apply's transaction advances. Before
 * the graph transaction commits, the batch's new bookkeeping is written to
 * LMDB together with an undo record (the values it replaces, tagged with
 * the batch's `seq`) and synced. If the graph transaction then fails, or the
 * process dies before it commits, the undo record is newer than Kuzu's
 * `seq` and is rolled back, at once or on the next open; once Kuzu has
 * committed, the undo record is merely stale and the next batch replaces it.
 */
const COMMIT = cypherName('_PsCommit');
const COMMIT_DDL = `CREATE NODE TABLE IF NOT EXISTS ${COMMIT}(id STRING, seq INT64, generation STRING, PRIMARY KEY(id))`;
/** The one commit row. */
const ROW = 'c';

/** Bookkeeping tables of the formats before this one, held in the graph itself. */
const FORMER_TABLES = ['_PsVersion', '_PsNode'];

type LedgerRecord = { readonly v: number; readonly d: boolean; readonly o: OwnedGraph | null };
type NodeRecord = { readonly r: number; readonly l: NodeOwners['listings'] };
interface UndoRecord {
  readonly seq: number;
  readonly ledger: readonly (readonly [string, LedgerRecord | null])[];
  readonly nodes: readonly (readonly [string, NodeRecord | null])[];
}

/** String-keyed LMDB databases of the bookkeeping file (the lmdb adapter's structural view of the driver). */
type Db<V> = LmdbDatabase<string, V>;

/** A batch's bookkeeping: ledger entries to write and node ownership rows to write or remove. */
export interface BookkeepingWrite {
  readonly ledger: readonly LedgerWrite[];
  readonly owners: ReadonlyMap<string, NodeOwners>;
  readonly ownerRemovals: readonly string[];
}

export class GraphBookkeeping {
  #committed: number;

  private constructor(
    private readonly session: KuzuSession,
    private readonly root: LmdbRoot,
    private readonly ledgerDb: Db<LedgerRecord>,
    private readonly nodesDb: Db<NodeRecord>,
    private readonly metaDb: Db<unknown>,
    committed: number,
  ) {
    this.#committed = committed;
  }

  /**
   * Opens the bookkeeping of the graph `session` holds, from `${path}.psledger`,
   * and rolls back a batch the graph never committed.
   */
  static async open(session: KuzuSession, path: string): Promise<GraphBookkeeping> {
    await refuseFormerFormat(session);
    await session.runOnce(COMMIT_DDL);
    let commit = await readCommit(session);
    if (!commit) {
      commit = { seq: 0, generation: randomUUID() };
      await session.runOnce(`CREATE (:${COMMIT} {id: '${ROW}', seq: 0, generation: '${commit.generation}'})`);
    }
    const driver = await importDriver('lmdb', () => import('lmdb'));
    const root = driver.open({ path: `${path}.psledger`, maxDbs: 4 }) as unknown as LmdbRoot;
    try {
      const meta = root.openDB<string, unknown>({ name: 'meta' });
      const books = new GraphBookkeeping(
        session,
        root,
        root.openDB({ name: 'ledger' }),
        root.openDB({ name: 'nodes' }),
        meta,
        commit.seq,
      );
      await books.#adopt(commit);
      await books.recover();
      return books;
    } catch (err) {
      await root.close().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Pairs the LMDB file with this graph: a file of another graph (the graph
   * was removed and created again) is emptied while the graph is new, and a
   * graph that committed batches without its file is refused.
   */
  async #adopt(commit: { seq: number; generation: string }): Promise<void> {
    const generation = this.metaDb.get('generation');
    if (generation === commit.generation) return;
    if (commit.seq > 0) throw lostBookkeeping();
    await this.#write(() => {
      for (const db of [this.ledgerDb, this.nodesDb] as Db<unknown>[]) {
        for (const key of [...db.getRange({})].map((entry) => entry.key)) db.removeSync(key);
      }
      this.metaDb.removeSync('undo');
      this.metaDb.putSync('generation', commit.generation);
    });
  }

  /** The sequence number the next batch commits as. */
  get nextSeq(): number {
    return this.#committed + 1;
  }

  ledger(keys: readonly string[]): Map<string, LedgerEntry> {
    const entries = new Map<string, LedgerEntry>();
    for (const key of keys) {
      const record = this.ledgerDb.get(key);
      if (record) entries.set(key, { version: record.v, deleted: record.d, owned: record.o ?? undefined });
    }
    return entries;
  }

  owners(keys: Iterable<string>): Map<string, NodeOwners> {
    const owners = new Map<string, NodeOwners>();
    for (const key of keys) {
      const record = this.nodesDb.get(key);
      if (record) owners.set(key, { refs: record.r, listings: record.l });
    }
    return owners;
  }

  /** Every ledger entry of `scope`, by key. */
  list(scope: string): VersionEntry[] {
    // Scopes have no `/`, and `0` follows `/`: the range holds exactly the scope's keys.
    return [...this.ledgerDb.getRange({ start: `${scope}/`, end: `${scope}0` })].map(({ key, value }) => ({
      key: key.slice(scope.length + 1),
      version: value.v,
      deleted: value.d,
    }));
  }

  /**
   * Writes batch `seq`'s bookkeeping with the undo record of what it
   * replaces, synced: from here until the graph commits `seq`, a failure
   * leaves everything to `recover`, called at once or by the next open.
   */
  async stage(seq: number, batch: BookkeepingWrite): Promise<void> {
    await this.#write(() => {
      const ledger: [string, LedgerRecord | null][] = [];
      for (const write of batch.ledger) {
        ledger.push([write.k, this.ledgerDb.get(write.k) ?? null]);
        this.ledgerDb.putSync(write.k, {
          v: write.version,
          d: write.owned === undefined,
          o: write.owned ?? null,
        });
      }
      const nodes: [string, NodeRecord | null][] = [];
      for (const [key, owners] of batch.owners) {
        nodes.push([key, this.nodesDb.get(key) ?? null]);
        this.nodesDb.putSync(key, { r: owners.refs, l: owners.listings });
      }
      for (const key of batch.ownerRemovals) {
        nodes.push([key, this.nodesDb.get(key) ?? null]);
        this.nodesDb.removeSync(key);
      }
      this.metaDb.putSync('undo', { seq, ledger, nodes } satisfies UndoRecord);
    });
  }

  /** Records that the graph committed `seq`. */
  committed(seq: number): void {
    this.#committed = seq;
  }

  /**
   * Undoes a staged batch the graph has not committed. Reads the graph's
   * commit row first: a batch whose COMMIT failed may still have committed.
   */
  async recover(): Promise<void> {
    const undo = this.metaDb.get('undo') as UndoRecord | undefined;
    if (!undo || undo.seq <= this.#committed) return;
    const commit = await readCommit(this.session);
    if (commit && commit.seq >= undo.seq) {
      this.#committed = commit.seq;
      return;
    }
    await this.#write(() => {
      // Later entries of one key are older values (a key is written once per batch, removed at most once).
      for (const [key, record] of [...undo.ledger].reverse()) {
        if (record) this.ledgerDb.putSync(key, record);
        else this.ledgerDb.removeSync(key);
      }
      for (const [key, record] of [...undo.nodes].reverse()) {
        if (record) this.nodesDb.putSync(key, record);
        else this.nodesDb.removeSync(key);
      }
      this.metaDb.removeSync('undo');
    });
  }

  close(): Promise<void> {
    return this.root.close();
  }

  async #write(action: () => void): Promise<void> {
    try {
      await this.metaDb.transaction(action);
      await this.metaDb.flushed;
    } catch (err) {
      throw wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', 'The kuzu store could not write its bookkeeping file', {
        fix: 'check that the directory of the graph database is writable and has free space',
      });
    }
  }
}

/** The statement that records, inside an apply's transaction, that batch `$seq` committed. */
export const ADVANCE_COMMIT = `MATCH (c:${COMMIT} {id: '${ROW}'}) SET c.seq = $seq`;

async function readCommit(session: KuzuSession): Promise<{ seq: number; generation: string } | undefined> {
  const [row] = await session.run(`MATCH (c:${COMMIT} {id: '${ROW}'}) RETURN c.seq AS seq, c.generation AS generation`);
  return row ? { seq: Number(row.seq), generation: String(row.generation) } : undefined;
}

/**
 * Graphs written by earlier versions of the store kept their bookkeeping in
 * `_PsVersion` and `_PsNode` tables; an empty one is fine (its tables are
 * left alone), one with rows is refused rather than guessed at.
 */
async function refuseFormerFormat(session: KuzuSession): Promise<void> {
  const tables = new Set((await session.runOnce('CALL show_tables() RETURN name')).map((row) => String(row.name)));
  for (const table of FORMER_TABLES) {
    if (!tables.has(table)) continue;
    const [row] = await session.runOnce(`MATCH (v:${cypherName(table)}) RETURN count(*) AS n`);
    if (Number(row?.n) > 0) throw formerFormat();
  }
}

function formerFormat(): PolystoreError {
  return new PolystoreError(
    'PS_ERR_STORE_UNAVAILABLE',
    'The kuzu graph was written by an earlier version of the store that kept its version ledger inside the graph',
    {
      field: 'path',
      fix: 'remove the database file (and its .wal) and run `polystore check --repair` to rebuild the view from the home',
    },
  );
}

function lostBookkeeping(): PolystoreError {
  return new PolystoreError(
    'PS_ERR_STORE_UNAVAILABLE',
    'The kuzu graph has applied batches but its bookkeeping file (`<path>.psledger`) is missing or belongs to another graph',
    {
      field: 'path',
      fix: 'keep the .psledger file with its database; otherwise remove the database file (and its .wal and .psledger) and run `polystore check --repair` to rebuild the view from the home',
    },
  );
}
