import { wrapStoreError } from '../../errors/index.js';
import { ensureParentDir } from '../../runtime/ensure-parent-dir.js';
import { importDriver } from '../../runtime/import-driver.js';

/** A value Kuzu accepts as a statement parameter (lists and structs included). */
export type KuzuParam = string | number | boolean | null | KuzuParam[] | { [key: string]: KuzuParam };
export type KuzuParams = Record<string, KuzuParam>;

/** The few `kuzu` driver members this adapter calls, declared structurally. */
export interface KuzuQueryResult {
  getAllSync(): Record<string, unknown>[];
  close(): void;
}

export interface KuzuPreparedStatement {
  isSuccess(): boolean;
  getErrorMessage(): string;
}

export interface KuzuConnection {
  init(): Promise<void>;
  prepare(statement: string): Promise<KuzuPreparedStatement>;
  execute(statement: KuzuPreparedStatement, params?: KuzuParams): Promise<KuzuQueryResult | KuzuQueryResult[]>;
  close(): Promise<void>;
}

export interface KuzuDatabase {
  init(): Promise<void>;
  close(): Promise<void>;
}

export interface KuzuDriver<D extends KuzuDatabase = KuzuDatabase> {
  Database: new (
    path: string,
    bufferManagerSize?: number,
    enableCompression?: boolean,
    readOnly?: boolean,
    maxDBSize?: number,
    autoCheckpoint?: boolean,
    checkpointThreshold?: number,
  ) => D;
  Connection: new (database: D) => KuzuConnection;
}

/** Engine settings: the WAL size that triggers a checkpoint, and the buffer pool's cap (0: Kuzu's default). */
export interface KuzuEngineOptions {
  readonly checkpointThresholdBytes: number;
  readonly bufferPoolBytes: number;
}

/**
 * One open Kuzu database with its single connection. Every statement goes
 * through a prepared statement (values only as parameters); internal
 * statements are prepared once and cached. Query results are always closed
 * before the call returns: closing the connection while a result is still
 * open crashes the process on exit.
 */
export class KuzuSession {
  readonly #statements = new Map<string, KuzuPreparedStatement>();

  private constructor(
    private readonly database: KuzuDatabase,
    private readonly connection: KuzuConnection,
  ) {}

  /** Loads the driver lazily and opens the database at `path` with `engine`'s settings. */
  static async open(path: string, engine: KuzuEngineOptions): Promise<KuzuSession> {
    return KuzuSession.#openWith(await importDriver('kuzu', () => import('kuzu')), path, engine);
  }

  static async #openWith<D extends KuzuDatabase>(
    driver: KuzuDriver<D>,
    path: string,
    engine: KuzuEngineOptions,
  ): Promise<KuzuSession> {
    let database: D | undefined;
    try {
      await ensureParentDir(path);
      // Compression on, read-write, no size cap, automatic checkpoints.
      database = new driver.Database(
        path,
        engine.bufferPoolBytes,
        true,
        false,
        0,
        true,
        engine.checkpointThresholdBytes,
      );
      await database.init();
      const connection = new driver.Connection(database);
      await connection.init();
      return new KuzuSession(database, connection);
    } catch (err) {
      await database?.close().catch(() => undefined);
      throw wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', 'The kuzu store could not open its database', {
        fix: 'check that the database path is writable and that no other process holds the database open',
      });
    }
  }

  /**
   * Runs one of the store's own statements and returns its rows. The
   * prepared statement is kept for reuse: the store's statement texts are
   * few, and the cache is reset whenever DDL changes the catalog.
   */
  run(cypher: string, params: KuzuParams = {}): Promise<Record<string, unknown>[]> {
    return this.#execute(cypher, params, true);
  }

  /** Runs a statement prepared for this call only (DDL, callers' queries). */
  runOnce(cypher: string, params: KuzuParams = {}): Promise<Record<string, unknown>[]> {
    return this.#execute(cypher, params, false);
  }

  /** Forgets cached statements; required after DDL changed the catalog. */
  resetStatements(): void {
    this.#statements.clear();
  }

  async close(): Promise<void> {
    this.#statements.clear();
    try {
      await this.connection.close();
    } finally {
      await this.database.close();
    }
  }

  /**
   * Returns the rows of the last statement (a query may hold several) after
   * closing every result. The rows are read synchronously: they are already
   * in memory once `execute` resolves, and the driver's `getAll()` awaits one
   * thread-pool round trip per row, which on a busy event loop made reading
   * 10^4 ownership rows take tens of seconds.
   */
  async #execute(cypher: string, params: KuzuParams, reuse: boolean): Promise<Record<string, unknown>[]> {
    const statement = await this.#prepare(cypher, reuse);
    const outcome = await this.connection.execute(statement, params);
    const results = Array.isArray(outcome) ? outcome : [outcome];
    try {
      const last = results.at(-1);
      return last ? last.getAllSync() : [];
    } finally {
      for (const result of results) result.close();
    }
  }

  async #prepare(cypher: string, reuse: boolean): Promise<KuzuPreparedStatement> {
    const cached = this.#statements.get(cypher);
    if (cached) return cached;
    const statement = await this.connection.prepare(cypher);
    // A failed preparation is reported by `execute`; never keep it.
    if (reuse && statement.isSuccess()) this.#statements.set(cypher, statement);
    return statement;
  }
}

/** Backtick-quotes a name that already passed `assertIdentifier`. */
export function cypherName(name: string): string {
  return `\`${name}\``;
}

/**
 * Plain JS values for query rows: Kuzu returns INT128 aggregates (e.g.
 * `sum` of INT64) as BigInt; they become numbers when that is exact.
 */
export function toPlainValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(toPlainValue);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toPlainValue(item);
    return out;
  }
  return value;
}
