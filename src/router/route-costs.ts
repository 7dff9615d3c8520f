/** The stores a by-id read can come from when the caller bounds staleness. */
export type ReadRoute = 'cache' | 'home';

/** Latencies kept per route: the median of the newest ones is its cost, so one slow read (a GC pause) does not flip it. */
const WINDOW = 9;
/** Reads each route serves before the two are compared: a first, cold read alone would decide for long. */
const WARM_UP = 3;

interface Cost {
  readonly samples: Record<ReadRoute, number[]>;
  decisions: number;
}

/**
 * Measured latency of the stores that can answer the same read (a cache
 * view fresh enough for the caller, and the home), per entity: a bounded
 * read goes to the cheaper one, by the median of each route's newest
 * latencies. Each route serves a few reads first, and every
 * `exploreEvery`-th read goes to the other one, so a store that got faster
 * is noticed.
 */
export class RouteCosts {
  readonly #costs = new Map<string, Cost>();

  constructor(private readonly exploreEvery = 20) {}

  choose(entity: string): ReadRoute {
    const cost = this.#of(entity);
    cost.decisions++;
    if (cost.samples.cache.length < WARM_UP) return 'cache';
    if (cost.samples.home.length < WARM_UP) return 'home';
    const cache = median(cost.samples.cache)!;
    const home = median(cost.samples.home)!;
    const cheaper: ReadRoute = home < cache ? 'home' : 'cache';
    if (cost.decisions % this.exploreEvery === 0) return cheaper === 'home' ? 'cache' : 'home';
    return cheaper;
  }

  observe(entity: string, route: ReadRoute, ms: number): void {
    const samples = this.#of(entity).samples[route];
    samples.push(ms);
    if (samples.length > WINDOW) samples.shift();
  }

  /** Each route's current cost (median of its newest latencies, ms), per entity. */
  means(): Record<string, Record<ReadRoute, number | null>> {
    return Object.fromEntries(
      [...this.#costs].map(([entity, cost]) => [
        entity,
        { cache: median(cost.samples.cache), home: median(cost.samples.home) },
      ]),
    );
  }

  #of(entity: string): Cost {
    let cost = this.#costs.get(entity);
    if (!cost) {
      cost = { samples: { cache: [], home: [] }, decisions: 0 };
      this.#costs.set(entity, cost);
    }
    return cost;
  }
}

function median(samples: readonly number[]): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
