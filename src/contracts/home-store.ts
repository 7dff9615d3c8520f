import type { BucketDigest, BucketMembers } from './bucket-digest.js';
import type { ChangeEvent, NewChangeEvent } from './change-event.js';
import type { DeadLetter, NewDeadLetter } from './dead-letter.js';
import type { FilterNode } from './filter-ast.js';
import type { LogPosition } from './log-position.js';
import type { SagaLog, SagaProgressWrite, SagaRecord } from './saga-log.js';
import type { StoreLifecycle } from './view-store.js';

/** The state key where a fenced home keeps `{ movedTo, at }` (see `HomeStore.fenceWrites`). */
export const HOME_MOVED_KEY = 'home/moved';

/** SQL-independent column types a relational entity maps its fields to. */
export type ColumnType = 'text' | 'integer' | 'double' | 'boolean' | 'timestamp' | 'json';

export interface ColumnSpec {
  /** Field name in the record (also the column name; validated as an identifier). */
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

/** An index an entity declares on one or more of its top-level fields (`defineEntity({ indexes })`). */
export interface EntityIndex {
  /** The index's name in the home (at most 63 bytes, unique per table). */
  readonly name: string;
  readonly fields: readonly string[];
}

/** How a home stores one entity. Names are validated identifiers. */
export interface EntityTableSpec {
  readonly entity: string;
  readonly table: string;
  /** `relational`: one typed column per field. `document`: the record as one JSON document. */
  readonly storage: 'relational' | 'document';
  /** Relational columns, id excluded (the id column is always `id text primary key`). */
  readonly columns: readonly ColumnSpec[];
  /** Indexes the entity declares; `ensureSchema` creates the missing ones (an additive change). */
  readonly indexes?: readonly EntityIndex[];
}

/**
 * The version of an entity's table shape recorded in the home (state key
 * `schema/<entity>`): it goes up by one each time `ensureSchema` brings the
 * table to a declaration whose shape differs from the recorded one.
 */
export interface SchemaVersion {
  readonly version: number;
  /** A stable hash of the declared storage and columns (column order aside). */
  readonly fingerprint: string;
  readonly columns: readonly ColumnSpec[];
  /** Milliseconds since the epoch. */
  readonly appliedAt: number;
}

/**
 * An additive change of a table: a new nullable column, NOT NULL dropped, a
 * type widened (integer to double), or a declared index created.
 */
export type ColumnChange =
  | { readonly kind: 'add'; readonly column: ColumnSpec }
  | { readonly kind: 'relax'; readonly column: ColumnSpec }
  | { readonly kind: 'widen'; readonly column: ColumnSpec; readonly from: ColumnType }
  | { readonly kind: 'index'; readonly index: EntityIndex };

/** A change the home refuses to make by itself, with the expand/contract steps that reach it safely. */
export interface BreakingChange {
  readonly field: string;
  /** What changed, e.g. `"age" changes type from integer to text`. */
  readonly change: string;
  readonly steps: readonly string[];
}

/** What `ensureSchema` would do to one entity's table now (`planSchema`). */
export interface SchemaPlan {
  readonly entity: string;
  readonly table: string;
  /** False when the table does not exist yet: `ensureSchema` creates it as declared. */
  readonly exists: boolean;
  /** The fingerprint of the declaration (see SchemaVersion). */
  readonly fingerprint: string;
  /** The version recorded in the home, null before the first `ensureSchema` that knew the entity. */
  readonly recorded: SchemaVersion | null;
  /** The additive changes `ensureSchema` applies (auto mode). */
  readonly changes: readonly ColumnChange[];
  /** The statements that apply `changes`, in order. */
  readonly statements: readonly string[];
  /** The changes `ensureSchema` refuses with `PS_ERR_SCHEMA_CHANGE`. */
  readonly breaking: readonly BreakingChange[];
}

/** What `ensureSchema` did to one entity. */
export interface AppliedSchema {
  readonly entity: string;
  readonly table: string;
  /** True when the table was created by this call. */
  readonly created: boolean;
  readonly changes: readonly ColumnChange[];
  readonly statements: readonly string[];
  /** The version recorded now, and the one before (null: none was recorded). */
  readonly version: SchemaVersion;
  readonly previousVersion: number | null;
}

export interface EnsureSchemaOptions {
  /**
   * `auto` (default): apply the additive changes of existing tables. `manual`:
   * create missing tables only; an existing table that differs from its
   * declaration fails with `PS_ERR_SCHEMA_PENDING` (additive changes) or
   * `PS_ERR_SCHEMA_CHANGE` (breaking ones), and nothing is altered.
   */
  readonly apply?: 'auto' | 'manual';
}

/** A record as the home holds it. `data` includes the id field. */
export interface StoredRow {
  readonly id: string;
  readonly version: number;
  readonly data: Record<string, unknown>;
}

export interface FindOptions {
  readonly limit: number;
  readonly offset: number;
  /** Field paths with direction, validated by the caller. */
  readonly orderBy: readonly { readonly path: readonly string[]; readonly direction: 'asc' | 'desc' }[];
}

/**
 * One keyset chunk of an entity's rows or tombstones, in the home's id order
 * (`scanRows`, `scanTombstones`): the ids after `after` and at most `upTo`.
 * Bounds are compared by the home, never in JavaScript, so the order is the
 * home's collation and a scan resumed from a saved `after` skips nothing.
 */
export interface ScanOptions {
  /** Exclusive lower bound; null starts at the first id. */
  readonly after: string | null;
  /** Inclusive upper bound; null or absent: no bound. */
  readonly upTo?: string | null;
  /** Most rows returned (a positive integer). */
  readonly limit: number;
  /** Only the rows matching this filter (rows only; tombstones have no data). */
  readonly filter?: FilterNode | null;
}

/** A small durable value in the home, versioned for compare-and-set (`readState`, `writeState`). */
export interface StateRecord {
  readonly value: unknown;
  /** 1 on insert, one more on each write. */
  readonly revision: number;
  /** Milliseconds since the epoch, by the home's clock. */
  readonly updatedAt: number;
}

/** A row to insert: its id and its data (which may hold the id field too). */
export interface NewRow {
  readonly id: string;
  readonly data: Record<string, unknown>;
}

/**
 * Operations inside one local home transaction. `insertMany` and
 * `appendOutboxMany` are optional batch capabilities: a home that has them
 * writes a batch in one statement each, and callers fall back to one
 * `insert`/`appendOutbox` per record where they are absent.
 */
export interface HomeTransaction {
  /** Reads a row; `lock` takes a row lock until the transaction ends. */
  get(spec: EntityTableSpec, id: string, options?: { lock?: boolean }): Promise<StoredRow | null>;
  /**
   * Inserts a new row. Its version is one more than the tombstone left by the
   * newest delete of the same id (also one that commits while this insert
   * waits for it), or 1, and the tombstone is cleared: an id's versions never
   * repeat. Fails with `PS_ERR_ALREADY_EXISTS`.
   */
  insert(spec: EntityTableSpec, id: string, data: Record<string, unknown>): Promise<number>;
  /**
   * Replaces the row's data if its version equals `expectedVersion`; returns the new
   * version. Fails with `PS_ERR_NOT_FOUND`, or `PS_ERR_VERSION_CONFLICT` whose
   * `details.currentVersion` is the row's newest committed version.
   */
  update(spec: EntityTableSpec, id: string, data: Record<string, unknown>, expectedVersion: number): Promise<number>;
  /**
   * Deletes the row (if `expectedVersion` is given it must match) and keeps a
   * tombstone; returns the tombstone version. Fails with `PS_ERR_NOT_FOUND`
   * when no row has the id as the delete runs, or (with `expectedVersion`)
   * `PS_ERR_VERSION_CONFLICT` naming the newest committed version.
   */
  delete(spec: EntityTableSpec, id: string, expectedVersion?: number): Promise<number>;
  /**
   * Appends a change event to the outbox in this same transaction and returns
   * its log position (the read-your-writes token of the write).
   */
  appendOutbox(event: NewChangeEvent): Promise<LogPosition>;
  /**
   * `insert` then `appendOutbox` of its `create` event (entity `spec.entity`,
   * key `id`, the new version, `payload`), in one call: offered by homes where
   * each statement costs a plan or a round trip worth saving (PGlite, PostgreSQL).
   */
  insertWithEvent?(
    spec: EntityTableSpec,
    id: string,
    data: Record<string, unknown>,
    payload: Record<string, unknown>,
  ): Promise<{ version: number; position: LogPosition }>;
  /**
   * Inserts several new rows, all or none: versions continue after tombstones as
   * with `insert`; if any id is taken or repeated in `rows`, nothing is inserted
   * and it fails with `PS_ERR_ALREADY_EXISTS`. Returns the versions in input order.
   */
  insertMany?(spec: EntityTableSpec, rows: readonly NewRow[]): Promise<number[]>;
  /**
   * `insertMany` then `appendOutboxMany` of the rows' `create` events (entity
   * `spec.entity`, key `rows[i].id`, its new version, `payloads[i]`), in one
   * call: offered by homes where each statement costs a plan or a round trip
   * worth saving. Returns the versions in input order and the position of the
   * last event. Needs a payload per row; `rows` must not be empty.
   */
  insertManyWithEvents?(
    spec: EntityTableSpec,
    rows: readonly NewRow[],
    payloads: readonly Record<string, unknown>[],
  ): Promise<{ versions: number[]; position: LogPosition }>;
  /**
   * Appends several events in this same transaction, in input order: their
   * positions increase in that order and follow any event appended before.
   * Returns the position of the last one (null for no events).
   */
  appendOutboxMany?(events: readonly NewChangeEvent[]): Promise<LogPosition | null>;

  /**
   * Records a saga's progress (its row and step rows) in this transaction,
   * only while `write.owner` holds the saga's unexpired lease, which it
   * extends: a home step's entity writes, their outbox events and the step's
   * record commit together. Fails with `PS_ERR_SAGA_LEASE_LOST` (the caller
   * rolls back) when the lease was lost. Returns the saga row as the write
   * left it where the home's write statement returns it (PostgreSQL, PGlite);
   * null where that would take another read (MariaDB).
   */
  recordSagaStep(write: SagaProgressWrite): Promise<SagaRecord | null>;
}

/**
 * The system of record. Writes and their outbox events commit in one local
 * transaction; the outbox is read back in an order that cannot skip a row whose
 * transaction commits late.
 */
export interface HomeStore extends StoreLifecycle {
  /** The saga log kept in this home (durable sagas; src/saga/). */
  readonly sagas: SagaLog;
  /**
   * The longest record id this home stores faithfully, in UTF-8 bytes. Every
   * write and read refuses a longer id with `PS_ERR_VALIDATION` (field `id`),
   * as it refuses an empty id, a NUL character or an unpaired surrogate:
   * checking ids against this before a write keeps them valid in the home.
   * PostgreSQL and PGlite: 2048 (the B-tree limit of the id's index entry);
   * MariaDB: 512 (the id columns are VARCHAR(512)). Absent: no limit of its own.
   *
   * @example
   * if (home.maxIdBytes !== undefined && Buffer.byteLength(id) > home.maxIdBytes) throw tooLong(id);
   */
  readonly maxIdBytes?: number;
  /** Deepest JSON nesting a record may have in this home (JSON depth: a record of scalars is 2), when limited. */
  readonly maxJsonDepth?: number;
  /**
   * Creates tables (if absent) for the entities and Polystore's own tables,
   * brings existing entity tables to their declared columns (see
   * `EnsureSchemaOptions`) and records each entity's schema version, under a
   * lock that serialises concurrent callers: processes starting together
   * with the same new declaration apply it and bump its version once. A
   * breaking change of any entity refuses the whole call before anything is
   * altered (`PS_ERR_SCHEMA_CHANGE`).
   */
  ensureSchema(specs: readonly EntityTableSpec[], options?: EnsureSchemaOptions): Promise<AppliedSchema[]>;
  /**
   * What `ensureSchema(specs)` would do now, per entity, without changing
   * anything: the additive changes with their statements, the breaking ones
   * with their expand/contract steps, and the recorded version.
   *
   * @example
   * const plans = await home.planSchema([usersTable]);
   * for (const plan of plans) console.log(plan.entity, plan.recorded?.version, plan.statements, plan.breaking);
   */
  planSchema(specs: readonly EntityTableSpec[]): Promise<SchemaPlan[]>;
  /** Runs `fn` in one transaction; rolls back if it throws. */
  transaction<R>(fn: (tx: HomeTransaction) => Promise<R>): Promise<R>;
  get(spec: EntityTableSpec, id: string): Promise<StoredRow | null>;
  getMany(spec: EntityTableSpec, ids: readonly string[]): Promise<StoredRow[]>;
  find(spec: EntityTableSpec, filter: FilterNode | null, options: FindOptions): Promise<StoredRow[]>;
  count(spec: EntityTableSpec, filter: FilterNode | null): Promise<number>;
  /** Every live row's id and version, ordered by id (for the consistency checker and backfill). */
  listVersions(spec: EntityTableSpec): Promise<{ id: string; version: number }[]>;
  /**
   * Every deleted id with the version of its delete (its tombstone), ordered by
   * id: what a view rebuilt from scratch needs so that a late, older event
   * cannot bring a deleted record back.
   */
  listTombstones(spec: EntityTableSpec): Promise<{ id: string; version: number }[]>;

  /**
   * One keyset chunk of live rows, ordered by id: what a backfill or the
   * checker reads without holding a table in memory.
   *
   * @example
   * let after = null;
   * for (let rows; (rows = await home.scanRows(spec, { after, limit: 500 })).length > 0; after = rows.at(-1).id) use(rows);
   */
  scanRows(spec: EntityTableSpec, options: ScanOptions): Promise<StoredRow[]>;
  /**
   * `scanRows` reading each live row's id and version only: the consistency
   * checker walks a home of any size in these chunks.
   *
   * @example
   * const chunk = await home.scanVersions(spec, { after: lastSeenId, limit: 5000 }); // [{ id, version }, ...]
   */
  scanVersions(spec: EntityTableSpec, options: ScanOptions): Promise<{ id: string; version: number }[]>;
  /** One keyset chunk of tombstones (id and delete version), ordered by id. */
  scanTombstones(spec: EntityTableSpec, options: ScanOptions): Promise<{ id: string; version: number }[]>;
  /** The greatest live id and the greatest tombstone id (null when there are none): where a scan started now ends. */
  lastIds(spec: EntityTableSpec): Promise<{ row: string | null; tombstone: string | null }>;

  /**
   * Digests of the live rows per hash bucket of their ids at `bits` (1 to 32),
   * computed by the home in one pass (see bucket-digest.ts for the hash): what
   * the checker compares with a view's digests. Buckets without live rows
   * are absent. Optional: a home without it is checked by walking its rows.
   *
   * @example
   * const digests = await home.bucketDigests(spec, 16); // Map { bucket => { count, sum } }
   */
  bucketDigests?(spec: EntityTableSpec, bits: number): Promise<Map<number, BucketDigest>>;
  /**
   * The live rows' ids and versions, and the tombstones' ids and delete
   * versions, whose bucket at `bits` is one of `buckets`: the ids behind
   * buckets whose digests differ. Present with `bucketDigests`.
   */
  bucketMembers?(spec: EntityTableSpec, bits: number, buckets: readonly number[]): Promise<BucketMembers>;

  /** A durable value by key (backfill progress, the outbox's pruned horizon), or null. */
  readState(key: string): Promise<StateRecord | null>;
  /**
   * Writes `value` (JSON) under `key` if the key's revision is still
   * `expectedRevision` (null: the key must be absent). Returns the new
   * revision, or null when another writer got there first: a compare-and-set
   * that processes use to claim work and to record progress without losing
   * each other's updates.
   */
  writeState(key: string, value: unknown, expectedRevision: number | null): Promise<number | null>;
  /** Removes a key (any revision); true when it existed. */
  deleteState(key: string): Promise<boolean>;

  /**
   * Where this home is, without secrets (no password, no user): what an error
   * names when writes to a moved home are refused, e.g.
   * `postgres 127.0.0.1:5432/app (schema shop)` or `pglite ./data/home`.
   */
  readonly location: string;
  /**
   * Writes rows exactly as another home holds them, versions included, each
   * only when its version is newer than both the row and the tombstone this
   * home holds for its id (a newer row clears an older tombstone): copying a
   * home into this one (`moveHome`, `polystore import`) in any order and any
   * number of times ends with the newest state of every id. No outbox event
   * is written. Returns how many rows were written.
   *
   * @example
   * await target.restoreRows(spec, await source.scanRows(spec, { after: null, limit: 1000 }));
   */
  restoreRows(spec: EntityTableSpec, rows: readonly StoredRow[]): Promise<number>;
  /**
   * Records deletes exactly as another home holds them: each tombstone is kept
   * when its version is newer than the row and the tombstone this home holds
   * (an older row goes). The counterpart of `restoreRows`; returns how many
   * tombstones were written.
   */
  restoreTombstones(spec: EntityTableSpec, tombstones: readonly { id: string; version: number }[]): Promise<number>;
  /**
   * Refuses every later append to the outbox, and with it every Polystore
   * write (each appends its events in its own transaction, which then rolls
   * back whole), with `PS_ERR_HOME_MOVED` naming `movedTo`, once the
   * transactions that already appended have ended (they keep their
   * outcome). Only the outbox is locked, so it cannot deadlock with a
   * writer holding entity rows. Returns the position of the last outbox
   * event written before the fence (settled or not yet), null when the
   * outbox is empty: everything a copy must still read. Keeps `{ movedTo, at }`
   * under the state key `HOME_MOVED_KEY`. Idempotent.
   */
  fenceWrites(movedTo: string): Promise<LogPosition | null>;
  /** Removes the fence of `fenceWrites` (a move that was given up); idempotent. */
  liftFence(): Promise<void>;
  /**
   * Every consumer checkpoint kept in this home, by consumer name, with when
   * it was last set (epoch ms; null when unknown).
   */
  listCheckpoints(): Promise<{ consumer: string; position: LogPosition; updatedAt: number | null }[]>;
  /** The state values whose key starts with `prefix`, in key order. */
  listState(prefix: string): Promise<{ key: string; record: StateRecord }[]>;

  /** Events after `after` (exclusive) whose transactions have settled, in log order. */
  readOutbox(after: LogPosition | null, limit: number): Promise<ChangeEvent[]>;
  /** Position of the newest settled event, or null when the outbox is empty. */
  outboxHead(): Promise<LogPosition | null>;
  /** Deletes events at or before `upTo` (all consumers have passed them). */
  pruneOutbox(upTo: LogPosition): Promise<number>;

  getCheckpoint(consumer: string): Promise<LogPosition | null>;
  setCheckpoint(consumer: string, position: LogPosition): Promise<void>;

  /**
   * Stores an event a projector gave up on. Idempotent per consumer and event
   * id: adding the same event again (a redelivery after a crash) keeps one
   * letter and records the latest attempts and error.
   */
  addDeadLetter(letter: NewDeadLetter): Promise<DeadLetter>;
  listDeadLetters(consumer?: string): Promise<DeadLetter[]>;
  removeDeadLetter(id: string): Promise<boolean>;
}
