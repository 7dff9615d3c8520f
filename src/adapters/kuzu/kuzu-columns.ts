import type { GraphPropertyType, GraphValue } from '../../contracts/graph-store.js';
import { kuzuType, type PropertyList } from './kuzu-schema.js';
import { cypherName, type KuzuParam } from './kuzu-session.js';

/**
 * Batched writes pass one list parameter per column and walk the rows by
 * index: `UNWIND range(1, size($k)) AS i WITH i, $k[i] AS key MATCH (v:T)
 * WHERE v.k = key SET v.x = $x[i]`. Kuzu 0.11 plans that as a hash join on
 * the key; `UNWIND $rows AS r MATCH ... SET v.x = r.x` (or `MERGE`) instead
 * plans a cross product of the rows with the whole table, which made a
 * 1 000-row write cost about 0.5 s next to 10^5 nodes.
 */
export type Columns = Record<string, KuzuParam[]>;

/** The row index variable of batched statements. */
export const ROWS = 'UNWIND range(1, size($ids)) AS i';

/** Castable stand-ins for null values: Kuzu may evaluate every CASE branch. */
const PLACEHOLDER: Record<GraphPropertyType, string> = { string: '', int64: '0', double: '0', boolean: 'false' };

/**
 * Encodes properties as two lists each: `v<n>` the value as a string and
 * `m<n>` 1 for null. The driver infers a list's element type from its first
 * element, so mixing `10` (INT64) and `2.5` (DOUBLE) or a null in one list
 * parameter silently corrupts values; strings cast back in Cypher do not.
 * A property a row does not give is null.
 */
export function propertyColumns(
  properties: PropertyList,
  rows: readonly Readonly<Record<string, GraphValue>>[],
): Columns {
  const columns: Columns = {};
  properties.forEach(([name, type], n) => {
    columns[`v${n}`] = rows.map((row) => {
      const value = row[name];
      return value === null || value === undefined ? PLACEHOLDER[type] : String(value);
    });
    columns[`m${n}`] = rows.map((row) => (row[name] === null || row[name] === undefined ? 1 : 0));
  });
  return columns;
}

/** The decoded value of property `n` of row `i`. */
function decoded(n: number, type: GraphPropertyType): string {
  const value = type === 'string' ? `$v${n}[i]` : `CAST($v${n}[i] AS ${kuzuType(type)})`;
  return `CASE $m${n}[i] WHEN 0 THEN ${value} ELSE NULL END`;
}

/** `SET` assignments of every property of `variable` from the encoded columns. */
export function propertyAssignments(properties: PropertyList, variable: string): string[] {
  return properties.map(([name, type], n) => `${variable}.${cypherName(name)} = ${decoded(n, type)}`);
}

/** Map entries (`, name: value`) of every property, for a `CREATE` pattern. */
export function propertyEntries(properties: PropertyList): string {
  return properties.map(([name, type], n) => `, ${cypherName(name)}: ${decoded(n, type)}`).join('');
}
