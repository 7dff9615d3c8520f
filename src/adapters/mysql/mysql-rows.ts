import type { FilterNode } from '../../contracts/filter-ast.js';
import type { EntityTableSpec, FindOptions, NewRow, ScanOptions, StoredRow } from '../../contracts/home-store.js';
import { isPolystoreError, type PolystoreError } from '../../errors/index.js';
import { recordExists, recordNotFound, versionConflict } from '../sql-shared/record-errors.js';
import { toNumber } from '../sql-shared/row-values.js';
import { assertCount, assertId, assertScan } from '../sql-shared/sql-arguments.js';
import { loadSql, renderSql } from '../sql-shared/sql-template.js';
import { compileFilter, compileOrderBy } from './mysql-compile-filter.js';
import { MAX_ID_BYTES } from './mysql-ddl.js';
import type { MysqlExecutor } from './mysql-driver.js';
import { type EntityTable, type EntityTables, ROW_ALIAS } from './mysql-entity-table.js';
import { selectRows, writeRows } from './mysql-query.js';
import { bind, joinSql, raw, repeatGroup, SqlBySize, sql } from './mysql-sql.js';

const TOMBSTONE = loadSql('tombstone.sql', import.meta.url);
const CLEAR_TOMBSTONE = loadSql('clear-tombstone.sql', import.meta.url);
const CLEAR_TOMBSTONES = loadSql('clear-tombstones.sql', import.meta.url);

/** Ids per `IN (...)` list; well under the 65,535 placeholders a prepared statement may hold. */
const IDS_PER_STATEMENT = 1000;
/** Rows per multi-row INSERT (fewer when a row binds many columns): under the placeholder limit and the packet size. */
const ROWS_PER_STATEMENT = 500;
const MAX_PLACEHOLDERS = 65_535;
/** MariaDB has no `LIMIT ALL`; its documented idiom is the largest BIGINT UNSIGNED. */
const NO_LIMIT = '18446744073709551615';

/** Reads and version-guarded writes of entity rows, over a pool or one transaction's connection. */
export class MysqlRows {
  readonly #tombstone: string;
  readonly #clearTombstone: string;
  readonly #clearTombstones: SqlBySize;

  constructor(
    private readonly target: string,
    private readonly tables: EntityTables,
    private readonly tombstones: string,
  ) {
    this.#tombstone = renderSql(TOMBSTONE, { tombstones });
    this.#clearTombstone = renderSql(CLEAR_TOMBSTONE, { tombstones });
    this.#clearTombstones = new SqlBySize((count) =>
      renderSql(CLEAR_TOMBSTONES, { tombstones, ids: repeatGroup('?', count) }),
    );
  }

  async get(exec: MysqlExecutor, spec: EntityTableSpec, id: string, lock = false): Promise<StoredRow | null> {
    assertId(id, MAX_ID_BYTES);
    const table = this.tables.resolve(spec);
    const query = sql`SELECT ${raw(table.selectList)} FROM ${raw(table.relation)} AS ${raw(ROW_ALIAS)} WHERE ${raw(ROW_ALIAS)}.id = ${bind(id)}${raw(lock ? ' FOR UPDATE' : '')}`;
    const rows = await selectRows<Record<string, unknown>>(exec, query, this.#context(table, 'reading'));
    return rows[0] ? table.decode(rows[0]) : null;
  }

  async getMany(exec: MysqlExecutor, spec: EntityTableSpec, ids: readonly string[]): Promise<StoredRow[]> {
    for (const id of ids) assertId(id, MAX_ID_BYTES);
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const table = this.tables.resolve(spec);
    const byId = new Map<string, StoredRow>();
    for (let i = 0; i < unique.length; i += IDS_PER_STATEMENT) {
      const list = joinSql(unique.slice(i, i + IDS_PER_STATEMENT).map(bind), ', ');
      const query = sql`SELECT ${raw(table.selectList)} FROM ${raw(table.relation)} AS ${raw(ROW_ALIAS)} WHERE ${raw(ROW_ALIAS)}.id IN (${list})`;
      const rows = await selectRows<Record<string, unknown>>(exec, query, this.#context(table, 'reading'));
      for (const row of rows) {
        const decoded = table.decode(row);
        byId.set(decoded.id, decoded);
      }
    }
    return unique.flatMap((id) => byId.get(id) ?? []);
  }

  async find(
    exec: MysqlExecutor,
    spec: EntityTableSpec,
    filter: FilterNode | null,
    options: FindOptions,
  ): Promise<StoredRow[]> {
    assertCount(options.limit, 'limit', true);
    assertCount(options.offset, 'offset');
    const table = this.tables.resolve(spec);
    const where = compileFilter(table, filter);
    const orderBy = compileOrderBy(table, options.orderBy);
    const limit = Number.isFinite(options.limit) ? bind(options.limit) : raw(NO_LIMIT);
    const query = sql`SELECT ${raw(table.selectList)} FROM ${raw(table.relation)} AS ${raw(ROW_ALIAS)} WHERE ${where} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${bind(options.offset)}`;
    const rows = await selectRows<Record<string, unknown>>(exec, query, this.#context(table, 'finding', true));
    return rows.map((row) => table.decode(row));
  }

  async count(exec: MysqlExecutor, spec: EntityTableSpec, filter: FilterNode | null): Promise<number> {
    const table = this.tables.resolve(spec);
    const query = sql`SELECT COUNT(*) AS n FROM ${raw(table.relation)} AS ${raw(ROW_ALIAS)} WHERE ${compileFilter(table, filter)}`;
    const rows = await selectRows<{ n: unknown }>(exec, query, this.#context(table, 'counting', true));
    return toNumber(rows[0]?.n ?? 0);
  }

  /** A keyset chunk: `id > after AND id <= upTo AND filter ORDER BY id LIMIT n`, served by the primary key. */
  async scan(exec: MysqlExecutor, spec: EntityTableSpec, options: ScanOptions): Promise<StoredRow[]> {
    const table = this.tables.resolve(spec);
    const rows = await this.#scanChunk<Record<string, unknown>>(exec, table, table.selectList, options);
    return rows.map((row) => table.decode(row));
  }

  /** `scan` reading the id and version only: the consistency checker's walk. */
  async scanVersions(
    exec: MysqlExecutor,
    spec: EntityTableSpec,
    options: ScanOptions,
  ): Promise<{ id: string; version: number }[]> {
    const table = this.tables.resolve(spec);
    const columns = `${ROW_ALIAS}.id AS id, ${ROW_ALIAS}._version AS _version`;
    const rows = await this.#scanChunk<{ id: string; _version: unknown }>(exec, table, columns, options);
    return rows.map((row) => ({ id: row.id, version: toNumber(row._version) }));
  }

  #scanChunk<R>(exec: MysqlExecutor, table: EntityTable, columns: string, options: ScanOptions): Promise<R[]> {
    assertScan(options, MAX_ID_BYTES);
    const id = raw(`${ROW_ALIAS}.id`);
    const where = [compileFilter(table, options.filter ?? null)];
    if (options.after !== null) where.push(sql`${id} > ${bind(options.after)}`);
    if (options.upTo != null) where.push(sql`${id} <= ${bind(options.upTo)}`);
    const query = sql`SELECT ${raw(columns)} FROM ${raw(table.relation)} AS ${raw(ROW_ALIAS)} WHERE ${joinSql(where, ' AND ')} ORDER BY ${id} LIMIT ${bind(options.limit)}`;
    return selectRows<R>(exec, query, this.#context(table, 'scanning', true));
  }

  /** A keyset chunk of the entity's tombstones. */
  async scanTombstones(
    exec: MysqlExecutor,
    spec: EntityTableSpec,
    options: ScanOptions,
  ): Promise<{ id: string; version: number }[]> {
    assertScan(options, MAX_ID_BYTES);
    const table = this.tables.resolve(spec);
    const where = [sql`entity = ${bind(spec.entity)}`];
    if (options.after !== null) where.push(sql`id > ${bind(options.after)}`);
    if (options.upTo != null) where.push(sql`id <= ${bind(options.upTo)}`);
    const query = sql`SELECT id, version FROM ${raw(this.tombstones)} WHERE ${joinSql(where, ' AND ')} ORDER BY id LIMIT ${bind(options.limit)}`;
    const rows = await selectRows<{ id: string; version: unknown }>(
      exec,
      query,
      this.#context(table, 'scanning tombstones of'),
    );
    return rows.map((row) => ({ id: row.id, version: toNumber(row.version) }));
  }

  /** The greatest live id and tombstone id of the entity. */
  async lastIds(exec: MysqlExecutor, spec: EntityTableSpec): Promise<{ row: string | null; tombstone: string | null }> {
    const table = this.tables.resolve(spec);
    const query = sql`SELECT (SELECT MAX(id) FROM ${raw(table.relation)}) AS row_id, (SELECT MAX(id) FROM ${raw(this.tombstones)} WHERE entity = ${bind(spec.entity)}) AS tomb_id`;
    const [row] = await selectRows<{ row_id: string | null; tomb_id: string | null }>(
      exec,
      query,
      this.#context(table, 'scanning'),
    );
    return { row: row?.row_id ?? null, tombstone: row?.tomb_id ?? null };
  }

  async listVersions(exec: MysqlExecutor, spec: EntityTableSpec): Promise<{ id: string; version: number }[]> {
    const table = this.tables.resolve(spec);
    const query = raw(`SELECT id, _version FROM ${table.relation} ORDER BY id`);
    const rows = await selectRows<{ id: string; _version: unknown }>(
      exec,
      query,
      this.#context(table, 'listing versions'),
    );
    return rows.map((row) => ({ id: row.id, version: toNumber(row._version) }));
  }

  async listTombstones(exec: MysqlExecutor, spec: EntityTableSpec): Promise<{ id: string; version: number }[]> {
    const table = this.tables.resolve(spec);
    const query = sql`SELECT id, version FROM ${raw(this.tombstones)} WHERE entity = ${bind(spec.entity)} ORDER BY id`;
    const rows = await selectRows<{ id: string; version: unknown }>(
      exec,
      query,
      this.#context(table, 'listing tombstones of'),
    );
    return rows.map((row) => ({ id: row.id, version: toNumber(row.version) }));
  }

  /**
   * Inserts the row at version 1, then clears the id's tombstone and, if there
   * was one, continues the version after it: row first, tombstone second, the
   * same order a delete takes its locks in (insert-row.sql says why).
   */
  async insert(
    exec: MysqlExecutor,
    spec: EntityTableSpec,
    id: string,
    data: Readonly<Record<string, unknown>>,
  ): Promise<number> {
    assertId(id, MAX_ID_BYTES);
    const table = this.tables.resolve(spec);
    const values = [id, ...table.encode(id, data)];
    const { insertId } = await writeRows(exec, { text: table.insertSql, values }, this.#context(table, 'inserting'));
    // insert-row.sql reports a taken id as insertId 1, and leaves the live row as it was.
    if (insertId !== 0) throw recordExists(spec.entity);
    const [tombstone] = await selectRows<{ version: unknown }>(
      exec,
      { text: this.#clearTombstone, values: [spec.entity, id] },
      this.#context(table, 'clearing a tombstone of'),
    );
    if (tombstone === undefined) return 1;
    const version = toNumber(tombstone.version) + 1;
    await writeRows(exec, { text: table.setVersionSql, values: [version, id] }, this.#context(table, 'inserting'));
    return version;
  }

  /**
   * Inserts `rows`, all or none, with multi-row INSERTs (insert-rows.sql) in
   * id order, then clears their tombstones (clear-tombstones.sql) and moves
   * each row that had one past it: the steps of `insert`, a statement per
   * batch instead of per row. Returns the versions in input order.
   */
  async insertMany(exec: MysqlExecutor, spec: EntityTableSpec, rows: readonly NewRow[]): Promise<number[]> {
    for (const row of rows) assertId(row.id, MAX_ID_BYTES);
    if (rows.length === 0) return [];
    const table = this.tables.resolve(spec);
    const context = this.#context(table, 'inserting');
    const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const values = sorted.map((row) => [row.id, ...table.encode(row.id, row.data)]);
    const size = Math.min(ROWS_PER_STATEMENT, Math.floor(MAX_PLACEHOLDERS / values[0]!.length));
    for (let i = 0; i < values.length; i += size) {
      const chunk = values.slice(i, i + size);
      try {
        await writeRows(exec, { text: table.insertManySql.get(chunk.length), values: chunk.flat() }, context);
      } catch (err) {
        // The failed statement inserted nothing. After a refused id or value (a statement error)
        // the earlier ones go too, so the batch is all or none; any other failure may have ended
        // the transaction, and a DELETE would then run outside it: that is left to the rollback.
        if (i > 0 && isPolystoreError(err, 'PS_ERR_VALIDATION')) {
          await this.#remove(
            exec,
            table,
            sorted.slice(0, i).map((row) => row.id),
          );
        }
        // insert-rows.sql refuses a taken or repeated id by setting `_version` to NULL.
        if (isPolystoreError(err, 'PS_ERR_VALIDATION') && err.field === '_version') {
          throw recordExists(spec.entity, err.cause);
        }
        throw err;
      }
    }
    const versions = new Map<string, number>();
    const ids = sorted.map((row) => row.id);
    for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
      const chunk = ids.slice(i, i + IDS_PER_STATEMENT);
      const cleared = await selectRows<{ id: string; version: unknown }>(
        exec,
        { text: this.#clearTombstones.get(chunk.length), values: [spec.entity, ...chunk] },
        this.#context(table, 'clearing tombstones of'),
      );
      for (const tombstone of cleared) {
        const version = toNumber(tombstone.version) + 1;
        await writeRows(exec, { text: table.setVersionSql, values: [version, tombstone.id] }, context);
        versions.set(tombstone.id, version);
      }
    }
    return rows.map((row) => versions.get(row.id) ?? 1);
  }

  /** Deletes rows a failing batch inserted earlier in the same call (no tombstone: they never existed). */
  async #remove(exec: MysqlExecutor, table: EntityTable, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
      const list = joinSql(ids.slice(i, i + IDS_PER_STATEMENT).map(bind), ', ');
      await writeRows(
        exec,
        sql`DELETE FROM ${raw(table.relation)} WHERE id IN (${list})`,
        this.#context(table, 'inserting'),
      );
    }
  }

  async update(
    exec: MysqlExecutor,
    spec: EntityTableSpec,
    id: string,
    data: Readonly<Record<string, unknown>>,
    expectedVersion: number,
  ): Promise<number> {
    assertId(id, MAX_ID_BYTES);
    assertCount(expectedVersion, 'expectedVersion');
    const table = this.tables.resolve(spec);
    const values = [...table.encode(id, data), id, expectedVersion];
    const { affectedRows } = await writeRows(exec, { text: table.updateSql, values }, this.#context(table, 'updating'));
    if (affectedRows === 1) return expectedVersion + 1;
    throw await this.#missedVersion(exec, table, id, expectedVersion);
  }

  async delete(exec: MysqlExecutor, spec: EntityTableSpec, id: string, expectedVersion?: number): Promise<number> {
    assertId(id, MAX_ID_BYTES);
    if (expectedVersion !== undefined) assertCount(expectedVersion, 'expectedVersion');
    const table = this.tables.resolve(spec);
    const expected = expectedVersion ?? null;
    const rows = await selectRows<{ _version: unknown }>(
      exec,
      { text: table.deleteSql, values: [id, expected, expected] },
      this.#context(table, 'deleting'),
    );
    if (!rows[0]) {
      // Without an expected version only a row absent when the statement ran is missed.
      if (expectedVersion === undefined) throw recordNotFound(spec.entity);
      throw await this.#missedVersion(exec, table, id, expectedVersion);
    }
    const tombstone = toNumber(rows[0]._version) + 1;
    const values = [spec.entity, id, tombstone];
    await writeRows(exec, { text: this.#tombstone, values }, this.#context(table, 'recording a tombstone'));
    return tombstone;
  }

  /** Why an update or delete matched no row: the row is absent, or at another version. */
  async #missedVersion(
    exec: MysqlExecutor,
    table: EntityTable,
    id: string,
    expectedVersion: number,
  ): Promise<PolystoreError> {
    const rows = await selectRows<{ _version: unknown }>(
      exec,
      { text: table.currentVersionSql, values: [id] },
      this.#context(table, 'reading the current version'),
    );
    const entity = table.spec.entity;
    if (!rows[0]) return recordNotFound(entity);
    return versionConflict(entity, expectedVersion, toNumber(rows[0]._version));
  }

  #context(table: EntityTable, verb: string, filterValues = false) {
    return {
      target: this.target,
      action: `${verb} ${table.spec.entity} rows`,
      ...(filterValues ? { dataError: 'PS_ERR_INVALID_FILTER' as const } : {}),
    };
  }
}
