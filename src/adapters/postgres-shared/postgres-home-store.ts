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
import { assertIdentifier, quoteIdent } from '../../runtime/identifier.js';
import { toNumber } from '../sql-shared/row-values.js';
import { planTables, refuseChanges } from '../sql-shared/schema-change.js';
import { recordSchemaVersions, type StateAccess } from '../sql-shared/schema-version.js';
import { assertScan } from '../sql-shared/sql-arguments.js';
import { EntityTables } from './entity-table.js';
import type { PgConnectionGuard, PgExecutor } from './pg-executor.js';
import { runQuery, toStoreError } from './pg-query.js';
import {
  createSchemaSql,
  entityTableStatements,
  homeTableStatements,
  POSTGRES_MAX_ID_BYTES,
  SCHEMA_LOCK_SQL,
} from './postgres-ddl.js';
import { PostgresDigests } from './postgres-digests.js';
import { PostgresHomeMove } from './postgres-home-move.js';
import { PostgresHomeTransaction } from './postgres-home-transaction.js';
import { postgresMetrics } from './postgres-metrics.js';
import { PostgresOutbox } from './postgres-outbox.js';
import { PostgresRows } from './postgres-rows.js';
import { PostgresSagaLog } from './postgres-saga-log.js';
import { postgresCatalogue } from './postgres-schema-change.js';
import { PostgresSyncState } from './postgres-sync-state.js';

export interface PostgresHomeOptions {
  /** The schema holding entity tables and Polystore's own tables. Default `public`. */
  readonly schema?: string;
  /**
   * Create a PL/pgSQL create-row function per entity table in `ensureSchema`
   * and insert through it (row, tombstone and outbox event in one call,
   * planned once per session): one round trip per create instead of three,
   * and no re-planning on engines without a prepared-statement cache (PGlite).
   */
  readonly routines?: boolean;
  /** Where the home is, without secrets (`HomeStore.location`). Default: the driver and the schema. */
  readonly location?: string;
}

/**
 * The home store for the PostgreSQL family (PGlite, a `pg` pool, ...). All
 * dialect logic lives here; an adapter only supplies a guarded connection.
 *
 * @example
 * // Any PgConnection works; a PGlite instance is one as is.
 * const db = new PGlite('./data/home');
 * const guard = new RuntimeGuard<PgConnection>('pglite', async () => db, () => db.close(), { serialize: true });
 * const home = new PostgresHomeStore('pglite', guard, { schema: 'app' });
 * await home.ensureSchema([usersTable]);
 * await home.transaction(async (tx) => {
 *   const version = await tx.insert(usersTable, 'u1', { name: 'Ada' });
 *   await tx.appendOutbox({ entity: 'users', key: 'u1', version, op: 'create', payload: { id: 'u1', name: 'Ada' } });
 * });
 */
export class PostgresHomeStore implements HomeStore {
  readonly maxIdBytes = POSTGRES_MAX_ID_BYTES;
  readonly location: string;
  readonly sagas: PostgresSagaLog;
  readonly #schema: string;
  readonly #move: PostgresHomeMove;
  readonly #tables: EntityTables;
  readonly #rows: PostgresRows;
  readonly #outbox: PostgresOutbox;
  readonly #state: PostgresSyncState;
  readonly #digests: PostgresDigests;
  readonly #listTombstones: string;
  readonly #schemaSql: string;
  /** With `routines`: the tables whose create-row function this home has ensured. */
  readonly #routines: Set<string> | null;

  constructor(
    readonly driver: string,
    private readonly guard: PgConnectionGuard,
    options: PostgresHomeOptions = {},
  ) {
    this.#schema = assertIdentifier(options.schema ?? 'public', 'schema');
    this.#tables = new EntityTables(this.#schema);
    this.#rows = new PostgresRows(driver, this.#tables);
    this.#outbox = new PostgresOutbox(driver, this.#schema);
    this.#state = new PostgresSyncState(driver, this.#schema);
    this.#routines = options.routines === true ? new Set() : null;
    this.#move = new PostgresHomeMove(driver, guard, this.#tables, this.#schema);
    this.sagas = new PostgresSagaLog(driver, this.#schema, guard);
    this.location = `${options.location ?? driver} (schema ${this.#schema})`;
    this.#schemaSql = quoteIdent(this.#schema, 'schema');
    this.#digests = new PostgresDigests(driver, this.#tables, this.#schemaSql);
    this.#listTombstones = `SELECT id, version FROM ${quoteIdent(this.#schema, 'schema')}."_ps_tombstones" WHERE entity = $1::text ORDER BY id`;
  }

  async ready(): Promise<void> {
    await this.guard.client();
  }

  close(): Promise<void> {
    return this.guard.close();
  }

  /** Pool, commit and rollback counters, outbox size and replication slots, for metrics. */
  collectMetrics(): Promise<StoreMetric[]> {
    return this.guard.run((c) => postgresMetrics(c, this.#schemaSql, this.driver, c.poolFigures?.() ?? null));
  }

  async ensureSchema(specs: readonly EntityTableSpec[], options: EnsureSchemaOptions = {}): Promise<AppliedSchema[]> {
    for (const spec of specs) this.#tables.resolve(spec);
    const context = { driver: this.driver, action: 'creating tables' };
    const tables = specs.flatMap((spec) => entityTableStatements(this.#schema, spec));
    // After the tables reach their declared columns: the routines insert every column.
    const routines = this.#routines
      ? specs.flatMap((spec) => [this.#tables.resolve(spec).routineSql, this.#tables.resolve(spec).batchRoutineSql])
      : [];
    try {
      const applied = await this.guard.run((connection) =>
        connection.transaction(async (tx) => {
          await runQuery(tx, SCHEMA_LOCK_SQL, [], context);
          // Only create the schema when absent: CREATE SCHEMA IF NOT EXISTS still needs
          // the CREATE privilege on the database, which application roles often lack.
          const found = await runQuery(
            tx,
            'SELECT 1 FROM pg_namespace WHERE nspname = $1::text',
            [this.#schema],
            context,
          );
          if (found.length === 0) await runQuery(tx, createSchemaSql(this.#schema), [], context);
          for (const sql of homeTableStatements(this.#schema)) await runQuery(tx, sql, [], context);
          const state = this.#stateOn(tx);
          const plans = await planTables(specs, postgresCatalogue(tx, this.#schema, context), state);
          refuseChanges(plans, options.apply ?? 'auto');
          for (const sql of [...tables, ...plans.flatMap((plan) => plan.statements), ...routines])
            await runQuery(tx, sql, [], context);
          return recordSchemaVersions(state, specs, plans);
        }),
      );
      for (const spec of specs) this.#routines?.add(spec.table);
      return applied;
    } catch (err) {
      throw toStoreError(err, context);
    }
  }

  async planSchema(specs: readonly EntityTableSpec[]): Promise<SchemaPlan[]> {
    for (const spec of specs) this.#tables.resolve(spec);
    const context = { driver: this.driver, action: 'planning schema changes' };
    try {
      return await this.guard.run((c) =>
        planTables(specs, postgresCatalogue(c, this.#schema, context), this.#stateOn(c), { stateMayBeMissing: true }),
      );
    } catch (err) {
      throw toStoreError(err, context);
    }
  }

  /** State values read and written on `exec` (the schema transaction, or a plain connection). */
  #stateOn(exec: PgExecutor): StateAccess {
    return {
      readState: (key) => this.#state.readState(exec, key),
      writeState: (key, value, expected) => this.#state.writeState(exec, key, value, expected),
    };
  }

  async transaction<R>(fn: (tx: HomeTransaction) => Promise<R>): Promise<R> {
    let failure: { error: unknown } | undefined;
    try {
      return await this.guard.run((connection) =>
        connection.transaction(async (exec) => {
          const tx = new PostgresHomeTransaction(exec, this.#rows, this.#outbox, this.#routines, this.sagas);
          try {
            return await fn(tx);
          } catch (error) {
            failure = { error };
            throw error;
          } finally {
            tx.end();
          }
        }),
      );
    } catch (err) {
      // The callback's own error (coded or not) reaches the caller untouched.
      if (failure && err === failure.error) throw err;
      throw toStoreError(err, { driver: this.driver, action: 'running a transaction' });
    }
  }

  get(spec: EntityTableSpec, id: string): Promise<StoredRow | null> {
    return this.guard.run((c) => this.#rows.get(c, spec, id));
  }

  getMany(spec: EntityTableSpec, ids: readonly string[]): Promise<StoredRow[]> {
    return this.guard.run((c) => this.#rows.getMany(c, spec, ids));
  }

  find(spec: EntityTableSpec, filter: FilterNode | null, options: FindOptions): Promise<StoredRow[]> {
    return this.guard.run((c) => this.#rows.find(c, spec, filter, options));
  }

  count(spec: EntityTableSpec, filter: FilterNode | null): Promise<number> {
    return this.guard.run((c) => this.#rows.count(c, spec, filter));
  }

  listVersions(spec: EntityTableSpec): Promise<{ id: string; version: number }[]> {
    return this.guard.run((c) => this.#rows.listVersions(c, spec));
  }

  listTombstones(spec: EntityTableSpec): Promise<{ id: string; version: number }[]> {
    this.#tables.resolve(spec);
    const context = { driver: this.driver, action: `listing ${spec.entity} tombstones` };
    return this.guard.run(async (c) => {
      const rows = await runQuery<{ id: string; version: unknown }>(c, this.#listTombstones, [spec.entity], context);
      return rows.map((row) => ({ id: row.id, version: toNumber(row.version) }));
    });
  }

  scanRows(spec: EntityTableSpec, options: ScanOptions): Promise<StoredRow[]> {
    return this.guard.run((c) => this.#rows.scan(c, spec, options));
  }

  scanVersions(spec: EntityTableSpec, options: ScanOptions): Promise<{ id: string; version: number }[]> {
    return this.guard.run((c) => this.#rows.scanVersions(c, spec, options));
  }

  scanTombstones(spec: EntityTableSpec, options: ScanOptions): Promise<{ id: string; version: number }[]> {
    assertScan(options, POSTGRES_MAX_ID_BYTES);
    this.#tables.resolve(spec);
    const params: unknown[] = [spec.entity];
    let where = 'entity = $1::text';
    if (options.after !== null) where += ` AND id > $${params.push(options.after)}::text`;
    if (options.upTo != null) where += ` AND id <= $${params.push(options.upTo)}::text`;
    const sql = `SELECT id, version FROM ${this.#schemaSql}."_ps_tombstones" WHERE ${where} ORDER BY id LIMIT $${params.push(options.limit)}`;
    const context = { driver: this.driver, action: `scanning ${spec.entity} tombstones` };
    return this.guard.run(async (c) => {
      const rows = await runQuery<{ id: string; version: unknown }>(c, sql, params, context);
      return rows.map((row) => ({ id: row.id, version: toNumber(row.version) }));
    });
  }

  lastIds(spec: EntityTableSpec): Promise<{ row: string | null; tombstone: string | null }> {
    this.#tables.resolve(spec);
    const sql = `SELECT max(id) AS id FROM ${this.#schemaSql}."_ps_tombstones" WHERE entity = $1::text`;
    const context = { driver: this.driver, action: `scanning ${spec.entity} tombstones` };
    return this.guard.run(async (c) => {
      const row = await this.#rows.lastId(c, spec);
      const [tomb] = await runQuery<{ id: string | null }>(c, sql, [spec.entity], context);
      return { row, tombstone: tomb?.id ?? null };
    });
  }

  bucketDigests(spec: EntityTableSpec, bits: number): Promise<Map<number, BucketDigest>> {
    return this.guard.run((c) => this.#digests.digests(c, spec, bits));
  }

  bucketMembers(spec: EntityTableSpec, bits: number, buckets: readonly number[]): Promise<BucketMembers> {
    return this.guard.run((c) => this.#digests.members(c, spec, bits, buckets));
  }

  readState(key: string): Promise<StateRecord | null> {
    return this.guard.run((c) => this.#state.readState(c, key));
  }

  writeState(key: string, value: unknown, expectedRevision: number | null): Promise<number | null> {
    return this.guard.run((c) => this.#state.writeState(c, key, value, expectedRevision));
  }

  deleteState(key: string): Promise<boolean> {
    return this.guard.run((c) => this.#state.deleteState(c, key));
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
    return this.guard.run((c) => this.#outbox.read(c, after, limit));
  }

  outboxHead(): Promise<LogPosition | null> {
    return this.guard.run((c) => this.#outbox.head(c));
  }

  pruneOutbox(upTo: LogPosition): Promise<number> {
    return this.guard.run((c) => this.#outbox.prune(c, upTo));
  }

  getCheckpoint(consumer: string): Promise<LogPosition | null> {
    return this.guard.run((c) => this.#state.getCheckpoint(c, consumer));
  }

  setCheckpoint(consumer: string, position: LogPosition): Promise<void> {
    return this.guard.run((c) => this.#state.setCheckpoint(c, consumer, position));
  }

  addDeadLetter(letter: NewDeadLetter): Promise<DeadLetter> {
    return this.guard.run((c) => this.#state.addDeadLetter(c, letter));
  }

  listDeadLetters(consumer?: string): Promise<DeadLetter[]> {
    return this.guard.run((c) => this.#state.listDeadLetters(c, consumer));
  }

  removeDeadLetter(id: string): Promise<boolean> {
    return this.guard.run((c) => this.#state.removeDeadLetter(c, id));
  }
}
