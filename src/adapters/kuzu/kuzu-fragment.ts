import type { GraphFragment, GraphPropertyType, GraphValue } from '../../contracts/graph-store.js';
import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';
import { assertScope, type LedgerEntry, type LedgerWrite, ledgerKey, type OwnedGraph } from './kuzu-ledger.js';
import type { KuzuSchema, PropertyList } from './kuzu-schema.js';

export interface CheckedChange {
  /** Ledger key, also the `_owner` of the edges this change creates. */
  readonly k: string;
  readonly version: number;
  readonly fragment: GraphFragment | null;
}

export type PropertyValues = Record<string, GraphValue>;

export interface EdgeRow {
  readonly from: string;
  readonly to: string;
  readonly owner: string;
  readonly properties: Readonly<PropertyValues>;
}

/** Everything one batch writes, grouped so each group is one UNWIND statement. */
export interface GraphPlan {
  /** Owners whose edges of a type are removed, by edge type. */
  readonly edgeRemovals: Map<string, string[]>;
  /** Node ids to DETACH DELETE, by label. */
  readonly nodeRemovals: Map<string, Set<string>>;
  /** Nodes to merge, by label then id; an empty object is a bare endpoint. */
  readonly nodeUpserts: Map<string, Map<string, PropertyValues>>;
  readonly edgeCreates: Map<string, EdgeRow[]>;
  readonly ledger: LedgerWrite[];
}

/**
 * Validates a batch before anything is written: scope, versions, unique keys
 * and every fragment against the declared schema. Messages name labels and
 * properties, never values.
 */
export function checkChanges(
  schema: KuzuSchema,
  scope: string,
  changes: readonly VersionedChange<GraphFragment>[],
): CheckedChange[] {
  assertScope(scope);
  const seen = new Set<string>();
  return changes.map((change) => {
    if (typeof change.key !== 'string' || change.key.length === 0) throw invalid('A change has no string key', 'key');
    if (!Number.isSafeInteger(change.version)) throw invalid('A change version is not a safe integer', 'version');
    if (seen.has(change.key)) throw invalid('A key appears more than once in one applyIfNewer call', 'key');
    seen.add(change.key);
    if (change.value !== null) checkFragment(schema, change.value);
    return { k: ledgerKey(scope, change.key), version: change.version, fragment: change.value };
  });
}

function checkFragment(schema: KuzuSchema, fragment: GraphFragment): void {
  if (!fragment || !Array.isArray(fragment.nodes) || !Array.isArray(fragment.edges)) {
    throw invalid('A graph fragment must have `nodes` and `edges` arrays', 'value');
  }
  for (const node of fragment.nodes) {
    const table = schema.nodes.get(node?.label);
    if (!table) throw undeclared('node label', node?.label);
    if (typeof node.id !== 'string') throw invalid(`A node of label "${table.label}" has no string id`, 'id');
    checkProperties(table.properties, node.properties, table.label);
  }
  for (const edge of fragment.edges) {
    const table = schema.edges.get(edge?.type);
    if (!table) throw undeclared('edge type', edge?.type);
    if (edge.from?.label !== table.from || edge.to?.label !== table.to) {
      throw invalid(`An edge of type "${table.type}" does not connect ${table.from} to ${table.to}`, table.type);
    }
    if (typeof edge.from.id !== 'string' || typeof edge.to.id !== 'string') {
      throw invalid(`An edge of type "${table.type}" has an endpoint without a string id`, table.type);
    }
    checkProperties(table.properties, edge.properties, table.type);
  }
}

function checkProperties(declared: PropertyList, values: Readonly<PropertyValues> | undefined, owner: string): void {
  if (values === undefined) return;
  for (const [name, value] of Object.entries(values)) {
    const type = declared.find(([declaredName]) => declaredName === name)?.[1];
    if (type === undefined) throw undeclared(`property of "${owner}"`, name);
    if (value !== null && !fitsType(value, type)) {
      throw invalid(`The property "${name}" of "${owner}" does not hold a ${type}`, name);
    }
  }
}

function fitsType(value: GraphValue, type: GraphPropertyType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int64':
      return Number.isSafeInteger(value);
    case 'double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/**
 * Plans the writes of the changes that won against the ledger. Removals come
 * first (old edges of every replaced owner, then nodes of deleted owners),
 * then node merges and edge creation, so within one batch a removal never
 * undoes an upsert.
 */
export function planChanges(fresh: readonly CheckedChange[], ledger: ReadonlyMap<string, LedgerEntry>): GraphPlan {
  const plan: GraphPlan = {
    edgeRemovals: new Map(),
    nodeRemovals: new Map(),
    nodeUpserts: new Map(),
    edgeCreates: new Map(),
    ledger: [],
  };
  for (const change of fresh) {
    const previous = ledger.get(change.k)?.owned;
    for (const type of previous?.edges ?? []) getOrCreate(plan.edgeRemovals, type, () => []).push(change.k);
    if (change.fragment === null) {
      for (const [label, id] of previous?.nodes ?? []) getOrCreate(plan.nodeRemovals, label, () => new Set()).add(id);
      plan.ledger.push({ k: change.k, version: change.version, owned: undefined });
      continue;
    }
    plan.ledger.push({ k: change.k, version: change.version, owned: addFragment(plan, change.k, change.fragment) });
  }
  return plan;
}

function addFragment(plan: GraphPlan, owner: string, fragment: GraphFragment): OwnedGraph {
  const nodes = new Map<string, readonly [string, string]>();
  for (const node of fragment.nodes) {
    const upserts = getOrCreate(plan.nodeUpserts, node.label, () => new Map<string, PropertyValues>());
    // The same node may come from several owners in one batch: later properties win.
    upserts.set(node.id, { ...upserts.get(node.id), ...node.properties });
    nodes.set(JSON.stringify([node.label, node.id]), [node.label, node.id]);
  }
  const edgeTypes = new Set<string>();
  for (const edge of fragment.edges) {
    for (const end of [edge.from, edge.to]) {
      const upserts = getOrCreate(plan.nodeUpserts, end.label, () => new Map<string, PropertyValues>());
      if (!upserts.has(end.id)) upserts.set(end.id, {});
    }
    getOrCreate(plan.edgeCreates, edge.type, () => []).push({
      from: edge.from.id,
      to: edge.to.id,
      owner,
      properties: edge.properties ?? {},
    });
    edgeTypes.add(edge.type);
  }
  return { nodes: [...nodes.values()], edges: [...edgeTypes] };
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

function undeclared(what: string, name: unknown): PolystoreError {
  const shown = typeof name === 'string' && isIdentifier(name) ? `"${name}"` : '(not a valid identifier)';
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', `The ${what} ${shown} is not declared in the graph schema`, {
    field: typeof name === 'string' && isIdentifier(name) ? name : undefined,
    fix: 'declare it with ensureSchema before applying fragments that use it',
  });
}

function invalid(message: string, field: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, {
    field,
    fix: 'fix the projector that builds the fragment',
  });
}
