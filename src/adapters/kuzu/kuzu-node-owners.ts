import type { GraphValue } from '../../contracts/graph-store.js';

/**
 * Node ownership: one row per graph node (kept by kuzu-bookkeeping.ts), keyed `${label}/${id}`
 * (labels are identifiers, so the first `/` ends the label). `refs` counts
 * the edge endpoints of live records that touch the node (a self-loop counts
 * twice) and the live records that list it without properties; `listings`
 * holds each live record that lists it with properties, with the
 * properties it gives, sorted by owner. A node exists exactly while its row
 * does, and its row exists while `refs > 0` or a listing is left, so removing
 * a record never needs to look at anything but the rows it touches. A change
 * rewrites the node's listings: a node listed with properties by very many
 * records costs in proportion to them.
 */
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
