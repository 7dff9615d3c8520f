import type { VersionEntry, ViewStoreBase } from './view-store.js';

export type AnalyticsColumnType = 'varchar' | 'bigint' | 'double' | 'boolean' | 'date' | 'timestamp';

export interface AnalyticsTableSpec {
  /** Fact table name (validated identifier); also the `scope` of its applies. */
  readonly table: string;
  readonly columns: Readonly<Record<string, AnalyticsColumnType>>;
}

export type AnalyticsValue = string | number | boolean | null;
export type AnalyticsRow = Readonly<Record<string, AnalyticsValue>>;

/**
 * A columnar store for aggregates. A source record owns a set of rows; a newer
 * version replaces them (idempotent append), a delete removes them.
 */
export interface AnalyticsStore extends ViewStoreBase<readonly AnalyticsRow[]> {
  /** Every key of `scope` with the version the store holds, tombstones included. */
  listVersions(scope: string): Promise<VersionEntry[]>;
  readonly kind: 'analytics';
  ensureTable(spec: AnalyticsTableSpec): Promise<void>;
  /** Runs a parameterised SQL query (`$1`, `$2`, ... placeholders). */
  query<R = Record<string, unknown>>(sql: string, params?: readonly AnalyticsValue[]): Promise<R[]>;
}
