import { isPolystoreError, PolystoreError, wrapStoreError } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';
import { importDriver } from '../../runtime/import-driver.js';
import { type HomeNames, homeNames } from './mysql-ddl.js';
import { MysqlDigests } from './mysql-digests.js';
import { type MysqlPool, type MysqlPoolConnection, statement } from './mysql-driver.js';
import { EntityTables } from './mysql-entity-table.js';
import type { ResolvedMysqlOptions } from './mysql-options.js';
import { MysqlOutbox } from './mysql-outbox.js';
import { type StatementContext, toStoreError } from './mysql-query.js';
import { MysqlRows } from './mysql-rows.js';
import { MysqlSyncState } from './mysql-sync-state.js';

/** JSON_EQUALS, the newest function the home relies on, arrived in MariaDB 10.7. */
const MIN_MARIADB: readonly [number, number] = [10, 7];

/** An open home: the pool and everything derived from the database name, built once per open. */
export interface MysqlSession {
  readonly pool: MysqlPool;
  /** The server, password redacted, for messages. */
  readonly target: string;
  readonly database: string;
  readonly names: HomeNames;
  readonly tables: EntityTables;
  readonly rows: MysqlRows;
  readonly digests: MysqlDigests;
  readonly outbox: MysqlOutbox;
  readonly state: MysqlSyncState;
  /** Ends the pool if the home opened it; an injected pool stays open. */
  close(): Promise<void>;
}

interface ServerFacts {
  version: string;
  current_database: string | null;
  sql_mode: string;
  charset: string;
}

/** Opens (or adopts) the pool and proves the server fits in one round trip. */
export async function openSession(options: ResolvedMysqlOptions): Promise<MysqlSession> {
  if (options.kind === 'pool') return sessionFor(options.pool, options, async () => undefined);
  const mysql = await importDriver('mysql2', () => import('mysql2/promise'));
  const pool: MysqlPool = mysql.createPool({
    uri: options.uri,
    connectionLimit: options.connectionLimit,
    // Bounded per connection: MariaDB caps prepared statements server-wide (max_prepared_stmt_count).
    maxPreparedStatements: 256,
    connectTimeout: 10_000,
    enableKeepAlive: true,
  });
  try {
    return await sessionFor(pool, options, () => pool.end());
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

async function sessionFor(
  pool: MysqlPool,
  options: ResolvedMysqlOptions,
  close: () => Promise<void>,
): Promise<MysqlSession> {
  const facts = await probe(pool, options.target);
  const database = options.database ?? facts.current_database;
  if (database === null || !isIdentifier(database)) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      database === null
        ? 'The mysql home has no database: the pool has none selected and no database option was given'
        : 'The database of the injected pool is not a valid identifier',
      { field: 'database', fix: 'pass database: a name of letters, digits and underscores' },
    );
  }
  const names = homeNames(database);
  const tables = new EntityTables(names);
  return {
    pool,
    target: options.target,
    database,
    names,
    tables,
    rows: new MysqlRows(options.target, tables, names.tombstones),
    digests: new MysqlDigests(options.target, tables, names.tombstones),
    outbox: new MysqlOutbox(options.target, names),
    state: new MysqlSyncState(options.target, names),
    close,
  };
}

async function probe(pool: MysqlPool, target: string): Promise<ServerFacts> {
  let facts: ServerFacts;
  try {
    const sql =
      'SELECT VERSION() AS version, DATABASE() AS current_database, @@SESSION.sql_mode AS sql_mode, @@character_set_connection AS charset';
    const [rows] = await pool.execute(statement(sql), []);
    facts = (rows as ServerFacts[])[0]!;
  } catch (err) {
    if (isPolystoreError(err)) throw err;
    throw wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', `The mysql home could not connect to ${target}`, {
      fix: 'check that MariaDB is running and reachable there and that the user and password are right; the cause holds the driver error',
    });
  }
  const unfit = (message: string, fix: string) => new PolystoreError('PS_ERR_STORE_UNAVAILABLE', message, { fix });
  const version = /^(\d+)\.(\d+)/.exec(facts.version);
  const [major, minor] = [Number(version?.[1]), Number(version?.[2])];
  if (
    !/mariadb/i.test(facts.version) ||
    major < MIN_MARIADB[0] ||
    (major === MIN_MARIADB[0] && minor < MIN_MARIADB[1])
  ) {
    throw unfit(
      `The server at ${target} is ${/mariadb/i.test(facts.version) ? `MariaDB ${major}.${minor}` : `MySQL ${major}.${minor}`}; the mysql home needs MariaDB ${MIN_MARIADB.join('.')} or newer`,
      'use MariaDB 10.11 or newer: the outbox numbers transactions with a SEQUENCE and filters use JSON_TABLE and JSON_EQUALS, which MySQL lacks',
    );
  }
  if (!/STRICT_(TRANS|ALL)_TABLES/.test(facts.sql_mode)) {
    throw unfit(
      `The sessions at ${target} are not in strict SQL mode, so MariaDB would silently truncate values that do not fit`,
      "enable STRICT_TRANS_TABLES in the server's sql_mode (the default), or in the sessions of the pool you pass",
    );
  }
  if (facts.charset !== 'utf8mb4') {
    throw unfit(
      `The sessions at ${target} use the character set ${facts.charset.slice(0, 32)}, which cannot hold every string`,
      "connect with charset utf8mb4 (mysql2's default)",
    );
  }
  return facts;
}

/** Checks out a connection for a transaction or DDL, mapping an outage to PS_ERR_STORE_UNAVAILABLE. */
export async function checkout(session: MysqlSession, action: string): Promise<MysqlPoolConnection> {
  try {
    return await session.pool.getConnection();
  } catch (err) {
    throw toStoreError(err, { target: session.target, action });
  }
}

/** Runs `fn` on a connection of its own; a connection that failed is closed, not reused. */
export async function withConnection<R>(
  session: MysqlSession,
  context: StatementContext,
  fn: (connection: MysqlPoolConnection) => Promise<R>,
): Promise<R> {
  const connection = await checkout(session, context.action);
  let reusable = true;
  try {
    return await fn(connection);
  } catch (err) {
    reusable = false;
    throw err;
  } finally {
    if (reusable) connection.release();
    else connection.destroy();
  }
}

/** Transaction control and DDL: no parameters, text protocol. */
export async function textStatement(
  connection: MysqlPoolConnection,
  statement: string,
  context: StatementContext,
): Promise<void> {
  try {
    await connection.query(statement);
  } catch (err) {
    throw toStoreError(err, context);
  }
}
