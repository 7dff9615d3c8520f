import { mysqlHome } from '../adapters/mysql/index.js';
import { pgliteHome } from '../adapters/pglite/index.js';
import { postgresHome } from '../adapters/postgres/index.js';
import type { HomeStore } from '../contracts/home-store.js';
import { PolystoreError } from '../errors/index.js';

/**
 * The home a command-line URL names: `postgres://` or `postgresql://` (with
 * `schema`, default `public`), `mysql://` or `mariadb://` (the database is
 * the URL's path), `pglite:DIR` or a plain directory for an embedded home.
 *
 * @example
 * homeFromUrl('postgres://app@db:5432/shop', 'app'); // a PostgreSQL home in schema app
 * homeFromUrl('pglite:./data/home');                  // an embedded home in ./data/home
 */
export function homeFromUrl(url: string, schema?: string): HomeStore {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql')
    return postgresHome({ connectionString: url, ...(schema ? { schema } : {}) });
  if (scheme === 'mysql' || scheme === 'mariadb') return mysqlHome({ uri: url.replace(/^mariadb:/i, 'mysql:') });
  if (scheme === 'pglite') return pgliteHome({ dataDir: url.slice('pglite:'.length), ...(schema ? { schema } : {}) });
  if (scheme === undefined || /^[a-z]$/i.test(scheme))
    return pgliteHome({ dataDir: url, ...(schema ? { schema } : {}) });
  throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `--to names no home this command can open (${scheme}:)`, {
    field: 'to',
    fix: 'pass postgres://..., mysql://..., mariadb://..., pglite:DIR or a directory',
  });
}
