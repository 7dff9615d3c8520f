import type { AnalyticsTableSpec } from '../../contracts/analytics-store.js';
import type { VersionEntry } from '../../contracts/view-store.js';
import { type InfluxHttp, rowsOf } from './influx-http.js';
import { escapeTag } from './influx-points.js';

/** One point per (table, key), at time 0 so a rewrite replaces it: the version the table holds and whether it is a tombstone. */
export const VERSIONS = '_ps_versions';
/** One point per table, at time 0: its declared spec, so a reopened store can apply without `ensureTable`. */
export const TABLES = '_ps_tables';
/** Keys per version read: bounds the statement's length. */
const KEYS_PER_READ = 100;

/** The version entries of `keys` in `table` (absent keys left out). */
export async function versionsOf(
  http: InfluxHttp,
  table: string,
  keys: readonly string[],
): Promise<Map<string, VersionEntry>> {
  const out = new Map<string, VersionEntry>();
  for (let i = 0; i < keys.length; i += KEYS_PER_READ) {
    const chunk = keys.slice(i, i + KEYS_PER_READ);
    const params: Record<string, string> = { t: table };
    chunk.forEach((key, j) => {
      params[`k${j}`] = key;
    });
    const match = chunk.map((_, j) => `"key" = $k${j}`).join(' OR ');
    for (const entry of await readVersions(http, `WHERE "tbl" = $t AND (${match})`, params)) out.set(entry.key, entry);
  }
  return out;
}

/** Every version entry of `table`, tombstones included. */
export function listVersions(http: InfluxHttp, table: string): Promise<VersionEntry[]> {
  return readVersions(http, 'WHERE "tbl" = $t', { t: table });
}

async function readVersions(http: InfluxHttp, where: string, params: Record<string, string>): Promise<VersionEntry[]> {
  const [series = []] = await http.query(
    `SELECT "version", "deleted" FROM "${VERSIONS}" ${where} GROUP BY "key"`,
    params,
  );
  return rowsOf(series).map((row) => ({
    key: row.key as string,
    version: row.version as number,
    deleted: row.deleted === true,
  }));
}

/** The line of a version entry. */
export function versionLine(table: string, entry: VersionEntry): string {
  return `${VERSIONS},key=${escapeTag(entry.key)},tbl=${table} deleted=${entry.deleted},version=${entry.version} 0`;
}

export function tableLine(spec: AnalyticsTableSpec): string {
  const text = JSON.stringify({ table: spec.table, columns: spec.columns });
  return `${TABLES},tbl=${spec.table} spec="${text.replace(/[\\"]/g, (char) => `\\${char}`)}" 0`;
}

/** The spec `ensureTable` stored for `table`, or null. */
export async function storedSpec(http: InfluxHttp, table: string): Promise<AnalyticsTableSpec | null> {
  const [series = []] = await http.query(`SELECT "spec" FROM "${TABLES}" WHERE "tbl" = $t`, { t: table });
  const [row] = rowsOf(series);
  return row ? (JSON.parse(row.spec as string) as AnalyticsTableSpec) : null;
}
