import type { VersionEntry, ViewStoreBase } from './view-store.js';

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

/**
 * A query parameter: a scalar, or a list of strings (ids for `UNWIND $ids AS id`,
 * so one query answers for many ids).
 */
export type GraphParam = GraphValue | readonly string[];

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
 * The part of the graph one source record (its owner: scope + key) projects
 * to. Ownership, which every graph store keeps exactly:
 *
 * - An edge belongs to the record that emitted it. Several records may emit
 *   the same edge (same type and endpoints); each copy is its own edge, so
 *   counts in queries reflect every live record that emitted one.
 * - A node's properties belong to the records that list it in `nodes`. An
 *   edge endpoint that no live record lists is a bare node: it exists, with
 *   every property null.
 * - When several live records list the same node, each property takes the
 *   value given by the record whose `scope/key` sorts last (code-unit order)
 *   among those that give it (null counts as given; absent does not). The
 *   graph therefore depends on the live records only, never on the order
 *   their events arrived in, and a rebuild from the home gives the same graph.
 * - Deleting a record, or a newer version that no longer lists or emits
 *   something, removes exactly what that record owned: its edges go; a node
 *   it listed loses the properties it gave and stays (bare, or with the other
 *   listers' properties) while any other live record's edge or listing still
 *   refers to it; a node nothing refers to any more is removed. An edge to a
 *   node whose record is absent stays, and the node is whole again when the
 *   record comes back.
 *
 * So the graph always equals the projection of the live records: the same
 * nodes (label, id, properties), the same edges (type, endpoints, properties,
 * multiplicity), and no node that no live record lists or points at.
 */
export interface GraphFragment {
  /** Nodes this record lists, with the properties it gives (merged by label + id). */
  readonly nodes: readonly GraphNode[];
  /** Edges this record emits; endpoints need not be listed by anyone. */
  readonly edges: readonly GraphEdge[];
}

/**
 * An embedded or server graph queried with parameterised Cypher. Its
 * `applyIfNewer` keeps the ownership rules of {@link GraphFragment}: after
 * any sequence of batches (duplicates, older versions and reordering
 * included) the graph is the projection of the newest version of each key.
 */
export interface GraphStore extends ViewStoreBase<GraphFragment> {
  /** Every key of `scope` with the version the store holds, tombstones included. */
  listVersions(scope: string): Promise<VersionEntry[]>;
  readonly kind: 'graph';
  ensureSchema(spec: GraphSchemaSpec): Promise<void>;
  /**
   * Runs a read query; values reach the engine only as parameters, and each
   * parameter is a GraphParam: anything else (an object, a list of other
   * values) is refused with `PS_ERR_INVALID_ARGUMENT` naming the parameter.
   */
  query<R = Record<string, unknown>>(cypher: string, params?: Readonly<Record<string, GraphParam>>): Promise<R[]>;
}
