import type { SagaState } from '../contracts/saga-log.js';
import type { StoreMetric } from '../contracts/store-metrics.js';
import type { Polystore } from '../polystore.js';
import { LAG_BUCKETS_SECONDS, LAG_STAGES, type LagBucketCounts } from '../sync/lag-buckets.js';
import type { Collector, Sample } from './scrape-round.js';

// biome-ignore lint/suspicious/noExplicitAny: metrics read any model
type AnyPolystore = Polystore<any, any>;

/** The part of a Polystore the collectors read. */
export type MetricsSubject = Pick<
  AnyPolystore,
  'sync' | 'views' | 'health' | 'lastChecks' | 'sagas' | 'storeMetrics' | 'instrument'
>;

/** Sagas counted per scrape in each state, at most. */
export const SAGA_COUNT_CAP = 1000;
const SAGA_STATES: readonly SagaState[] = ['running', 'compensating', 'stuck'];

/**
 * The collectors of one Polystore: its own durable figures (`polystore`:
 * views, checks, backfills, dead letters, breakers), its sagas (`sagas`),
 * this process (`process`), and each store that reports figures about
 * itself (by its name; the home is `home`).
 */
export function polystoreCollectors(db: MetricsSubject, lagObjective: (view: string) => number): Collector[] {
  // The stores first: a pool's figures are read before this scrape's own queries wait on it.
  return [
    ...db.storeMetrics().map(({ store, collect }) => ({
      name: store,
      collect: async () => (await collect()).map((metric) => storeSample(store, metric)),
    })),
    { name: 'polystore', collect: () => viewSamples(db, lagObjective) },
    { name: 'sagas', collect: () => sagaSamples(db) },
    {
      name: 'process',
      collect: async () => [{ family: 'polystore_process_heap_used_bytes', labels: {}, value: heapUsed() }],
    },
  ];
}

async function viewSamples(db: MetricsSubject, lagObjective: (view: string) => number): Promise<Sample[]> {
  const names = db.views.map(({ view }) => view.name);
  const now = Date.now();
  const [progress, stats, letters, backfills, checks, checkpointTimes] = await Promise.all([
    Promise.all(names.map((view) => db.sync.progress(view))),
    db.sync.viewStats(),
    db.sync.deadLetters(),
    db.sync.backfills.unfinished(),
    db.lastChecks(),
    db.sync.checkpointTimes(),
  ]);
  const out: Sample[] = [];
  const add = (family: string, view: string, value: number) => out.push({ family, labels: { view }, value });
  const lettersOf = new Map<string, number>();
  for (const letter of letters) lettersOf.set(letter.consumer, (lettersOf.get(letter.consumer) ?? 0) + 1);
  names.forEach((view, i) => {
    const p = progress[i]!;
    add(
      'polystore_view_lag_seconds',
      view,
      p.oldestUnhandledAt === null ? 0 : Math.max(0, now - p.oldestUnhandledAt) / 1000,
    );
    add('polystore_view_lag_objective_seconds', view, lagObjective(view));
    if (p.backlog !== null) add('polystore_view_backlog_events', view, p.backlog);
    // A broker log knows when its consumer acknowledged; the outbox log's checkpoint row says when it was set.
    const acked = p.updatedAt ?? checkpointTimes.get(view);
    if (acked !== undefined) add('polystore_view_checkpoint_age_seconds', view, Math.max(0, now - acked) / 1000);
    add('polystore_view_dead_letters', view, lettersOf.get(view) ?? 0);
    const s = stats.get(view);
    if (s) {
      add('polystore_view_applied_total', view, s.applied);
      add('polystore_view_skipped_total', view, s.skipped);
      add('polystore_view_dead_lettered_total', view, s.deadLettered);
      add('polystore_view_failed_attempts_total', view, s.failedAttempts);
      if (s.lagP99Ms !== null) add('polystore_view_lag_p99_seconds', view, s.lagP99Ms / 1000);
      for (const stage of LAG_STAGES)
        out.push(...histogram('polystore_view_event_lag_seconds', { view, stage }, s.lag[stage]));
    }
    const check = checks.get(view);
    if (check) {
      add('polystore_check_drift_ratio', view, check.result.driftRatio);
      add('polystore_check_max_drift_ratio', view, check.result.maxDriftRatio);
      add('polystore_check_ok', view, check.result.ok ? 1 : 0);
      add('polystore_check_age_seconds', view, Math.max(0, now - check.checkedAt) / 1000);
    }
  });
  for (const backfill of backfills) {
    add('polystore_view_backfill_examined_records', backfill.view, backfill.examined);
    add('polystore_view_backfill_total_records', backfill.view, backfill.total);
  }
  out.push(...breakerSamples(db));
  return out;
}

/** Breakers are per store object; several views may share one store. */
function breakerSamples(db: MetricsSubject): Sample[] {
  const seen = new Set<string>();
  const out: Sample[] = [];
  const health = db.health().views;
  db.views.forEach(({ view }, i) => {
    const breaker = health[i];
    const bounded = breaker?.staleness;
    if (bounded) {
      // Where reads bounded by staleness went, per view (the route is the choice, not an id).
      const routes = {
        view: bounded.view - bounded.cheaperHome,
        home_stale: bounded.home,
        waited: bounded.waited,
        home_cheaper: bounded.cheaperHome,
      };
      for (const [route, value] of Object.entries(routes))
        out.push({ family: 'polystore_bounded_reads_total', labels: { view: view.name, route }, value });
    }
    if (!breaker || seen.has(view.store)) return;
    seen.add(view.store);
    const labels = { store: view.store };
    out.push({ family: 'polystore_store_breaker_open', labels, value: breaker.state === 'closed' ? 0 : 1 });
    out.push({ family: 'polystore_store_bypassed_reads_total', labels, value: breaker.bypassed });
  });
  return out;
}

async function sagaSamples(db: MetricsSubject): Promise<Sample[]> {
  const counts = await Promise.all(
    SAGA_STATES.map((state) => db.sagas.list({ states: [state], limit: SAGA_COUNT_CAP }).then((l) => l.length)),
  );
  return SAGA_STATES.map((state, i) => ({ family: 'polystore_sagas', labels: { state }, value: counts[i]! }));
}

/** A lag histogram from bucket counts: cumulative `_bucket` series by `le`, `_sum` and `_count`. */
function histogram(family: string, labels: Record<string, string>, lag: LagBucketCounts): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  LAG_BUCKETS_SECONDS.forEach((bound, i) => {
    cumulative += lag.counts[i] ?? 0;
    out.push({ family, suffix: '_bucket', labels: { ...labels, le: String(bound) }, value: cumulative });
  });
  out.push({ family, suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: lag.count });
  out.push({ family, suffix: '_sum', labels, value: lag.sumSeconds });
  out.push({ family, suffix: '_count', labels, value: lag.count });
  return out;
}

function storeSample(store: string, metric: StoreMetric): Sample {
  return { family: metric.name, labels: { store, ...metric.labels }, value: metric.value };
}

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}
