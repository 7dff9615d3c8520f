import { join } from 'node:path';
import { duckdbStore } from '../src/adapters/duckdb/index.js';
import { kuzuStore } from '../src/adapters/kuzu/index.js';
import { oramaStore } from '../src/adapters/orama/index.js';
import { type ChangeEvent, silentLogger, type ViewStoreBase } from '../src/index.js';
import { DEFAULT_RETRY_POLICY } from '../src/runtime/retry-policy.js';
import { Projector } from '../src/sync/projector.js';
import type { ViewDef } from '../src/views/view-def.js';
import { Cleanups, tempDir } from './bench-env.js';
import { benchItems, benchSearchView, makeItems } from './bench-model.js';
import { interleave, type RoundSample, timed } from './harness.js';
import { createEvents, memoryEventLog } from './memory-event-log.js';
import { e3LmdbProjector, p3RedisProjector } from './p3-projector.js';
import { type BenchOrder, benchOrderGraph, benchSales, orderEvents } from './p11-model.js';
import { rawDuckDB, rawKuzu, rawOrama } from './p11-raw.js';
import type { Profile } from './profile.js';
import { type Comparison, compare, meets, type Target } from './report.js';

const ENGINE_TARGET: Target = { op: '>=', value: 0.5 };
const STORE_TARGET: Target = { op: '>=', value: 0.8 };

/** The engine writing the same rows as a view, one batch (one transaction where the engine has them) at a time. */
export interface RawWriter {
  batch(events: readonly ChangeEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Runs the real projector over `events` from an in-memory log until it applied them all. */
export async function project(
  view: ViewDef<unknown>,
  store: ViewStoreBase<unknown>,
  events: readonly ChangeEvent[],
  batchSize: number,
): Promise<void> {
  const projector = new Projector({
    view,
    store,
    log: memoryEventLog(events),
    deadLetters: {
      add: async () => {
        throw new Error('the bench projector dead-lettered an event');
      },
    },
    batchSize,
    pollIntervalMs: 20,
    flushIntervalMs: 1000,
    retry: DEFAULT_RETRY_POLICY,
    logger: silentLogger,
  });
  await projector.start();
  await projector.waitFor(events.at(-1)!.position);
  await projector.stop();
  const { applied } = projector.stats();
  if (applied !== events.length) throw new Error(`the projector applied ${applied} of ${events.length} events`);
}

/**
 * P11: events per second through the real projector into each kind of view,
 * against the engine's own bulk path writing the same rows in batches of the
 * same size, interleaved: Kuzu (COPY), DuckDB (appender), Orama
 * (insertMultiple); the cache views are P3 (Redis) and E3 (LMDB), reported
 * here again under P11 ids.
 */
export async function p11Projectors(profile: Profile, withRedis: boolean): Promise<Comparison[]> {
  const rows: Comparison[] = [];
  const cleanups = new Cleanups();
  try {
    const dir = await tempDir(cleanups, 'p11');
    const graph = kuzuStore({ path: join(dir, 'ours.kuzu') });
    cleanups.add('close kuzu store', () => graph.close());
    const kuzu = await rawKuzu(join(dir, 'raw.kuzu'));
    cleanups.add('close raw kuzu', () => kuzu.close());
    rows.push(
      await measure('P11.graph.kuzu', 'graph view (Kuzu) vs COPY', benchOrderGraph, graph, kuzu, orders, profile),
    );

    const analytics = duckdbStore({ path: join(dir, 'ours.duckdb') });
    cleanups.add('close duckdb store', () => analytics.close());
    const duck = await rawDuckDB(join(dir, 'raw.duckdb'));
    cleanups.add('close raw duckdb', () => duck.close());
    rows.push(
      await measure(
        'P11.analytics.duckdb',
        'analytics view (DuckDB) vs appender',
        benchSales,
        analytics,
        duck,
        orders,
        profile,
      ),
    );

    const search = oramaStore();
    cleanups.add('close orama store', () => search.close());
    const orama = await rawOrama();
    rows.push(
      await measure(
        'P11.search.orama',
        'search view (Orama) vs insertMultiple',
        benchSearchView,
        search,
        orama,
        items,
        profile,
      ),
    );
  } finally {
    await cleanups.run();
  }
  const cache = [...(await e3LmdbProjector(profile)), ...(withRedis ? await p3RedisProjector(profile) : [])];
  for (const row of cache)
    rows.push({
      ...row,
      id: row.id.replace(/^[EP]3\./, 'P11.cache.'),
      target: STORE_TARGET,
      met: meets(row.ratio, STORE_TARGET),
    });
  return rows;
}

type EventSource = (side: string, round: number, count: number) => ChangeEvent[];

const orders: EventSource = (side, round, count) => orderEvents(`${side}${round + 100}_`, count, round + 100);
const items: EventSource = (side, round, count) =>
  createEvents(benchItems.name, makeItems(`${side}${round + 100}_`, count), round + 100);

async function measure<V>(
  id: string,
  title: string,
  view: ViewDef<V>,
  store: ViewStoreBase<V>,
  raw: RawWriter,
  source: EventSource,
  profile: Profile,
): Promise<Comparison> {
  const { events: count, batchSize } = profile.p11;
  await store.ready();
  await view.prepare(store);
  const result = await interleave({
    warmupRounds: profile.warmupRounds,
    rounds: profile.rounds,
    budgetMs: profile.budgetMs,
    ours: (round): Promise<RoundSample> => {
      const events = source('o', round, count);
      return timed(count, () => project(view as ViewDef<unknown>, store as ViewStoreBase<unknown>, events, batchSize));
    },
    raw: (round) => {
      const events = source('r', round, count);
      return timed(count, async () => {
        for (let i = 0; i < events.length; i += batchSize) await raw.batch(events.slice(i, i + batchSize));
      });
    },
  });
  const target = id.startsWith('P11.graph') || id.startsWith('P11.analytics') ? ENGINE_TARGET : STORE_TARGET;
  return compare(
    id,
    `${title}: projector apply of ${count} events, batches of ${batchSize} (events/s)`,
    'throughput',
    result,
    target,
  );
}

export type { BenchOrder };
