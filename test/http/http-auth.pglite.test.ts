import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { mintApiKey } from '../../src/http/api-keys.js';
import { buildHttpApp } from '../../src/http/serve.js';
import type { RunningServer } from '../../src/http/serve-options.js';
import type { Logger } from '../../src/runtime/logger.js';
import { ApiClient, serveForTest } from '../support/http-client.js';
import { openHttpShop } from '../support/http-shop.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { tempDir } from '../support/temp-dir.js';

type Err = { error: { code: string; field?: string } };

describe('HTTP API access: API keys and scopes, body limit, metrics, dashboard, loopback-only default', () => {
  const reader = mintApiKey(['entity:products:read', 'admin:status']);
  const admin = mintApiKey(['entity:*', 'admin:*', 'metrics:read']);
  const logged: Record<string, unknown>[] = [];
  const logger: Logger = {
    debug() {},
    info: (fields) => logged.push(fields),
    warn() {},
    error() {},
  };
  let dirs: { cleanup: () => Promise<void> }[] = [];
  let db: ReturnType<typeof openHttpShop>;
  let served: Awaited<ReturnType<typeof serveForTest>>;
  let server: RunningServer;
  let api: ApiClient;

  beforeAll(async () => {
    const home = await freshPgliteDir();
    const stores = await tempDir();
    dirs = [home, stores];
    const dashboard = join(stores.path, 'dashboard');
    await mkdir(join(dashboard, 'assets'), { recursive: true });
    await writeFile(join(dashboard, 'index.html'), '<!doctype html><title>polystore</title>');
    await writeFile(join(dashboard, 'assets', 'app.js'), 'console.log("dashboard")');
    await writeFile(join(stores.path, 'outside.txt'), 'not served');
    db = openHttpShop(pgliteHome({ dataDir: home.path }), { cache: lmdbStore({ path: join(stores.path, 'cache') }) });
    served = await serveForTest(
      db,
      {
        keys: [reader.entry, admin.entry],
        bodyLimitBytes: 4096,
        renderMetrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'polystore_up 1\n' }),
        dashboardDir: dashboard,
        logger,
      },
      admin.key,
    );
    ({ server, api } = served);
  }, 60_000);

  afterAll(() => served?.stop(...dirs.map((dir) => dir.cleanup)));

  it('answers 401 without a key or with an unknown one, 403 without the scope', async () => {
    const none = await api.call<Err>('GET', '/entities/products/p1', { key: null });
    expect([none.status, none.body.error.code]).toEqual([401, 'PS_ERR_UNAUTHORIZED']);
    const forged = mintApiKey(['admin:*']);
    const unknown = await api.call<Err>('GET', '/admin/status', { key: forged.key });
    expect([unknown.status, unknown.body.error.code]).toEqual([401, 'PS_ERR_UNAUTHORIZED']);
    // A known id with another secret: the hash decides.
    const tampered = `${reader.key.slice(0, -4)}AAAA`;
    expect((await api.call<Err>('GET', '/admin/status', { key: tampered })).status).toBe(401);
    const openapi = await api.call<Err>('GET', '/openapi.json', { key: null });
    expect(openapi.status).toBe(401);

    const write = await api.call<Err>('POST', '/entities/products', {
      key: reader.key,
      body: { id: 'p1', name: 'n', category: 'c', price: 1, createdAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({ code: 'PS_ERR_FORBIDDEN', field: 'entity:products:write' });
    const otherEntity = await api.call<Err>('GET', '/entities/notes/n1', { key: reader.key });
    expect(otherEntity.body.error).toMatchObject({ code: 'PS_ERR_FORBIDDEN', field: 'entity:notes:read' });
    const sagas = await api.call<Err>('GET', '/admin/sagas', { key: reader.key });
    expect(sagas.body.error).toMatchObject({ code: 'PS_ERR_FORBIDDEN', field: 'admin:sagas' });
    const metrics = await api.call<Err>('GET', '/metrics', { key: reader.key });
    expect(metrics.body.error).toMatchObject({ code: 'PS_ERR_FORBIDDEN', field: 'metrics:read' });

    expect((await api.call('GET', '/admin/status', { key: reader.key })).status).toBe(200);
    expect((await api.call('GET', '/entities/products/p1', { key: reader.key })).status).toBe(404);
    const created = await api.call('POST', '/entities/products', {
      body: { id: 'p1', name: 'n', category: 'c', price: 1, createdAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(created.status).toBe(201);
  });

  it('audits admin actions with the key id, refusals included, in the log and the ring', async () => {
    const refused = await api.call<Err>('POST', '/admin/check', { key: reader.key, body: {} });
    expect(refused.status).toBe(403);
    expect((await api.call('POST', '/admin/check', { body: { repair: false } })).status).toBe(200);
    const { entries } = (
      await api.call<{ entries: { who: string; action: string; outcome: string; code: string | null }[] }>(
        'GET',
        '/admin/audit',
      )
    ).body;
    expect(entries.slice(0, 2)).toEqual([
      expect.objectContaining({ who: admin.entry.id, action: 'POST /admin/check', outcome: 'ok' }),
      expect.objectContaining({ who: reader.entry.id, outcome: 'refused', code: 'PS_ERR_FORBIDDEN' }),
    ]);
    expect(logged).toContainEqual({
      audit: expect.objectContaining({ who: admin.entry.id, action: 'POST /admin/check' }),
    });
    expect(JSON.stringify(logged)).not.toContain(admin.key);
  });

  it('refuses a body over the limit with a coded 413', async () => {
    const big = await api.call<Err>('POST', '/entities/notes', { body: { id: 'n1', text: 'x'.repeat(5000) } });
    expect([big.status, big.body.error.code]).toEqual([413, 'PS_ERR_PAYLOAD_TOO_LARGE']);
    const fits = await api.call('POST', '/entities/notes', { body: { id: 'n1', text: 'x'.repeat(3000) } });
    expect(fits.status).toBe(201);
  });

  it('mounts the metrics renderer and serves the dashboard files without a key, nothing outside them', async () => {
    const metrics = await api.call<string>('GET', '/metrics');
    expect(metrics.body).toBe('polystore_up 1\n');
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const page = await fetch(`${server.url}/`);
    expect([page.status, await page.text()]).toEqual([200, '<!doctype html><title>polystore</title>']);
    expect(page.headers.get('content-type')).toContain('text/html');
    const script = await fetch(`${server.url}/assets/app.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    const escaped = await fetch(`${server.url}/assets/..%2F..%2Foutside.txt`);
    expect(escaped.status).toBe(404);
    const missing = await fetch(`${server.url}/assets/none.js`);
    expect(missing.status).toBe(404);
  });

  it('without keys, refuses to listen beyond loopback and refuses requests from other hosts', async () => {
    await expect(db.serve({ host: '0.0.0.0' })).rejects.toSatisfy((err) => isPolystoreError(err, 'PS_ERR_UNSAFE_BIND'));
    const local = await db.serve();
    try {
      const open = new ApiClient(local.url);
      expect((await open.call('GET', '/admin/status')).status).toBe(200);
    } finally {
      await local.close();
    }
    // A request from another host cannot be made on this machine's loopback: the app is asked as one would come.
    const app = await buildHttpApp(db);
    try {
      const remote = await app.inject({ method: 'GET', url: '/admin/status', remoteAddress: '192.0.2.7' });
      expect([remote.statusCode, remote.json().error.code]).toEqual([403, 'PS_ERR_FORBIDDEN']);
      const loop = await app.inject({ method: 'GET', url: '/admin/status', remoteAddress: '::ffff:127.0.0.1' });
      expect(loop.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
