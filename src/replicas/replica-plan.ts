import type { ViewReplicas } from '../contracts/replica-transport.js';
import { PolystoreError } from '../errors/index.js';
import type { ViewStore } from '../polystore-config.js';
import { isIdentifier } from '../runtime/identifier.js';
import type { ViewDef } from '../views/view-def.js';

/**
 * Where this process stands towards the embedded views (stores marked
 * `processLocal`) when the config has `replicas`:
 * - `host`: it runs projectors, so it keeps a replica of each: its own copy
 *   under its own view name (`<view>__<replica>`: its consumer, checkpoint,
 *   backfill and stats), and answers queries of their stores;
 * - `remote`: it runs no projectors (a writer, a web tier), so it sends
 *   queries of their stores to the replicas and never opens the stores.
 */
export interface ReplicaPlan {
  readonly replicas: ViewReplicas | undefined;
  /** Names of the embedded stores this process keeps replicas of and serves. */
  readonly hosted: ReadonlySet<string>;
  /** Names of the embedded stores queried through replicas elsewhere. */
  readonly remote: ReadonlySet<string>;
  /** The views as this process declares them: hosted ones renamed, remote ones removed. */
  readonly views: readonly ViewDef<unknown>[];
  /** The views on remote stores, under their declared names (for routing only). */
  readonly remoteViews: readonly ViewDef<unknown>[];
  /** Declared view name → the name this process projects it under. */
  readonly localName: ReadonlyMap<string, string>;
}

const STORE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The view name a replica projects `view` under. */
export function replicaViewName(view: string, replica: string): string {
  return `${view}__${replica}`;
}

/**
 * Decides each embedded view's role in this process (see {@link ReplicaPlan}).
 * `projectors`: whether this process runs projectors (`sync.projectors`).
 */
export function planReplicas(
  replicas: ViewReplicas | undefined,
  stores: Readonly<Record<string, ViewStore>>,
  views: readonly ViewDef<unknown>[],
  projectors: boolean,
): ReplicaPlan {
  const none: ReplicaPlan = {
    replicas,
    hosted: new Set(),
    remote: new Set(),
    views,
    remoteViews: [],
    localName: new Map(views.map((v) => [v.name, v.name])),
  };
  if (replicas === undefined) return none;
  if (typeof replicas?.transport?.request !== 'function' || typeof replicas.replica !== 'string') {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', '`replicas` is not a replica transport', {
      field: 'replicas',
      fix: "pass natsReplicas({ servers }) from 'polystore/nats', or leave `replicas` out",
    });
  }
  const embedded = new Set(
    views.filter((v) => stores[v.store]?.processLocal === true && v.kind !== 'cache').map((v) => v.store),
  );
  for (const store of embedded) {
    if (!STORE_NAME.test(store))
      throw new PolystoreError(
        'PS_ERR_INVALID_CONFIG',
        `The store name "${store.slice(0, 64)}" cannot name a subject`,
        {
          field: 'stores',
          fix: 'name embedded stores served by replicas with letters, digits, `_` and `-`',
        },
      );
  }
  if (embedded.size === 0) return none;
  const localName = new Map<string, string>();
  const kept: ViewDef<unknown>[] = [];
  const remoteViews: ViewDef<unknown>[] = [];
  for (const view of views) {
    if (!embedded.has(view.store)) {
      kept.push(view);
      localName.set(view.name, view.name);
    } else if (!projectors) {
      remoteViews.push(view);
    } else {
      const name = replicaViewName(view.name, replicas.replica);
      if (!isIdentifier(name)) {
        throw new PolystoreError(
          'PS_ERR_INVALID_CONFIG',
          `The replica view name "${name.slice(0, 80)}" (view "${view.name}", replica "${replicas.replica}") is longer than 63 characters`,
          { field: 'replicas.replica', fix: 'use a shorter replica name, or a shorter view name' },
        );
      }
      kept.push({ ...view, name });
      localName.set(view.name, name);
    }
  }
  return {
    replicas,
    hosted: projectors ? embedded : new Set(),
    remote: projectors ? new Set() : embedded,
    views: kept,
    remoteViews,
    localName,
  };
}
