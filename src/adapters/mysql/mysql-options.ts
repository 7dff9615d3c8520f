import { PolystoreError, redactSecrets } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';
import type { MysqlPool } from './mysql-driver.js';

export type MysqlHomeOptions = MysqlUrlOptions | MysqlPoolOptions;

export interface MysqlUrlOptions {
  /**
   * `mysql://user:password@host:3306/database` (`mariadb://` works too).
   * Default: the `POLYSTORE_MYSQL_URL` environment variable.
   */
  readonly uri?: string;
  /**
   * The database holding entity and Polystore tables; `ensureSchema()` creates
   * it if absent. Default: the database named in the URL.
   */
  readonly database?: string;
  readonly pool?: never;
}

export interface MysqlPoolOptions {
  /** A `mysql2/promise` pool you created and will end yourself; the home never ends it. */
  readonly pool: MysqlPool;
  /** Default: the pool's current database (`DATABASE()`). */
  readonly database?: string;
  readonly uri?: never;
}

export type ResolvedMysqlOptions =
  | {
      readonly kind: 'url';
      readonly uri: string;
      readonly database: string;
      readonly connectionLimit: number;
      readonly target: string;
    }
  | { readonly kind: 'pool'; readonly pool: MysqlPool; readonly database: string | null; readonly target: string };

export const MYSQL_URL_ENV = 'POLYSTORE_MYSQL_URL';
const OPTION_KEYS = new Set(['uri', 'pool', 'database']);
const URL_SCHEME = /^(mysql|mariadb):$/i;
/** mysql2's default pool size. */
const CONNECTION_LIMIT = 10;

/**
 * Validates the options at construction (throwing `PS_ERR_INVALID_CONFIG`,
 * never echoing a password) and resolves what the home opens.
 */
export function resolveMysqlOptions(
  options: MysqlHomeOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedMysqlOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('The mysql home options must be an object', 'options', 'pass { uri } or { pool }');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      const field = key.slice(0, 32);
      throw invalid(`The mysql home has no option "${field}"`, field, 'use uri, pool or database');
    }
  }
  if (options.database !== undefined && (typeof options.database !== 'string' || !isIdentifier(options.database))) {
    throw invalid(
      'The mysql database option is not a valid identifier',
      'database',
      'pass a name of letters, digits and underscores, starting with a letter or underscore',
    );
  }
  if (options.pool !== undefined) {
    if (options.uri !== undefined) {
      throw invalid('The mysql home got both pool and uri', 'uri', 'pass one: an injected pool has its own server');
    }
    const pool = options.pool as Partial<MysqlPool> | null;
    if (typeof pool?.execute !== 'function' || typeof pool.getConnection !== 'function') {
      throw invalid(
        'The pool option is not a mysql2/promise pool',
        'pool',
        "pass createPool(...) from 'mysql2/promise' (or pool.promise() of a callback pool)",
      );
    }
    return {
      kind: 'pool',
      pool: pool as MysqlPool,
      database: options.database ?? null,
      target: 'the server of the injected pool',
    };
  }

  const uri = options.uri ?? env[MYSQL_URL_ENV];
  if (uri === undefined) {
    throw invalid('The mysql home has no server to connect to', 'uri', `pass uri or pool, or set ${MYSQL_URL_ENV}`);
  }
  let url: URL | undefined;
  try {
    url = typeof uri === 'string' ? new URL(uri) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || !URL_SCHEME.test(url.protocol)) {
    throw invalid('The mysql uri is not a mysql:// URL', 'uri', 'pass mysql://user:password@host:3306/database');
  }
  const database = options.database ?? decodeURIComponent(url.pathname.slice(1));
  if (!isIdentifier(database)) {
    throw invalid(
      database === '' ? 'The mysql home has no database' : 'The database in the mysql uri is not a valid identifier',
      'database',
      'name the database in the URL (mysql://host/app) or pass database: letters, digits and underscores',
    );
  }
  return { kind: 'url', uri, database, connectionLimit: CONNECTION_LIMIT, target: redactSecrets(uri) };
}

function invalid(message: string, field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
}
