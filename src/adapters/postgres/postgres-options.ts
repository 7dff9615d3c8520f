import type { ConnectionOptions } from 'node:tls';
import { PolystoreError, redactSecrets } from '../../errors/index.js';
import type { PgTarget } from './pg-connection-errors.js';
import type { PgPoolLike } from './pg-pool-connection.js';

export type PostgresHomeOptions = PostgresUrlOptions | PostgresPoolOptions;

export interface PostgresUrlOptions {
  /**
   * `postgres://user:password@host:5432/database`. Default: the
   * `POLYSTORE_POSTGRES_URL` environment variable.
   */
  readonly connectionString?: string;
  /**
   * TLS: `true`, or options for Node's `tls.connect` (`ca`, `cert`, `key`,
   * `rejectUnauthorized`, `servername`). Not together with ssl parameters in the
   * connection string (`sslmode`, `sslrootcert`, ...), which would replace it.
   */
  readonly ssl?: boolean | ConnectionOptions;
  /** The most connections the home's pool opens. Default 10 (the `pg` default). */
  readonly max?: number;
  /** Schema for entity and Polystore tables; created by `ensureSchema()` if absent. Default `public`. */
  readonly schema?: string;
  /**
   * Run the home's statements as named prepared statements, parsed and planned
   * once per connection (default true). Turn off behind a pooler that cannot
   * keep them, such as PgBouncer in transaction mode before 1.21.
   */
  readonly preparedStatements?: boolean;
  readonly pool?: never;
}

export interface PostgresPoolOptions {
  /** A `pg.Pool` you created and will end yourself; the home never ends it. */
  readonly pool: PgPoolLike;
  readonly schema?: string;
  /** As for a URL: named prepared statements per connection (default true). */
  readonly preparedStatements?: boolean;
  readonly connectionString?: never;
  readonly ssl?: never;
  readonly max?: never;
}

/** The `pg.Pool` settings the home opens its own pool with. */
export interface PgPoolConfig {
  readonly connectionString: string;
  readonly ssl?: boolean | ConnectionOptions;
  readonly max?: number;
  /** Shows the home's sessions in `pg_stat_activity`; an `application_name` in the URL wins. */
  readonly application_name: string;
  /** Without it a server that drops packets would hang `ready()` for minutes. */
  readonly connectionTimeoutMillis: number;
  /** Detects half-open connections (a failed-over server) instead of waiting on them. */
  readonly keepAlive: boolean;
}

interface ResolvedCommon {
  readonly target: PgTarget;
  readonly schema: string;
  readonly preparedStatements: boolean;
}

export type ResolvedPostgresOptions =
  | (ResolvedCommon & { readonly kind: 'url'; readonly config: PgPoolConfig })
  | (ResolvedCommon & { readonly kind: 'pool'; readonly pool: PgPoolLike });

export const POSTGRES_URL_ENV = 'POLYSTORE_POSTGRES_URL';
const CONNECT_TIMEOUT_MS = 10_000;
const OPTION_KEYS = new Set(['connectionString', 'pool', 'schema', 'ssl', 'max', 'preparedStatements']);
const URL_SCHEME = /^postgres(ql)?:\/\//i;
const URL_SSL_PARAMS = /[?&](ssl|sslmode|sslcert|sslkey|sslrootcert)=/i;

/**
 * Validates the options at construction (throwing `PS_ERR_INVALID_CONFIG`,
 * never echoing a connection string) and resolves what the home opens.
 */
export function resolvePostgresOptions(
  options: PostgresHomeOptions,
  env: NodeJS.ProcessEnv = process.env,
  label = 'postgres home',
): ResolvedPostgresOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid(`The ${label} options must be an object`, 'options', 'pass { connectionString } or { pool }');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      const field = key.slice(0, 32);
      throw invalid(
        `The ${label} has no option "${field}"`,
        field,
        'use connectionString, pool, schema, ssl, max or preparedStatements',
      );
    }
  }
  const schema = options.schema ?? 'public';
  const preparedStatements = options.preparedStatements ?? true;
  if (typeof preparedStatements !== 'boolean') {
    throw invalid(
      'The postgres preparedStatements option must be a boolean',
      'preparedStatements',
      'pass true (the default) or false',
    );
  }
  if (options.pool !== undefined) return resolvePool(options, schema, preparedStatements, label);

  const connectionString = options.connectionString ?? env[POSTGRES_URL_ENV];
  if (connectionString === undefined) {
    throw invalid(
      `The ${label} has no server to connect to`,
      'connectionString',
      `pass connectionString or pool, or set ${POSTGRES_URL_ENV}`,
    );
  }
  if (typeof connectionString !== 'string' || !URL_SCHEME.test(connectionString)) {
    throw invalid(
      'The postgres connectionString is not a postgres:// URL',
      'connectionString',
      'pass postgres://user:password@host:5432/database',
    );
  }
  const { ssl, max } = options;
  if (ssl !== undefined) {
    if (typeof ssl !== 'boolean' && (typeof ssl !== 'object' || ssl === null || Array.isArray(ssl))) {
      throw invalid(
        'The postgres ssl option must be a boolean or TLS options',
        'ssl',
        'pass true, or { ca, rejectUnauthorized, ... }',
      );
    }
    if (URL_SSL_PARAMS.test(connectionString)) {
      throw invalid(
        `The ${label} got both the ssl option and ssl parameters in its connection string, which would replace the option`,
        'ssl',
        'configure TLS in one place: drop sslmode/sslrootcert/... from the URL, or drop the ssl option',
      );
    }
  }
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1)) {
    throw invalid('The postgres max option must be a positive integer', 'max', 'pass the pool size, e.g. 10');
  }
  const config: PgPoolConfig = {
    connectionString,
    ...(ssl !== undefined ? { ssl } : {}),
    ...(max !== undefined ? { max } : {}),
    application_name: 'polystore',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
  };
  return { kind: 'url', config, target: { ...urlTarget(connectionString), label }, schema, preparedStatements };
}

function resolvePool(
  options: PostgresHomeOptions,
  schema: string,
  preparedStatements: boolean,
  label: string,
): ResolvedPostgresOptions {
  for (const key of ['connectionString', 'ssl', 'max'] as const) {
    if (options[key] !== undefined) {
      throw invalid(
        `The ${label} got both pool and ${key}`,
        key,
        `configure ${key} on the pool you pass; the home does not change an injected pool`,
      );
    }
  }
  const pool = options.pool as Partial<PgPoolLike> | null;
  if (typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
    throw invalid('The pool option is not a pg.Pool', 'pool', "pass `new Pool({ connectionString })` from 'pg'");
  }
  return {
    kind: 'pool',
    pool: pool as PgPoolLike,
    schema,
    preparedStatements,
    target: {
      label,
      description: 'the server of the injected pool',
      startHint: 'start the PostgreSQL server the pool points at, or correct the pool settings',
    },
  };
}

/** Describes a URL without its password; names the host and port to start. */
export function urlTarget(connectionString: string): PgTarget {
  const description = redactSecrets(connectionString);
  let hostPort = 'the host and port of the connection string';
  try {
    const url = new URL(connectionString);
    const host = url.searchParams.get('host') ?? decodeURIComponent(url.hostname);
    hostPort = `${host || 'localhost'}:${url.port || '5432'}`;
  } catch {
    // pg accepts some strings WHATWG URL rejects; the description still names the server.
  }
  return {
    description,
    startHint: `start PostgreSQL on ${hostPort}, or point connectionString (default: ${POSTGRES_URL_ENV}) at a running server`,
  };
}

function invalid(message: string, field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
}
