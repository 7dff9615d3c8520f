import type { ColumnType } from '../../contracts/home-store.js';
import { type ColumnCodec, toNumber } from '../sql-shared/row-values.js';

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
 * How MariaDB binds and reads the values whose form is its own. Timestamps go
 * as UTC `YYYY-MM-DD HH:MM:SS.mmm` text, so neither the session time zone nor
 * the driver's `timezone` option can shift them; epoch numbers are refused,
 * as by the PostgreSQL home (record fields take dates, only filters take
 * epoch milliseconds). Every statement asks the driver for DATETIME and JSON
 * as text (mysql-driver.ts), and BOOLEAN is TINYINT.
 */
export const COLUMN_CODEC: ColumnCodec = {
  encodeTimestamp: (value) => (typeof value === 'number' ? null : toDatetime(value)),
  decodeTimestamp: (raw) => fromDatetime(String(raw)),
  decodeBoolean: (raw) => toNumber(raw) !== 0,
  decodeJson: (raw) => JSON.parse(String(raw)),
};

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
function fromDatetime(text: string): Date {
  return new Date(`${text.length === 10 ? `${text} 00:00:00` : text}Z`.replace(' ', 'T'));
}
