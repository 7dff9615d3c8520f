import type { AnalyticsColumnType, AnalyticsValue } from '../../contracts/analytics-store.js';
import { PolystoreError } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';

/**
 * A row value as the column holds it, or undefined when the column cannot
 * hold it: dates as `YYYY-MM-DD` text, timestamps as ISO text in UTC (a zone
 * offset shifted away), bigints as safe integers. Shared by the analytics
 * adapters so they accept and refuse the same rows.
 */
export function checkValue(value: AnalyticsValue, type: AnalyticsColumnType): string | number | boolean | undefined {
  switch (type) {
    case 'varchar':
      return typeof value === 'string' ? value : undefined;
    case 'bigint':
      return Number.isSafeInteger(value) ? (value as number) : undefined;
    case 'double':
      return typeof value === 'number' ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? value : undefined;
    case 'timestamp':
      return timestampText(value);
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** ISO-8601 text or epoch milliseconds, as ISO text in UTC. */
function timestampText(value: AnalyticsValue): string | undefined {
  if (typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (typeof value !== 'string') return undefined;
  const match = TIMESTAMP.exec(value);
  if (!match || !isCalendarDate(match[1]!)) return undefined;
  const [hours, minutes, seconds] = [Number(match[2] ?? 0), Number(match[3] ?? 0), Number(match[4] ?? 0)];
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const zone = match[5];
  if (zone === undefined || zone === 'Z') return value;
  const iso = value
    .replace(' ', 'T')
    .replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
    .replace(/([+-]\d{2})$/, '$1:00');
  const shifted = new Date(iso);
  return Number.isNaN(shifted.getTime()) ? undefined : shifted.toISOString();
}

export function undeclared(table: string, name: string): PolystoreError {
  const shown = isIdentifier(name) ? `"${name}"` : '(not a valid identifier)';
  return new PolystoreError(
    'PS_ERR_INVALID_ARGUMENT',
    `The column ${shown} is not declared by the analytics table "${table}"`,
    {
      field: isIdentifier(name) ? name : undefined,
      fix: 'declare the column with ensureTable, or drop it from the projected rows',
    },
  );
}

export function invalid(message: string, field: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, {
    field,
    fix: 'fix the projector that builds the rows',
  });
}
