import { type MigrationAdvice, selectMigration } from './migration-selector.js';
import { type SkeletonOptions, writeSkeleton } from './skeleton-writer.js';
import type { PolystoreViewKind, StoreKind } from './store-kinds.js';
import { planStores, type StorePlan } from './store-plan.js';
import { compareTco, type PriceTable, type StoreLoad, type TcoComparison } from './tco.js';
import type { Workload } from './workload.js';

export interface AdviseOptions {
  /** Prices for the TCO comparison; without them there is none. */
  readonly prices?: PriceTable;
  readonly skeleton?: SkeletonOptions;
}

export interface Advice {
  readonly workload: string;
  readonly plan: StorePlan;
  /** Present when the workload describes a migration. */
  readonly migration?: MigrationAdvice;
  /** Present when prices were given. */
  readonly tco?: TcoComparison;
  readonly warnings: readonly string[];
  /** A Polystore configuration module (TypeScript source). */
  readonly skeleton: string;
}

/** The store kind each Polystore store is priced as. */
const PRICED_AS: Readonly<Record<'home' | PolystoreViewKind, StoreKind>> = {
  home: 'rdbms',
  cache: 'key-value',
  search: 'search',
  graph: 'graph',
  analytics: 'column-family',
};

/**
 * The whole advice for a workload: per entity the ranking with every rule's
 * contribution, its home and views; the warnings; the migration strategy and
 * the TCO comparison when asked; and the configuration skeleton.
 *
 * @example
 * const advice = adviseWorkload(await loadWorkload('examples/workloads/ecommerce.yaml'), {
 *   prices: await loadPrices('examples/workloads/prices.example.yaml'),
 * });
 * advice.plan.entities.find((e) => e.entity === 'users')?.ranking[0].store; // 'rdbms'
 */
export function adviseWorkload(workload: Workload, options: AdviseOptions = {}): Advice {
  const plan = planStores(workload.entities, workload.rules);
  const tco = options.prices ? compareTco(storeLoads(workload, plan), options.prices) : undefined;
  return {
    workload: workload.name,
    plan,
    ...(workload.migration ? { migration: selectMigration(workload.migration) } : {}),
    ...(tco ? { tco } : {}),
    warnings: plan.warnings,
    skeleton: writeSkeleton(workload, plan, options.skeleton),
  };
}

/**
 * What each store of the plan holds, from the entities' volumes (1 GB where none is given).
 *
 * @example
 * storeLoads(workload, planStores(workload.entities)); // [{ store: 'home', kind: 'rdbms', volumeGb: 124, primaryGb: 123 }, ...]
 */
export function storeLoads(workload: Workload, plan: StorePlan): StoreLoad[] {
  const volume = new Map(workload.entities.map((e) => [e.name, e.volumeGb ?? 1]));
  return plan.stores.map((store) => {
    let volumeGb = 0;
    let primaryGb = 0;
    for (const p of plan.entities) {
      const gb = volume.get(p.entity) ?? 0;
      const keyspace = p.home.storage === 'keyspace';
      if (store === 'home' ? !keyspace : p.views.some((v) => v.view === store)) volumeGb += gb;
      if (keyspace && store === 'cache') volumeGb += gb;
      if ((store === 'home' && !keyspace) || (store === 'cache' && keyspace)) primaryGb += gb;
    }
    return { store, kind: PRICED_AS[store], volumeGb, primaryGb };
  });
}
