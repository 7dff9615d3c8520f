import type { ColumnSpec, EntityTableSpec, StoredRow } from '../../contracts/home-store.js';
import { unknownField } from './entity-spec.js';
import { type ColumnCodec, decodeColumnValue, encodeColumnValue, type SqlValue, toNumber } from './row-values.js';

/**
 * What every SQL home derives once per spec to read and write one entity's
 * table; a dialect adds what only its statements need. All SQL text is built
 * from allow-listed, quoted identifiers.
 */
export interface SqlEntityTable {
  readonly spec: EntityTableSpec;
  /** The qualified, quoted table name. */
  readonly relation: string;
  readonly columns: ReadonlyMap<string, ColumnSpec>;
  /** Select list matching {@link SqlEntityTable.decode}. */
  readonly selectList: string;
  readonly insertSql: string;
  readonly updateSql: string;
  readonly deleteSql: string;
  /** The column parameters of insert and update, in statement order. */
  encode(id: string, data: Readonly<Record<string, unknown>>): SqlValue[];
  decode(row: Record<string, unknown>): StoredRow;
}

/**
 * The dialect-neutral part of an entity table: its spec, name, columns and
 * row mapping. A document row binds the record as one JSON parameter and
 * reads it back with the row's id winning over any `id` inside the document.
 * A relational row binds one parameter per declared column, in spec order,
 * and refuses a field that names no column (`PS_ERR_UNKNOWN_FIELD`) rather
 * than dropping it silently.
 */
export function entityTableBase(
  spec: EntityTableSpec,
  relation: string,
  codec: ColumnCodec,
): Pick<SqlEntityTable, 'spec' | 'relation' | 'columns' | 'encode' | 'decode'> {
  const columns = new Map(spec.columns.map((c) => [c.name, c]));
  if (spec.storage === 'document') {
    return {
      spec,
      relation,
      columns,
      encode: (id, data) => [JSON.stringify({ ...data, id })],
      decode: (row) => {
        const id = String(row.id);
        const doc = codec.decodeJson(row.doc) as Record<string, unknown>;
        return { id, version: toNumber(row._version), data: { ...doc, id } };
      },
    };
  }
  return {
    spec,
    relation,
    columns,
    encode: (_id, data) => {
      for (const key of Object.keys(data)) {
        if (key !== 'id' && !columns.has(key)) throw unknownField(spec, key);
      }
      return spec.columns.map((c) => encodeColumnValue(spec.entity, c, data[c.name], codec));
    },
    decode: (row) => {
      const id = String(row.id);
      const data: Record<string, unknown> = { id };
      for (const c of spec.columns) data[c.name] = decodeColumnValue(c.type, row[c.name], codec);
      return { id, version: toNumber(row._version), data };
    },
  };
}
