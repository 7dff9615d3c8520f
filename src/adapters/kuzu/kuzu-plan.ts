import type { GraphFragment, GraphValue } from '../../contracts/graph-store.js';
import { type CheckedChange, undeclared } from './kuzu-fragment.js';
import type { LedgerEntry, LedgerWrite, OwnedEdge, OwnedGraph, OwnedNode } from './kuzu-ledger.js';
import { type Listings, type NodeOwners, type NodeProperties, nodeKey, resolveProperties } from './kuzu-node-owners.js';
import type { KuzuSchema } from './kuzu-schema.js';

export type PropertyValues = Record<string, GraphValue>;

export interface EdgeRow {
  readonly from: string;
  readonly to: string;
  readonly owner: string;
  readonly properties: Readonly<PropertyValues>;
}

/** How one batch changes one node's ownership. */
export interface NodeChange {
  readonly label: string;
  readonly id: string;
  /** Net change of the references to the node: edge endpoints and listings without properties. */
  refs: number;
  /** Owners whose listing changed: the properties they now give, or null when they stopped listing it. */
  readonly listings: Map<string, NodeProperties | null>;
}

/**
 * What the changes that won against the ledger do, before node ownership is
 * read: an owner's edges of one type are replaced only when they differ from
 * what it held, so an update that leaves its edges alone writes none.
 */
export interface GraphDiff {
  /** Owners whose edges of a type are removed, by edge type. */
  readonly edgeRemovals: Map<string, string[]>;
  readonly edgeCreates: Map<string, EdgeRow[]>;
  /** By node key (`label/id`). */
  readonly nodes: Map<string, NodeChange>;
  readonly ledger: LedgerWrite[];
}

const NOTHING: OwnedGraph = { n: [], e: [] };

export function diffChanges(
  schema: KuzuSchema,
  fresh: readonly CheckedChange[],
  ledger: ReadonlyMap<string, LedgerEntry>,
): GraphDiff {
  const diff: GraphDiff = { edgeRemovals: new Map(), edgeCreates: new Map(), nodes: new Map(), ledger: [] };
  for (const change of fresh) {
    const before = ledger.get(change.k)?.owned ?? NOTHING;
    const after = change.fragment === null ? NOTHING : ownedGraph(change.fragment);
    diffEdges(schema, diff, change.k, before.e, after.e);
    diffListings(diff, change.k, before.n, after.n);
    diff.ledger.push({ k: change.k, version: change.version, owned: change.fragment === null ? undefined : after });
  }
  // An edge replaced by one to the same endpoint leaves that node as it was.
  for (const [key, change] of diff.nodes) if (change.refs === 0 && change.listings.size === 0) diff.nodes.delete(key);
  return diff;
}

/** A fragment as the ledger keeps it: one listing per node (later properties win), edges in order. */
function ownedGraph(fragment: GraphFragment): OwnedGraph {
  const nodes = new Map<string, [string, string, PropertyValues]>();
  for (const node of fragment.nodes) {
    const at = nodeKey(node.label, node.id);
    const listed = nodes.get(at) ?? [node.label, node.id, {}];
    Object.assign(listed[2], node.properties);
    nodes.set(at, listed);
  }
  return {
    n: [...nodes.values()].map(([label, id, properties]): OwnedNode => [label, id, sortedKeys(properties, true)]),
    e: fragment.edges.map(
      (edge): OwnedEdge => [edge.type, edge.from.id, edge.to.id, sortedKeys(edge.properties ?? {}, false)],
    ),
  };
}

/** Canonical properties: keys sorted; an edge's null equals its absence, a listing's null is a given value. */
function sortedKeys(values: Readonly<PropertyValues>, keepNulls: boolean): PropertyValues {
  const out: PropertyValues = {};
  for (const name of Object.keys(values).sort()) {
    const value = values[name];
    if (value !== undefined && (keepNulls || value !== null)) out[name] = value;
  }
  return out;
}

function diffEdges(
  schema: KuzuSchema,
  diff: GraphDiff,
  owner: string,
  before: readonly OwnedEdge[],
  after: readonly OwnedEdge[],
): void {
  const types = new Set([...before, ...after].map(([type]) => type));
  for (const type of types) {
    const old = before.filter(([t]) => t === type);
    const now = after.filter(([t]) => t === type);
    if (sameEdges(old, now)) continue;
    // checkChanges rejected undeclared types in `after`; one only `before` holds was declared by an earlier process.
    const table = schema.edges.get(type);
    if (!table) throw undeclared('edge type', type);
    if (old.length > 0) getOrCreate(diff.edgeRemovals, type, () => []).push(owner);
    for (const [, from, to] of old) {
      nodeChange(diff, table.from, from).refs--;
      nodeChange(diff, table.to, to).refs--;
    }
    const creates = getOrCreate(diff.edgeCreates, type, () => []);
    for (const [, from, to, properties] of now) {
      nodeChange(diff, table.from, from).refs++;
      nodeChange(diff, table.to, to).refs++;
      creates.push({ from, to, owner, properties });
    }
  }
}

function sameEdges(a: readonly OwnedEdge[], b: readonly OwnedEdge[]): boolean {
  if (a.length !== b.length) return false;
  const left = a.map((edge) => JSON.stringify(edge)).sort();
  const right = b.map((edge) => JSON.stringify(edge)).sort();
  return left.every((edge, i) => edge === right[i]);
}

/**
 * A listing without properties only keeps the node alive, so it counts as a
 * reference; one with properties is kept per owner to resolve the node's
 * properties. A node listed bare by many records so costs no more than one.
 */
function diffListings(diff: GraphDiff, owner: string, before: readonly OwnedNode[], after: readonly OwnedNode[]): void {
  const old = new Map(before.map((node) => [nodeKey(node[0], node[1]), node]));
  const now = new Map(after.map((node) => [nodeKey(node[0], node[1]), node]));
  for (const [key, [label, id, properties]] of old) {
    const next = now.get(key)?.[2];
    if (next !== undefined && JSON.stringify(next) === JSON.stringify(properties)) continue;
    const change = nodeChange(diff, label, id);
    if (isBare(properties)) change.refs--;
    else change.listings.set(owner, null);
  }
  for (const [key, [label, id, properties]] of now) {
    const previous = old.get(key)?.[2];
    if (previous !== undefined && JSON.stringify(previous) === JSON.stringify(properties)) continue;
    const change = nodeChange(diff, label, id);
    if (isBare(properties)) change.refs++;
    else change.listings.set(owner, properties);
  }
}

function isBare(properties: NodeProperties): boolean {
  return Object.keys(properties).length === 0;
}

function nodeChange(diff: GraphDiff, label: string, id: string): NodeChange {
  return getOrCreate(diff.nodes, nodeKey(label, id), () => ({ label, id, refs: 0, listings: new Map() }));
}

/** What the batch writes to nodes once their ownership rows are known. */
export interface NodePlan {
  /** Nodes nothing refers to any more, by label. */
  readonly removals: Map<string, string[]>;
  /** Existing nodes whose listings changed, with their whole property set (absent = null), by label then id. */
  readonly updates: Map<string, Map<string, PropertyValues>>;
  /** New nodes with properties, by label then id. */
  readonly creates: Map<string, Map<string, PropertyValues>>;
  /** New nodes without properties, by label. */
  readonly bare: Map<string, string[]>;
  readonly owners: Map<string, NodeOwners>;
  readonly ownerRemovals: string[];
}

/**
 * Applies the batch's node changes to their ownership rows: a node stays
 * while an edge touches it or a record lists it, and its properties are
 * rewritten only when its listings changed or it is new.
 */
export function planNodes(changes: ReadonlyMap<string, NodeChange>, held: ReadonlyMap<string, NodeOwners>): NodePlan {
  const plan: NodePlan = {
    removals: new Map(),
    updates: new Map(),
    creates: new Map(),
    bare: new Map(),
    owners: new Map(),
    ownerRemovals: [],
  };
  for (const [key, change] of changes) {
    const before = held.get(key);
    const refs = (before?.refs ?? 0) + change.refs;
    if (refs < 0) throw new Error('node ownership is out of step with the ledger');
    const listings = new Map(before?.listings ?? []);
    for (const [owner, properties] of change.listings) {
      if (properties === null) listings.delete(owner);
      else listings.set(owner, properties);
    }
    if (refs === 0 && listings.size === 0) {
      if (before) {
        getOrCreate(plan.removals, change.label, () => []).push(change.id);
        plan.ownerRemovals.push(key);
      }
      continue;
    }
    const sorted: Listings = [...listings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    plan.owners.set(key, { refs, listings: sorted });
    if (before && change.listings.size === 0) continue;
    const properties = resolveProperties(sorted);
    if (before) getOrCreate(plan.updates, change.label, () => new Map()).set(change.id, properties);
    else if (Object.keys(properties).length === 0) getOrCreate(plan.bare, change.label, () => []).push(change.id);
    else getOrCreate(plan.creates, change.label, () => new Map()).set(change.id, properties);
  }
  return plan;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
