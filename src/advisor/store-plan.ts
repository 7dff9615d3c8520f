import { FACTORS, type FactorId } from './factor-weights.js';
import { type FactorScores, rankStores, type StoreScore } from './selection-calculator.js';
import { type PolystoreViewKind, STORE_KIND_INFO, type StoreKind, storeLabel } from './store-kinds.js';

/** The fewest-stores rule's knobs. */
export interface PlanRules {
  /**
   * A view is added for a read pattern only when, for its factor, score x
   * (the view kind's weight - the home's weight) reaches this margin (default 15:
   * a factor scored 8 where the view kind is 2 points better, or 5 where it is 3).
   */
  readonly viewMargin?: number;
  /**
   * Data lives only in a key-value keyspace when Key-Value beats the best home
   * kind by this much and the data is ephemeral (scored 5 or more); default 10.
   */
  readonly keyspaceMargin?: number;
  /** Warn past this many stores (the brief's advice: start with 2-3); default 3. */
  readonly maxStores?: number;
}

export interface EntityNeeds {
  readonly name: string;
  readonly factors: FactorScores;
}

/** Why a view was (or was not) added: the factor where its kind beats the home most. */
export interface ViewChoice {
  readonly view: PolystoreViewKind;
  readonly store: StoreKind;
  readonly factor: FactorId;
  readonly label: string;
  readonly score: number;
  readonly weight: number;
  readonly homeWeight: number;
  /** score x (weight - homeWeight). */
  readonly divergence: number;
  readonly added: boolean;
}

export interface EntityPlan {
  readonly entity: string;
  readonly ranking: readonly StoreScore[];
  readonly home: {
    readonly store: 'rdbms' | 'document' | 'key-value';
    readonly storage: 'relational' | 'document' | 'keyspace';
    readonly reason: string;
  };
  /** Added views, one per view kind. */
  readonly views: readonly ViewChoice[];
  /** Views considered and left out (under the margin), for the explanation. */
  readonly declined: readonly ViewChoice[];
  readonly notes: readonly string[];
}

export interface StorePlan {
  readonly entities: readonly EntityPlan[];
  /** The stores the configuration needs: `home` plus the view kinds in use. */
  readonly stores: readonly ('home' | PolystoreViewKind)[];
  readonly warnings: readonly string[];
  readonly rules: Required<PlanRules>;
}

const VIEW_ORDER: readonly PolystoreViewKind[] = ['cache', 'search', 'graph', 'analytics'];

/**
 * The read patterns each view serves. A view takes reads off the home, never
 * writes (every write commits in the home first), so write-side factors (write
 * throughput, scale, volume, transactions) never justify one.
 */
export const VIEW_FACTORS: Readonly<Record<PolystoreViewKind, readonly FactorId[]>> = {
  cache: ['read-heavy-lookups'],
  search: ['full-text-search'],
  graph: ['relationship-traversal'],
  analytics: ['aggregations', 'time-series'],
};

/**
 * Picks each entity's home and the few views whose access patterns clearly
 * diverge from it, and warns when the whole takes more stores than it should.
 *
 * @example
 * const plan = planStores([{ name: 'products', factors: { 'flexible-documents': 9, 'full-text-search': 9 } }]);
 * plan.entities[0].home.storage; // 'document'
 * plan.entities[0].views.map((v) => v.view); // ['search']
 */
export function planStores(entities: readonly EntityNeeds[], rules: PlanRules = {}): StorePlan {
  const settled: Required<PlanRules> = {
    viewMargin: rules.viewMargin ?? 15,
    keyspaceMargin: rules.keyspaceMargin ?? 10,
    maxStores: rules.maxStores ?? 3,
  };
  const plans = entities.map((e) => planEntity(e, settled));
  const stores: ('home' | PolystoreViewKind)[] = ['home'];
  for (const kind of VIEW_ORDER) {
    const used = plans.some(
      (p) => p.views.some((v) => v.view === kind) || (kind === 'cache' && p.home.storage === 'keyspace'),
    );
    if (used) stores.push(kind);
  }
  return { entities: plans, stores, warnings: warnings(plans, stores, settled), rules: settled };
}

function planEntity(entity: EntityNeeds, rules: Required<PlanRules>): EntityPlan {
  const ranking = rankStores(entity.factors);
  const scoreOf = (kind: StoreKind) => ranking.find((r) => r.store === kind)!.score;
  const homeKind = scoreOf('document') > scoreOf('rdbms') ? 'document' : 'rdbms';
  const top = ranking[0]!;
  const notes: string[] = [];
  const ephemeral = entity.factors['ephemeral-data'] ?? 0;
  if (top.store === 'key-value' && top.score >= scoreOf(homeKind) + rules.keyspaceMargin && ephemeral >= 5) {
    return {
      entity: entity.name,
      ranking,
      home: {
        store: 'key-value',
        storage: 'keyspace',
        reason: `Key-Value scores ${top.score}, ${top.score - scoreOf(homeKind)} over ${storeLabel(homeKind)}, and the data is ephemeral (${ephemeral}/10): a keyspace in the cache store, with a TTL`,
      },
      views: [],
      declined: [],
      notes,
    };
  }
  const choices = VIEW_ORDER.flatMap((view) => {
    const best = bestDivergence(entity.factors, view, homeKind);
    return best ? [{ ...best, added: best.divergence >= rules.viewMargin }] : [];
  });
  const info = STORE_KIND_INFO[top.store];
  if (top.store !== homeKind) {
    const servedBy = choices.find((c) => c.added && c.view === info.view);
    notes.push(
      `${top.label} ranks first; ${info.polystore}${servedBy ? '' : info.view ? ` (its margin over the home stays under ${rules.viewMargin})` : ''}`,
    );
  }
  return {
    entity: entity.name,
    ranking,
    home: {
      store: homeKind,
      storage: homeKind === 'document' ? 'document' : 'relational',
      reason: `${storeLabel(homeKind)} scores ${scoreOf(homeKind)}, the best of the kinds that can be the transactional home`,
    },
    views: choices.filter((c) => c.added),
    declined: choices.filter((c) => !c.added),
    notes,
  };
}

/** The factor and store kind where a view kind beats the home most, if anywhere. */
function bestDivergence(
  scores: FactorScores,
  view: PolystoreViewKind,
  home: StoreKind,
): Omit<ViewChoice, 'added'> | undefined {
  let best: Omit<ViewChoice, 'added'> | undefined;
  for (const f of FACTORS) {
    const score = scores[f.id] ?? 0;
    if (score === 0 || !VIEW_FACTORS[view].includes(f.id)) continue;
    const homeWeight = f.weights.find((w) => w.store === home)?.weight ?? 0;
    for (const w of f.weights) {
      if (STORE_KIND_INFO[w.store].view !== view) continue;
      const divergence = score * (w.weight - homeWeight);
      if (divergence > 0 && (!best || divergence > best.divergence))
        best = { view, store: w.store, factor: f.id, label: f.label, score, weight: w.weight, homeWeight, divergence };
    }
  }
  return best;
}

function warnings(
  plans: readonly EntityPlan[],
  stores: readonly ('home' | PolystoreViewKind)[],
  rules: Required<PlanRules>,
): string[] {
  const out: string[] = [];
  const firsts = [...new Set(plans.map((p) => p.ranking[0]!.store))];
  if (firsts.length > rules.maxStores)
    out.push(
      `Too many databases: giving every entity its first-ranked kind would run ${firsts.length} (${firsts.map(storeLabel).join(', ')})${stores.length < firsts.length ? `; one home with a few views needs ${stores.length}` : ''}`,
    );
  if (stores.length > rules.maxStores) {
    const weakest = VIEW_ORDER.filter((v) => stores.includes(v))
      .map((v) => ({
        v,
        best: Math.max(...plans.flatMap((p) => p.views.filter((c) => c.view === v).map((c) => c.divergence)), 0),
      }))
      .sort((a, b) => a.best - b.best);
    out.push(
      `${stores.length} stores (${stores.join(', ')}) is past the ${rules.maxStores} to start with; each adds operations work (polyglot TCO counts Ops x N x 1.5). Weakest justified first: ${weakest.map((w) => `${w.v} (best margin ${w.best})`).join(', ')}`,
    );
  }
  for (const p of plans) {
    const top = p.ranking[0]!;
    const writes = top.contributions.find((c) => c.factor === 'high-write-throughput');
    if ((top.store === 'time-series' || top.store === 'column-family') && writes && writes.score >= 7)
      out.push(
        `${p.entity}: every write goes through the transactional home first (write rate ${writes.score}/10); measure the home's insert rate before relying on it, or batch points into one record`,
      );
  }
  return out;
}
