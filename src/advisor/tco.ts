import { PolystoreError } from '../errors/index.js';
import type { PolystoreViewKind, StoreKind } from './store-kinds.js';
import { storeLabel } from './store-kinds.js';

/** Monthly prices, supplied by the user (no price is built in). */
export interface PriceTable {
  readonly currency: string;
  /** Shown with the comparison, e.g. "example figures: replace them with your own". */
  readonly note?: string;
  /** Operations cost of running one database for a month (on-call, upgrades, backups). */
  readonly opsPerStore: number;
  /** Per store kind: storage per GB-month and compute per month. */
  readonly stores: Readonly<Partial<Record<StoreKind, { readonly storagePerGb: number; readonly compute: number }>>>;
}

/** A store of the plan and the data it holds. */
export interface StoreLoad {
  readonly store: 'home' | PolystoreViewKind;
  readonly kind: StoreKind;
  /** Everything the store holds, copies included. */
  readonly volumeGb: number;
  /** What only this store holds (the home's records, a keyspace's values): what a single database would hold. */
  readonly primaryGb: number;
}

export interface TcoLine {
  readonly store: string;
  readonly kind: StoreKind;
  readonly volumeGb: number;
  readonly storage: number;
  readonly compute: number;
}

export interface TcoComparison {
  readonly currency: string;
  readonly note?: string;
  /** `Single DB TCO = Storage + Compute + Ops×1`, everything in the home's kind. */
  readonly single: { readonly line: TcoLine; readonly ops: number; readonly total: number };
  /** `Polyglot TCO = Σ(Storage[i] + Compute[i]) + Ops×N×1.5`. */
  readonly polyglot: {
    readonly lines: readonly TcoLine[];
    readonly n: number;
    readonly ops: number;
    readonly total: number;
  };
  /** polyglot - single. */
  readonly difference: number;
}

/** The factor on Ops in the polyglot formula: running unlike stores costs more than the sum of running each. */
export const POLYGLOT_OPS_FACTOR = 1.5;

/**
 * Compares one database holding everything with the polyglot plan, by the
 * brief's formulas, with the user's prices.
 *
 * @example
 * const prices = { currency: 'EUR', opsPerStore: 1000, stores: { rdbms: { storagePerGb: 0.1, compute: 200 }, search: { storagePerGb: 0.3, compute: 300 } } };
 * compareTco(
 *   [{ store: 'home', kind: 'rdbms', volumeGb: 100, primaryGb: 100 }, { store: 'search', kind: 'search', volumeGb: 20, primaryGb: 0 }],
 *   prices,
 * );
 * // single: 10 + 200 + 1000 = 1210; polyglot: (10 + 200) + (6 + 300) + 1000 x 2 x 1.5 = 3516
 */
export function compareTco(loads: readonly StoreLoad[], prices: PriceTable): TcoComparison {
  const home = loads.find((l) => l.store === 'home');
  if (!home)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A TCO comparison needs the home among the stores', {
      fix: "include { store: 'home', ... }",
    });
  const line = (store: string, kind: StoreKind, volumeGb: number): TcoLine => {
    const price = prices.stores[kind];
    if (!price)
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `The price table has no prices for ${storeLabel(kind)}`, {
        field: `stores.${kind}`,
        fix: `add stores.${kind}: { storagePerGb, compute } to the price file`,
      });
    return { store, kind, volumeGb, storage: volumeGb * price.storagePerGb, compute: price.compute };
  };
  const singleLine = line(
    'home',
    home.kind,
    loads.reduce((sum, l) => sum + l.primaryGb, 0),
  );
  const single = {
    line: singleLine,
    ops: prices.opsPerStore,
    total: singleLine.storage + singleLine.compute + prices.opsPerStore,
  };
  const lines = loads.map((l) => line(l.store, l.kind, l.volumeGb));
  const ops = prices.opsPerStore * lines.length * POLYGLOT_OPS_FACTOR;
  const polyglot = {
    lines,
    n: lines.length,
    ops,
    total: lines.reduce((sum, l) => sum + l.storage + l.compute, 0) + ops,
  };
  return {
    currency: prices.currency,
    ...(prices.note ? { note: prices.note } : {}),
    single,
    polyglot,
    difference: polyglot.total - single.total,
  };
}
