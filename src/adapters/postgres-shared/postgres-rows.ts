import type { FilterNode } from '../../contracts/filter-ast.js';
import type { EntityTableSpec, FindOptions, NewRow, ScanOptions, StoredRow } from '../../contracts/home-store.js';
import { type LogPosition, outboxPosition } from '../../contracts/log-position.js';
import { isPolystoreError } from '../../errors/index.js';
import { recordExists, recordNotFound, versionConflict } from '../sql-shared/record-errors.js';
import { type SqlValue, toNumber } from '../sql-shared/row-values.js';
import { assertCount, assertId, assertScan } from '../sql-shared/sql-arguments.js';
import { compileFilter, compileOrderBy, SqlParams } from './compile-filter.js';
import type { EntityTable, EntityTables } from './entity-table.js';
import type { PgExecutor } from './pg-executor.js';
import { runQuery } from './pg-query.js';
import { POSTGRES_MAX_ID_BYTES } from './postgres-ddl.js';

/** Tries of an update or delete whose row reached the expected version only after the write's snapshot. */
const MAX_WRITE_ATTEMPTS = 3;

/** Reads and version-guarded writes of entity rows, over any executor (pool, client or transaction). */
export class PostgresRows {
  constructor(
    private readonly driver: string,
    private readonly tables: EntityTables,
  ) {}

  async get(exec: PgExecutor, spec: EntityTableSpec, id: string, lock = false): Promise<StoredRow | null> {
    assertId(id, POSTGRES_MAX_ID_BYTES);
    const table = this.tables.resolve(spec);
    const sql = `SELECT ${table.selectList} FROM ${table.relation} WHERE id = $1::text${lock ? ' FOR UPDATE' : ''}`;
    const rows = await runQuery<Record<string, unknown>>(exec, sql, [id], this.#context(table, 'reading'));
    return rows[0] ? table.decode(rows[0]) : null;
  }

  async getMany(exec: PgExecutor, spec: EntityTableSpec, ids: readonly string[]): Promise<StoredRow[]> {
    for (const id of ids) assertId(id, POSTGRES_MAX_ID_BYTES);
    if (ids.length === 0) return [];
    const table = this.tables.resolve(spec);
    const sql = `SELECT ${table.selectList} FROM ${table.relation} WHERE id = ANY($1::text[])`;
    const rows = await runQuery<Record<string, unknown>>(
      exec,
      sql,
      [[...new Set(ids)]],
      this.#context(table, 'reading'),
    );
    const byId = new Map(rows.map((row) => [String(row.id), table.decode(row)]));
    return [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
  }

  async find(
    exec: PgExecutor,
    spec: EntityTableSpec,
    filter: FilterNode | null,
    options: FindOptions,
  ): Promise<StoredRow[]> {
    assertCount(options.limit, 'limit', true);
    assertCount(options.offset, 'offset');
    const table = this.tables.resolve(spec);
    const params = new SqlParams();
    const where = compileFilter(table, filter, params);
    const orderBy = compileOrderBy(table, options.orderBy, params);
    const limit = Number.isFinite(options.limit) ? params.add(options.limit) : 'ALL';
    const sql =
      `SELECT ${table.selectList} FROM ${table.relation} WHERE ${where} ORDER BY ${orderBy}` +
      ` LIMIT ${limit} OFFSET ${params.add(options.offset)}`;
    const rows = await runQuery<Record<string, unknown>>(
      exec,
      sql,
      params.values,
      this.#context(table, 'finding', true),
    );
    return rows.map((row) => table.decode(row));
  }

  async count(exec: PgExecutor, spec: EntityTableSpec, filter: FilterNode | null): Promise<number> {
    const table = this.tables.resolve(spec);
    const params = new SqlParams();
    const sql = `SELECT count(*) AS n FROM ${table.relation} WHERE ${compileFilter(table, filter, params)}`;
    const rows = await runQuery<{ n: unknown }>(exec, sql, params.values, this.#context(table, 'counting', true));
    return toNumber(rows[0]?.n ?? 0);
  }

  /** A keyset chunk: `id > after AND id <= upTo AND filter ORDER BY id LIMIT n`, served by the primary key. */
  async scan(exec: PgExecutor, spec: EntityTableSpec, options: ScanOptions): Promise<StoredRow[]> {
    const table = this.tables.resolve(spec);
    const rows = await this.#scanChunk<Record<string, unknown>>(exec, table, table.selectList, options);
    return rows.map((row) => table.decode(row));
  }

  /** `scan` reading the id and version only: the consistency checker's walk. */
  async scanVersions(
    exec: PgExecutor,
    spec: EntityTableSpec,
    options: ScanOptions,
  ): Promise<{ id: string; version: number }[]> {
    const table = this.tables.resolve(spec);
    const rows = await this.#scanChunk<{ id: string; _version: unknown }>(exec, table, 'id, _version', options);
    return rows.map((row) => ({ id: row.id, version: toNumber(row._version) }));
  }

  async #scanChunk<R>(exec: PgExecutor, table: EntityTable, columns: string, options: ScanOptions): Promise<R[]> {
    assertScan(options, POSTGRES_MAX_ID_BYTES);
    const params = new SqlParams();
    const where = [compileFilter(table, options.filter ?? null, params)];
    if (options.after !== null) where.push(`id > ${params.add(options.after)}::text`);
    if (options.upTo != null) where.push(`id <= ${params.add(options.upTo)}::text`);
    const sql = `SELECT ${columns} FROM ${table.relation} WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${params.add(options.limit)}`;
    return runQuery<R>(exec, sql, params.values, this.#context(table, 'scanning', true));
  }

  /** The greatest live id, or null. */
  async lastId(exec: PgExecutor, spec: EntityTableSpec): Promise<string | null> {
    const table = this.tables.resolve(spec);
    const sql = `SELECT id FROM ${table.relation} ORDER BY id DESC LIMIT 1`;
    const rows = await runQuery<{ id: string }>(exec, sql, [], this.#context(table, 'scanning'));
    return rows[0]?.id ?? null;
  }

  async listVersions(exec: PgExecutor, spec: EntityTableSpec): Promise<{ id: string; version: number }[]> {
    const table = this.tables.resolve(spec);
    const sql = `SELECT id, _version FROM ${table.relation} ORDER BY id`;
    const rows = await runQuery<{ id: string; _version: unknown }>(
      exec,
      sql,
      [],
      this.#context(table, 'listing versions'),
    );
    return rows.map((row) => ({ id: row.id, version: toNumber(row._version) }));
  }

  /**
   * insert-row.sql, then settle-created-rows.sql as a statement of its own:
   * the version continues after the newest tombstone even when a delete of
   * the id committed while the insert waited (insert-row.sql says why).
   */
  async insert(
    exec: PgExecutor,
    spec: EntityTableSpec,
    id: string,
    data: Readonly<Record<string, unknown>>,
  ): Promise<number> {
    assertId(id, POSTGRES_MAX_ID_BYTES);
    const table = this.tables.resolve(spec);
    const params = [id, spec.entity, ...table.encode(id, data)];
    const rows = await runQuery<{ _version: unknown }>(
      exec,
      table.insertSql,
      params,
      this.#context(table, 'inserting'),
    );
    // The insert statement skips a taken id (ON CONFLICT DO NOTHING): no row, no driver error.
    if (!rows[0]) throw recordExists(spec.entity);
    const settled = await this.#settle(exec, table, [id]);
    return settled.get(id) ?? toNumber(rows[0]._version);
  }

  /**
   * Inserts a new row and, unless `payload` is null, appends its create event,
   * with one call of the table's create-row function (create-row.sql), which
   * settles the version against the tombstone itself. The function must exist
   * (ensureSchema with routines).
   */
  async create(
    exec: PgExecutor,
    spec: EntityTableSpec,
    id: string,
    data: Readonly<Record<string, unknown>>,
    payload: Readonly<Record<string, unknown>> | null,
  ): Promise<{ version: number; position: LogPosition | null }> {
    assertId(id, POSTGRES_MAX_ID_BYTES);
    const table = this.tables.resolve(spec);
    const params = [id, spec.entity, payload === null ? null : JSON.stringify(payload), ...table.encode(id, data)];
    const rows = await runQuery<{ _version: unknown; tx_id: string | null; seq: string | null }>(
      exec,
      table.createSql,
      params,
      this.#context(table, 'inserting'),
    );
    const row = rows[0];
    if (!row || row._version === null) throw recordExists(spec.entity);
    const position = row.tx_id === null || row.seq === null ? null : outboxPosition(row.tx_id, row.seq);
    return { version: toNumber(row._version), position };
  }

  /**
   * Inserts `rows`, all or none, and returns their versions in input order:
   * with insert-rows.sql then settle-created-rows.sql. Every column travels
   * as one text array cast back in SQL, which both drivers bind the same way,
   * a document's doc column as one JSON array.
   */
  async insertMany(exec: PgExecutor, spec: EntityTableSpec, rows: readonly NewRow[]): Promise<number[]> {
    const batch = this.#batch(spec, rows);
    if (batch === null) return [];
    const { table, ids, columns } = batch;
    const inserted = await this.#insertBatch<{ id: string; _version: unknown }>(exec, table, table.insertManySql, [
      ids,
      spec.entity,
      ...columns,
    ]);
    const versions = new Map(inserted.map((row) => [row.id, toNumber(row._version)]));
    for (const [id, version] of await this.#settle(exec, table, ids)) versions.set(id, version);
    return ids.map((id) => versions.get(id)!);
  }

  /**
   * Inserts `rows`, all or none, and, unless `payloads` is null, appends
   * their create events in input order (`payloads[i]` for `rows[i]`), with
   * one call of the table's batch create function (create-rows.sql), which
   * settles the versions against the tombstones itself. The function must
   * exist (ensureSchema with routines). Returns the versions in input order
   * and the position of the last event (null without events).
   */
  async createMany(
    exec: PgExecutor,
    spec: EntityTableSpec,
    rows: readonly NewRow[],
    payloads: readonly Readonly<Record<string, unknown>>[] | null,
  ): Promise<{ versions: number[]; position: LogPosition | null }> {
    const batch = this.#batch(spec, rows);
    if (batch === null) return { versions: [], position: null };
    const { table, ids, columns, encoded } = batch;
    // A document whose payload is its data, id included, is the same JSON text: stringified once.
    const payloadText = (payload: Readonly<Record<string, unknown>>, i: number) =>
      spec.storage === 'document' && payload === rows[i]!.data && payload.id === ids[i]
        ? (encoded[i]![0] as string)
        : JSON.stringify(payload);
    const events = payloads === null ? null : jsonArray(payloads.map(payloadText));
    const [row] = await this.#insertBatch<{ versions: unknown[]; tx_id: string | null; seq: string | null }>(
      exec,
      table,
      table.createManySql,
      [ids, spec.entity, events, ...columns],
    );
    const position = row!.tx_id === null || row!.seq === null ? null : outboxPosition(row!.tx_id, row!.seq);
    return { versions: row!.versions.map((version) => toNumber(version)), position };
  }

  /** Checks the ids and encodes the rows as one text array per column; null for no rows. */
  #batch(spec: EntityTableSpec, rows: readonly NewRow[]) {
    for (const row of rows) assertId(row.id, POSTGRES_MAX_ID_BYTES);
    if (rows.length === 0) return null;
    const table = this.tables.resolve(spec);
    return { table, ids: rows.map((row) => row.id), ...columnArrays(table, rows) };
  }

  async #insertBatch<R>(exec: PgExecutor, table: EntityTable, sql: string, params: unknown[]): Promise<R[]> {
    try {
      return await runQuery<R>(exec, sql, params, this.#context(table, 'inserting'));
    } catch (err) {
      // No ON CONFLICT: a taken or repeated id is a unique violation, and nothing was inserted.
      if (isPolystoreError(err, 'PS_ERR_ALREADY_EXISTS')) throw recordExists(table.spec.entity, err.cause);
      throw err;
    }
  }

  async update(
    exec: PgExecutor,
    spec: EntityTableSpec,
    id: string,
    data: Readonly<Record<string, unknown>>,
    expectedVersion: number,
  ): Promise<number> {
    assertId(id, POSTGRES_MAX_ID_BYTES);
    assertCount(expectedVersion, 'expectedVersion');
    const table = this.tables.resolve(spec);
    const params = [id, expectedVersion, ...table.encode(id, data)];
    for (let attempt = 1; ; attempt++) {
      const rows = await runQuery<{ new_version: unknown }>(
        exec,
        table.updateSql,
        params,
        this.#context(table, 'updating'),
      );
      if (rows[0]) return toNumber(rows[0].new_version);
      await this.#missed(exec, table, id, expectedVersion, attempt);
    }
  }

  async delete(exec: PgExecutor, spec: EntityTableSpec, id: string, expectedVersion?: number): Promise<number> {
    assertId(id, POSTGRES_MAX_ID_BYTES);
    if (expectedVersion !== undefined) assertCount(expectedVersion, 'expectedVersion');
    const table = this.tables.resolve(spec);
    const params = [id, spec.entity, expectedVersion ?? null];
    for (let attempt = 1; ; attempt++) {
      const rows = await runQuery<{ tombstone_version: unknown }>(
        exec,
        table.deleteSql,
        params,
        this.#context(table, 'deleting'),
      );
      if (rows[0]) return toNumber(rows[0].tombstone_version);
      // Without an expected version only a row absent when the statement ran is missed.
      if (expectedVersion === undefined) throw recordNotFound(spec.entity);
      await this.#missed(exec, table, id, expectedVersion, attempt);
    }
  }

  /**
   * Why an update or delete at `expectedVersion` matched nothing, from a
   * statement of its own (current-version.sql): throws NOT_FOUND or a conflict
   * naming the newest committed version. Returns (so the caller tries again)
   * only when the row has reached the expected version since the write's
   * snapshot was taken; versions never repeat, so that happens at most once.
   */
  async #missed(
    exec: PgExecutor,
    table: EntityTable,
    id: string,
    expectedVersion: number,
    attempt: number,
  ): Promise<void> {
    const rows = await runQuery<{ _version: unknown }>(
      exec,
      table.currentVersionSql,
      [id],
      this.#context(table, 'reading the current version of'),
    );
    const entity = table.spec.entity;
    if (!rows[0]) throw recordNotFound(entity);
    const current = toNumber(rows[0]._version);
    if (current !== expectedVersion || attempt >= MAX_WRITE_ATTEMPTS) {
      throw versionConflict(entity, expectedVersion, current);
    }
  }

  /** settle-created-rows.sql: clears the tombstones of `ids`; returns the versions it corrected. */
  async #settle(exec: PgExecutor, table: EntityTable, ids: readonly string[]): Promise<Map<string, number>> {
    const rows = await runQuery<{ id: string; _version: unknown }>(
      exec,
      table.settleSql,
      [ids, table.spec.entity],
      this.#context(table, 'inserting'),
    );
    return new Map(rows.map((row) => [row.id, toNumber(row._version)]));
  }

  #context(table: EntityTable, verb: string, filterValues = false) {
    return {
      driver: this.driver,
      action: `${verb} ${table.spec.entity} rows`,
      ...(filterValues ? { dataError: 'PS_ERR_INVALID_FILTER' as const } : {}),
    };
  }
}

/**
 * `rows` encoded for the batch statements (insert-rows.sql and its kin): one
 * text array per column, a document's doc column as one JSON array of the
 * documents; `encoded` holds each row's column values.
 */
export function columnArrays(
  table: EntityTable,
  rows: readonly NewRow[],
): { columns: (string | (string | null)[])[]; encoded: SqlValue[][] } {
  const encoded = rows.map((row) => table.encode(row.id, row.data));
  const columns =
    table.spec.storage === 'document'
      ? [jsonArray(encoded.map((values) => values[0] as string))]
      : table.spec.columns.map((_, c) => encoded.map((values) => asText(values[c]!)));
  return { columns, encoded };
}

/** JSON texts as the text of one JSON array. */
function jsonArray(texts: readonly string[]): string {
  return `[${texts.join(',')}]`;
}

function asText(value: SqlValue): string | null {
  return value === null ? null : String(value);
}
