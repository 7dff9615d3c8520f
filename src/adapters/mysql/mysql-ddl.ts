import { createHash } from 'node:crypto';
import type { EntityTableSpec } from '../../contracts/home-store.js';
import { SQL_TYPES } from './mysql-row-codec.js';
import { quoteId } from './mysql-sql.js';

/** The id columns are VARCHAR of this many characters (utf8mb4). */
export const MAX_ID_LENGTH = 512;

/**
 * The longest id the home stores, in UTF-8 bytes: a VARCHAR(512) column holds
 * 512 characters, so it holds every id of at most 512 bytes. One limit in
 * bytes is what every store can be compared on (`HomeStore.maxIdBytes`).
 */
export const MAX_ID_BYTES = MAX_ID_LENGTH;

/**
 * Binary, no-pad collation: ids and text compare and sort by code point, and
 * 'a' and 'a ' stay distinct (the default collations ignore case and trailing spaces).
 */
const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin';

/** Qualified, quoted names of the home's own objects in its database. */
export interface HomeNames {
  readonly database: string;
  readonly outbox: string;
  readonly writers: string;
  readonly txSequence: string;
  readonly tombstones: string;
  readonly checkpoints: string;
  readonly deadLetters: string;
  readonly state: string;
  readonly sagas: string;
  readonly sagaSteps: string;
}

export function homeNames(database: string): HomeNames {
  const db = quoteId(database, 'database');
  const name = (table: string) => `${db}.${quoteId(table)}`;
  return {
    database: db,
    outbox: name('_ps_outbox'),
    writers: name('_ps_outbox_writers'),
    txSequence: name('_ps_outbox_tx'),
    tombstones: name('_ps_tombstones'),
    checkpoints: name('_ps_checkpoints'),
    deadLetters: name('_ps_dead_letters'),
    state: name('_ps_state'),
    sagas: name('_ps_sagas'),
    sagaSteps: name('_ps_saga_steps'),
  };
}

export function createDatabaseSql(names: HomeNames): string {
  return `CREATE DATABASE IF NOT EXISTS ${names.database} CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin`;
}

/**
 * Statements creating Polystore's own objects; each is idempotent. Their
 * `_ps_` prefix is refused for entity tables (INTERNAL_TABLE_PREFIX,
 * sql-shared/entity-spec.ts). See
 * outbox-fence.sql for why the writers table is MEMORY and the transaction
 * numbers come from a SEQUENCE.
 */
export function homeTableStatements(names: HomeNames): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${names.outbox} (
      tx_no BIGINT UNSIGNED NOT NULL,
      seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      entity VARCHAR(64) NOT NULL,
      \`key\` VARCHAR(${MAX_ID_LENGTH}) NOT NULL,
      version BIGINT NOT NULL,
      op VARCHAR(6) NOT NULL,
      payload JSON NULL,
      committed_at DATETIME(3) NOT NULL,
      PRIMARY KEY (tx_no, seq),
      UNIQUE KEY _ps_outbox_seq (seq)
    ) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${names.writers} (
      conn_id BIGINT UNSIGNED NOT NULL,
      tx_no BIGINT UNSIGNED NOT NULL,
      PRIMARY KEY (conn_id)
    ) ENGINE=MEMORY`,
    `CREATE SEQUENCE IF NOT EXISTS ${names.txSequence}
      START WITH 1 INCREMENT BY 1 MINVALUE 1 CACHE 1000 NOCYCLE ENGINE=InnoDB`,
    `CREATE TABLE IF NOT EXISTS ${names.tombstones} (
      entity VARCHAR(64) NOT NULL,
      id VARCHAR(${MAX_ID_LENGTH}) NOT NULL,
      version BIGINT NOT NULL,
      PRIMARY KEY (entity, id)
    ) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${names.checkpoints} (
      consumer VARCHAR(255) NOT NULL,
      position VARCHAR(255) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      PRIMARY KEY (consumer)
    ) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${names.state} (
      \`key\` VARCHAR(255) NOT NULL,
      value JSON NOT NULL,
      revision BIGINT NOT NULL,
      updated_ms BIGINT NOT NULL,
      PRIMARY KEY (\`key\`)
    ) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${names.deadLetters} (
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
      consumer VARCHAR(255) NOT NULL,
      event JSON NOT NULL,
      attempts INT NOT NULL,
      error TEXT NOT NULL,
      failed_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id),
      KEY _ps_dead_letters_consumer (consumer, id)
    ) ${TABLE_OPTIONS}`,
    // One letter per consumer and event (add-dead-letter.sql upserts on the unique key). The event
    // id is hashed to keep the key within InnoDB's limit. A home created before the key may hold
    // duplicates, which would block it: keep the first of each.
    `ALTER TABLE ${names.deadLetters} ADD COLUMN IF NOT EXISTS
      event_key CHAR(40) AS (SHA1(JSON_VALUE(event, '$.eventId'))) PERSISTENT`,
    `DELETE a FROM ${names.deadLetters} a JOIN ${names.deadLetters} b
      ON a.consumer = b.consumer AND a.event_key = b.event_key AND a.id > b.id`,
    `CREATE UNIQUE INDEX IF NOT EXISTS _ps_dead_letters_event ON ${names.deadLetters} (consumer, event_key)`,
    ...sagaTableStatements(names),
  ];
}

/** The saga log (contracts/saga-log.ts): times are ms since the epoch by the home's clock. */
function sagaTableStatements(names: HomeNames): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${names.sagas} (
      id VARCHAR(255) NOT NULL,
      name VARCHAR(64) NOT NULL,
      version INT NOT NULL,
      state VARCHAR(16) NOT NULL,
      input JSON NOT NULL,
      step_index INT NOT NULL,
      owner VARCHAR(255) NULL,
      lease_until BIGINT NOT NULL,
      attempts INT NOT NULL,
      error TEXT NULL,
      cancelling TINYINT(1) NOT NULL,
      created_ms BIGINT NOT NULL,
      updated_ms BIGINT NOT NULL,
      PRIMARY KEY (id),
      KEY _ps_sagas_claim (state, lease_until),
      KEY _ps_sagas_created (created_ms)
    ) ${TABLE_OPTIONS}`,
    `CREATE TABLE IF NOT EXISTS ${names.sagaSteps} (
      saga_id VARCHAR(255) NOT NULL,
      step_index INT NOT NULL,
      phase VARCHAR(16) NOT NULL,
      step VARCHAR(64) NOT NULL,
      status VARCHAR(16) NOT NULL,
      attempts INT NOT NULL,
      result JSON NULL,
      error TEXT NULL,
      started_ms BIGINT NOT NULL,
      updated_ms BIGINT NOT NULL,
      PRIMARY KEY (saga_id, step_index, phase)
    ) ${TABLE_OPTIONS}`,
  ];
}

/** The statement creating one entity's table; idempotent. */
export function entityTableStatement(names: HomeNames, spec: EntityTableSpec): string {
  const relation = `${names.database}.${quoteId(spec.table, 'table')}`;
  const columns =
    spec.storage === 'document'
      ? ['doc JSON NOT NULL']
      : spec.columns.map(
          (c) => `${quoteId(c.name, 'column')} ${SQL_TYPES[c.type]}${c.nullable ? ' NULL' : ' NOT NULL'}`,
        );
  const all = [`id VARCHAR(${MAX_ID_LENGTH}) NOT NULL`, '_version BIGINT NOT NULL', ...columns, 'PRIMARY KEY (id)'];
  return `CREATE TABLE IF NOT EXISTS ${relation} (${all.join(', ')}) ${TABLE_OPTIONS}`;
}

/**
 * The user-level lock serialising `ensureSchema` across sessions (CREATE ...
 * IF NOT EXISTS can race). Lock names are limited to 64 characters, so the
 * database name is hashed.
 */
export function schemaLockName(database: string): string {
  return `polystore.schema.${createHash('sha1').update(database).digest('hex').slice(0, 24)}`;
}
