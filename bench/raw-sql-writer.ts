import type { PGlite } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';
import type { BenchItem } from './bench-model.js';

/** Runs statements inside one transaction of a raw driver. */
type Query = (sql: string, params: unknown[]) => Promise<unknown>;
type InTransaction = (fn: (query: Query) => Promise<void>) => Promise<void>;

/** What a hand-written application does for a create with an outbox: two plain inserts in one transaction. */
export interface RawWriter {
  create(item: BenchItem): Promise<void>;
  /** One multi-row insert of the rows and one of their outbox events, in one transaction. */
  createMany(items: readonly BenchItem[]): Promise<void>;
}

/**
 * The raw equivalent of the home's create: the same table and columns (`id`,
 * `_version`, `doc` JSONB) and the same outbox columns, without the tombstone
 * lookup of insert-row.sql or the RETURNING of append-outbox.sql, which only
 * our layer needs (version continuity after a delete, the read-your-writes token).
 */
export function rawSqlWriter(inTransaction: InTransaction, schema: string, table: string, entity: string): RawWriter {
  const rowSql = new Map<number, string>();
  const outboxSql = new Map<number, string>();
  const rows = (n: number) => memo(rowSql, n, () => insertRows(schema, table, n));
  const events = (n: number) => memo(outboxSql, n, () => insertEvents(schema, n));
  const write = (items: readonly BenchItem[]) =>
    inTransaction(async (query) => {
      const docs = items.map((item) => JSON.stringify(item));
      await query(
        rows(items.length),
        items.flatMap((item, i) => [item.id, docs[i]]),
      );
      await query(
        events(items.length),
        items.flatMap((item, i) => [entity, item.id, 1, 'create', docs[i]]),
      );
    });
  return { create: (item) => write([item]), createMany: write };
}

/**
 * BEGIN … COMMIT on one client checked out of a `pg` pool. `prepared` names
 * every statement (`pg` parses a named statement once per connection and the
 * server can keep its generic plan): the fastest a hand-written `pg`
 * application gets, the limit P1's batches are held to.
 */
export function pgTransaction(pool: Pool, prepared = false): InTransaction {
  const names = new Map<string, string>();
  const run = (client: PoolClient, sql: string, params: unknown[]) =>
    prepared
      ? client.query({ name: memo(names, sql, () => `raw_${names.size}`), text: sql, values: params })
      : client.query(sql, params);
  return async (fn) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await fn((sql, params) => run(client, sql, params));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
}

/** PGlite's own transaction(). */
export function pgliteTransaction(db: PGlite): InTransaction {
  return (fn) => db.transaction((tx) => fn((sql, params) => tx.query(sql, params)));
}

function insertRows(schema: string, table: string, n: number): string {
  const values = Array.from({ length: n }, (_, i) => `($${2 * i + 1}::text, 1, $${2 * i + 2}::jsonb)`);
  return `INSERT INTO "${schema}"."${table}" (id, _version, doc) VALUES ${values.join(', ')}`;
}

function insertEvents(schema: string, n: number): string {
  const values = Array.from({ length: n }, (_, i) => {
    const p = 5 * i;
    return `($${p + 1}::text, $${p + 2}::text, $${p + 3}::bigint, $${p + 4}::text, $${p + 5}::jsonb)`;
  });
  return `INSERT INTO "${schema}"."_ps_outbox" (entity, key, version, op, payload) VALUES ${values.join(', ')}`;
}

function memo<K>(cache: Map<K, string>, key: K, make: () => string): string {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}
