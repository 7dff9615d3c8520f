import type { GraphFragment, GraphParam, GraphSchemaSpec, GraphStore } from '../../contracts/graph-store.js';
import type { StoreMetric } from '../../contracts/store-metrics.js';
import type { ApplyResult, VersionEntry, VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError, wrapStoreError } from '../../errors/index.js';
import { diskSize } from '../../runtime/disk-size.js';
import { isIdentifier } from '../../runtime/identifier.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { applyGraphChanges } from './kuzu-apply.js';
import { GraphBookkeeping } from './kuzu-bookkeeping.js';
import { assertScope } from './kuzu-ledger.js';
import { EMPTY_SCHEMA, ensureKuzuSchema, type KuzuSchema } from './kuzu-schema.js';
import { type KuzuEngineOptions, type KuzuParams, KuzuSession, toPlainValue } from './kuzu-session.js';

export interface KuzuStoreOptions {
  /**
   * Path of the on-disk database. Kuzu keeps it in this file (plus a `.wal`
   * beside it), the store its version ledger in `<path>.psledger` (LMDB, so
   * the `lmdb` package is needed too). One store per path per process.
   */
  readonly path: string;
  /**
   * Kuzu checkpoints (writes its changes into the database file) whenever
   * its write-ahead log passes this size. Default 256 MiB, Kuzu's own is
   * 16 MiB: a checkpoint costs in proportion to the tables it touches, not
   * to the log, so at 16 MiB one in every two or three 10 000-event applies
   * of a 3·10^5-order graph paid 0.3–2 s for it (COMMIT 8.9 s of a 31 s load);
   * at 256 MiB the same load took 23 s. A larger log is replayed at the next
   * open after a crash.
   */
  readonly checkpointThresholdBytes?: number;
  /**
   * The most memory Kuzu's buffer pool may take. Default: Kuzu's own, 80% of
   * the machine's memory, which a big graph fills over time (4.1 GB of native
   * memory in the e-commerce demo at scale 100); a smaller pool bounds the
   * process at the cost of reading more pages from disk.
   */
  readonly bufferPoolBytes?: number;
}

const MIB = 1024 * 1024;
const DEFAULT_CHECKPOINT_THRESHOLD = 256 * MIB;

/**
 * Kuzu 0.11 finds rows by key in a batch (updated and removed nodes,
 * replaced edges) with hash joins that scan the whole table, so such applies
 * cost in proportion to the view as well as to the batch; big batches spread
 * that scan. Twenty times the default batch: the e-commerce orders graph at
 * scale 10 (10^5 nodes), store alone, runs alternating on a loaded machine,
 * applied 451-500 events/s in batches of 500 and 742-787 in batches of 10 000.
 */
const KUZU_BATCH_SIZE = 10_000;

/**
 * A graph view in an embedded Kuzu database. Writes are serialised (Kuzu
 * has a single writer) and each `applyIfNewer` batch is one transaction, so
 * an apply is durable when its promise resolves.
 */
class KuzuGraphStore implements GraphStore {
  readonly kind = 'graph';
  readonly driver = 'kuzu';
  /** Only this process sees what it holds: other processes query it through view replicas. */
  readonly processLocal = true;
  readonly durability = 'immediate';
  readonly batchSize = KUZU_BATCH_SIZE;
  readonly #guard: RuntimeGuard<KuzuRuntime>;
  #schema: KuzuSchema = EMPTY_SCHEMA;

  constructor(
    private readonly path: string,
    engine: KuzuEngineOptions,
  ) {
    this.#guard = new RuntimeGuard(
      'kuzu',
      () => openRuntime(path, engine),
      (runtime) => closeRuntime(runtime),
      { serialize: true },
    );
  }

  async ready(): Promise<void> {
    await this.#guard.client();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  /** The database's size on disk with its write-ahead log and version ledger, for metrics. */
  async collectMetrics(): Promise<StoreMetric[]> {
    const files = [this.path, `${this.path}.wal`, `${this.path}.psledger`];
    return [{ name: 'polystore_store_size_bytes', value: await diskSize(files) }];
  }

  ensureSchema(spec: GraphSchemaSpec): Promise<void> {
    return this.#guard.run(async ({ session }) => {
      try {
        this.#schema = await ensureKuzuSchema(session, this.#schema, spec);
      } catch (err) {
        // A half-applied spec is fine (every statement is idempotent), but the cache must not outlive it.
        session.resetStatements();
        throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', 'The kuzu store could not create its schema', {
          fix: 'the cause holds the engine message; ensureSchema is idempotent and can be retried',
        });
      }
    });
  }

  applyIfNewer(scope: string, changes: readonly VersionedChange<GraphFragment>[]): Promise<ApplyResult> {
    return this.#guard.run((runtime) =>
      applyGraphChanges(runtime.session, runtime.books, this.#schema, scope, changes, () =>
        this.#guard.discard(runtime),
      ),
    );
  }

  async listVersions(scope: string): Promise<VersionEntry[]> {
    assertScope(scope);
    return this.#guard.run(async ({ books }) => {
      try {
        return books.list(scope);
      } catch (err) {
        throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', 'The kuzu store could not read its version ledger');
      }
    });
  }

  /** Applies are durable once committed; flushing only checks the store is open. */
  async flush(): Promise<void> {
    await this.#guard.client();
  }

  /**
   * Runs a parameterised Cypher read and returns plain row objects (INT128
   * aggregates become numbers when exact). Meant for reads: a write here
   * bypasses the version ledger and is lost on the next replay of its owner.
   */
  async query<R = Record<string, unknown>>(
    cypher: string,
    params: Readonly<Record<string, GraphParam>> = {},
  ): Promise<R[]> {
    checkParams(params);
    return this.#guard.run(async ({ session }) => {
      try {
        const rows = await session.runOnce(cypher, { ...params } as KuzuParams);
        return rows.map((row) => toPlainValue(row) as R);
      } catch (err) {
        throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', 'The kuzu store rejected a query', {
          fix: 'check the Cypher syntax and that every $parameter is supplied; the cause holds the engine message',
        });
      }
    });
  }
}

/**
 * Only GraphParams reach the engine: the driver turns an object into a
 * STRUCT (or a mixed list into a LIST) that compares unequal to every
 * property, so such a query would silently return no rows. A list of strings
 * is a LIST of STRING, for `UNWIND $ids AS id`.
 */
function checkParams(params: Readonly<Record<string, unknown>>): void {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'Cypher parameters must be an object of named values', {
      field: 'params',
      fix: 'pass e.g. { id: "u1" } and refer to it as $id',
    });
  }
  for (const [name, value] of Object.entries(params)) {
    const scalar =
      value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number';
    if (scalar || (Array.isArray(value) && value.every((item) => typeof item === 'string'))) continue;
    const shown = isIdentifier(name) ? `"${name}"` : '(a name that is not an identifier)';
    throw new PolystoreError(
      'PS_ERR_INVALID_ARGUMENT',
      `The Cypher parameter ${shown} is not a string, number, boolean, null or list of strings`,
      {
        field: isIdentifier(name) ? name : 'params',
        fix: 'pass one parameter per scalar value (e.g. $minPrice, $maxPrice instead of an object)',
      },
    );
  }
}

/** The open database and its bookkeeping file. */
interface KuzuRuntime {
  readonly session: KuzuSession;
  readonly books: GraphBookkeeping;
}

async function openRuntime(path: string, engine: KuzuEngineOptions): Promise<KuzuRuntime> {
  const session = await KuzuSession.open(path, engine);
  try {
    return { session, books: await GraphBookkeeping.open(session, path) };
  } catch (err) {
    await session.close().catch(() => undefined);
    throw wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', 'The kuzu store could not open its version ledger');
  }
}

async function closeRuntime(runtime: KuzuRuntime): Promise<void> {
  try {
    await runtime.books.close();
  } finally {
    await runtime.session.close();
  }
}

/**
 * Creates a graph view backed by an embedded Kuzu database. Nothing is
 * loaded or opened until first use; the `kuzu` package (an optional peer) is
 * imported lazily.
 *
 * @example
 * import { kuzuStore } from 'polystore/kuzu';
 *
 * const graph = kuzuStore({ path: './data/graph.kuzu' });
 * await graph.ensureSchema({
 *   nodes: { User: { name: 'string' }, Product: { price: 'double' } },
 *   edges: { BOUGHT: { from: 'User', to: 'Product', properties: { qty: 'int64' } } },
 * });
 * await graph.applyIfNewer('orders', [
 *   {
 *     key: 'o1',
 *     version: 1,
 *     value: {
 *       nodes: [{ label: 'User', id: 'u1', properties: { name: 'Ada' } }],
 *       edges: [{ type: 'BOUGHT', from: { label: 'User', id: 'u1' }, to: { label: 'Product', id: 'p1' }, properties: { qty: 2 } }],
 *     },
 *   },
 * ]);
 * const rows = await graph.query<{ id: string }>(
 *   'MATCH (:User {id: $user})-[:BOUGHT]->(p:Product) RETURN p.id AS id',
 *   { user: 'u1' },
 * );
 * await graph.close();
 */
export function kuzuStore(options: KuzuStoreOptions): GraphStore {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'The kuzu store needs a database path', {
      field: 'path',
      fix: 'pass `path`, e.g. kuzuStore({ path: "./data/graph.kuzu" })',
    });
  }
  const sizes = [
    ['checkpointThresholdBytes', 'omit it for the default (256 MiB), or pass e.g. 64 * 1024 * 1024'],
    ['bufferPoolBytes', "omit it for Kuzu's default, or pass e.g. 1024 * 1024 * 1024"],
  ] as const;
  for (const [field, fix] of sizes) {
    const value = options[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < MIB)) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The kuzu ${field} must be an integer of at least 1 MiB`, {
        field,
        fix,
      });
    }
  }
  const checkpointThresholdBytes = options.checkpointThresholdBytes ?? DEFAULT_CHECKPOINT_THRESHOLD;
  // 0 asks Kuzu for its own default size.
  const bufferPoolBytes = options.bufferPoolBytes ?? 0;
  return new KuzuGraphStore(options.path, { checkpointThresholdBytes, bufferPoolBytes });
}
