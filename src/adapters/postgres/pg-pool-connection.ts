import { createHash } from 'node:crypto';
import type { PgConnection, PgExecutor } from '../postgres-shared/pg-executor.js';
import type { PoolFigures } from '../postgres-shared/postgres-metrics.js';
import { connectionLost, isBrokenConnection, isTransportError, type PgTarget } from './pg-connection-errors.js';

/** The part of a `pg` query result the home reads. */
export interface PgQueryResultLike {
  readonly rows: unknown[];
  readonly rowCount: number | null;
}

/** A statement with a name: `pg` parses it once per connection and reuses it. */
export interface PgNamedQuery {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

export interface PgQueryable {
  query(sql: string | PgNamedQuery, params?: unknown[]): Promise<PgQueryResultLike>;
}

/** The part of a checked-out `pg.PoolClient` the home uses. */
export interface PgPoolClientLike extends PgQueryable {
  /** Returns the client to the pool; an `Error` (or `true`) destroys it instead. */
  release(destroy?: Error | boolean): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeListener(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * The part of a `pg.Pool` the home uses, declared structurally so no `pg`
 * version is tied to the public types. A `new Pool(...)` from `pg` satisfies it.
 */
export interface PgPoolLike extends PgQueryable {
  connect(): Promise<PgPoolClientLike>;
  end(): Promise<void>;
  /** `pg.Pool`'s sizes (read for metrics when present). */
  readonly totalCount?: number;
  readonly idleCount?: number;
  readonly waitingCount?: number;
  readonly options?: { readonly max?: number };
}

/**
 * A {@link PgConnection} over a pool. Statements outside a transaction go to
 * the pool; a transaction checks out one client for BEGIN … COMMIT and always
 * gives it back, destroying it instead when its connection broke, so the pool
 * never hands out a dead session.
 */
export class PgPoolConnection implements PgConnection {
  readonly #names: StatementNames | undefined;

  constructor(
    private readonly pool: PgPoolLike,
    private readonly target: PgTarget,
    private readonly ownsPool: boolean,
    preparedStatements = true,
  ) {
    this.#names = preparedStatements ? new StatementNames() : undefined;
  }

  poolFigures(): PoolFigures {
    const { totalCount, idleCount, waitingCount, options } = this.pool;
    return {
      total: totalCount ?? 0,
      idle: idleCount ?? 0,
      waiting: waitingCount ?? 0,
      max: typeof options?.max === 'number' ? options.max : null,
    };
  }

  /** Ends the pool if the home opened it; an injected pool is left to its owner. */
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }> {
    return run<R>(this.pool, sql, params, this.#nameOf(sql, params), this.target);
  }

  async transaction<R>(fn: (tx: PgExecutor) => Promise<R>): Promise<R> {
    const client = await this.#checkout();
    let broken: unknown;
    // A checked-out client has no pool listener: an unhandled 'error' (the server
    // ending an idle-in-transaction session) would crash the process.
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on('error', onError);
    const exec: PgExecutor = {
      query: (sql, params) => run(client, sql, params, this.#nameOf(sql, params), this.target),
    };
    try {
      // Explicitly READ COMMITTED, whatever the server's default: the home's writes
      // rely on each statement taking a new snapshot (settle-created-rows.sql).
      await exec.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const result = await fn(exec);
      await exec.query('COMMIT');
      return result;
    } catch (err) {
      if (broken === undefined && isBrokenConnection(err)) broken = err;
      if (broken === undefined) {
        await exec.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
      }
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
    }
  }

  /** A statement with parameters runs prepared under a name derived from its text (see StatementNames). */
  #nameOf(sql: string, params: unknown[] | undefined): string | undefined {
    return params && params.length > 0 ? this.#names?.nameOf(sql) : undefined;
  }

  async #checkout(): Promise<PgPoolClientLike> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw isTransportError(err) ? connectionLost(err, this.target) : err;
    }
  }
}

/**
 * Names for prepared statements. The home's statements come from a fixed set
 * of templates and filter shapes (values are always parameters), so their
 * texts repeat; `pg` parses a named statement once per connection and the
 * server plans it once it settles on a generic plan, which removes most of
 * the per-call cost of the larger statements (insert-row.sql's CTE costs more
 * to plan than to run). The name is a digest of the text, so the same text
 * gets the same name on every connection and two texts never share one. Past
 * `MAX_NAMED` distinct texts (an application with unbounded filter shapes),
 * new texts run unnamed rather than grow every connection's statement cache.
 */
class StatementNames {
  static readonly MAX_NAMED = 1000;
  readonly #names = new Map<string, string>();

  nameOf(sql: string): string | undefined {
    let name = this.#names.get(sql);
    if (name === undefined && this.#names.size < StatementNames.MAX_NAMED) {
      name = `polystore_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
      this.#names.set(sql, name);
    }
    return name;
  }
}

async function run<R>(
  queryable: PgQueryable,
  sql: string,
  params: unknown[] | undefined,
  name: string | undefined,
  target: PgTarget,
): Promise<{ rows: R[]; affectedRows?: number }> {
  try {
    const result = await (name === undefined
      ? queryable.query(sql, params)
      : queryable.query({ name, text: sql, values: params ?? [] }));
    return { rows: result.rows as R[], affectedRows: result.rowCount ?? undefined };
  } catch (err) {
    // SQLSTATE errors (including 08xxx and 57P01) are mapped by the shared runQuery.
    throw isTransportError(err) ? connectionLost(err, target) : err;
  }
}
