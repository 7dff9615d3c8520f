import type { ColumnType } from '../../contracts/home-store.js';
import type { ColumnCodec } from '../sql-shared/row-values.js';

/** The PostgreSQL type each portable column type is stored as. */
export const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
  text: 'text',
  integer: 'bigint',
  double: 'double precision',
  boolean: 'boolean',
  timestamp: 'timestamptz',
  json: 'jsonb',
};

/**
 * How the PostgreSQL family binds and reads the values whose form is its own.
 * Parameters are always cast in SQL (`$3::timestamptz`), so text forms are
 * enough: a valid Date goes as ISO text and a string as is, for the cast to
 * parse (it reads more forms than `Date`, and a bad one is a data exception).
 * The drivers (PGlite, `pg`) return booleans as booleans and jsonb parsed, and
 * timestamptz as a Date (text from any other driver is parsed).
 */
export const COLUMN_CODEC: ColumnCodec = {
  encodeTimestamp: (value) => {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    return typeof value === 'string' ? value : null;
  },
  decodeTimestamp: (raw) => (raw instanceof Date ? raw : new Date(String(raw))),
  decodeBoolean: (raw) => raw as boolean,
  decodeJson: (raw) => raw,
};
