import type { ColumnSpec, ColumnType } from '../../contracts/home-store.js';
import { PolystoreError } from '../../errors/index.js';

/** What the SQL homes bind: text (also dates, JSON and big integers), numbers, booleans and NULL. */
export type SqlValue = string | number | boolean | null;

/**
 * The few value conversions that differ between dialects; everything else
 * about binding and reading columns is shared (encodeColumnValue, decodeColumnValue).
 */
export interface ColumnCodec {
  /**
   * A timestamp field as parameter text, or null when the value is not one
   * the dialect accepts (PostgreSQL casts an ISO string itself; MariaDB needs
   * UTC `YYYY-MM-DD HH:MM:SS.mmm` text).
   */
  encodeTimestamp(value: unknown): string | null;
  /** A non-null timestamp column as the driver returns it, as a Date. */
  decodeTimestamp(raw: unknown): Date;
  /** A non-null boolean column as the driver returns it (MariaDB's BOOLEAN is TINYINT). */
  decodeBoolean(raw: unknown): boolean;
  /** A non-null JSON column (or a document) as the driver returns it, parsed. */
  decodeJson(raw: unknown): unknown;
}

/**
 * Turns a record field into a statement parameter for its column, enforcing
 * the portable column types the same way in every dialect: nullability,
 * safe integers (or bigint, sent as text), finite doubles, booleans, and JSON
 * that serialises to text (a function or symbol does not). Only timestamps
 * are left to the dialect's codec.
 *
 * @example
 * encodeColumnValue('users', { name: 'age', type: 'integer', nullable: false }, 42, codec); // 42
 */
export function encodeColumnValue(entity: string, column: ColumnSpec, value: unknown, codec: ColumnCodec): SqlValue {
  if (value === undefined || value === null) {
    if (!column.nullable) throw fieldError(entity, column, 'is required');
    return null;
  }
  switch (column.type) {
    case 'text':
      if (typeof value === 'string') return value;
      break;
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      if (typeof value === 'bigint') return value.toString();
      break;
    case 'double':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'timestamp': {
      const text = codec.encodeTimestamp(value);
      if (text !== null) return text;
      break;
    }
    case 'json': {
      // JSON.stringify returns undefined for a function or a symbol: refuse it
      // rather than bind undefined, which a driver would store as NULL.
      const text = JSON.stringify(value);
      if (typeof text === 'string') return text;
      break;
    }
  }
  throw fieldError(entity, column, `must be ${describe(column.type)}, not ${kindOf(value)}`);
}

/**
 * Reads a column back as the record's value: NULL as null, BIGINT and DOUBLE
 * as numbers, text as is; timestamps, booleans and JSON through the dialect's codec.
 */
export function decodeColumnValue(type: ColumnType, raw: unknown, codec: ColumnCodec): unknown {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'integer':
    case 'double':
      return toNumber(raw);
    case 'timestamp':
      return codec.decodeTimestamp(raw);
    case 'boolean':
      return codec.decodeBoolean(raw);
    case 'json':
      return codec.decodeJson(raw);
    case 'text':
      return raw;
  }
}

/**
 * Reads a 64-bit integer column as a JS number. Drivers return them as
 * numbers (PGlite), decimal strings (`pg`, mysql2 with bigNumberStrings) or
 * bigint; the home's versions and counts fit a double.
 */
export function toNumber(raw: unknown): number {
  return typeof raw === 'number' ? raw : Number(raw);
}

function fieldError(entity: string, column: ColumnSpec, problem: string): PolystoreError {
  return new PolystoreError('PS_ERR_VALIDATION', `The ${entity} field "${column.name}" ${problem}`, {
    field: column.name,
    fix: `pass ${describe(column.type)}${column.nullable ? ' or null' : ''} for "${column.name}"`,
  });
}

function describe(type: ColumnType): string {
  switch (type) {
    case 'text':
      return 'a string';
    case 'integer':
      return 'a safe integer';
    case 'double':
      return 'a finite number';
    case 'boolean':
      return 'a boolean';
    case 'timestamp':
      return 'a Date or an ISO 8601 string';
    case 'json':
      return 'a JSON value';
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'an invalid Date';
  return `a ${typeof value}`;
}
