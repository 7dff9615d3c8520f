import type { AnalyticsColumnType, AnalyticsRow, AnalyticsStore } from '../contracts/analytics-store.js';
import type { ViewStoreBase } from '../contracts/view-store.js';
import type { EntityDef } from '../model/define-entity.js';
import { assertIdentifier } from '../runtime/identifier.js';
import { type Projected, type ViewDef, type ViewOptions, viewName } from './view-def.js';

export interface AnalyticsViewOptions<E> extends ViewOptions {
  /** Fact table name. */
  readonly table: string;
  readonly columns: Readonly<Record<string, AnalyticsColumnType>>;
  /** The fact rows a record owns; a newer version replaces them. */
  readonly rows: (record: Projected<E>) => readonly AnalyticsRow[];
}

export interface AnalyticsViewDef extends ViewDef<readonly AnalyticsRow[]> {
  readonly kind: 'analytics';
}

/**
 * Projects records into fact rows of a columnar store for SQL aggregates.
 *
 * @example
 * analyticsView(orders, {
 *   store: 'analytics',
 *   table: 'sales',
 *   columns: { day: 'date', category: 'varchar', revenue: 'double' },
 *   rows: (order) => order.items.map((i) => ({ day: order.placedAt.slice(0, 10), category: i.category, revenue: i.qty * i.unitPrice })),
 * })
 */
export function analyticsView<E extends EntityDef>(entity: E, options: AnalyticsViewOptions<E>): AnalyticsViewDef {
  const name = viewName(entity, 'analytics', options);
  const table = assertIdentifier(options.table, 'analytics table');
  return {
    kind: 'analytics',
    name: assertIdentifier(name, 'view name'),
    entity: entity.name,
    store: options.store,
    scope: table,
    completeness: 'complete',
    shape: { version: options.version ?? 1, columns: options.columns },
    project: options.rows as (record: Record<string, unknown>) => readonly AnalyticsRow[],
    prepare: (store: ViewStoreBase<readonly AnalyticsRow[]>, scope?: string) =>
      (store as AnalyticsStore).ensureTable({ table: scope ?? table, columns: options.columns }),
  };
}
