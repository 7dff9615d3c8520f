import { PolystoreError } from '../../errors/index.js';
import type { ColumnSpec, ColumnType } from '../../stores/home-store.js';

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
 * Turns a record field into a statement parameter for its column. Parameters
 * are always cast in SQL (`$3::bigint`), so text forms are enough: dates go as
 * ISO strings and JSON as its serialisation, which every driver sends verbatim.
 */
export function encodeColumn(entity: string, column: ColumnSpec, value: unknown): unknown {
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
    case 'timestamp':
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
      if (typeof value === 'string') return value;
      break;
    case 'json':
      return JSON.stringify(value);
  }
  throw fieldError(entity, column, `must be ${describe(column.type)}, not ${kindOf(value)}`);
}

/** Reads a column value back: bigint as a JS number, timestamptz as a Date, NULL as null. */
export function decodeColumn(type: ColumnType, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'integer':
    case 'double':
      return toNumber(raw);
    case 'timestamp':
      return raw instanceof Date ? raw : new Date(String(raw));
    default:
      return raw;
  }
}

/** Drivers return int8 as number (PGlite), string (`pg`) or bigint; the home's numbers fit a double. */
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
