import { PolystoreError } from '../../errors/index.js';
import { assertIdentifier, quoteIdent } from '../../runtime/identifier.js';
import type { ColumnSpec, EntityTableSpec, StoredRow } from '../../stores/home-store.js';
import { INTERNAL_TABLE_PREFIX } from './postgres-ddl.js';
import { decodeColumn, encodeColumn, SQL_TYPES, toNumber } from './row-codec.js';
import { loadSql, renderSql } from './sql-template.js';

const INSERT_ROW = loadSql('insert-row.sql');
const UPDATE_ROW = loadSql('update-row.sql');
const DELETE_ROW = loadSql('delete-row.sql');
const RESERVED_COLUMNS = new Set(['id', '_version']);

/** Everything the home needs to read and write one entity's table, derived once per spec. */
export interface EntityTable {
  readonly spec: EntityTableSpec;
  /** `"schema"."table"`. */
  readonly relation: string;
  readonly columns: ReadonlyMap<string, ColumnSpec>;
  /** Select list matching {@link EntityTable.decode}. */
  readonly selectList: string;
  readonly insertSql: string;
  readonly updateSql: string;
  readonly deleteSql: string;
  /** The column parameters ($3…) of insert and update, in statement order. */
  encode(id: string, data: Readonly<Record<string, unknown>>): unknown[];
  decode(row: Record<string, unknown>): StoredRow;
}

/** Resolves specs to {@link EntityTable}s, validating each spec once. */
export class EntityTables {
  readonly #cache = new WeakMap<EntityTableSpec, EntityTable>();

  constructor(private readonly schema: string) {}

  resolve(spec: EntityTableSpec): EntityTable {
    let table = this.#cache.get(spec);
    if (!table) {
      table = buildEntityTable(this.schema, spec);
      this.#cache.set(spec, table);
    }
    return table;
  }
}

function buildEntityTable(schema: string, spec: EntityTableSpec): EntityTable {
  validateSpec(spec);
  const quotedSchema = quoteIdent(schema, 'schema');
  const fragments = { schema: quotedSchema, table: quoteIdent(spec.table, 'table') };
  const relation = `${fragments.schema}.${fragments.table}`;
  const columns = new Map(spec.columns.map((c) => [c.name, c]));
  const deleteSql = renderSql(DELETE_ROW, fragments);

  if (spec.storage === 'document') {
    return {
      spec,
      relation,
      columns,
      selectList: 'id, _version, doc',
      insertSql: renderSql(INSERT_ROW, { ...fragments, columns: ', doc', values: ', $3::jsonb' }),
      updateSql: renderSql(UPDATE_ROW, { ...fragments, assignments: 'doc = $3::jsonb' }),
      deleteSql,
      encode: (id, data) => [JSON.stringify({ ...data, id })],
      decode: (row) => {
        const id = String(row.id);
        return { id, version: toNumber(row._version), data: { ...(row.doc as Record<string, unknown>), id } };
      },
    };
  }

  const names = spec.columns.map((c) => quoteIdent(c.name, 'column'));
  const casts = spec.columns.map((c, i) => `$${i + 3}::${SQL_TYPES[c.type]}`);
  return {
    spec,
    relation,
    columns,
    selectList: ['id', '_version', ...names].join(', '),
    insertSql: renderSql(INSERT_ROW, {
      ...fragments,
      columns: names.map((n) => `, ${n}`).join(''),
      values: casts.map((c) => `, ${c}`).join(''),
    }),
    updateSql: renderSql(UPDATE_ROW, {
      ...fragments,
      assignments: names.length > 0 ? names.map((n, i) => `${n} = ${casts[i]}`).join(', ') : 'id = id',
    }),
    deleteSql,
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

function validateSpec(spec: EntityTableSpec): void {
  assertIdentifier(spec.entity, 'entity');
  assertIdentifier(spec.table, 'table');
  if (spec.table.startsWith(INTERNAL_TABLE_PREFIX)) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      `The ${spec.entity} table name uses the reserved prefix "${INTERNAL_TABLE_PREFIX}"`,
      {
        field: 'table',
        fix: `rename the table; names starting with ${INTERNAL_TABLE_PREFIX} belong to Polystore`,
      },
    );
  }
  const seen = new Set<string>();
  for (const column of spec.columns) {
    assertIdentifier(column.name, 'column');
    if (RESERVED_COLUMNS.has(column.name) || seen.has(column.name)) {
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The ${spec.entity} column "${column.name}" is reserved or declared twice`,
        {
          field: column.name,
          fix: 'declare each column once and leave out id and _version (the home adds them)',
        },
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
