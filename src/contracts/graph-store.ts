import type { ViewStoreBase } from './view-store.js';

export type GraphPropertyType = 'string' | 'int64' | 'double' | 'boolean';

export interface GraphSchemaSpec {
  /** Node labels with their properties; every node has a string `id` primary key. */
  readonly nodes: Readonly<Record<string, Readonly<Record<string, GraphPropertyType>>>>;
  /** Edge types: endpoints' labels and the edge's own properties. */
  readonly edges: Readonly<
    Record<
      string,
      { readonly from: string; readonly to: string; readonly properties?: Readonly<Record<string, GraphPropertyType>> }
    >
  >;
}

export type GraphValue = string | number | boolean | null;

export interface GraphNode {
  readonly label: string;
  readonly id: string;
  readonly properties?: Readonly<Record<string, GraphValue>>;
}

export interface GraphEdge {
  readonly type: string;
  readonly from: { readonly label: string; readonly id: string };
  readonly to: { readonly label: string; readonly id: string };
  readonly properties?: Readonly<Record<string, GraphValue>>;
}

/**
 * The part of the graph one source record owns. Applying a newer fragment for
 * the same owner replaces the edges it owned before and upserts its nodes;
 * a delete removes the owned edges and the nodes listed in `ownedNodes` of the
 * previous fragment. Endpoint nodes not yet present are created bare.
 */
export interface GraphFragment {
  /** Nodes upserted by this record (merge by label + id; properties overwritten). */
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

/** An embedded or server graph queried with parameterised Cypher. */
export interface GraphStore extends ViewStoreBase<GraphFragment> {
  readonly kind: 'graph';
  ensureSchema(spec: GraphSchemaSpec): Promise<void>;
  /** Runs a read query; values reach the engine only as parameters. */
  query<R = Record<string, unknown>>(cypher: string, params?: Readonly<Record<string, GraphValue>>): Promise<R[]>;
}
