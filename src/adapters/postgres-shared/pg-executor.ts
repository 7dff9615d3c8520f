import type { PoolFigures } from './postgres-metrics.js';

/**
 * The few client methods the PostgreSQL-family home calls, declared
 * structurally so no driver type or version leaks into the core. A PGlite
 * instance satisfies {@link PgConnection} as is; a `pg.Pool` adapter maps
 * `rowCount` to `affectedRows` and runs `transaction` on one checked-out client.
 */
export interface PgExecutor {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
}

export interface PgConnection extends PgExecutor {
  /** The pool's sizes, when the connection is a pool (for metrics). */
  poolFigures?(): PoolFigures;
  /** Runs `fn` between BEGIN and COMMIT on one session; rolls back if it throws. */
  transaction<R>(fn: (tx: PgExecutor) => Promise<R>): Promise<R>;
}

/**
 * How the home reaches its connection: a `RuntimeGuard<PgConnection>` (or a
 * wrapper around one) that opens once, refuses use after close and, for
 * single-connection engines, runs one callback at a time.
 */
export interface PgConnectionGuard {
  client(): Promise<PgConnection>;
  run<R>(fn: (connection: PgConnection) => Promise<R>): Promise<R>;
  close(): Promise<void>;
}
