import type { AnalyticsColumnType, AnalyticsRow, AnalyticsValue } from '../../contracts/analytics-store.js';
import type { VersionedChange } from '../../contracts/view-store.js';
import { checkValue, invalid, undeclared } from '../analytics-shared/analytics-values.js';
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

/** The appender value for a row value (BigInt for bigint columns), or undefined when the column cannot hold it. */
function encodeValue(value: AnalyticsValue, type: AnalyticsColumnType): unknown {
  const checked = checkValue(value, type);
  return type === 'bigint' && checked !== undefined ? BigInt(checked as number) : checked;
}
