import type { GraphFragment, GraphPropertyType, GraphValue } from '../../contracts/graph-store.js';
import type { ApplyResult, VersionedChange } from '../../contracts/view-store.js';
import { wrapStoreError } from '../../errors/index.js';
import { assertIdentifier, isIdentifier } from '../../runtime/identifier.js';
import { checkChanges, type EdgeRow, type GraphPlan, type PropertyValues, planChanges } from './kuzu-fragment.js';
import { readLedger, writeLedger } from './kuzu-ledger.js';
import { type KuzuSchema, kuzuType, type PropertyList, type RelTable } from './kuzu-schema.js';
import { cypherName, type KuzuParam, type KuzuSession } from './kuzu-session.js';

/** How a property travels in an encoded row (the `m<i>` field). */
const SET = 0;
const NULL = 1;
const KEEP = 2;

/**
 * Applies a batch in one Kuzu transaction: reads the ledger, plans the
 * changes that are newer, writes them with one UNWIND statement per label or
 * edge type, and records the new versions. Rolls back on any error.
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
      const plan = planChanges(fresh, ledger);
      await writePlan(session, schema, plan);
      await writeLedger(session, scope, plan.ledger);
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

async function writePlan(session: KuzuSession, schema: KuzuSchema, plan: GraphPlan): Promise<void> {
  // Keyed by owner: a hash join over the edge table, far cheaper in Kuzu 0.11
  // than anchoring on the source node (UNWIND + MATCH by id scans the node table).
  for (const [type, owners] of plan.edgeRemovals) {
    const rel = cypherName(assertIdentifier(type, 'edge type'));
    await session.run(`UNWIND $owners AS o MATCH ()-[e:${rel}]->() WHERE e._owner = o DELETE e`, { owners });
  }
  for (const [label, ids] of plan.nodeRemovals) {
    const table = cypherName(assertIdentifier(label, 'node label'));
    await session.run(`UNWIND $ids AS id MATCH (n:${table}) WHERE n.id = id DETACH DELETE n`, { ids: [...ids] });
  }
  for (const [label, nodes] of plan.nodeUpserts) {
    // checkChanges rejected undeclared labels; edge endpoints use declared labels.
    await mergeNodes(session, label, schema.nodes.get(label)!.properties, nodes);
  }
  for (const [type, edges] of plan.edgeCreates) {
    await createEdges(session, schema.edges.get(type)!, edges);
  }
}

/**
 * Merges nodes of one label. Bare endpoints only need to exist; nodes with
 * properties overwrite the properties they carry and keep the others, so an
 * order that mentions a product never erases the product's name.
 */
async function mergeNodes(
  session: KuzuSession,
  label: string,
  properties: PropertyList,
  nodes: ReadonlyMap<string, PropertyValues>,
): Promise<void> {
  const table = cypherName(label);
  const bare: string[] = [];
  const rows: Record<string, KuzuParam>[] = [];
  for (const [id, values] of nodes) {
    if (Object.keys(values).length === 0) bare.push(id);
    else rows.push({ id, ...encodeProperties(properties, values, KEEP) });
  }
  if (bare.length > 0) {
    await session.run(`UNWIND $ids AS id MERGE (n:${table} {id: id})`, { ids: bare });
  }
  if (rows.length > 0) {
    const assignments = properties.map(([name, type], i) => {
      const column = `n.${cypherName(name)}`;
      return `${column} = ${decode(i, type, column)}`;
    });
    await session.run(`UNWIND $rows AS r MERGE (n:${table} {id: r.id}) SET ${assignments.join(', ')}`, { rows });
  }
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
