import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import type { SearchStore } from '../../src/contracts/search-store.js';
import {
  cacheView,
  createPolystore,
  isPolystoreError,
  PolystoreError,
  searchView,
  silentLogger,
} from '../../src/index.js';
import { dropPostgresSchema } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { PrivateRedis, privateRedisUnavailable } from '../support/private-redis.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/**
 * Fault injection around a real store: while failing, every call fails the way
 * a store that lost its server does (`PS_ERR_STORE_UNAVAILABLE`), a
 * synchronous one by throwing. The store
 * underneath is the real engine. (A server that hangs is tested for real
 * below: a frozen Redis process.)
 */
function switchable<S extends object>(store: S): { store: S; set(failing: boolean): void; calls(): number } {
  let failing = false;
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || ['ready', 'close', 'flush'].includes(String(property))) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: unknown[]) => {
        calls++;
        if (failing) {
          const down = new PolystoreError('PS_ERR_STORE_UNAVAILABLE', 'injected: the store is down');
          // A synchronous read (getVersionedSync) fails by throwing, as the real one does.
          if (String(property).endsWith('Sync')) throw down;
          return Promise.reject(down);
        }
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, set: (next) => (failing = next), calls: () => calls };
}

async function openEmbedded() {
  const home = await freshPgliteDir();
  const dir = await tempDir();
  const cache = switchable(lmdbStore({ path: join(dir.path, 'cache') }) as KeyValueStore);
  const search = switchable(oramaStore({ path: join(dir.path, 'search') }) as SearchStore);
  const db = createPolystore({
    home: pgliteHome({ dataDir: home.path }),
    stores: { cache: cache.store, search: search.store },
    entities: [items],
    views: [
      cacheView(items, { store: 'cache' }),
      searchView(items, { store: 'search', fields: { name: 'string', qty: 'number' }, searchable: ['name'] }),
    ],
    sync: { pollIntervalMs: 10, flushIntervalMs: 50, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 } },
    viewReads: { failureThreshold: 2, cooldownMs: 300 },
    logger: silentLogger,
  });
  await db.ready();
  cleanups.push(async () => {
    cache.set(false);
    search.set(false);
    await db.close();
    await home.cleanup();
    await dir.cleanup();
  });
  return { db, cache, search };
}

describe('reads when a view store fails (embedded engines, injected faults)', () => {
  it('get answers from the home while the cache store is down, and uses the cache again once it answers', async () => {
    const { db, cache } = await openEmbedded();
    const entity = db.entity('items');
    for (let i = 0; i < 20; i++) await entity.create({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] });
    await db.sync.catchUp();
    cache.set(true);
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      expect(await entity.get(`i${i}`)).toMatchObject({ id: `i${i}`, name: `item ${i}`, qty: i, $version: 1 });
    }
    expect(await entity.getMany(['i1', 'nope', 'i2'])).toMatchObject([{ id: 'i1' }, null, { id: 'i2' }]);
    expect(Date.now() - started).toBeLessThan(2_000);
    const health = db.health().views.find((v) => v.view === 'items_cache')!;
    expect(health.state).toBe('open');
    expect(health.bypassed).toBeGreaterThanOrEqual(20);
    // Writes go on: the home takes them; the cache view will catch up.
    await entity.update('i3', { qty: 300 });
    expect(await entity.get('i3')).toMatchObject({ qty: 300, $version: 2 });

    cache.set(false);
    await until(() => db.health().views.find((v) => v.view === 'items_cache')!.state !== 'open', 5_000, 'cooldown');
    await db.sync.catchUp();
    const before = cache.calls();
    expect(await entity.get('i3')).toMatchObject({ qty: 300, $version: 2 });
    expect(cache.calls()).toBeGreaterThan(before);
    expect(db.health().views.find((v) => v.view === 'items_cache')!.state).toBe('closed');
    expect(await db.check()).toEqual(
      expect.arrayContaining([expect.objectContaining({ view: 'items_cache', missing: 0, stale: 0, extra: 0 })]),
    );
  });

  it('search fails fast with PS_ERR_STORE_UNAVAILABLE while its store is failing, and works again after', async () => {
    const { db, search } = await openEmbedded();
    const entity = db.entity('items');
    await entity.create({ id: 'a', name: 'red chair', qty: 1, tags: [] });
    await db.sync.catchUp();
    search.set(true);
    const codes: string[] = [];
    const calls = search.calls();
    for (let i = 0; i < 4; i++) {
      try {
        await entity.search({ text: 'chair' });
        codes.push('ok');
      } catch (err) {
        codes.push(isPolystoreError(err) ? err.code : String(err));
      }
    }
    expect(codes).toEqual(Array(4).fill('PS_ERR_STORE_UNAVAILABLE'));
    // After the threshold the store is not even asked: the breaker fails the search at once.
    expect(search.calls() - calls).toBe(2);
    search.set(false);
    await until(
      async () => {
        try {
          return (await entity.search({ text: 'chair' })).hits.length === 1;
        } catch {
          return false;
        }
      },
      5_000,
      'search to answer again',
    );
  });
});

await describeWithServer('postgres', 'reads when the Redis cache server stops (a real server of the test own)', () => {
  it('get keeps answering from the home with the right content, and the view converges after Redis returns', async () => {
    const reason = await privateRedisUnavailable();
    if (reason) throw new Error(reason);
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.close());
    const schema = `test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const db = createPolystore({
      home: postgresHome({ connectionString: SERVER_URLS.postgres, schema }),
      stores: { cache: redisStore({ url: redis.url, keyPrefix: `${schema}:` }) },
      entities: [items],
      views: [cacheView(items, { store: 'cache' })],
      sync: { pollIntervalMs: 10, flushIntervalMs: 50, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 100 } },
      viewReads: { failureThreshold: 2, cooldownMs: 300 },
      logger: silentLogger,
    });
    cleanups.push(async () => {
      await db.close();
      await dropPostgresSchema(schema);
    });
    await db.ready();
    const entity = db.entity('items');
    for (let i = 0; i < 30; i++) await entity.create({ id: `r${i}`, name: `record ${i}`, qty: i, tags: ['t'] });
    await db.sync.catchUp();

    await redis.stop();
    const started = Date.now();
    for (let i = 0; i < 30; i++) {
      expect(await entity.get(`r${i}`)).toEqual({ id: `r${i}`, name: `record ${i}`, qty: i, tags: ['t'], $version: 1 });
    }
    expect(Date.now() - started).toBeLessThan(3_000);
    for (let i = 0; i < 10; i++) await entity.update(`r${i}`, { qty: 1000 + i });
    await entity.delete('r29');
    expect(await entity.get('r5')).toMatchObject({ qty: 1005, $version: 2 });
    expect(await entity.get('r29')).toBeNull();

    await redis.restart();
    // Redis came back empty: the projector's retries and the data-loss rebuild fill the view from the home.
    await until(
      () =>
        db.check().then(
          (drift) => drift.every((d) => d.missing + d.stale + d.extra === 0),
          () => false,
        ),
      30_000,
      'the cache view to converge',
      200,
    );
    const store = db.views[0]!.store as KeyValueStore;
    for (let i = 0; i < 29; i++) {
      const entry = await store.getVersioned<Record<string, unknown>>('items_cache', `r${i}`);
      expect(entry?.value).toEqual({ id: `r${i}`, name: `record ${i}`, qty: i < 10 ? 1000 + i : i, tags: ['t'] });
    }
    expect((await store.getVersioned('items_cache', 'r29'))?.value ?? null).toBeNull();
  });

  it('get answers from the home when the Redis server hangs (frozen), within its command timeout', async () => {
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.close());
    const schema = `test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const db = createPolystore({
      home: postgresHome({ connectionString: SERVER_URLS.postgres, schema }),
      stores: { cache: redisStore({ url: redis.url, keyPrefix: `${schema}:`, redisOptions: { commandTimeout: 300 } }) },
      entities: [items],
      views: [cacheView(items, { store: 'cache' })],
      sync: { pollIntervalMs: 10, flushIntervalMs: 50, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 100 } },
      viewReads: { failureThreshold: 2, cooldownMs: 300 },
      logger: silentLogger,
    });
    cleanups.push(async () => {
      redis.thaw();
      await db.close();
      await dropPostgresSchema(schema);
    });
    await db.ready();
    const entity = db.entity('items');
    for (let i = 0; i < 10; i++) await entity.create({ id: `f${i}`, name: `frozen ${i}`, qty: i, tags: [] });
    await db.sync.catchUp();

    redis.freeze();
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      expect(await entity.get(`f${i}`)).toMatchObject({ id: `f${i}`, name: `frozen ${i}`, $version: 1 });
      latencies.push(Date.now() - started);
    }
    // The first reads wait out the command timeout; once the breaker opens, reads go straight to the home.
    expect(latencies.slice(0, 2).every((ms) => ms < 2_000)).toBe(true);
    expect(latencies.slice(3).every((ms) => ms < 200)).toBe(true);
    expect(db.health().views[0]).toMatchObject({ state: 'open' });

    redis.thaw();
    await until(
      () =>
        db.check().then(
          (drift) => drift.every((d) => d.missing + d.stale + d.extra === 0),
          () => false,
        ),
      30_000,
      'the cache view to answer again',
      200,
    );
    await until(
      async () => (await entity.get('f1')) !== null && db.health().views[0]!.state === 'closed',
      10_000,
      'the breaker to close',
    );
  });
});
