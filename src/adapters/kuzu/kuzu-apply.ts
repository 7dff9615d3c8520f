import type { GraphFragment, GraphPropertyType, GraphValue } from '../../contracts/graph-store.js';
import type { ApplyResult, VersionedChange } from '../../contracts/view-store.js';
import { wrapStoreError } from '../../errors/index.js';
import { assertIdentifier, isIdentifier } from '../../runtime/identifier.js';
import { checkChanges, undeclared } from './kuzu-fragment.js';
import { readLedger, writeLedger } from './kuzu-ledger.js';
import { readNodeOwners, writeNodeOwners } from './kuzu-node-owners.js';
import {
  diffChanges,
  type EdgeRow,
  type GraphDiff,
  type NodePlan,
  type PropertyValues,
  planNodes,
} from './kuzu-plan.js';
import { type KuzuSchema, kuzuType, type PropertyList, type RelTable } from './kuzu-schema.js';
import { cypherName, type KuzuParam, type KuzuSession } from './kuzu-session.js';

/** How a property travels in an encoded row (the `m<i>` field). */
const SET = 0;
const NULL = 1;

/**
 * Applies a batch in one Kuzu transaction: reads the ledger, diffs the
 * changes that are newer against what their owners held, reads the
 * ownership rows of the nodes they touch, writes with one UNWIND statement
 * per label or edge type, and records the new versions and ownership. Rolls
 * back on any error.
 */
export async function applyGraphChanges(
  session: KuzuSession,
  schema: KuzuSchema,
  scope: string,
  changes: readonly VersionedChange<GraphFragment>[],
): Promise<ApplyResult> {
  const checked = checkChanges(schema, scope, changes);
  if (checked.length === 0) return { applied: 0, skipped: 0 };
  try {
    await session.run('BEGIN TRANSACTION');
    const ledger = await readLedger(
      session,
      checked.map((change) => change.k),
    );
    const fresh = checked.filter(
      (change) => change.version > (ledger.get(change.k)?.version ?? Number.NEGATIVE_INFINITY),
    );
    if (fresh.length > 0) {
      const diff = diffChanges(schema, fresh, ledger);
      const nodes = planNodes(diff.nodes, await readNodeOwners(session, [...diff.nodes.keys()]));
      await writePlan(session, schema, diff, nodes);
      await writeNodeOwners(session, nodes.owners, nodes.ownerRemovals);
      await writeLedger(session, scope, diff.ledger);
    }
    await session.run('COMMIT');
    return { applied: fresh.length, skipped: checked.length - fresh.length };
  } catch (err) {
    // Kuzu already rolled back when a statement failed; ROLLBACK then reports "no active transaction".
    await session.run('ROLLBACK').catch(() => undefined);
    const where = isIdentifier(scope) ? ` to scope "${scope}"` : '';
    throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', `The kuzu store could not apply a batch${where}`, {
      fix: 'the batch was rolled back; the cause holds the engine message',
    });
  }
}

/**
 * Removals first (replaced edges, then nodes nothing refers to any more),
 * then node merges and edge creation, so a removal never undoes a write of
 * the same batch.
 */
async function writePlan(session: KuzuSession, schema: KuzuSchema, diff: GraphDiff, nodes: NodePlan): Promise<void> {
  // Keyed by owner: a hash join over the edge table. Anchoring on endpoint ids
  // (UNWIND + MATCH by id) was measured slower in Kuzu 0.11 up to 10^5 edges:
  // it scans both node tables, and a statement per edge pays ~1 ms each.
  for (const [type, owners] of diff.edgeRemovals) {
    const rel = cypherName(assertIdentifier(type, 'edge type'));
    await session.run(`UNWIND $owners AS o MATCH ()-[e:${rel}]->() WHERE e._owner = o DELETE e`, { owners });
  }
  for (const [label, ids] of nodes.removals) {
    const table = cypherName(assertIdentifier(label, 'node label'));
    // Ownership counts every edge applied through the ledger, so only an edge written through query() can be detached.
    await session.run(`UNWIND $ids AS id MATCH (n:${table}) WHERE n.id = id DETACH DELETE n`, { ids });
  }
  for (const [label, ids] of nodes.bare) {
    await session.run(`UNWIND $ids AS id MERGE (n:${cypherName(assertIdentifier(label, 'node label'))} {id: id})`, {
      ids,
    });
  }
  for (const [label, written] of nodes.writes) {
    // A label only the ledger still holds may have been declared by an earlier process only.
    const table = schema.nodes.get(label);
    if (!table) throw undeclared('node label', label);
    await mergeNodes(session, label, table.properties, written);
  }
  for (const [type, edges] of diff.edgeCreates) {
    if (edges.length > 0) await createEdges(session, schema.edges.get(type)!, edges);
  }
}

/**
 * Merges nodes of one label and sets every property: the values come from
 * all the node's listings at once, and a property no listing gives is null.
 */
async function mergeNodes(
  session: KuzuSession,
  label: string,
  properties: PropertyList,
  nodes: ReadonlyMap<string, PropertyValues>,
): Promise<void> {
  const table = cypherName(label);
  if (properties.length === 0) {
    await session.run(`UNWIND $ids AS id MERGE (n:${table} {id: id})`, { ids: [...nodes.keys()] });
    return;
  }
  const rows = [...nodes].map(([id, values]) => ({ id, ...encodeProperties(properties, values, NULL) }));
  const assignments = properties.map(([name, type], i) => {
    const column = `n.${cypherName(name)}`;
    return `${column} = ${decode(i, type, column)}`;
  });
  await session.run(`UNWIND $rows AS r MERGE (n:${table} {id: r.id}) SET ${assignments.join(', ')}`, { rows });
}

/**
 * Creates edges. Endpoints are looked up with MERGE: in Kuzu 0.11 `UNWIND` +
 * `MATCH (a {id: r.f}), (b {id: r.t})` plans a cross product of both node
 * tables, while MERGE probes a hash join. Every endpoint was merged just
 * before with unique ids, so these MERGEs never create: MERGE creating the
 * same new node from several rows of one UNWIND binds edges to wrong nodes.
 * (`COPY ... FROM (subquery)` resolves ids through the index but makes each
 * COMMIT several times slower.)
 */
async function createEdges(session: KuzuSession, table: RelTable, edges: readonly EdgeRow[]): Promise<void> {
  const rows = edges.map((edge) => ({
    f: edge.from,
    t: edge.to,
    o: edge.owner,
    ...encodeProperties(table.properties, edge.properties, NULL),
  }));
  const properties = table.properties.map(([name, type], i) => `, ${cypherName(name)}: ${decode(i, type, 'NULL')}`);
  await session.run(
    `UNWIND $rows AS r MERGE (a:${cypherName(table.from)} {id: r.f}) MERGE (b:${cypherName(table.to)} {id: r.t}) ` +
      `CREATE (a)-[:${cypherName(table.type)} {_owner: r.o${properties.join('')}}]->(b)`,
    { rows },
  );
}

/** Castable stand-ins for null and absent values: Kuzu may evaluate every CASE branch. */
const PLACEHOLDER: Record<GraphPropertyType, string> = { string: '', int64: '0', double: '0', boolean: 'false' };

/**
 * Encodes properties as strings plus a marker. The driver infers a list's
 * element type from its first element, so mixing `10` (INT64) and `2.5`
 * (DOUBLE) or a null in one list parameter silently corrupts values; every
 * row therefore carries the same field types and Cypher casts them back.
 */
function encodeProperties(
  properties: PropertyList,
  values: Readonly<PropertyValues>,
  absent: number,
): Record<string, KuzuParam> {
  const row: Record<string, KuzuParam> = {};
  properties.forEach(([name, type], i) => {
    const value: GraphValue | undefined = values[name];
    row[`v${i}`] = value === null || value === undefined ? PLACEHOLDER[type] : String(value);
    row[`m${i}`] = value === undefined ? absent : value === null ? NULL : SET;
  });
  return row;
}

function decode(i: number, type: GraphPropertyType, otherwise: string): string {
  const value = type === 'string' ? `r.v${i}` : `CAST(r.v${i} AS ${kuzuType(type)})`;
  return `CASE r.m${i} WHEN ${SET} THEN ${value} WHEN ${NULL} THEN NULL ELSE ${otherwise} END`;
}
