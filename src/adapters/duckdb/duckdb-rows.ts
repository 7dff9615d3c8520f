import type { AnalyticsColumnType, AnalyticsRow, AnalyticsValue } from '../../contracts/analytics-store.js';
import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';
import type { TableLayout } from './duckdb-table.js';

export type FactChange = VersionedChange<readonly AnalyticsRow[]>;

/** A batch's rows as appender columns (`_key` first, then the table's columns in order). */
export interface EncodedFacts {
  readonly columns: readonly unknown[][];
  /** The rows of `changes[i]` are rows `starts[i]` to `starts[i + 1]` (exclusive). */
  readonly starts: readonly number[];
}

/**
 * Validates a batch before anything is written (versions, unique keys, every
 * row against the table's columns) and encodes its rows for the appender in
 * the same pass; a column a row omits is NULL. Messages name columns, never
 * values.
 */
export function encodeFacts(layout: TableLayout, changes: readonly FactChange[]): EncodedFacts {
  const declared = new Set(layout.columns.map((column) => column.name));
  const columns: unknown[][] = [[], ...layout.columns.map(() => [])];
  const starts: number[] = [0];
  const seen = new Set<string>();
  for (const change of changes) {
    if (typeof change.key !== 'string') throw invalid('A change has no string key', 'key');
    if (!Number.isSafeInteger(change.version)) throw invalid('A change version is not a safe integer', 'version');
    if (seen.has(change.key)) throw invalid('A key appears more than once in one applyIfNewer call', 'key');
    seen.add(change.key);
    if (change.value !== null && !Array.isArray(change.value)) {
      throw invalid('An analytics change value must be an array of rows or null', 'value');
    }
    for (const row of change.value ?? []) {
      if (row === null || typeof row !== 'object') throw invalid('An analytics row must be an object', 'value');
      for (const name of Object.keys(row)) if (!declared.has(name)) throw undeclared(layout.table, name);
      columns[0]!.push(change.key);
      layout.columns.forEach(({ name, type }, i) => {
        const value = (row as AnalyticsRow)[name];
        // An omitted column is NULL; one given as `undefined` is not a value the table accepts.
        const encoded =
          value === null || (value === undefined && !Object.hasOwn(row, name))
            ? null
            : encodeValue(value as AnalyticsValue, type);
        if (encoded === undefined) {
          throw invalid(
            `The column "${name}" of "${layout.table}" does not accept the value given (expected ${type})`,
            name,
          );
        }
        columns[i + 1]!.push(encoded);
      });
    }
    starts.push(columns[0]!.length);
  }
  return { columns, starts };
}

/** The columns of the rows of the chosen changes (indexes into the encoded batch, ascending). */
export function factsOf(encoded: EncodedFacts, chosen: readonly number[]): unknown[][] {
  return encoded.columns.map((column) => chosen.flatMap((i) => column.slice(encoded.starts[i], encoded.starts[i + 1])));
}

/**
 * The appender value for a row value, or undefined when the column cannot
 * hold it. Dates and timestamps travel as text DuckDB casts; a timestamp with
 * a zone offset is shifted to UTC first (DuckDB's TIMESTAMP drops offsets).
 */
function encodeValue(value: AnalyticsValue, type: AnalyticsColumnType): unknown {
  switch (type) {
    case 'varchar':
      return typeof value === 'string' ? value : undefined;
    case 'bigint':
      return Number.isSafeInteger(value) ? BigInt(value as number) : undefined;
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

/** ISO-8601 text or epoch milliseconds, as text DuckDB casts to TIMESTAMP (UTC). */
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

function undeclared(table: string, name: string): PolystoreError {
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

function invalid(message: string, field: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, {
    field,
    fix: 'fix the projector that builds the rows',
  });
}
