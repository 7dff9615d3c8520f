import type { AnalyticsColumnType, AnalyticsRow, AnalyticsTableSpec } from '../../contracts/analytics-store.js';
import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { checkValue, invalid, undeclared } from '../analytics-shared/analytics-values.js';
import type { InfluxLayout } from './influx-options.js';

export type FactChange = VersionedChange<readonly AnalyticsRow[]>;

/** Tags and a field every data point carries: its source key, its row number and the version it came from. */
export const KEY_TAG = '_key';
export const ROW_TAG = '_row';
export const VERSION_FIELD = '_version';
/** Names a table's columns may not take. */
export const RESERVED = new Set([KEY_TAG, ROW_TAG, VERSION_FIELD, 'time']);

/** A table as the store writes it: its columns, which are tags, and which gives the time. */
export interface TablePlan {
  readonly table: string;
  readonly columns: Readonly<Record<string, AnalyticsColumnType>>;
  readonly tags: ReadonlySet<string>;
  readonly time: string | undefined;
}

/** Checks a table's spec against its layout. */
export function planOf(spec: AnalyticsTableSpec, layout: InfluxLayout): TablePlan {
  const columns = spec.columns;
  for (const name of Object.keys(columns))
    if (RESERVED.has(name))
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The influxdb table "${spec.table}" may not have a column "${name}"`,
        {
          field: name,
          fix: `rename it: ${[...RESERVED].join(', ')} are the store's own`,
        },
      );
  const tags = new Set(layout.tags ?? []);
  for (const tag of tags)
    if (columns[tag] !== 'varchar' && columns[tag] !== 'date')
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The tag "${tag}" of "${spec.table}" is not a varchar or date column`,
        {
          field: 'tags',
          fix: 'declare the column as varchar or date, or leave it a field',
        },
      );
  if (layout.time !== undefined && columns[layout.time] !== 'timestamp')
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The time column of "${spec.table}" is not a timestamp column`, {
      field: 'time',
      fix: 'name a column declared as timestamp',
    });
  return { table: spec.table, columns, tags, time: layout.time };
}

/**
 * Validates a batch (keys, versions, every row against the columns) and
 * returns the line protocol of each change's rows: measurement = table, tags
 * = `_key`, `_row` and the declared tag columns, fields = `_version` and the
 * other columns, time = the time column in epoch ms (0 without one).
 * Messages name columns, never values.
 */
export function encodePoints(plan: TablePlan, changes: readonly FactChange[]): string[][] {
  const seen = new Set<string>();
  return changes.map((change) => {
    if (typeof change.key !== 'string' || change.key.length === 0 || /[\r\n]/.test(change.key))
      throw invalid('An influxdb key must be a non-empty string without line breaks', 'key');
    if (!Number.isSafeInteger(change.version)) throw invalid('A change version is not a safe integer', 'version');
    if (seen.has(change.key)) throw invalid('A key appears more than once in one applyIfNewer call', 'key');
    seen.add(change.key);
    if (change.value !== null && !Array.isArray(change.value))
      throw invalid('An analytics change value must be an array of rows or null', 'value');
    return (change.value ?? []).map((row, index) => pointOf(plan, change, row, index));
  });
}

function pointOf(plan: TablePlan, change: FactChange, row: AnalyticsRow, index: number): string {
  if (row === null || typeof row !== 'object') throw invalid('An analytics row must be an object', 'value');
  for (const name of Object.keys(row)) if (!Object.hasOwn(plan.columns, name)) throw undeclared(plan.table, name);
  const tags = [`${KEY_TAG}=${escapeTag(change.key)}`, `${ROW_TAG}=${index}`];
  const fields = [`${VERSION_FIELD}=${change.version}i`];
  let time = 0;
  for (const [name, type] of Object.entries(plan.columns)) {
    const value = row[name];
    if (value === null || (value === undefined && !Object.hasOwn(row, name))) continue;
    const checked = value === undefined ? undefined : checkValue(value, type);
    if (checked === undefined)
      throw invalid(`The column "${name}" of "${plan.table}" does not accept the value given (expected ${type})`, name);
    if (name === plan.time) time = epochOf(checked as string);
    else if (plan.tags.has(name)) {
      if (/[\r\n]/.test(checked as string))
        throw invalid(`The tag "${name}" of "${plan.table}" has a line break`, name);
      // An empty tag value is no tag: it reads back as null.
      if (checked !== '') tags.push(`${name}=${escapeTag(checked as string)}`);
    } else fields.push(`${name}=${fieldValue(checked, type)}`);
  }
  tags.sort();
  return `${plan.table},${tags.join(',')} ${fields.join(',')} ${time}`;
}

function fieldValue(value: string | number | boolean, type: AnalyticsColumnType): string {
  if (type === 'bigint') return `${value}i`;
  if (typeof value === 'string') return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
  return String(value);
}

/** Line protocol escapes of a tag value: commas, equals signs and spaces. */
export function escapeTag(value: string): string {
  return value.replace(/[,= ]/g, (char) => `\\${char}`);
}

/** Epoch ms of checked timestamp text: ISO in UTC, or without a zone (read as UTC). */
function epochOf(text: string): number {
  const iso = text.replace(' ', 'T');
  return Date.parse(iso.endsWith('Z') || iso.length === 10 ? iso : `${iso}Z`);
}
