import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbStore } from '../../src/adapters/duckdb/index.js';
import { kuzuStore } from '../../src/adapters/kuzu/index.js';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { type ApiClient, serveForTest } from '../support/http-client.js';
import { openHttpShop, poison } from '../support/http-shop.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

type Rec = Record<string, unknown> & { $version: number };
type Err = { error: { code: string; message: string; field?: string; fix?: string } };

const audio = (id: string, price: number, name = `Headphones ${id}`) => ({
  id,
  name,
  category: 'audio',
  price,
  createdAt: '2026-01-02T03:04:05.000Z',
});

describe('HTTP API on an embedded deployment (PGlite, LMDB, Orama, Kuzu, DuckDB)', () => {
  let dirs: { cleanup: () => Promise<void> }[] = [];
  let db: ReturnType<typeof openHttpShop>;
  let served: Awaited<ReturnType<typeof serveForTest>>;
  let api: ApiClient;

  beforeAll(async () => {
    const home = await freshPgliteDir();
    const stores = await tempDir();
    dirs = [home, stores];
    db = openHttpShop(pgliteHome({ dataDir: home.path }), {
      cache: lmdbStore({ path: join(stores.path, 'cache') }),
      search: oramaStore({ path: join(stores.path, 'search') }),
      graph: kuzuStore({ path: join(stores.path, 'graph.kuzu') }),
      analytics: duckdbStore({ path: join(stores.path, 'analytics.duckdb') }),
    });
    // No /metrics here (the default serves polystoreMetrics; test/examples/example-serve.test.ts reads it).
    served = await serveForTest(db, { renderMetrics: false });
    api = served.api;
  }, 60_000);

  afterAll(() => served?.stop(...dirs.map((dir) => dir.cleanup)));

  it('describes every entity with named components from its zod schema', async () => {
    const doc = (
      await api.call<{ components: { schemas: Record<string, Record<string, unknown>> } }>('GET', '/openapi.json')
    ).body;
    const product = doc.components.schemas.products!;
    expect(product.properties).toMatchObject({
      createdAt: { type: 'string', format: 'date-time' },
      $version: { type: 'integer' },
    });
    expect(product.required).toEqual(expect.arrayContaining(['id', 'name', 'createdAt', '$version']));
    expect(doc.components.schemas.productsPatch!.required).toBeUndefined();
    expect(doc.components.schemas.notes!.properties).toHaveProperty('tags');
    expect(doc.components.schemas).toHaveProperty('Error');
    expect(doc.components.schemas).toHaveProperty('cartsValue');
  });

  it('creates, reads at each consistency, updates with expectedVersion and deletes a record', async () => {
    const created = await api.call<Rec>('POST', '/entities/products', { body: audio('p1', 199) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'p1', createdAt: '2026-01-02T03:04:05.000Z', $version: 1 });
    const token = created.headers.get('x-polystore-token');
    expect(token).toMatch(/\S+/);

    const ryw = await api.call<Rec>('GET', `/entities/products/p1?consistency=read-your-writes&after=${token}`);
    expect(ryw.body).toMatchObject({ id: 'p1', price: 199, $version: 1 });
    const viaHeader = await api.call<Rec>('GET', '/entities/products/p1?consistency=read-your-writes', {
      headers: { 'x-polystore-token': token! },
    });
    expect(viaHeader.status).toBe(200);
    expect((await api.call<Rec>('GET', '/entities/products/p1?consistency=strong')).body.$version).toBe(1);

    const updated = await api.call<Rec>('PATCH', '/entities/products/p1?expectedVersion=1', { body: { price: 179 } });
    expect(updated.body).toMatchObject({ price: 179, $version: 2, createdAt: '2026-01-02T03:04:05.000Z' });
    const stale = await api.call<Err>('PATCH', '/entities/products/p1?expectedVersion=1', { body: { price: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('PS_ERR_VERSION_CONFLICT');

    const longId = `p/${'é'.repeat(300)} 1`;
    const long = await api.call<Rec>('POST', '/entities/products', { body: audio(longId, 5) });
    expect(long.status).toBe(201);
    const longRead = await api.call<Rec>('GET', `/entities/products/${encodeURIComponent(longId)}?consistency=strong`);
    expect(longRead.body.id).toBe(longId);
    expect((await api.call('DELETE', `/entities/products/${encodeURIComponent(longId)}`)).status).toBe(200);

    const again = await api.call<Err>('POST', '/entities/products', { body: audio('p1', 5) });
    expect([again.status, again.body.error.code]).toEqual([409, 'PS_ERR_ALREADY_EXISTS']);

    const deleted = await api.call<Rec>('DELETE', '/entities/products/p1?expectedVersion=2');
    expect(deleted.body).toEqual({ id: 'p1', $version: 3 });
    expect(deleted.headers.get('x-polystore-token')).toMatch(/\S+/);
    const gone = await api.call<Err>('GET', '/entities/products/p1?consistency=strong');
    expect([gone.status, gone.body.error.code]).toEqual([404, 'PS_ERR_NOT_FOUND']);
  });

  it('refuses invalid input with coded 4xx errors that never echo the values sent', async () => {
    const invalid = await api.call<Err>('POST', '/entities/products', {
      body: { ...audio('p2', 1), price: 'SECRET-VALUE-8731' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatchObject({ code: 'PS_ERR_VALIDATION', field: 'price' });
    expect(JSON.stringify(invalid.body)).not.toContain('SECRET-VALUE-8731');

    const filter = await api.call<Err>('POST', '/entities/products/find', {
      body: { filter: { price: { $regex: 'SECRET-FILTER-4410' } } },
    });
    expect([filter.status, filter.body.error.code]).toEqual([400, 'PS_ERR_INVALID_FILTER']);
    expect(JSON.stringify(filter.body)).not.toContain('SECRET-FILTER-4410');
    const unknown = await api.call<Err>('POST', '/entities/products/count', { body: { filter: { colour: 'red' } } });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'PS_ERR_UNKNOWN_FIELD']);
    const consistency = await api.call<Err>('GET', '/entities/products/p2?consistency=sometimes');
    expect(consistency.body.error).toMatchObject({ code: 'PS_ERR_INVALID_ARGUMENT', field: 'consistency' });
    const entity = await api.call<Err>('GET', '/entities/nothing/x');
    expect([entity.status, entity.body.error.code]).toEqual([404, 'PS_ERR_UNKNOWN_ENTITY']);
    const badJson = await api.call<Err>('POST', '/entities/products', {
      rawBody: '{"id": "p3", "price": SECRET',
      headers: { 'content-type': 'application/json' },
    });
    expect([badJson.status, badJson.body.error.code]).toEqual([400, 'PS_ERR_INVALID_ARGUMENT']);
    expect(JSON.stringify(badJson.body)).not.toContain('SECRET');
    const route = await api.call<Err>('GET', '/nowhere');
    expect([route.status, route.body.error.code]).toEqual([404, 'PS_ERR_ROUTE_NOT_FOUND']);
    const metrics = await api.call<Err>('GET', '/metrics');
    expect([metrics.status, metrics.body.error.code]).toEqual([404, 'PS_ERR_ROUTE_NOT_FOUND']);
  });

  it('finds and counts with the filter syntax, searches, and queries the graph and analytics views', async () => {
    let token = '';
    for (const [id, price] of [
      ['f1', 50],
      ['f2', 150],
      ['f3', 250],
    ] as const) {
      token = (await api.call('POST', '/entities/products', { body: audio(id, price) })).headers.get(
        'x-polystore-token',
      )!;
    }
    await api.call('POST', '/entities/products', { body: { ...audio('f4', 75), category: 'video', name: 'Camera' } });
    const found = await api.call<{ records: Rec[] }>('POST', '/entities/products/find', {
      body: { filter: { category: 'audio', price: { $lt: 200 } }, orderBy: { price: 'desc' }, limit: 10 },
    });
    expect(found.body.records.map((r) => r.id)).toEqual(['f2', 'f1']);
    const counted = await api.call<{ count: number }>('POST', '/entities/products/count', {
      body: { filter: { category: 'audio' } },
    });
    expect(counted.body.count).toBe(3);

    const search = await api.call<{ hits: { record: Rec }[]; total: number }>(
      'POST',
      `/entities/products/search?consistency=read-your-writes&after=${token}`,
      { body: { text: 'headphone', where: { price: { lte: 200 } } } },
    );
    expect(search.body.hits.map((h) => h.record.id).sort()).toEqual(['f1', 'f2']);
    const strong = await api.call<Err>('POST', '/entities/products/search?consistency=strong', { body: { text: 'x' } });
    expect(strong.body.error).toMatchObject({ code: 'PS_ERR_UNSUPPORTED_READ', field: 'consistency' });

    const graph = await api.call<{ rows: { id: string }[] }>(
      'POST',
      `/graph/graph/query?consistency=read-your-writes&after=${token}`,
      {
        body: {
          query: 'MATCH (p:Product)-[:IN_CATEGORY]->(c:Category {id: $c}) RETURN p.id AS id ORDER BY id',
          params: { c: 'audio' },
        },
      },
    );
    expect(graph.status, JSON.stringify(graph.body)).toBe(200);
    expect(graph.body.rows.map((r) => r.id)).toEqual(['f1', 'f2', 'f3']);
    const analytics = await api.call<{ rows: { category: string; n: number }[] }>(
      'POST',
      `/analytics/analytics/query?consistency=read-your-writes&after=${token}`,
      {
        body: {
          sql: 'SELECT category, count(*) AS n FROM prices WHERE category = $1 GROUP BY category',
          params: ['audio'],
        },
      },
    );
    expect(analytics.body.rows).toEqual([{ category: 'audio', n: 3 }]);
  });

  it('sets, reads and deletes keyspace values', async () => {
    const put = await api.call('PUT', '/keyspaces/carts/u1?ttlMs=60000', { body: { value: { items: ['f1'] } } });
    expect(put.body).toEqual({ value: { items: ['f1'] } });
    expect((await api.call('GET', '/keyspaces/carts/u1')).body).toEqual({ value: { items: ['f1'] } });
    const invalid = await api.call<Err>('PUT', '/keyspaces/carts/u1', { body: { value: { items: 'no' } } });
    expect(invalid.body.error.code).toBe('PS_ERR_VALIDATION');
    expect((await api.call('DELETE', '/keyspaces/carts/u1')).body).toEqual({ deleted: true });
    expect((await api.call<Err>('GET', '/keyspaces/carts/u1')).body.error.code).toBe('PS_ERR_NOT_FOUND');
  });

  it('reports status, runs checks with repair, backfills and rebuilds a view', async () => {
    await db.sync.catchUp();
    const status = await api.call<{
      topology: { home: { kind: string; health: string }; log: unknown; entities: unknown[]; stores: unknown[] };
      views: { view: string; state: string; applied: number }[];
    }>('GET', '/admin/status');
    expect(status.body.topology.home).toEqual({ kind: 'pglite', health: 'up' });
    expect(status.body.topology.log).toBeNull();
    expect(status.body.topology.entities).toContainEqual({
      name: 'products',
      views: ['products_cache', 'products_search', 'products_graph', 'products_analytics'],
    });
    expect(status.body.topology.stores).toContainEqual({ name: 'search', kind: 'search', health: 'up' });
    expect(status.body.views.find((v) => v.view === 'products_cache')).toMatchObject({ state: 'up-to-date' });
    expect(status.body.views.find((v) => v.view === 'products_cache')!.applied).toBeGreaterThan(0);

    const before = await api.call<{ views: { view: string; checkedAt: string | null }[] }>('GET', '/admin/check');
    expect(before.body.views.find((v) => v.view === 'products_search')!.checkedAt).toBeNull();
    const ran = await api.call<{ views: { view: string; ok: boolean; drift: number }[] }>('POST', '/admin/check', {
      body: { view: 'products_search', repair: true },
    });
    expect(ran.body.views).toEqual([expect.objectContaining({ view: 'products_search', ok: true, drift: 0 })]);
    const after = await api.call<{ views: { view: string; checkedAt: string | null }[] }>('GET', '/admin/check');
    expect(after.body.views.find((v) => v.view === 'products_search')!.checkedAt).toMatch(/^\d{4}-/);

    const started = await api.call<{ backfill: { view: string; state: string } }>('POST', '/admin/backfill', {
      body: { view: 'products_search' },
    });
    expect(started.status).toBe(202);
    expect(started.body.backfill.view).toBe('products_search');
    await until(
      async () =>
        (
          await api.call<{ backfills: { view: string; state: string }[] }>('GET', '/admin/backfills')
        ).body.backfills.find((b) => b.view === 'products_search')!.state === 'done',
      20_000,
      'the requested backfill to finish',
    );
    const rebuilt = await api.call<{ rebuilt: { view: string; to: number } }>('POST', '/admin/rebuild', {
      body: { view: 'products_cache' },
    });
    expect(rebuilt.body.rebuilt).toMatchObject({ view: 'products_cache', to: 1 });
    const unknown = await api.call<Err>('POST', '/admin/backfill', { body: { view: 'SECRET-VIEW-5512' } });
    expect(unknown.body.error).toMatchObject({ code: 'PS_ERR_INVALID_ARGUMENT', field: 'view' });
    expect(JSON.stringify(unknown.body)).not.toContain('SECRET-VIEW-5512');
  }, 60_000);

  it('groups dead letters by error signature and replays a group', async () => {
    for (const id of ['poison-a', 'poison-b'])
      await api.call('POST', '/entities/products', { body: { ...audio(id, 1), name: `poison ${id}` } });
    type Groups = { groups: { view: string; signature: string; count: number; sample: { key: string } }[] };
    await until(
      async () => (await api.call<Groups>('GET', '/admin/dead-letters')).body.groups.some((g) => g.count === 2),
      20_000,
      'both poison events to be dead-lettered',
    );
    const { groups } = (await api.call<Groups>('GET', '/admin/dead-letters')).body;
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ view: 'products_analytics', count: 2 });
    expect(groups[0]!.signature).toContain('cannot project product <value> (rule <n>)');
    expect(['poison-a', 'poison-b']).toContain(groups[0]!.sample.key);

    const wrong = await api.call<{ replayed: number }>('POST', '/admin/dead-letters/replay', {
      body: { view: 'products_analytics', signature: 'something else' },
    });
    expect(wrong.body.replayed).toBe(0);
    poison.enabled = false;
    const replayed = await api.call<{ replayed: number; failed: number }>('POST', '/admin/dead-letters/replay', {
      body: { view: 'products_analytics', signature: groups[0]!.signature },
    });
    expect(replayed.body).toEqual({ replayed: 2, failed: 0 });
    expect((await api.call<Groups>('GET', '/admin/dead-letters')).body.groups).toEqual([]);
  }, 30_000);

  it('lists, shows and acts on sagas, one by one and in a batch, and audits each action', async () => {
    await db.saga('ship').start({ fail: false, stuck: false }, { id: 'ok' });
    await db.saga('ship').start({ fail: true, stuck: true }, { id: 'stuck-1' });
    await db.saga('ship').start({ fail: true, stuck: true }, { id: 'stuck-2' });
    for (const id of ['ok', 'stuck-1', 'stuck-2']) await db.sagas.wait(id);
    type Saga = { id: string; state: string };
    const stuck = await api.call<{ sagas: Saga[] }>('GET', '/admin/sagas?state=stuck&type=ship&error=true&limit=10');
    expect(stuck.body.sagas.map((s) => s.id).sort()).toEqual(['stuck-1', 'stuck-2']);
    const detail = await api.call<{ saga: Saga; timeline: { step: string; phase: string; status: string }[] }>(
      'GET',
      '/admin/sagas/stuck-1',
    );
    expect(detail.body.saga.state).toBe('stuck');
    expect(detail.body.timeline).toContainEqual(
      expect.objectContaining({ step: 'reserve', phase: 'compensate', status: 'failed' }),
    );
    const refused = await api.call<Err>('POST', '/admin/sagas/ok/retry');
    expect([refused.status, refused.body.error.code]).toEqual([409, 'PS_ERR_SAGA_STATE']);
    const cancelled = await api.call<{ saga: Saga }>('POST', '/admin/sagas/stuck-1/cancel');
    expect(cancelled.body.saga).toMatchObject({ id: 'stuck-1', state: 'cancelled' });
    const missing = await api.call<Err>('GET', '/admin/sagas/none');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'PS_ERR_UNKNOWN_SAGA']);

    const batch = await api.call<{ done: number; failed: unknown[] }>('POST', '/admin/sagas/batch', {
      body: { action: 'cancel', filter: { state: 'stuck', type: 'ship' } },
    });
    expect(batch.body).toEqual({ done: 1, failed: [] });
    const resumed = await api.call<Err>('POST', '/admin/sagas/ok/resume');
    expect(resumed.body.error.code).toBe('PS_ERR_SAGA_STATE');

    const audit = await api.call<{
      entries: { who: string; action: string; target: string | null; outcome: string }[];
    }>('GET', '/admin/audit?limit=50');
    expect(audit.body.entries).toContainEqual(
      expect.objectContaining({
        who: 'loopback',
        action: 'POST /admin/sagas/:id/cancel',
        target: 'stuck-1',
        outcome: 'ok',
      }),
    );
    expect(audit.body.entries).toContainEqual(
      expect.objectContaining({ action: 'POST /admin/sagas/:id/retry', target: 'ok', outcome: 'refused' }),
    );
    expect(audit.body.entries).toContainEqual(
      expect.objectContaining({ action: 'POST /admin/sagas/batch', outcome: 'ok' }),
    );
    expect(audit.body.entries).toContainEqual(expect.objectContaining({ action: 'POST /admin/check', outcome: 'ok' }));

    const sagas = (await api.call<{ sagas: Record<string, number> }>('GET', '/admin/status')).body.sagas;
    expect(sagas).toMatchObject({ completed: 1, cancelled: 2, stuck: 0 });
  }, 30_000);

  it('validated every response against the OpenAPI document, covering each route', () => {
    const seen = [...api.validator!.seen].map((s) => s.split(' ').slice(0, 2).join(' '));
    for (const route of [
      'POST /entities/products',
      'GET /entities/products/{id}',
      'PATCH /entities/products/{id}',
      'DELETE /entities/products/{id}',
      'POST /entities/products/find',
      'POST /entities/products/count',
      'POST /entities/products/search',
      'POST /graph/graph/query',
      'POST /analytics/analytics/query',
      'PUT /keyspaces/carts/{key}',
      'GET /admin/status',
      'POST /admin/check',
      'GET /admin/backfills',
      'POST /admin/rebuild',
      'GET /admin/dead-letters',
      'POST /admin/dead-letters/replay',
      'GET /admin/sagas/{id}',
      'POST /admin/sagas/batch',
      'GET /admin/audit',
    ])
      expect(seen).toContain(route);
  });
});
