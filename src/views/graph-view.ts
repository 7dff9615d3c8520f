import type { GraphFragment, GraphSchemaSpec, GraphStore } from '../contracts/graph-store.js';
import type { ViewStoreBase } from '../contracts/view-store.js';
import type { EntityDef } from '../model/define-entity.js';
import { assertIdentifier } from '../runtime/identifier.js';
import { type Projected, type ViewDef, type ViewOptions, viewName } from './view-def.js';

export interface GraphViewOptions<E> extends ViewOptions {
  /** Node labels and edge types this view writes. */
  readonly schema: GraphSchemaSpec;
  /** The nodes and edges a record owns; a newer version replaces them. */
  readonly project: (record: Projected<E>) => GraphFragment | null;
}

export interface GraphViewDef extends ViewDef<GraphFragment> {
  readonly kind: 'graph';
}

/**
 * Projects records into a property graph queried with Cypher.
 *
 * @example
 * graphView(orders, {
 *   store: 'graph',
 *   schema: { nodes: { User: {}, Product: {} }, edges: { BOUGHT: { from: 'User', to: 'Product' } } },
 *   project: (order) => ({
 *     nodes: [],
 *     edges: order.items.map((item) => ({
 *       type: 'BOUGHT', from: { label: 'User', id: order.userId }, to: { label: 'Product', id: item.productId },
 *     })),
 *   }),
 * })
 */
export function graphView<E extends EntityDef>(entity: E, options: GraphViewOptions<E>): GraphViewDef {
  const name = viewName(entity, 'graph', options);
  return {
    kind: 'graph',
    name: assertIdentifier(name, 'view name'),
    entity: entity.name,
    store: options.store,
    scope: name,
    completeness: 'complete',
    shape: { version: options.version ?? 1, schema: options.schema },
    project: options.project as (record: Record<string, unknown>) => GraphFragment | null,
    prepare: (store: ViewStoreBase<GraphFragment>) => (store as GraphStore).ensureSchema(options.schema),
  };
}
