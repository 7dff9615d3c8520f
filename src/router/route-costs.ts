/** The stores a by-id read can come from when the caller bounds staleness. */
export type ReadRoute = 'cache' | 'home';

interface Cost {
  /** Exponentially weighted mean latency per route, in ms (null: not measured yet). */
  readonly mean: Record<ReadRoute, number | null>;
  decisions: number;
}

/**
 * Measured latency of the stores that can answer the same read (a cache
 * view fresh enough for the caller, and the home), per entity: a bounded
 * read goes to the cheaper one. Each route is tried until measured, and
 * every `exploreEvery`-th read goes to the other one, so a store that got
 * faster is noticed.
 */
export class RouteCosts {
  readonly #costs = new Map<string, Cost>();

  constructor(
    private readonly exploreEvery = 20,
    private readonly alpha = 0.2,
  ) {}

  choose(entity: string): ReadRoute {
    const cost = this.#of(entity);
    cost.decisions++;
    const { cache, home } = cost.mean;
    if (cache === null) return 'cache';
    if (home === null) return 'home';
    const cheaper: ReadRoute = home < cache ? 'home' : 'cache';
    if (cost.decisions % this.exploreEvery === 0) return cheaper === 'home' ? 'cache' : 'home';
    return cheaper;
  }

  observe(entity: string, route: ReadRoute, ms: number): void {
    const cost = this.#of(entity);
    const before = cost.mean[route];
    cost.mean[route] = before === null ? ms : before * (1 - this.alpha) + ms * this.alpha;
  }

  /** The measured means, per entity. */
  means(): Record<string, Record<ReadRoute, number | null>> {
    return Object.fromEntries([...this.#costs].map(([entity, cost]) => [entity, { ...cost.mean }]));
  }

  #of(entity: string): Cost {
    let cost = this.#costs.get(entity);
    if (!cost) {
      cost = { mean: { cache: null, home: null }, decisions: 0 };
      this.#costs.set(entity, cost);
    }
    return cost;
  }
}
