import { PolystoreError } from '../../errors/index.js';
import { assertIdentifier } from '../../runtime/identifier.js';
import type { ColumnSpec, EntityTableSpec, StoredRow } from '../../stores/home-store.js';
import { type HomeNames, INTERNAL_TABLE_PREFIX } from './mysql-ddl.js';
import type { MysqlValue } from './mysql-driver.js';
import { toNumber } from './mysql-query.js';
import { decodeColumn, encodeColumn } from './mysql-row-codec.js';
import { loadSql, quoteId, renderSql } from './mysql-sql.js';

const INSERT_ROW = loadSql('insert-row.sql');
const UPDATE_ROW = loadSql('update-row.sql');
const DELETE_ROW = loadSql('delete-row.sql');
const CURRENT_VERSION = loadSql('current-version.sql');
const RESERVED_COLUMNS = new Set(['id', '_version']);

/** Alias of the entity table in reads, so filter sub-queries can name its columns unambiguously. */
export const ROW_ALIAS = 'r';

/** Everything the home needs to read and write one entity's table, derived once per spec. */
export interface EntityTable {
  readonly spec: EntityTableSpec;
  /** `database`.`table`. */
  readonly relation: string;
  readonly columns: ReadonlyMap<string, ColumnSpec>;
  /** Select list over alias `r`, matching {@link EntityTable.decode}. */
  readonly selectList: string;
  readonly insertSql: string;
  readonly updateSql: string;
  readonly deleteSql: string;
  readonly currentVersionSql: string;
  /** The column parameters of insert and update, in statement order. */
  encode(id: string, data: Readonly<Record<string, unknown>>): MysqlValue[];
  decode(row: Record<string, unknown>): StoredRow;
}

/** Resolves specs to {@link EntityTable}s, validating each spec once. */
export class EntityTables {
  readonly #cache = new WeakMap<EntityTableSpec, EntityTable>();

  constructor(private readonly names: HomeNames) {}

  resolve(spec: EntityTableSpec): EntityTable {
    let table = this.#cache.get(spec);
    if (!table) {
      table = buildEntityTable(this.names, spec);
      this.#cache.set(spec, table);
    }
    return table;
  }
}

function buildEntityTable(names: HomeNames, spec: EntityTableSpec): EntityTable {
  validateSpec(spec);
  const relation = `${names.database}.${quoteId(spec.table, 'table')}`;
  const fragments = { table: relation, tombstones: names.tombstones };
  const columns = new Map(spec.columns.map((c) => [c.name, c]));
  const common = {
    spec,
    relation,
    columns,
    deleteSql: renderSql(DELETE_ROW, fragments),
    currentVersionSql: renderSql(CURRENT_VERSION, fragments),
  };

  if (spec.storage === 'document') {
    return {
      ...common,
      selectList: `${ROW_ALIAS}.id, ${ROW_ALIAS}._version, ${ROW_ALIAS}.doc`,
      insertSql: renderSql(INSERT_ROW, { ...fragments, columns: ', doc', values: ', ?' }),
      updateSql: renderSql(UPDATE_ROW, { ...fragments, assignments: 'doc = ?, ' }),
      encode: (id, data) => [JSON.stringify({ ...data, id })],
      decode: (row) => {
        const id = String(row.id);
        const doc = JSON.parse(String(row.doc)) as Record<string, unknown>;
        return { id, version: toNumber(row._version), data: { ...doc, id } };
      },
    };
  }

  const quoted = spec.columns.map((c) => quoteId(c.name, 'column'));
  return {
    ...common,
    selectList: [`${ROW_ALIAS}.id`, `${ROW_ALIAS}._version`, ...quoted.map((q) => `${ROW_ALIAS}.${q}`)].join(', '),
    insertSql: renderSql(INSERT_ROW, {
      ...fragments,
      columns: quoted.map((q) => `, ${q}`).join(''),
      values: quoted.map(() => ', ?').join(''),
    }),
    updateSql: renderSql(UPDATE_ROW, { ...fragments, assignments: quoted.map((q) => `${q} = ?, `).join('') }),
    encode: (_id, data) => {
      for (const key of Object.keys(data)) {
        if (key !== 'id' && !columns.has(key)) throw unknownField(spec, key);
      }
      return spec.columns.map((c) => encodeColumn(spec.entity, c, data[c.name]));
    },
    decode: (row) => {
      const id = String(row.id);
      const data: Record<string, unknown> = { id };
      for (const c of spec.columns) data[c.name] = decodeColumn(c.type, row[c.name]);
      return { id, version: toNumber(row._version), data };
    },
  };
}

/** Allow-lists every name in a spec; called before any SQL is built from it. */
export function validateSpec(spec: EntityTableSpec): void {
  assertIdentifier(spec.entity, 'entity');
  assertIdentifier(spec.table, 'table');
  if (spec.table.startsWith(INTERNAL_TABLE_PREFIX)) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The ${spec.entity} table name uses the reserved prefix "${INTERNAL_TABLE_PREFIX}"`,
      { field: 'table', fix: `rename the table; names starting with ${INTERNAL_TABLE_PREFIX} belong to Polystore` },
    );
  }
  const seen = new Set<string>();
  for (const column of spec.columns) {
    assertIdentifier(column.name, 'column');
    if (RESERVED_COLUMNS.has(column.name) || seen.has(column.name)) {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The ${spec.entity} column "${column.name}" is reserved or declared twice`,
        { field: column.name, fix: 'declare each column once and leave out id and _version (the home adds them)' },
      );
    }
    seen.add(column.name);
  }
}

export function unknownField(spec: EntityTableSpec, name: string): PolystoreError {
  const known = spec.columns.map((c) => c.name);
  const field = name.slice(0, 64);
  return new PolystoreError('PS_ERR_UNKNOWN_FIELD', `The ${spec.entity} entity has no field "${field}"`, {
    field,
    fix: `use id or a declared column${known.length > 0 ? ` (${known.slice(0, 12).join(', ')})` : ''}`,
  });
}
