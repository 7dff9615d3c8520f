import type { GraphValue } from '../../contracts/graph-store.js';
import { ROWS } from './kuzu-columns.js';
import { cypherName, type KuzuSession } from './kuzu-session.js';

/**
 * Node ownership: one `_PsNode` row per graph node, keyed `${label}/${id}`
 * (labels are identifiers, so the first `/` ends the label). `refs` counts
 * the edge endpoints of live records that touch the node (a self-loop counts
 * twice) and the live records that list it without properties; `listings`
 * holds, as JSON, each live record that lists it with properties, with the
 * properties it gives, sorted by owner. A node exists exactly while its row
 * does, and its row exists while `refs > 0` or a listing is left, so removing
 * a record never needs to look at anything but the rows it touches. A change
 * rewrites the node's listings: a node listed with properties by very many
 * records costs in proportion to them.
 */
const NODE_OWNERS = cypherName('_PsNode');

export const NODE_OWNERS_DDL = `CREATE NODE TABLE IF NOT EXISTS ${NODE_OWNERS}(k STRING, refs INT64, listings STRING, PRIMARY KEY(k))`;

export type NodeProperties = Readonly<Record<string, GraphValue>>;

/** Listings sorted by owner (`scope/key`, code-unit order). */
export type Listings = readonly (readonly [owner: string, properties: NodeProperties])[];

export interface NodeOwners {
  readonly refs: number;
  readonly listings: Listings;
}

export function nodeKey(label: string, id: string): string {
  return `${label}/${id}`;
}

export async function readNodeOwners(session: KuzuSession, keys: readonly string[]): Promise<Map<string, NodeOwners>> {
  const owners = new Map<string, NodeOwners>();
  if (keys.length === 0) return owners;
  const rows = await session.run(
    `UNWIND $keys AS key MATCH (v:${NODE_OWNERS}) WHERE v.k = key RETURN v.k AS k, v.refs AS refs, v.listings AS listings`,
    { keys: [...keys] },
  );
  for (const row of rows) {
    owners.set(String(row.k), { refs: Number(row.refs), listings: JSON.parse(String(row.listings)) as Listings });
  }
  return owners;
}

/** Deletes, updates by key and creates ownership rows (see kuzu-columns for the statement shape). */
export async function writeNodeOwners(
  session: KuzuSession,
  writes: ReadonlyMap<string, NodeOwners>,
  existing: ReadonlySet<string>,
  removals: readonly string[],
): Promise<void> {
  if (removals.length > 0) {
    await session.run(`UNWIND $keys AS key MATCH (v:${NODE_OWNERS}) WHERE v.k = key DELETE v`, { keys: [...removals] });
  }
  const rows = [...writes];
  const columns = (part: typeof rows) => ({
    ids: part.map(([k]) => k),
    refs: part.map(([, owners]) => owners.refs),
    listings: part.map(([, owners]) => JSON.stringify(owners.listings)),
  });
  const updates = rows.filter(([k]) => existing.has(k));
  const creates = rows.filter(([k]) => !existing.has(k));
  if (updates.length > 0) {
    await session.run(
      `${ROWS} WITH i, $ids[i] AS key MATCH (v:${NODE_OWNERS}) WHERE v.k = key SET v.refs = $refs[i], v.listings = $listings[i]`,
      columns(updates),
    );
  }
  if (creates.length > 0) {
    await session.run(
      `${ROWS} CREATE (:${NODE_OWNERS} {k: $ids[i], refs: $refs[i], listings: $listings[i]})`,
      columns(creates),
    );
  }
}

/**
 * A node's properties from its listings: each property takes the value
 * given by the owner sorting last among those that give it, so the result
 * depends on the live records only, never on the order they arrived in.
 */
export function resolveProperties(listings: Listings): Record<string, GraphValue> {
  const properties: Record<string, GraphValue> = {};
  for (const [, given] of listings) Object.assign(properties, given);
  return properties;
}
