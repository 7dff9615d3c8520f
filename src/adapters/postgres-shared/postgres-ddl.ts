import { createHash } from 'node:crypto';
import type { EntityTableSpec } from '../../contracts/home-store.js';
import { quoteIdent } from '../../runtime/identifier.js';
import { SQL_TYPES } from './row-codec.js';

/**
 * The longest id the PostgreSQL homes store, in UTF-8 bytes. `text` has no
 * length limit, but a B-tree index entry must fit in about a third of a page
 * (2704 bytes with 8 kB pages): past that the id's primary key, or the
 * tombstone's (entity, id) key, refuses the row. 2048 leaves room for the
 * entity name and the entry headers.
 */
export const POSTGRES_MAX_ID_BYTES = 2048;

export function createSchemaSql(schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema, 'schema')}`;
}

/**
 * Statements creating Polystore's own tables; each is idempotent. Their `_ps_`
 * prefix is refused for entity tables (INTERNAL_TABLE_PREFIX, sql-shared/entity-spec.ts).
 */
export function homeTableStatements(schema: string): string[] {
  const s = quoteIdent(schema, 'schema');
  return [
    `CREATE TABLE IF NOT EXISTS ${s}."_ps_outbox" (
      seq bigserial,
      tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      entity text NOT NULL,
      key text NOT NULL,
      version bigint NOT NULL,
      op text NOT NULL,
      payload jsonb,
      committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (tx_id, seq)
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}."_ps_tombstones" (
      entity text NOT NULL,
      id text NOT NULL,
      version bigint NOT NULL,
      PRIMARY KEY (entity, id)
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}."_ps_checkpoints" (
      consumer text PRIMARY KEY,
      position text NOT NULL,
      updated_at timestamptz
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}."_ps_state" (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      revision bigint NOT NULL,
      updated_at timestamptz NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}."_ps_dead_letters" (
      id bigserial PRIMARY KEY,
      consumer text NOT NULL,
      event jsonb NOT NULL,
      attempts int NOT NULL,
      error text NOT NULL,
      failed_at timestamptz NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS "_ps_dead_letters_consumer" ON ${s}."_ps_dead_letters" (consumer, id)`,
    // One letter per consumer and event (add-dead-letter.sql upserts on this index). A home
    // created before the index may hold duplicates, which would block it: keep the first of each.
    `DELETE FROM ${s}."_ps_dead_letters" a USING ${s}."_ps_dead_letters" b
      WHERE a.consumer = b.consumer AND a.event->>'eventId' = b.event->>'eventId' AND a.id > b.id`,
    `CREATE UNIQUE INDEX IF NOT EXISTS "_ps_dead_letters_event" ON ${s}."_ps_dead_letters" (consumer, (event->>'eventId'))`,
    ...sagaTableStatements(s),
  ];
}

/** The saga log (contracts/saga-log.ts): times are ms since the epoch by the home's clock. */
function sagaTableStatements(s: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${s}."_ps_sagas" (
      id text PRIMARY KEY,
      name text NOT NULL,
      version int NOT NULL,
      state text NOT NULL,
      input jsonb NOT NULL,
      step_index int NOT NULL,
      owner text,
      lease_until bigint NOT NULL,
      attempts int NOT NULL,
      error text,
      cancelling boolean NOT NULL,
      created_ms bigint NOT NULL,
      updated_ms bigint NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS "_ps_sagas_claim" ON ${s}."_ps_sagas" (state, lease_until)`,
    `CREATE INDEX IF NOT EXISTS "_ps_sagas_created" ON ${s}."_ps_sagas" (created_ms)`,
    `CREATE TABLE IF NOT EXISTS ${s}."_ps_saga_steps" (
      saga_id text NOT NULL,
      step_index int NOT NULL,
      phase text NOT NULL,
      step text NOT NULL,
      status text NOT NULL,
      attempts int NOT NULL,
      result jsonb,
      error text,
      started_ms bigint NOT NULL,
      updated_ms bigint NOT NULL,
      PRIMARY KEY (saga_id, step_index, phase)
    )`,
  ];
}

/** Statements creating one entity's table (and its JSON index for documents); idempotent. */
export function entityTableStatements(schema: string, spec: EntityTableSpec): string[] {
  const relation = `${quoteIdent(schema, 'schema')}.${quoteIdent(spec.table, 'table')}`;
  if (spec.storage === 'document') {
    return [
      `CREATE TABLE IF NOT EXISTS ${relation} (id text PRIMARY KEY, _version bigint NOT NULL, doc jsonb NOT NULL)`,
      // jsonb_path_ops serves the containment (`@>`) form compile-filter.ts emits for equality.
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(indexName(spec.table, 'doc_gin'))} ON ${relation} USING gin (doc jsonb_path_ops)`,
    ];
  }
  const columns = spec.columns.map(
    (c) => `${quoteIdent(c.name, 'column')} ${SQL_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}`,
  );
  return [
    `CREATE TABLE IF NOT EXISTS ${relation} (${['id text PRIMARY KEY', '_version bigint NOT NULL', ...columns].join(', ')})`,
  ];
}

/** The index named `suffix` of `table` (see objectName). */
function indexName(table: string, suffix: string): string {
  return objectName(table, '', `_${suffix}`);
}

/** The create-row function of `table` (create-row-routine.sql; see objectName). */
export function routineName(table: string): string {
  return objectName(table, '_ps_create_', '');
}

/** The batch create function of `table` (create-rows-routine.sql; see objectName). */
export function batchRoutineName(table: string): string {
  return objectName(table, '_ps_create_many_', '');
}

/**
 * `prefix + table + suffix`. PostgreSQL truncates names past 63 bytes, so a
 * long table name is cut and a hash of it added, keeping the names unique.
 */
function objectName(table: string, prefix: string, suffix: string): string {
  const name = `${prefix}${table}${suffix}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha1').update(table).digest('hex').slice(0, 8);
  return `${prefix}${table.slice(0, 63 - prefix.length - suffix.length - 9)}_${hash}${suffix}`;
}

/** Serialises concurrent `ensureSchema` calls across sessions (CREATE ... IF NOT EXISTS can race). */
export const SCHEMA_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('polystore.ensure_schema'))`;
