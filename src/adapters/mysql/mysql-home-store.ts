import type { BucketDigest, BucketMembers } from '../../contracts/bucket-digest.js';
import type { ChangeEvent } from '../../contracts/change-event.js';
import type { DeadLetter, NewDeadLetter } from '../../contracts/dead-letter.js';
import type { FilterNode } from '../../contracts/filter-ast.js';
import type {
  AppliedSchema,
  EnsureSchemaOptions,
  EntityTableSpec,
  FindOptions,
  HomeStore,
  HomeTransaction,
  ScanOptions,
  SchemaPlan,
  StateRecord,
  StoredRow,
} from '../../contracts/home-store.js';
import type { LogPosition } from '../../contracts/log-position.js';
import type { StoreMetric } from '../../contracts/store-metrics.js';
import { PolystoreError } from '../../errors/index.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { validateSpec } from '../sql-shared/entity-spec.js';
import { toNumber } from '../sql-shared/row-values.js';
import { planTables, refuseChanges } from '../sql-shared/schema-change.js';
import { recordSchemaVersions, type StateAccess } from '../sql-shared/schema-version.js';
import {
  createDatabaseSql,
  entityTableStatement,
  homeTableStatements,
  MAX_ID_BYTES,
  schemaLockName,
} from './mysql-ddl.js';
import type { MysqlExecutor, MysqlPoolConnection } from './mysql-driver.js';
import { MysqlHomeMove } from './mysql-home-move.js';
import { MysqlHomeTransaction } from './mysql-home-transaction.js';
import { mysqlMetrics } from './mysql-metrics.js';
import type { ResolvedMysqlOptions } from './mysql-options.js';
import { type StatementContext, selectRows } from './mysql-query.js';
import { MysqlSagaLog } from './mysql-saga-log.js';
import { mysqlCatalogue } from './mysql-schema-change.js';
import { checkout, type MysqlSession, openSession, textStatement, withConnection } from './mysql-session.js';
import { bind, sql } from './mysql-sql.js';

/** How long `ensureSchema` waits for another process creating the same schema. */
const SCHEMA_LOCK_SECONDS = 60;

/**
 * The home store on MariaDB. Transactions run concurrently, each on its own
 * pooled connection; reads outside transactions go straight to the pool.
 * Nothing connects until `ready()` or the first call.
 */
export class MysqlHomeStore implements HomeStore {
  readonly driver = 'mysql';
  readonly maxIdBytes = MAX_ID_BYTES;
  /** MariaDB's JSON functions refuse documents nested deeper than 32 levels (JSON_VALID, JSON_DEPTH). */
  readonly maxJsonDepth = 32;
  readonly #guard: RuntimeGuard<MysqlSession>;
  readonly #move: MysqlHomeMove;
  readonly location: string;
  readonly sagas: MysqlSagaLog;

  constructor(options: ResolvedMysqlOptions) {
    this.#guard = new RuntimeGuard<MysqlSession>(
      'mysql',
      () => openSession(options),
      (session) => session.close(),
    );
    this.#move = new MysqlHomeMove(() => this.#guard.client());
    this.sagas = new MysqlSagaLog(() => this.#guard.client());
    this.location = `mysql ${options.target}${options.database ? ` (database ${options.database})` : ''}`;
  }

  async ready(): Promise<void> {
    await this.#guard.client();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  /** Server status counters and the outbox's size, for metrics. */
  collectMetrics(): Promise<StoreMetric[]> {
    return this.#guard.run((s) => mysqlMetrics(s));
  }

  async ensureSchema(specs: readonly EntityTableSpec[], options: EnsureSchemaOptions = {}): Promise<AppliedSchema[]> {
    for (const spec of specs) validateSpec(spec);
    return this.#guard.run(async (s) => {
      const context = { target: s.target, action: 'creating tables' };
      const lock = schemaLockName(s.database);
      return withConnection(s, context, async (connection) => {
        const [row] = await selectRows<{ locked: unknown }>(
          connection,
          sql`SELECT GET_LOCK(${bind(lock)}, ${bind(SCHEMA_LOCK_SECONDS)}) AS locked`,
          context,
        );
        if (toNumber(row?.locked) !== 1) {
          throw new PolystoreError(
            'PS_ERR_STORE_QUERY',
            `Another session kept the schema lock of the mysql home for ${SCHEMA_LOCK_SECONDS}s`,
            { fix: 'retry once the other process has finished creating tables' },
          );
        }
        // Only create the database when absent: CREATE DATABASE IF NOT EXISTS still
        // needs the CREATE privilege on it, which application users often lack.
        const found = await selectRows(
          connection,
          sql`SELECT 1 AS found FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${bind(s.database)}`,
          context,
        );
        if (found.length === 0) await textStatement(connection, createDatabaseSql(s.names), context);
        for (const statement of homeTableStatements(s.names)) await textStatement(connection, statement, context);
        const state = stateOn(s, connection);
        // Every plan is made, and any refusal thrown, before the first table is created or altered.
        const plans = await planTables(specs, mysqlCatalogue(connection, s.names, s.database, context), state);
        refuseChanges(plans, options.apply ?? 'auto');
        const statements = [
          ...specs.map((spec) => entityTableStatement(s.names, spec)),
          ...plans.flatMap((plan) => plan.statements),
        ];
        for (const statement of statements) await textStatement(connection, statement, context);
        const applied = await recordSchemaVersions(state, specs, plans);
        await assertMemoryEngine(connection, s, context);
        // On failure the connection is destroyed instead, which frees the lock too.
        await selectRows(connection, sql`SELECT RELEASE_LOCK(${bind(lock)}) AS released`, context);
        return applied;
      });
    });
  }

  planSchema(specs: readonly EntityTableSpec[]): Promise<SchemaPlan[]> {
    for (const spec of specs) validateSpec(spec);
    return this.#guard.run(async (s) => {
      const context = { target: s.target, action: 'planning schema changes' };
      const catalogue = mysqlCatalogue(s.pool, s.names, s.database, context);
      return planTables(specs, catalogue, stateOn(s, s.pool), { stateMayBeMissing: true });
    });
  }

  async transaction<R>(fn: (tx: HomeTransaction) => Promise<R>): Promise<R> {
    return this.#guard.run(async (s) => {
      const context = { target: s.target, action: 'running a transaction' };
      const connection = await checkout(s, context.action);
      let tx: MysqlHomeTransaction | undefined;
      // Only a COMMIT or ROLLBACK that returned proves the connection fit for the next transaction.
      let reusable = false;
      try {
        await textStatement(connection, 'START TRANSACTION', context);
        tx = new MysqlHomeTransaction(connection, s.rows, s.outbox, {
          log: this.sagas,
          names: s.names,
          target: s.target,
        });
        let result: R;
        try {
          result = await fn(tx);
        } catch (error) {
          // The callback's own error (coded or not) reaches the caller untouched.
          reusable = await rollback(connection);
          throw error;
        } finally {
          tx.end();
        }
        if (tx.aborted) {
          reusable = await rollback(connection);
          throw tx.aborted;
        }
        await textStatement(connection, 'COMMIT', context);
        reusable = true;
        return result;
      } finally {
        // Only now, with COMMIT or ROLLBACK returned, may readers pass this transaction.
        if (tx?.registered) {
          reusable = await s.outbox.unregister(connection).then(
            () => reusable,
            () => false,
          );
        }
        // A connection in doubt is closed: the server then rolls back and frees its writer lock.
        if (reusable) connection.release();
        else connection.destroy();
      }
    });
  }

  get(spec: EntityTableSpec, id: string): Promise<StoredRow | null> {
    return this.#guard.run((s) => s.rows.get(s.pool, spec, id));
  }

  getMany(spec: EntityTableSpec, ids: readonly string[]): Promise<StoredRow[]> {
    return this.#guard.run((s) => s.rows.getMany(s.pool, spec, ids));
  }

  find(spec: EntityTableSpec, filter: FilterNode | null, options: FindOptions): Promise<StoredRow[]> {
    return this.#guard.run((s) => s.rows.find(s.pool, spec, filter, options));
  }

  count(spec: EntityTableSpec, filter: FilterNode | null): Promise<number> {
    return this.#guard.run((s) => s.rows.count(s.pool, spec, filter));
  }

  listVersions(spec: EntityTableSpec): Promise<{ id: string; version: number }[]> {
    return this.#guard.run((s) => s.rows.listVersions(s.pool, spec));
  }

  listTombstones(spec: EntityTableSpec): Promise<{ id: string; version: number }[]> {
    return this.#guard.run((s) => s.rows.listTombstones(s.pool, spec));
  }

  scanRows(spec: EntityTableSpec, options: ScanOptions): Promise<StoredRow[]> {
    return this.#guard.run((s) => s.rows.scan(s.pool, spec, options));
  }

  scanVersions(spec: EntityTableSpec, options: ScanOptions): Promise<{ id: string; version: number }[]> {
    return this.#guard.run((s) => s.rows.scanVersions(s.pool, spec, options));
  }

  scanTombstones(spec: EntityTableSpec, options: ScanOptions): Promise<{ id: string; version: number }[]> {
    return this.#guard.run((s) => s.rows.scanTombstones(s.pool, spec, options));
  }

  lastIds(spec: EntityTableSpec): Promise<{ row: string | null; tombstone: string | null }> {
    return this.#guard.run((s) => s.rows.lastIds(s.pool, spec));
  }

  bucketDigests(spec: EntityTableSpec, bits: number): Promise<Map<number, BucketDigest>> {
    return this.#guard.run((s) => s.digests.digests(s.pool, spec, bits));
  }

  bucketMembers(spec: EntityTableSpec, bits: number, buckets: readonly number[]): Promise<BucketMembers> {
    return this.#guard.run((s) => s.digests.members(s.pool, spec, bits, buckets));
  }

  readState(key: string): Promise<StateRecord | null> {
    return this.#guard.run((s) => s.state.readState(s.pool, key));
  }

  writeState(key: string, value: unknown, expectedRevision: number | null): Promise<number | null> {
    return this.#guard.run((s) => s.state.writeState(s.pool, key, value, expectedRevision));
  }

  deleteState(key: string): Promise<boolean> {
    return this.#guard.run((s) => s.state.deleteState(s.pool, key));
  }

  restoreRows(spec: EntityTableSpec, rows: readonly StoredRow[]): Promise<number> {
    return this.#move.restoreRows(spec, rows);
  }

  restoreTombstones(spec: EntityTableSpec, tombstones: readonly { id: string; version: number }[]): Promise<number> {
    return this.#move.restoreTombstones(spec, tombstones);
  }

  fenceWrites(movedTo: string): Promise<LogPosition | null> {
    return this.#move.fence(movedTo);
  }

  liftFence(): Promise<void> {
    return this.#move.liftFence();
  }

  listCheckpoints(): Promise<{ consumer: string; position: LogPosition; updatedAt: number | null }[]> {
    return this.#move.listCheckpoints();
  }

  listState(prefix: string): Promise<{ key: string; record: StateRecord }[]> {
    return this.#move.listState(prefix);
  }

  readOutbox(after: LogPosition | null, limit: number): Promise<ChangeEvent[]> {
    return this.#guard.run((s) => s.outbox.read(s.pool, after, limit));
  }

  outboxHead(): Promise<LogPosition | null> {
    return this.#guard.run((s) => s.outbox.head(s.pool));
  }

  pruneOutbox(upTo: LogPosition): Promise<number> {
    return this.#guard.run((s) => s.outbox.prune(s.pool, upTo));
  }

  getCheckpoint(consumer: string): Promise<LogPosition | null> {
    return this.#guard.run((s) => s.state.getCheckpoint(s.pool, consumer));
  }

  setCheckpoint(consumer: string, position: LogPosition): Promise<void> {
    return this.#guard.run((s) => s.state.setCheckpoint(s.pool, consumer, position));
  }

  addDeadLetter(letter: NewDeadLetter): Promise<DeadLetter> {
    return this.#guard.run((s) => s.state.addDeadLetter(s.pool, letter));
  }

  listDeadLetters(consumer?: string): Promise<DeadLetter[]> {
    return this.#guard.run((s) => s.state.listDeadLetters(s.pool, consumer));
  }

  removeDeadLetter(id: string): Promise<boolean> {
    return this.#guard.run((s) => s.state.removeDeadLetter(s.pool, id));
  }
}

/** State values read and written on `exec` (the connection holding the schema lock, or the pool). */
function stateOn(session: MysqlSession, exec: MysqlExecutor): StateAccess {
  return {
    readState: (key) => session.state.readState(exec, key),
    writeState: (key, value, expected) => session.state.writeState(exec, key, value, expected),
  };
}

/**
 * The outbox order rests on the writers table being MEMORY (locked whole per
 * statement, changes visible at once). A server without NO_ENGINE_SUBSTITUTION
 * in its sql_mode would silently create it as InnoDB, whose uncommitted rows
 * readers cannot see: refuse that instead of losing events.
 */
async function assertMemoryEngine(
  connection: MysqlPoolConnection,
  session: MysqlSession,
  context: StatementContext,
): Promise<void> {
  const [row] = await selectRows<{ engine: string }>(
    connection,
    sql`SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${bind(session.database)} AND TABLE_NAME = '_ps_outbox_writers'`,
    context,
  );
  if (row?.engine?.toUpperCase() !== 'MEMORY') {
    throw new PolystoreError(
      'PS_ERR_STORE_QUERY',
      `The mysql home's _ps_outbox_writers table uses the ${String(row?.engine).slice(0, 32)} engine, not MEMORY`,
      {
        fix: 'allow the MEMORY engine (check enforce_storage_engine and disabled_storage_engines), drop _ps_outbox_writers and run ensureSchema() again',
      },
    );
  }
}

/** Rolls back; false when that failed and the connection must not be reused. */
async function rollback(connection: MysqlPoolConnection): Promise<boolean> {
  return connection.query('ROLLBACK').then(
    () => true,
    () => false,
  );
}
