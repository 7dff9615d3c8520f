import type { HomeStore } from '../../contracts/home-store.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { PostgresHomeStore } from '../postgres-shared/postgres-home-store.js';
import { openPgConnection } from './pg-open.js';
import type { PgPoolConnection } from './pg-pool-connection.js';
import { type PostgresHomeOptions, resolvePostgresOptions } from './postgres-options.js';

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
    () => openPgConnection(resolved),
    (connection) => connection.close(),
  );
  // Creates go through the per-table create-row function: one round trip for row, tombstone and event.
  return new PostgresHomeStore('postgres', guard, {
    schema: resolved.schema,
    routines: true,
    location: `postgres ${resolved.target.description}`,
  });
}
