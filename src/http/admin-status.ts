import type { SagaState } from '../contracts/saga-log.js';
import type { SyncStats } from '../sync/sync-engine.js';
import { viewState } from '../sync/view-state.js';
import type { AnyPolystore } from './http-context.js';

type Health = 'up' | 'down' | 'degraded';

const SAGA_STATES: readonly SagaState[] = ['running', 'compensating', 'stuck', 'completed', 'compensated', 'cancelled'];
/** Home drivers by the kind operators know them as. */
const HOME_KINDS: Readonly<Record<string, string>> = { mysql: 'mariadb', postgres: 'postgres', pglite: 'pglite' };

/**
 * `GET /admin/status`: the deployment's topology with the health of each
 * part, every view's state, counters and lag, and sagas by state. Durable
 * facts come from the home and the log (any process answers the same);
 * `applied`, `skipped`, `failed` and the lag percentiles count what this
 * process's projectors did (zero and null where none runs here).
 */
export async function adminStatus(db: AnyPolystore) {
  const model = db.model;
  const homeUp = await model.home.outboxHead().then(
    () => true,
    () => false,
  );
  const stats: SyncStats | null = homeUp ? await db.sync.stats().catch(() => null) : null;
  const letters = stats ? await db.sync.deadLetters().catch(() => []) : [];
  const storeHealth = storeHealthOf(db);
  const now = Date.now();
  const declared = new Map(db.views.map(({ view }) => [view.name, view]));
  const backfills = new Map((stats?.backfills ?? []).map((b) => [b.view, b]));
  const views = (stats?.views ?? []).map((v) => {
    const view = declared.get(v.view)!;
    return {
      view: v.view,
      entity: view.entity,
      store: view.store,
      state: viewState(v.progress, backfills.get(v.view), db.generations(v.view)),
      applied: v.applied,
      skipped: v.skipped,
      failed: v.failedAttempts,
      deadLetters: letters.filter((l) => l.consumer === v.view).length,
      backlog: v.progress.backlog ?? 0,
      lagMs: v.local ? { p50: v.lagP50Ms, p99: v.lagP99Ms } : { p50: null, p99: null },
      checkpointAgeMs: v.progress.updatedAt === null ? null : Math.max(0, now - v.progress.updatedAt),
    };
  });
  const counts = homeUp
    ? await Promise.all(
        SAGA_STATES.map((state) => db.sagas.list({ states: [state], limit: 10_000 }).then((l) => l.length)),
      )
    : SAGA_STATES.map(() => 0);
  return {
    at: new Date(now).toISOString(),
    topology: {
      home: { kind: HOME_KINDS[model.home.driver] ?? model.home.driver, health: homeUp ? 'up' : 'down' },
      log: model.log === null ? null : { kind: model.log, health: stats ? 'up' : 'down' },
      entities: model.entities.map((e) => ({
        name: e.name,
        views: db.views.filter(({ view }) => view.entity === e.name).map(({ view }) => view.name),
      })),
      stores: Object.entries(model.stores).map(([name, store]) => ({
        name,
        kind: store.kind === 'key-value' ? 'cache' : store.kind,
        health: storeHealth.get(name) ?? 'up',
      })),
    },
    views,
    sagas: Object.fromEntries(SAGA_STATES.map((state, i) => [state, counts[i]!])) as Record<SagaState, number>,
  };
}

/** Each view store's health as reads see it: its breaker open (down), probing (degraded) or closed (up). */
function storeHealthOf(db: AnyPolystore): Map<string, Health> {
  const byView = new Map(db.health().views.map((v) => [v.view, v.state]));
  const health = new Map<string, Health>();
  for (const { view } of db.views) {
    const state = byView.get(view.name);
    health.set(view.store, state === 'open' ? 'down' : state === 'half-open' ? 'degraded' : 'up');
  }
  return health;
}
