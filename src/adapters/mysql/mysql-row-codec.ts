import { PolystoreError } from '../../errors/index.js';
import type { ColumnSpec, ColumnType } from '../../stores/home-store.js';
import type { MysqlValue } from './mysql-driver.js';
import { toNumber } from './mysql-query.js';

/**
 * The MariaDB type each portable column type is stored as. Text is LONGTEXT
 * (no length limit to silently hit); the id, which is indexed, is VARCHAR(512).
 * JSON is MariaDB's alias for LONGTEXT with a JSON_VALID check.
 */
export const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
  text: 'LONGTEXT',
  integer: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'DATETIME(3)',
  json: 'JSON',
};

/**
 * Turns a record field into a statement parameter for its column. Timestamps
 * go as UTC `YYYY-MM-DD HH:MM:SS.mmm` text, so neither the session time zone
 * nor the driver's `timezone` option can shift them; JSON goes as its text.
 */
export function encodeColumn(entity: string, column: ColumnSpec, value: unknown): MysqlValue {
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
      const text = typeof value === 'number' ? null : toDatetime(value);
      if (text !== null) return text;
      break;
    }
    case 'json': {
      const text = JSON.stringify(value);
      if (typeof text === 'string') return text;
      break;
    }
  }
  throw fieldError(entity, column, `must be ${describe(column.type)}, not ${kindOf(value)}`);
}

/** Reads a column back: BIGINT as a number, DATETIME as a Date (UTC), BOOLEAN as a boolean, JSON parsed. */
export function decodeColumn(type: ColumnType, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'integer':
    case 'double':
      return toNumber(raw);
    case 'boolean':
      return toNumber(raw) !== 0;
    case 'timestamp':
      return fromDatetime(String(raw));
    case 'json':
      return JSON.parse(String(raw));
    default:
      return raw;
  }
}

/** A Date, an ISO 8601 string or epoch milliseconds as DATETIME(3) text in UTC; null if it is none of them. */
export function toDatetime(value: unknown): string | null {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string' || typeof value === 'number'
        ? new Date(value)
        : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** DATETIME text (as the statements ask the driver for it) read as UTC. */
export function fromDatetime(text: string): Date {
  return new Date(`${text.length === 10 ? `${text} 00:00:00` : text}Z`.replace(' ', 'T'));
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
