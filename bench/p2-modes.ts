import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { duckdbStore } from '../src/adapters/duckdb/index.js';
import { kuzuStore } from '../src/adapters/kuzu/index.js';
import { lmdbStore } from '../src/adapters/lmdb/index.js';
import { jetstreamLog } from '../src/adapters/nats/index.js';
import { oramaStore } from '../src/adapters/orama/index.js';
import { pgliteHome } from '../src/adapters/pglite/index.js';
import { postgresHome } from '../src/adapters/postgres/index.js';
import { createCdcSlot, dropCdcSlot, postgresCdcRelay } from '../src/adapters/postgres-cdc/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import {
  type AnalyticsStore,
  createPolystore,
  type EventLog,
  type GraphStore,
  type HomeStore,
  type KeyValueStore,
  type SearchStore,
  silentLogger,
} from '../src/index.js';
import {
  Cleanups,
  deleteKeys,
  deleteStream,
  dropSchema,
  runId,
  SERVER_URLS,
  type ServerKind,
  tempDir,
} from './bench-env.js';
import { benchAnalyticsView, benchCacheView, benchGraphView, benchItems, benchSearchView } from './bench-model.js';
import { type FreshnessSystem, measureFreshness } from './p2-freshness.js';
import type { Profile } from './profile.js';
import type { Freshness } from './report.js';
import { VisibilityRecorder } from './visibility-recorder.js';

/**
 * P2: freshness of every kind of view (Redis cache, Orama search, Kuzu graph,
 * DuckDB analytics; the last two embedded, as they only come) with a
 * PostgreSQL home, in three modes, each with the default sync options:
 * - `outbox`: projectors read the home's outbox table, woken by local commits (the default);
 * - `outbox-jetstream`: the outbox relay publishes to JetStream, projectors consume it;
 * - `cdc-jetstream`: a logical-replication relay streams the outbox to JetStream.
 * Modes whose servers are unreachable are skipped.
 */
export async function p2Freshness(profile: Profile, reachable: ReadonlySet<ServerKind>): Promise<Freshness[]> {
  const out: Freshness[] = [];
  out.push(...(await inMode('outbox', profile, async () => undefined)));
  if (!reachable.has('nats')) {
    process.stderr.write('[bench] P2: NATS unreachable, skipping the JetStream and CDC modes\n');
    return out;
  }
  out.push(...(await inMode('outbox-jetstream', profile, async (names) => ({ log: jetstream(names.stream) }))));
  out.push(
    ...(await inMode('cdc-jetstream', profile, async (names, cleanups) => ({
      log: jetstream(names.stream),
      relay: false,
      afterReady: async () => {
        const target = {
          connectionString: SERVER_URLS.postgres,
          schema: names.schema,
          slot: `bench_slot_${names.id}`,
          publication: `bench_pub_${names.id}`,
        };
        await createCdcSlot(target);
        cleanups.add('drop replication slot and publication', () => dropCdcSlot(target));
        const publisher = jetstream(names.stream);
        cleanups.add('close relay log', () => publisher.close());
        const relay = postgresCdcRelay({ ...target, publisher, logger: silentLogger });
        await relay.start();
        cleanups.add('stop cdc relay', () => relay.stop());
      },
    }))),
  );
  return out;
}

/** E2, the embedded equivalent: PGlite home, LMDB cache, Orama search, Kuzu graph, DuckDB analytics, the outbox as the log. */
export async function e2Freshness(profile: Profile): Promise<Freshness[]> {
  const cleanups = new Cleanups();
  try {
    const pglite = new PGlite(await tempDir(cleanups, 'pglite'));
    await pglite.waitReady;
    cleanups.add('close pglite', () => pglite.close());
    const system = await openSystem(
      pgliteHome({ pglite, schema: 'bench' }),
      {
        cache: lmdbStore({ path: await tempDir(cleanups, 'lmdb') }),
        search: oramaStore({ path: await tempDir(cleanups, 'orama') }),
        ...(await embeddedEngines(cleanups)),
      },
      {},
      cleanups,
    );
    return await measureFreshness('E2', 'embedded', system, profile);
  } finally {
    await cleanups.run();
  }
}

interface Names {
  readonly id: string;
  readonly schema: string;
  readonly stream: string;
}

interface ModeOptions {
  readonly log?: EventLog & { close(): Promise<void> };
  /** false: the outbox relay does not run in this process (CDC publishes instead). */
  readonly relay?: boolean;
  /** Runs after the schema exists and before sync starts. */
  readonly afterReady?: () => Promise<void>;
}

async function inMode(
  mode: string,
  profile: Profile,
  options: (names: Names, cleanups: Cleanups) => Promise<ModeOptions | undefined>,
): Promise<Freshness[]> {
  const cleanups = new Cleanups();
  try {
    const id = runId();
    const names = { id, schema: `bench_${id}`, stream: `bench_${id}` };
    cleanups.add('drop schema', () => dropSchema(names.schema));
    cleanups.add('delete redis keys', () => deleteKeys(`bench_${id}:`));
    cleanups.add('delete stream', () => deleteStream(names.stream));
    const system = await openSystem(
      postgresHome({ connectionString: SERVER_URLS.postgres, schema: names.schema }),
      {
        cache: redisStore({ url: SERVER_URLS.redis, keyPrefix: `bench_${id}:` }),
        search: oramaStore({ path: await tempDir(cleanups, 'orama') }),
        ...(await embeddedEngines(cleanups)),
      },
      (await options(names, cleanups)) ?? {},
      cleanups,
    );
    process.stderr.write(`[bench] P2 ${mode}: measuring\n`);
    return await measureFreshness('P2', mode, system, profile);
  } finally {
    await cleanups.run();
  }
}

interface ViewStores {
  readonly cache: KeyValueStore;
  readonly search: SearchStore;
  readonly graph: GraphStore;
  readonly analytics: AnalyticsStore;
}

/** The graph (Kuzu) and analytics (DuckDB) stores, each on a file in a fresh temp dir. */
async function embeddedEngines(cleanups: Cleanups): Promise<Pick<ViewStores, 'graph' | 'analytics'>> {
  return {
    graph: kuzuStore({ path: join(await tempDir(cleanups, 'kuzu'), 'graph.kuzu') }),
    analytics: duckdbStore({ path: join(await tempDir(cleanups, 'duckdb'), 'analytics.duckdb') }),
  };
}

async function openSystem(
  home: HomeStore,
  stores: ViewStores,
  options: ModeOptions,
  cleanups: Cleanups,
): Promise<FreshnessSystem> {
  const views = {
    cache: new VisibilityRecorder(),
    search: new VisibilityRecorder(),
    graph: new VisibilityRecorder(),
    analytics: new VisibilityRecorder(),
  };
  const db = createPolystore({
    home,
    stores: {
      cache: views.cache.wrap(stores.cache),
      search: views.search.wrap(stores.search),
      graph: views.graph.wrap(stores.graph),
      analytics: views.analytics.wrap(stores.analytics),
    },
    entities: [benchItems],
    views: [benchCacheView, benchSearchView, benchGraphView, benchAnalyticsView],
    ...(options.log ? { log: options.log } : {}),
    sync: { autoStart: false, ...(options.relay === false ? { relay: false } : {}) },
    logger: silentLogger,
  });
  cleanups.add('close polystore', () => db.close());
  await db.ready();
  await options.afterReady?.();
  await db.sync.start();
  return { client: db.entity('bench_items'), views };
}

function jetstream(stream: string) {
  return jetstreamLog({ servers: SERVER_URLS.nats, stream, logger: silentLogger });
}
