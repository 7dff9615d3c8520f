/** How much work each workload does; `--quick` trades precision for a run under 3 minutes. */
export interface Profile {
  readonly name: 'quick' | 'full';
  readonly warmupRounds: number;
  readonly rounds: number;
  /** Time one comparison may take before it stops adding rounds (see interleave). */
  readonly budgetMs: number;
  readonly p1: {
    /** Creates per round at concurrency 1. */
    readonly sequentialOps: number;
    /** Creates per round at the concurrent level. */
    readonly concurrentOps: number;
    readonly concurrency: number;
    readonly batchSize: number;
    readonly batchesPerRound: number;
  };
  readonly p2: {
    /** Closed-loop creates (concurrency 1) that measure the write rate the open loop runs at half of. */
    readonly rateProbeMs: number;
    /** How long the open-loop load runs per mode. */
    readonly loadMs: number;
    /** Share of the measured maximum write rate the open loop offers. */
    readonly loadShare: number;
  };
  readonly p3: { readonly events: number; readonly batchSize: number };
  readonly p4: { readonly records: number; readonly getsPerRound: number };
  /**
   * P11: `events` per round into each kind of view in batches of `batchSize`;
   * flatness applies `flatEvents` into views of `flatSmall` and `flatBig`
   * records (`flatBigGraph` for the graph, whose big view is built through
   * the store itself).
   */
  readonly p11: {
    readonly events: number;
    readonly batchSize: number;
    readonly flatEvents: number;
    readonly flatSmall: number;
    readonly flatBig: number;
    readonly flatBigGraph: number;
  };
  /** P13: `events` per round into an archive view on s3rver, in batches of `batchSize`. */
  readonly p13: { readonly events: number; readonly batchSize: number };
  /** S10: the e-commerce demo's data set multiplier. */
  readonly s10: { readonly scale: number };
  /**
   * P5: a backfill of `records` into a Redis view against a raw copy, `rounds`
   * of each, under updates at `loadShare` of the rate closed-loop updates
   * reach in `rateProbeMs`; `idleMs` of the same updates with no copy running
   * give the freshness baseline (per round).
   */
  readonly p5: {
    readonly records: number;
    readonly rounds: number;
    readonly rateProbeMs: number;
    readonly idleMs: number;
    readonly loadShare: number;
  };
  /** P6: records of the entity checked (home and Redis view seeded directly). */
  readonly p6: { readonly records: number };
  /**
   * P8: order sagas per round of each engine and how many are in flight;
   * `aloneSagas` per round of the two rounds at concurrency 1.
   */
  readonly p8: { readonly sagasPerRound: number; readonly concurrency: number; readonly aloneSagas: number };
  /** P9: cached records read over HTTP, `getsPerRound` GETs per round per side at `concurrency`. */
  readonly p9: { readonly records: number; readonly getsPerRound: number; readonly concurrency: number };
  /** P9S: records written before scraping (each of the 20 views applies them), and scrapes timed. */
  readonly p9scrape: { readonly records: number; readonly scrapes: number };
  /** P12: times each query runs against each search store. */
  readonly p12: { readonly repeats: number };
  /** P14: tree reads per round of each side (GraphQL, entity API). */
  readonly p14: { readonly requests: number };
  /**
   * P10, replicas: the catalog seeded (`products`, and `orders` by `users`),
   * then the query mix for `durationMs` (after `warmupMs`) at `concurrency`
   * per replica count, in `replicaRounds` rounds (2: replicas added one at a
   * time, then stopped one at a time). Overload: one replica, the co-buyers
   * query alone for `overloadMs` (after `overloadWarmupMs`) at each of
   * `overloadInFlight`. Workers: `workerEvents` events projected by 1 and by
   * 2 workers, `workerRounds` rounds of each.
   */
  readonly p10: {
    readonly products: number;
    readonly orders: number;
    readonly users: number;
    readonly concurrency: number;
    readonly warmupMs: number;
    readonly durationMs: number;
    readonly replicaRounds: number;
    readonly overloadInFlight: readonly number[];
    readonly overloadWarmupMs: number;
    readonly overloadMs: number;
    readonly workerEvents: number;
    readonly workerRounds: number;
  };
}

export const QUICK: Profile = {
  name: 'quick',
  warmupRounds: 1,
  rounds: 5,
  budgetMs: 8_000,
  p1: { sequentialOps: 150, concurrentOps: 400, concurrency: 8, batchSize: 100, batchesPerRound: 4 },
  p2: { rateProbeMs: 1000, loadMs: 4000, loadShare: 0.5 },
  p3: { events: 5000, batchSize: 500 },
  p4: { records: 1000, getsPerRound: 1000 },
  p11: { events: 2000, batchSize: 500, flatEvents: 1000, flatSmall: 10_000, flatBig: 100_000, flatBigGraph: 40_000 },
  p13: { events: 2000, batchSize: 500 },
  s10: { scale: 1 },
  p5: { records: 20_000, rounds: 1, rateProbeMs: 1000, idleMs: 2000, loadShare: 0.5 },
  p6: { records: 20_000 },
  p8: { sagasPerRound: 150, concurrency: 8, aloneSagas: 40 },
  p9: { records: 1000, getsPerRound: 2000, concurrency: 16 },
  p9scrape: { records: 200, scrapes: 30 },
  p12: { repeats: 30 },
  p14: { requests: 200 },
  p10: {
    products: 2000,
    orders: 4000,
    users: 200,
    concurrency: 24,
    warmupMs: 1000,
    durationMs: 4000,
    replicaRounds: 1,
    overloadInFlight: [64, 256],
    overloadWarmupMs: 1000,
    overloadMs: 3000,
    workerEvents: 30_000,
    workerRounds: 1,
  },
};

export const FULL: Profile = {
  name: 'full',
  warmupRounds: 2,
  rounds: 12,
  budgetMs: 60_000,
  p1: { sequentialOps: 400, concurrentOps: 1600, concurrency: 8, batchSize: 100, batchesPerRound: 10 },
  p2: { rateProbeMs: 2000, loadMs: 15_000, loadShare: 0.5 },
  p3: { events: 20_000, batchSize: 500 },
  p4: { records: 5000, getsPerRound: 3000 },
  p11: { events: 5000, batchSize: 500, flatEvents: 1000, flatSmall: 10_000, flatBig: 1_000_000, flatBigGraph: 200_000 },
  p13: { events: 10_000, batchSize: 500 },
  s10: { scale: 10 },
  p5: { records: 200_000, rounds: 2, rateProbeMs: 2000, idleMs: 8000, loadShare: 0.5 },
  p6: { records: 1_000_000 },
  p8: { sagasPerRound: 500, concurrency: 8, aloneSagas: 150 },
  p9: { records: 5000, getsPerRound: 8000, concurrency: 16 },
  p9scrape: { records: 1000, scrapes: 200 },
  p12: { repeats: 200 },
  p14: { requests: 1000 },
  p10: {
    products: 5000,
    orders: 20_000,
    users: 500,
    concurrency: 24,
    warmupMs: 2000,
    durationMs: 10_000,
    replicaRounds: 2,
    overloadInFlight: [64, 256, 512],
    overloadWarmupMs: 2000,
    overloadMs: 10_000,
    workerEvents: 100_000,
    workerRounds: 2,
  },
};
