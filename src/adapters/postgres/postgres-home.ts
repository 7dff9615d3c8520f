import type { HomeStore } from '../../contracts/home-store.js';
import { PolystoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { PostgresHomeStore } from '../postgres-shared/postgres-home-store.js';
import { openError, type PgTarget } from './pg-connection-errors.js';
import { PgPoolConnection, type PgPoolLike } from './pg-pool-connection.js';
import { type PostgresHomeOptions, type ResolvedPostgresOptions, resolvePostgresOptions } from './postgres-options.js';

/** `pg_current_xact_id()`, which orders the outbox, arrived in PostgreSQL 13. */
const MIN_SERVER_VERSION = 130_000;

/**
 * A home store on a PostgreSQL server (13 or newer) through a `pg` pool.
 * Transactions run concurrently, each on its own pooled connection; reads
 * outside transactions go straight to the pool. Nothing connects until
 * `ready()` or the first call, and `pg` is loaded only then.
 *
 * Pass a URL (default: `POLYSTORE_POSTGRES_URL`) and the home opens and ends
 * its own pool, or pass a `pg.Pool` you own: the home never ends it, and, as
 * node-postgres requires of every pool, you attach its `'error'` listener.
 *
 * @example
 * import { postgresHome } from 'polystore/postgres';
 * const home = postgresHome({ connectionString: 'postgres://app:secret@localhost:5432/shop', schema: 'app' });
 * await home.ready(); // PS_ERR_STORE_UNAVAILABLE, naming the server without its password, if it is down
 * await home.ensureSchema([{ entity: 'users', table: 'users', storage: 'document', columns: [] }]);
 * await home.close();
 *
 * @example
 * import { Pool } from 'pg';
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
 * pool.on('error', (err) => console.error('idle postgres client failed', err.message));
 * const home = postgresHome({ pool }); // home.close() leaves the pool open; call pool.end() yourself
 */
export function postgresHome(options: PostgresHomeOptions = {}): HomeStore {
  const resolved = resolvePostgresOptions(options);
  const guard = new RuntimeGuard<PgPoolConnection>(
    'postgres',
    () => openConnection(resolved),
    (connection) => connection.close(),
  );
  // Creates go through the per-table create-row function: one round trip for row, tombstone and event.
  return new PostgresHomeStore('postgres', guard, {
    schema: resolved.schema,
    routines: true,
    location: `postgres ${resolved.target.description}`,
  });
}

async function openConnection(resolved: ResolvedPostgresOptions): Promise<PgPoolConnection> {
  if (resolved.kind === 'pool') {
    await probe(resolved.pool, resolved.target);
    return new PgPoolConnection(resolved.pool, resolved.target, false, resolved.preparedStatements);
  }
  const { Pool } = await importDriver('pg', () => import('pg'));
  const pool = new Pool({ ...resolved.config });
  // pg reports an idle client's failure (a server restart, an idle timeout) on
  // the pool, and an unheard 'error' event crashes the process. The pool has
  // already dropped that client: the next call opens a new one or reports the outage.
  pool.on('error', () => undefined);
  try {
    await probe(pool, resolved.target);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return new PgPoolConnection(pool, resolved.target, true, resolved.preparedStatements);
}

/** One round trip: proves the server answers and is new enough. */
async function probe(pool: PgPoolLike, target: PgTarget): Promise<void> {
  let version: number;
  try {
    const { rows } = await pool.query(`SELECT current_setting('server_version_num') AS version`);
    version = Number((rows[0] as { version?: unknown } | undefined)?.version);
  } catch (err) {
    throw openError(err, target);
  }
  if (!(version >= MIN_SERVER_VERSION)) {
    throw new PolystoreError(
      'PS_ERR_STORE_UNAVAILABLE',
      `PostgreSQL at ${target.description} is version ${Math.floor(version / 10_000)}; the postgres home needs 13 or newer`,
      { fix: 'upgrade the server: the outbox is ordered by pg_current_xact_id(), added in PostgreSQL 13' },
    );
  }
}
