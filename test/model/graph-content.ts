import type { GraphFragment, GraphStore } from '../../src/contracts/graph-store.js';
import { graphSchema } from './model-entities.js';
import { canon } from './reference-model.js';

/** A graph as comparable text: node `Label "id"` → its declared properties; edges as a multiset of lines. */
export interface GraphContent {
  readonly nodes: Map<string, string>;
  readonly edges: string[];
}

const nodeKey = (label: string, id: string) => `${label} ${JSON.stringify(id)}`;

/** Declared properties in schema order, null where a node or edge does not set one. */
function properties(declared: Readonly<Record<string, string>>, values: Readonly<Record<string, unknown>> = {}) {
  return canon(Object.fromEntries(Object.keys(declared).map((name) => [name, values[name] ?? null])));
}

function edgeLine(type: string, from: string, to: string, values?: Readonly<Record<string, unknown>>): string {
  const edge = graphSchema.edges[type]!;
  return `${nodeKey(edge.from, from)} -[${type} ${properties(edge.properties ?? {}, values)}]-> ${nodeKey(edge.to, to)}`;
}

/**
 * The union of the fragments the live records project to: each declared node
 * with its properties, each edge endpoint at least as a bare node, every edge.
 */
export function expectedGraph(fragments: readonly (GraphFragment | null)[]): GraphContent {
  const declared = new Map<string, Record<string, unknown>>();
  const endpoints = new Set<string>();
  const edges: string[] = [];
  for (const fragment of fragments) {
    if (!fragment) continue;
    for (const node of fragment.nodes) {
      const key = nodeKey(node.label, node.id);
      declared.set(key, { ...declared.get(key), ...node.properties });
    }
    for (const edge of fragment.edges) {
      endpoints.add(nodeKey(edge.from.label, edge.from.id));
      endpoints.add(nodeKey(edge.to.label, edge.to.id));
      edges.push(edgeLine(edge.type, edge.from.id, edge.to.id, edge.properties));
    }
  }
  const nodes = new Map<string, string>();
  for (const key of endpoints) nodes.set(key, properties(nodeProps(key), {}));
  for (const [key, values] of declared) nodes.set(key, properties(nodeProps(key), values));
  return { nodes, edges };
}

function nodeProps(key: string): Readonly<Record<string, string>> {
  return graphSchema.nodes[key.slice(0, key.indexOf(' '))]!;
}

/** Every node of the declared labels and every edge of the declared types, read back with Cypher. */
export async function readGraph(store: GraphStore): Promise<GraphContent> {
  const nodes = new Map<string, string>();
  for (const [label, declared] of Object.entries(graphSchema.nodes)) {
    const columns = Object.keys(declared).map((name) => `, n.${name} AS ${name}`);
    const rows = await store.query<Record<string, unknown>>(`MATCH (n:${label}) RETURN n.id AS id${columns.join('')}`);
    for (const { id, ...values } of rows) nodes.set(nodeKey(label, String(id)), properties(declared, values));
  }
  const edges: string[] = [];
  for (const [type, edge] of Object.entries(graphSchema.edges)) {
    const columns = Object.keys(edge.properties ?? {}).map((name) => `, e.${name} AS ${name}`);
    const rows = await store.query<Record<string, unknown>>(
      `MATCH (a:${edge.from})-[e:${type}]->(b:${edge.to}) RETURN a.id AS f, b.id AS t${columns.join('')}`,
    );
    for (const { f, t, ...values } of rows) edges.push(edgeLine(type, String(f), String(t), values));
  }
  return { nodes, edges };
}
