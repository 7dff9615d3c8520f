import {
  type Comparison,
  type Freshness,
  isBackfillRun,
  isCheckRun,
  isComparison,
  isFreshness,
  isSagaRun,
  isScaleOutRatio,
  isScaleOutRun,
  isScaleRun,
  isScrapeRun,
  isSearchRun,
  type ResultRow,
} from './report.js';

/**
 * The headline figures of latest.json. Each is null when its workload did not
 * run. `p1WriteRatio` is the worse of the sequential and concurrent create
 * ratios; `p2FreshnessP99Ms` the worst p99 across the views of the default
 * (outbox) mode; `p2FreshnessP99MsAllViews` the worst p99 of any view in any
 * mode, servers (P2) and embedded (E2) alike, with `p2FreshnessP99MsByView`
 * the worst per view kind; `scale10CatchUpMs` the time from the last write of the
 * e-commerce demo's load until every view caught up (S10, when it ran at
 * scale 10; a --quick run at a smaller scale reports null).
 * `p5BackfillRecordsPerSec` is the backfill's rate into the Redis view under
 * live updates, `p5BackfillRatio` that rate over a raw copy's, and
 * `p5LiveFreshnessP99Ratio` the live updates' p99 freshness during the
 * backfill over their p99 with no copy running. `p8Saga*` are the order
 * saga's latency (start to completion, as the caller sees it) and rate on
 * PostgreSQL, and `p8DbosRatio` its rate over DBOS Transact's running the
 * same steps in the same run.
 * `p12OramaP50Ms` and
 * `p12PostgresP50Ms` are the p50 of a search of the demo's catalog in each
 * store (P12); `p12*AllTermsTop10` how many of the top 10 hits for
 * "wireles headphone" hold both words. `p14GraphqlRatio` is the p50 of a
 * GraphQL tree read (user, orders, products) over the same reads through the
 * entity API (P14).
 * `p13ArchiveEventsPerSec` is the rate of change events through the projector
 * into an archive view on s3rver (P13).
 * `p10ReplicaScaling2` and `p10ReplicaScaling3` are the query mix's rate
 * through 2 and 3 replicas over its rate through 1 (P10), and
 * `p10ReplicaOverLocal` the rate through 1 replica over the same loop in the
 * one process holding the views; `p10OverloadRequestsPerAnswer` the requests
 * one replica took per answer with the co-buyers query alone at the most
 * queries in flight measured (1 when no query was sent twice);
 * `p10WorkerScaling2` is the events/s of 2 worker processes sharing a view's
 * consumer over 1 worker's, and `p10WorkerEventsPerSec` 1 worker's.
 */
export function summarize(rows: readonly ResultRow[]) {
  const comparisons = rows.filter(isComparison);
  const freshness = rows.filter(isFreshness);
  const ratio = (prefix: string) => {
    const found = comparisons.filter((c) => c.id.startsWith(prefix)).map((c) => c.ratio);
    return found.length === 0 ? null : Math.min(...found);
  };
  const worstRatio = (prefix: string) => {
    const found = comparisons.filter((c) => c.id.startsWith(prefix)).map((c) => c.ratio);
    return found.length === 0 ? null : Math.max(...found);
  };
  const worstOf = (found: readonly Freshness[]) =>
    found.length === 0 ? null : Math.max(...found.map((f) => f.latencyMs.p99));
  const worstP99 = (id: string) => worstOf(freshness.filter((f) => f.id.startsWith(id)));
  const views = [...new Set(freshness.map((f) => f.view))];
  const modes = [...new Set(freshness.map((f) => f.id.split('.').slice(0, 2).join('.')))];
  const byId = (id: string): Comparison | undefined => comparisons.find((c) => c.id === id);
  const backfill = rows.filter(isBackfillRun)[0];
  const check = rows.filter(isCheckRun)[0];
  const saga = rows.filter(isSagaRun).find((row) => row.engine === 'postgres');
  const sagaLite = rows.filter(isSagaRun).find((row) => row.engine === 'pglite');
  const search = rows.filter(isSearchRun)[0];
  const searchSide = (store: string) => search?.sides.find((side) => side.store === store);
  const scaleOut = (id: string) => rows.filter(isScaleOutRatio).find((row) => row.id === id)?.value ?? null;
  return {
    p1WriteRatio: ratio('P1.create.'),
    p1WriteRatioSequential: byId('P1.create.c1')?.ratio ?? null,
    p1BatchRatio: ratio('P1.createMany.'),
    p2FreshnessP99Ms: worstP99('P2.outbox.'),
    p2FreshnessP99MsByMode: Object.fromEntries(modes.map((mode) => [mode, worstP99(`${mode}.`)])),
    p2FreshnessP99MsAllViews: worstOf(freshness),
    p2FreshnessP99MsByView: Object.fromEntries(
      views.map((view) => [view, worstOf(freshness.filter((f) => f.view === view))]),
    ),
    p3ProjectorRatio: ratio('P3.'),
    p4CacheGetRatio: ratio('P4.'),
    p9ApiGetRatio: ratio('P9.'),
    p14GraphqlRatio: ratio('P14.'),
    p4CacheGetP99Ratio: comparisons.find((c) => c.id.startsWith('P4.'))?.p99Ratio ?? null,
    p11GraphProjectorRatio: ratio('P11.graph.'),
    p11AnalyticsProjectorRatio: ratio('P11.analytics.'),
    /** The worst kind: time into the big view over time into the small one. */
    p11FlatnessRatio: worstRatio('P11.flat.'),
    p5BackfillRecordsPerSec: backfill?.backfill.recordsPerSec ?? null,
    p5BackfillRatio: backfill?.rawRatio ?? null,
    p5LiveFreshnessP99Ratio: backfill?.liveP99Ratio ?? null,
    p6CheckSeconds1M: check && check.records >= 1_000_000 ? check.checkMs / 1000 : null,
    p6CheckSeconds: check ? check.checkMs / 1000 : null,
    p6CheckRecords: check?.records ?? null,
    p6DriftIdsMoved: check?.driftFound ? check.idsMoved : null,
    p8SagaP50Ms: saga?.ours.latencyMs.p50 ?? null,
    p8SagaP99Ms: saga?.ours.latencyMs.p99 ?? null,
    p8SagasPerSec: saga?.ours.sagasPerSec ?? null,
    p8DbosRatio: saga?.dbosRatio ?? null,
    p9ScrapeMs20Views: rows.filter(isScrapeRun)[0]?.scrapeMs.p50 ?? null,
    p12OramaP50Ms: searchSide('orama')?.latencyMs.p50 ?? null,
    p12PostgresP50Ms: searchSide('postgres')?.latencyMs.p50 ?? null,
    p12OramaAllTermsTop10: searchSide('orama')?.allTermsTop10 ?? null,
    p12PostgresAllTermsTop10: searchSide('postgres')?.allTermsTop10 ?? null,
    p13ArchiveEventsPerSec: byId('P13.archive.s3rver')?.ours.opsPerSec ?? null,
    p10ReplicaScaling2: scaleOut('P10.replicas.2/1'),
    p10ReplicaScaling3: scaleOut('P10.replicas.3/1'),
    p10ReplicaOverLocal: scaleOut('P10.replicas.1/local'),
    p10OverloadRequestsPerAnswer:
      rows
        .filter(isScaleOutRun)
        .flatMap((row) => (row.overload ? [row.overload] : []))
        .sort((a, b) => b.inFlight - a.inFlight)[0]?.requestsPerAnswer ?? null,
    p10WorkerScaling2: scaleOut('P10.workers.2/1'),
    p10WorkerEventsPerSec: rows.filter(isScaleOutRun).find((row) => row.id === 'P10.workers.1')?.rate ?? null,
    scale10CatchUpMs: rows.filter(isScaleRun).find((row) => row.scale === 10)?.catchUpMs ?? null,
    embedded: {
      e1WriteRatio: ratio('E1.create.'),
      e1BatchRatio: ratio('E1.createMany.'),
      e2FreshnessP99Ms: worstP99('E2.'),
      e3ProjectorRatio: ratio('E3.'),
      e4CacheGetRatio: ratio('E4.'),
      p8PgliteSagaP50Ms: sagaLite?.ours.latencyMs.p50 ?? null,
      p8PgliteSagasPerSec: sagaLite?.ours.sagasPerSec ?? null,
    },
  };
}
