import { PGlite } from '@electric-sql/pglite';
import { open as openLmdb } from 'lmdb';
import { lmdbStore } from '../src/adapters/lmdb/index.js';
import { pgliteHome } from '../src/adapters/pglite/index.js';
import { postgresHome } from '../src/adapters/postgres/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import { createPolystore, type EntityClient, type HomeStore, type KeyValueStore, silentLogger } from '../src/index.js';
import { Cleanups, SERVER_URLS, serverNamespace, tempDir } from './bench-env.js';
import { type BenchItem, benchCacheView, benchItems, makeItems } from './bench-model.js';
import { closedLoop, interleave } from './harness.js';
import type { Profile } from './profile.js';
import { type Comparison, compare, type Target } from './report.js';

/** A Redis cache hit against a raw GET (P4); an embedded LMDB hit, whose raw side takes a few µs, against a raw get (E4). */
const TARGETS: Record<string, Target> = { P4: { op: '<=', value: 1.15 }, E4: { op: '<=', value: 1.2 } };

/** Reads the cached record of `id` the raw way (and decodes it, as an application would). */
type RawGet = (id: string) => Promise<unknown> | unknown;

/**
 * P4: `get(id)` answered by the Redis cache view (a hit: one MGET, decode,
 * revive) against a raw ioredis GET of the same key plus JSON.parse,
 * interleaved at concurrency 1. Ratio = ours p50 / raw p50.
 */
export async function p4RedisCacheGet(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const { schema, prefix } = serverNamespace(cleanups);
    const cache = redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix });
    const home = postgresHome({ connectionString: SERVER_URLS.postgres, schema });
    const client = await openCachedClient(home, cache, profile, cleanups);
    const { Redis } = await import('ioredis');
    const raw = new Redis(SERVER_URLS.redis);
    cleanups.add('close raw redis', () => raw.quit());
    const rawGet: RawGet = async (key) => {
      const text = await raw.get(`${prefix}${benchCacheView.scope}:${key}`);
      return JSON.parse(text!.slice(text!.indexOf('|') + 1));
    };
    return [await measure('P4.redis', 'redis cache hit', client, rawGet, profile)];
  } finally {
    await cleanups.run();
  }
}

/**
 * E4, the embedded equivalent: `get(id)` through the LMDB cache view against
 * a raw lmdb `get` of the same record from an environment holding the same entries.
 */
export async function e4LmdbCacheGet(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const pglite = new PGlite(await tempDir(cleanups, 'pglite'));
    await pglite.waitReady;
    cleanups.add('close pglite', () => pglite.close());
    const cache = lmdbStore({ path: await tempDir(cleanups, 'lmdb-cache') });
    const client = await openCachedClient(pgliteHome({ pglite, schema: 'bench' }), cache, profile, cleanups);
    const raw = openLmdb<unknown, string>({ path: await tempDir(cleanups, 'lmdb-raw') });
    cleanups.add('close raw lmdb', () => raw.close());
    await raw.transaction(() => {
      for (const item of makeItems('k', profile.p4.records)) raw.putSync(`${benchCacheView.scope}:${item.id}`, item);
    });
    const rawGet: RawGet = (key) => raw.get(`${benchCacheView.scope}:${key}`);
    return [await measure('E4.lmdb', 'lmdb cache hit', client, rawGet, profile)];
  } finally {
    await cleanups.run();
  }
}

/** A client whose cache view holds `profile.p4.records` records (written, then read once to fill the cache). */
async function openCachedClient(
  home: HomeStore,
  cache: KeyValueStore,
  profile: Profile,
  cleanups: Cleanups,
): Promise<EntityClient<BenchItem>> {
  return (await openCachedDb(home, cache, profile.p4.records, cleanups)).entity('bench_items');
}

/** A Polystore whose cache view holds `records` bench items (written, then read once to fill the cache). */
export async function openCachedDb(home: HomeStore, cache: KeyValueStore, records: number, cleanups: Cleanups) {
  const db = createPolystore({
    home,
    stores: { cache },
    entities: [benchItems],
    views: [benchCacheView],
    sync: { autoStart: false },
    logger: silentLogger,
  });
  cleanups.add('close polystore', () => db.close());
  await db.ready();
  const client = db.entity('bench_items');
  const items = makeItems('k', records);
  for (let i = 0; i < items.length; i += 500) {
    const chunk = items.slice(i, i + 500);
    await client.createMany(chunk);
    await client.getMany(chunk.map((item) => item.id)); // misses: fills the cache
  }
  const filled = await cache.mgetVersioned(
    benchCacheView.scope,
    items.map((item) => item.id),
  );
  if (filled.some((entry) => entry === null)) throw new Error('the cache view was not filled');
  return db;
}

async function measure(
  id: string,
  title: string,
  client: EntityClient<BenchItem>,
  rawGet: RawGet,
  profile: Profile,
): Promise<Comparison> {
  const { records, getsPerRound } = profile.p4;
  const keyAt = (round: number, i: number) => `k${(((round * 7919 + i * 31) % records) + records) % records}`;
  const result = await interleave({
    warmupRounds: profile.warmupRounds,
    rounds: profile.rounds,
    budgetMs: profile.budgetMs,
    ours: (round) => closedLoop(getsPerRound, 1, (i) => client.get(keyAt(round, i))),
    raw: (round) => closedLoop(getsPerRound, 1, async (i) => rawGet(keyAt(round, i))),
  });
  return compare(
    id,
    `${title}: get(id), concurrency 1 (latency)`,
    'latency',
    result,
    TARGETS[id.split('.')[0]!] ?? TARGETS.P4!,
  );
}
