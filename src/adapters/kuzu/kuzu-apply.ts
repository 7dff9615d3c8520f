import type { GraphFragment } from '../../contracts/graph-store.js';
import type { ApplyResult, VersionedChange } from '../../contracts/view-store.js';
import { wrapStoreError } from '../../errors/index.js';
import { assertIdentifier, isIdentifier } from '../../runtime/identifier.js';
import { ADVANCE_COMMIT, type GraphBookkeeping } from './kuzu-bookkeeping.js';
import { propertyAssignments, propertyColumns, propertyEntries, ROWS } from './kuzu-columns.js';
import { checkChanges, undeclared } from './kuzu-fragment.js';
import {
  diffChanges,
  type EdgeRow,
  type GraphDiff,
  type NodePlan,
  type PropertyValues,
  planNodes,
} from './kuzu-plan.js';
import type { KuzuSchema, NodeTable, RelTable } from './kuzu-schema.js';
import { cypherName, type KuzuSession } from './kuzu-session.js';

/**
 * Applies a batch: reads the ledger entries of its keys, diffs the changes
 * that are newer against what their owners held, reads the ownership rows
 * of the nodes they touch, stages the new bookkeeping (see
 * kuzu-bookkeeping.ts) while it writes the graph in one Kuzu transaction
 * with one statement per label or edge type, and commits that once the
 * staged bookkeeping is synced. A batch with nothing newer touches neither.
 *
 * On a failure inside the transaction, `discard` must close the database:
 * after a ROLLBACK, Kuzu 0.11 keeps in-memory state that corrupts later
 * transactions of the same database object (a retry of the batch failed
 * with "Write-write conflict of updating the same row", or wrote node
 * properties to the wrong nodes), while a reopened database is sound. The
 * reopen also rolls the staged bookkeeping back (GraphBookkeeping.open).
 */
export async function applyGraphChanges(
  session: KuzuSession,
  books: GraphBookkeeping,
  schema: KuzuSchema,
  scope: string,
  changes: readonly VersionedChange<GraphFragment>[],
  discard: () => Promise<void>,
): Promise<ApplyResult> {
  const checked = checkChanges(schema, scope, changes);
  if (checked.length === 0) return { applied: 0, skipped: 0 };
  const where = isIdentifier(scope) ? ` to scope "${scope}"` : '';
  await books.recover();
  const ledger = books.ledger(checked.map((change) => change.k));
  const fresh = checked.filter(
    (change) => change.version > (ledger.get(change.k)?.version ?? Number.NEGATIVE_INFINITY),
  );
  if (fresh.length === 0) return { applied: 0, skipped: checked.length };
  const diff = diffChanges(schema, fresh, ledger);
  const held = books.owners(diff.nodes.keys());
  const nodes = planNodes(diff.nodes, held);
  const seq = books.nextSeq;
  // The bookkeeping is written and synced while the graph statements run; it is durable before the COMMIT.
  const staged = books.stage(seq, { ledger: diff.ledger, owners: nodes.owners, ownerRemovals: nodes.ownerRemovals });
  staged.catch(() => undefined);
  try {
    await session.run('BEGIN TRANSACTION');
    await writePlan(session, schema, diff, nodes);
    await session.run(ADVANCE_COMMIT, { seq });
    await staged;
    await session.run('COMMIT');
  } catch (err) {
    await staged.catch(() => undefined);
    // Kuzu already rolled back when a statement failed; ROLLBACK then reports "no active transaction".
    await session.run('ROLLBACK').catch(() => undefined);
    await discard().catch(() => undefined);
    throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', `The kuzu store could not apply a batch${where}`, {
      fix: 'the batch was rolled back; the cause holds the engine message',
    });
  }
  books.committed(seq);
  return { applied: fresh.length, skipped: checked.length - fresh.length };
}

/**
 * Removals first (replaced edges, then nodes nothing refers to any more),
 * then node writes and edge creation, so a removal never undoes a write of
 * the same batch. Whether a node exists is known from its ownership row, so
 * new nodes are created outright and existing ones updated by key.
 */
async function writePlan(session: KuzuSession, schema: KuzuSchema, diff: GraphDiff, nodes: NodePlan): Promise<void> {
  // Keyed by owner: a hash join over the edge table. Anchoring on the source
  // node's id measured the same in Kuzu 0.11 (10^4 to 10^5 edges): deleting
  // the edges costs more than finding them.
  for (const [type, owners] of diff.edgeRemovals) {
    const rel = cypherName(assertIdentifier(type, 'edge type'));
    await session.run(`UNWIND $owners AS o MATCH ()-[e:${rel}]->() WHERE e._owner = o DELETE e`, { owners });
  }
  for (const [label, ids] of nodes.removals) {
    const table = cypherName(assertIdentifier(label, 'node label'));
    // Ownership counts every edge applied through the ledger, so only an edge written through query() can be left.
    // Not DETACH DELETE: Kuzu 0.11 replays a committed DETACH DELETE from its WAL wrongly (after a SIGKILL it
    // removed another node's edge), while edge and node deletes replay exactly.
    await session.run(`UNWIND $ids AS id MATCH (n:${table})-[e]->() WHERE n.id = id DELETE e`, { ids });
    await session.run(`UNWIND $ids AS id MATCH ()-[e]->(n:${table}) WHERE n.id = id DELETE e`, { ids });
    await session.run(`UNWIND $ids AS id MATCH (n:${table}) WHERE n.id = id DELETE n`, { ids });
  }
  for (const [label, ids] of nodes.bare) {
    await session.run(`UNWIND $ids AS id CREATE (:${cypherName(assertIdentifier(label, 'node label'))} {id: id})`, {
      ids,
    });
  }
  for (const [label, written] of nodes.creates) await writeNodes(session, nodeTable(schema, label), written, false);
  for (const [label, written] of nodes.updates) await writeNodes(session, nodeTable(schema, label), written, true);
  for (const [type, edges] of diff.edgeCreates) {
    if (edges.length > 0) await createEdges(session, schema.edges.get(type)!, edges);
  }
}

function nodeTable(schema: KuzuSchema, label: string): NodeTable {
  // A label only the ledger still holds may have been declared by an earlier process only.
  const table = schema.nodes.get(label);
  if (!table) throw undeclared('node label', label);
  return table;
}

/** Creates nodes, or updates existing ones, setting every property (one no listing gives is null). */
async function writeNodes(
  session: KuzuSession,
  table: NodeTable,
  nodes: ReadonlyMap<string, PropertyValues>,
  existing: boolean,
): Promise<void> {
  const label = cypherName(table.label);
  const assignments = propertyAssignments(table.properties, 'n');
  if (assignments.length === 0 && existing) return;
  const target = existing
    ? `WITH i, $ids[i] AS id MATCH (n:${label}) WHERE n.id = id`
    : `CREATE (n:${label} {id: $ids[i]})`;
  const set = assignments.length > 0 ? ` SET ${assignments.join(', ')}` : '';
  await session.run(`${ROWS} ${target}${set}`, {
    ids: [...nodes.keys()],
    ...propertyColumns(table.properties, [...nodes.values()]),
  });
}

/**
 * Creates edges between endpoints that exist (each was written just before
 * or is held by its ownership row), matching each endpoint by id in its own
 * step so Kuzu 0.11 plans hash joins rather than a cross product of both
 * node tables (or MERGE, which costs as much). `COPY ... FROM (subquery)`
 * would resolve the endpoints through the primary-key index instead, but
 * inside a transaction it is not crash-safe in Kuzu 0.11: after a SIGKILL the
 * committed transaction came back with its other writes and without the
 * copied edges (4 of 12 kills in a loop of such transactions; none with
 * CREATE).
 */
async function createEdges(session: KuzuSession, table: RelTable, edges: readonly EdgeRow[]): Promise<void> {
  await session.run(
    `${ROWS} WITH i, $ids[i] AS f, $to[i] AS t ` +
      `MATCH (a:${cypherName(table.from)}) WHERE a.id = f WITH a, i, t ` +
      `MATCH (b:${cypherName(table.to)}) WHERE b.id = t ` +
      `CREATE (a)-[:${cypherName(table.type)} {_owner: $owner[i]${propertyEntries(table.properties)}}]->(b)`,
    {
      ids: edges.map((edge) => edge.from),
      to: edges.map((edge) => edge.to),
      owner: edges.map((edge) => edge.owner),
      ...propertyColumns(
        table.properties,
        edges.map((edge) => edge.properties),
      ),
    },
  );
}
