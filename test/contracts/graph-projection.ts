import type { GraphFragment, GraphSchemaSpec, GraphStore, GraphValue } from '../../src/contracts/graph-store.js';

/** One live record's projection, owned by `scope/key`. */
export interface LiveFragment {
  readonly scope: string;
  readonly key: string;
  readonly fragment: GraphFragment;
}

/**
 * A whole graph as sorted canonical strings: `[label, id, {properties}]` per
 * node and `[type, from, to, {properties}]` per edge (one string per edge, so
 * multiplicity counts). Every declared property is present, null when unset.
 */
export interface GraphSnapshot {
  readonly nodes: string[];
  readonly edges: string[];
}

function canonical(declared: Readonly<Record<string, unknown>>, values: Readonly<Record<string, unknown>>) {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(declared).sort()) out[name] = values[name] ?? null;
  return out;
}

/**
 * What the graph must hold for these live records, by the GraphStore
 * semantics: every edge of every record; every listed node and every edge
 * endpoint; a node's property takes the value given by the listing record
 * whose `scope/key` sorts last among those that give it, else null.
 */
export function projectLive(spec: GraphSchemaSpec, live: readonly LiveFragment[]): GraphSnapshot {
  const owners = [...live].sort((a, b) => compare(`${a.scope}/${a.key}`, `${b.scope}/${b.key}`));
  const nodes = new Map<string, { label: string; id: string; values: Record<string, GraphValue> }>();
  const touch = (label: string, id: string) => {
    const at = JSON.stringify([label, id]);
    let node = nodes.get(at);
    if (!node) {
      node = { label, id, values: {} };
      nodes.set(at, node);
    }
    return node;
  };
  const edges: string[] = [];
  for (const { fragment } of owners) {
    for (const node of fragment.nodes) Object.assign(touch(node.label, node.id).values, node.properties);
    for (const edge of fragment.edges) {
      touch(edge.from.label, edge.from.id);
      touch(edge.to.label, edge.to.id);
      const declared = spec.edges[edge.type]?.properties ?? {};
      edges.push(JSON.stringify([edge.type, edge.from.id, edge.to.id, canonical(declared, edge.properties ?? {})]));
    }
  }
  return {
    nodes: [...nodes.values()]
      .map((node) => JSON.stringify([node.label, node.id, canonical(spec.nodes[node.label] ?? {}, node.values)]))
      .sort(),
    edges: edges.sort(),
  };
}

/** Reads every node and edge of the declared tables back from the store (ids starting with `prefix` only). */
export async function readSnapshot(store: GraphStore, spec: GraphSchemaSpec, prefix = ''): Promise<GraphSnapshot> {
  const nodes: string[] = [];
  for (const [label, declared] of Object.entries(spec.nodes)) {
    const columns = Object.keys(declared).map((name) => `, n.\`${name}\` AS \`${name}\``);
    const rows = await store.query<Record<string, GraphValue>>(
      `MATCH (n:\`${label}\`) WHERE n.id STARTS WITH $prefix RETURN n.id AS id${columns.join('')}`,
      { prefix },
    );
    for (const row of rows) nodes.push(JSON.stringify([label, row.id, canonical(declared, row)]));
  }
  const edges: string[] = [];
  for (const [type, edge] of Object.entries(spec.edges)) {
    const declared = edge.properties ?? {};
    const columns = Object.keys(declared).map((name) => `, e.\`${name}\` AS \`${name}\``);
    const rows = await store.query<Record<string, GraphValue>>(
      `MATCH (a)-[e:\`${type}\`]->(b) WHERE a.id STARTS WITH $prefix RETURN a.id AS _from, b.id AS _to${columns.join('')}`,
      { prefix },
    );
    for (const row of rows) edges.push(JSON.stringify([type, row._from, row._to, canonical(declared, row)]));
  }
  return { nodes: nodes.sort(), edges: edges.sort() };
}

/** Code-unit order, the order the store compares owner keys in. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The same fragment with every node id prefixed, so several runs can share one store. */
export function prefixIds(fragment: GraphFragment, prefix: string): GraphFragment {
  const ref = (node: { label: string; id: string }) => ({ label: node.label, id: `${prefix}${node.id}` });
  return {
    nodes: fragment.nodes.map((node) => ({ ...node, ...ref(node) })),
    edges: fragment.edges.map((edge) => ({ ...edge, from: ref(edge.from), to: ref(edge.to) })),
  };
}
