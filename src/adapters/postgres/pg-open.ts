import { PolystoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';
import { openError, type PgTarget } from './pg-connection-errors.js';
import { PgPoolConnection, type PgPoolLike } from './pg-pool-connection.js';
import type { ResolvedPostgresOptions } from './postgres-options.js';

/** `pg_current_xact_id()`, which orders the outbox, arrived in PostgreSQL 13. */
const MIN_SERVER_VERSION = 130_000;

/**
 * Opens what `resolved` names: the injected pool, or a pool of its own
 * (loading `pg` only now), after one round trip that proves the server
 * answers and is new enough.
 */
export async function openPgConnection(resolved: ResolvedPostgresOptions): Promise<PgPoolConnection> {
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
      `PostgreSQL at ${target.description} is version ${Math.floor(version / 10_000)}; the ${target.label ?? 'postgres home'} needs 13 or newer`,
      {
        fix: 'upgrade the server to PostgreSQL 13 or newer (the outbox is ordered by pg_current_xact_id(), added in 13)',
      },
    );
  }
}
