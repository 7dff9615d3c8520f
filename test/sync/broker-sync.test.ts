import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { jetstreamLog } from '../../src/adapters/nats/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import { cacheView, createPolystore, silentLogger } from '../../src/index.js';
import { items } from '../support/items-entity.js';
import { deleteJetStream, deleteRedisKeys, dropPostgresSchema } from '../support/server-cleanup.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** PostgreSQL home -> outbox relay -> JetStream -> projector -> Redis cache, all real servers. */
async function openServerShop(id: string) {
  const schema = `test_${id}`;
  const db = createPolystore({
    home: postgresHome({ connectionString: SERVER_URLS.postgres, schema }),
    stores: { cache: redisStore({ url: SERVER_URLS.redis, keyPrefix: `ps_test_${id}:` }) },
    entities: [items],
    views: [cacheView(items, { store: 'cache' })],
    log: jetstreamLog({ servers: SERVER_URLS.nats, stream: `ps_test_${id}`, partitions: 4 }),
    sync: { pollIntervalMs: 10, flushIntervalMs: 100 },
    logger: silentLogger,
  });
  cleanups.push(async () => {
    await db.close();
    await dropPostgresSchema(schema);
    await deleteRedisKeys(`ps_test_${id}:`);
    await deleteJetStream(`ps_test_${id}`);
  });
  await db.ready();
  return db;
}

await describeWithServer(['postgres', 'redis', 'nats'], 'sync through real servers', () => {
  it('carries every change from PostgreSQL through JetStream to Redis, and reads its own writes', async () => {
    const db = await openServerShop(randomUUID().replaceAll('-', '').slice(0, 12));
    const client = db.entity('items');
    for (let i = 0; i < 60; i++) await client.create({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] });
    for (let i = 0; i < 60; i += 3) await client.update(`i${i}`, { qty: 1000 + i });
    for (let i = 1; i < 60; i += 10) await client.delete(`i${i}`);
    const last = await client.update('i0', { name: 'fresh' });
    expect(await client.get('i0', { consistency: 'read-your-writes', timeoutMs: 10_000 })).toMatchObject({
      name: 'fresh',
      $version: last.$version,
    });
    await db.sync.catchUp(30_000);
    const drift = await db.check();
    expect(drift).toEqual([
      expect.objectContaining({ view: 'items_cache', missing: 0, stale: 0, extra: 0, checked: 54 }),
    ]);
    expect(await client.get('i1')).toBeNull();
    expect(await client.get('i3')).toMatchObject({ qty: 1003, $version: 2 });
  }, 60_000);
});
