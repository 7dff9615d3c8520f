import type { GraphValue } from '../../contracts/graph-store.js';
import { PolystoreError } from '../../errors/index.js';
import type { NodeProperties } from './kuzu-node-owners.js';

/*
 * The version ledger: one entry per `${scope}/${key}`, holding the newest
 * applied version, a tombstone flag and the part of the graph the key owns
 * (so a newer version or a delete can remove exactly that). Kept by
 * kuzu-bookkeeping.ts.
 */

/** A node the record lists, with the properties it gives (keys sorted; a given null counts). */
export type OwnedNode = readonly [label: string, id: string, properties: NodeProperties];

/** An edge the record emitted: endpoints' ids and properties (keys sorted, nulls dropped). */
export type OwnedEdge = readonly [
  type: string,
  from: string,
  to: string,
  properties: Readonly<Record<string, GraphValue>>,
];

/** Everything one record contributes to the graph; edges keep their multiplicity. */
export interface OwnedGraph {
  readonly n: readonly OwnedNode[];
  readonly e: readonly OwnedEdge[];
}

export interface LedgerEntry {
  readonly version: number;
  readonly deleted: boolean;
  /** Undefined for tombstones. */
  readonly owned: OwnedGraph | undefined;
}

export interface LedgerWrite {
  readonly k: string;
  readonly version: number;
  readonly owned: OwnedGraph | undefined;
}

/**
 * Scopes may not contain `/`, so the first `/` of a ledger key always ends
 * the scope and `${scope}/${key}` is unambiguous.
 */
export function ledgerKey(scope: string, key: string): string {
  return `${scope}/${key}`;
}

export function assertScope(scope: string): void {
  if (typeof scope !== 'string' || scope.length === 0 || scope.includes('/')) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A graph scope must be a non-empty string without "/"', {
      field: 'scope',
      fix: 'use the entity or projector name as the scope',
    });
  }
}
