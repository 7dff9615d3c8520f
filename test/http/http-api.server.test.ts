import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { mintApiKey } from '../../src/http/api-keys.js';
import { type ApiClient, serveForTest } from '../support/http-client.js';
import { openHttpShop } from '../support/http-shop.js';
import { deleteRedisKeys, dropPostgresSchema } from '../support/server-cleanup.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { uniqueName } from '../support/temp-dir.js';

type Rec = Record<string, unknown> & { $version: number };

await describeWithServer(
  ['postgres', 'redis'],
  'HTTP API on a server deployment (PostgreSQL, Redis cache view)',
  () => {
    const schema = uniqueName('http');
    const prefix = `${uniqueName('http')}:`;
    const key = mintApiKey(['entity:*', 'admin:*']);
    let db: ReturnType<typeof openHttpShop>;
    let served: Awaited<ReturnType<typeof serveForTest>>;
    let api: ApiClient;

    beforeAll(async () => {
      db = openHttpShop(postgresHome({ connectionString: SERVER_URLS.postgres, schema }), {
        cache: redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix }),
      });
      served = await serveForTest(db, { keys: [key.entry] }, key.key);
      api = served.api;
    }, 60_000);

    afterAll(() =>
      served?.stop(
        () => dropPostgresSchema(schema),
        () => deleteRedisKeys(prefix),
      ),
    );

    it('writes to PostgreSQL and reads the record back through the Redis cache view', async () => {
      const created = await api.call<Rec>('POST', '/entities/products', {
        body: { id: 'p1', name: 'Speaker', category: 'audio', price: 90, createdAt: '2026-03-01T10:00:00.000Z' },
      });
      expect(created.status).toBe(201);
      const token = created.headers.get('x-polystore-token')!;
      const cached = await api.call<Rec>('GET', `/entities/products/p1?consistency=read-your-writes&after=${token}`);
      expect(cached.body).toEqual({
        id: 'p1',
        name: 'Speaker',
        category: 'audio',
        price: 90,
        createdAt: '2026-03-01T10:00:00.000Z',
        $version: 1,
      });
      const cache = db.model.stores.cache as KeyValueStore;
      const scope = db.views.find(({ view }) => view.name === 'products_cache')!.view.scope;
      expect((await cache.getVersioned(scope, 'p1'))?.version).toBe(1);

      const updated = await api.call<Rec>('PATCH', '/entities/products/p1?expectedVersion=1', { body: { price: 80 } });
      const again = await api.call<Rec>(
        'GET',
        `/entities/products/p1?consistency=read-your-writes&after=${updated.headers.get('x-polystore-token')}`,
      );
      expect(again.body).toMatchObject({ price: 80, $version: 2 });
      const found = await api.call<{ records: Rec[] }>('POST', '/entities/products/find', {
        body: { filter: { price: { $gte: 50 } } },
      });
      expect(found.body.records.map((r) => r.id)).toEqual(['p1']);
    });

    it('reports the server topology and checks the Redis view', async () => {
      await db.sync.catchUp();
      const status = await api.call<{
        topology: { home: unknown; stores: unknown[] };
        views: { view: string; state: string }[];
      }>('GET', '/admin/status');
      expect(status.body.topology.home).toEqual({ kind: 'postgres', health: 'up' });
      expect(status.body.topology.stores).toEqual([{ name: 'cache', kind: 'cache', health: 'up' }]);
      expect(status.body.views).toEqual([expect.objectContaining({ view: 'products_cache', state: 'up-to-date' })]);
      const check = await api.call<{ views: { view: string; ok: boolean }[] }>('POST', '/admin/check', { body: {} });
      expect(check.body.views).toEqual([expect.objectContaining({ view: 'products_cache', ok: true })]);
      expect((await api.call('GET', '/admin/status', { key: null })).status).toBe(401);
    });
  },
);
