import { spawn } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { resetServers } from '../../examples/ecommerce/reset-servers.js';
import { CLI_BIN, runCli } from '../support/cli-runner.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const CONFIG = new URL('../../examples/ecommerce/polystore.config.ts', import.meta.url).pathname;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});

/** Families of the seed's monitoring list every deployment reports, and those of its servers. */
const FAMILIES = [
  'polystore_store_operation_duration_seconds',
  'polystore_view_applied_total',
  'polystore_view_lag_seconds',
  'polystore_view_backlog_events',
  'polystore_view_checkpoint_age_seconds',
  'polystore_outbox_events',
  'polystore_sagas',
  'polystore_search_documents',
  'polystore_process_heap_used_bytes',
];
const SERVER_FAMILIES = [
  'polystore_postgres_pool_connections',
  'polystore_postgres_xact_rollback_total',
  'polystore_redis_memory_used_bytes',
  'polystore_redis_keyspace_hits_total',
];

/**
 * `polystore serve` on the e-commerce example, as an operator runs it: a key
 * minted by the CLI, refused requests without it, an entity written and read
 * back, a search, the admin status, OpenAPI, metrics and the dashboard.
 */
async function serveExample(env: Record<string, string>, families: readonly string[]): Promise<void> {
  const dir = await tempDir('polystore-serve-');
  cleanups.push(dir.cleanup);
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('POLYSTORE_')));
  const minted = await runCli(CONFIG, ['keys', 'create', '--scopes', '*', '--json']);
  const { key, entry } = JSON.parse(minted.stdout) as { key: string; entry: unknown };
  const child = spawn(process.execPath, [CLI_BIN, 'serve', '--config', CONFIG, '--port', '0'], {
    env: { ...base, ...env, POLYSTORE_DATA_DIR: dir.path, POLYSTORE_API_KEYS: JSON.stringify([entry]) },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await until(() => /serving (http:\/\/\S+)/.test(stderr), 60_000, `the server to listen (${stderr})`);
    const url = /serving (http:\/\/\S+)/.exec(stderr)![1]!;
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    expect((await fetch(`${url}/admin/status`)).status).toBe(401);
    const product = {
      id: 'p-serve-1',
      name: 'Serve wireless headphone',
      description: 'Over-ear, served over HTTP',
      category: 'audio',
      price: 99.5,
      tags: ['wireless'],
      specs: { brand: 'Acme' },
      stock: 3,
    };
    const created = await fetch(`${url}/entities/products`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify(product),
    });
    expect(created.status).toBe(201);
    const token = created.headers.get('x-polystore-token')!;
    const read = await fetch(`${url}/entities/products/p-serve-1?consistency=read-your-writes&after=${token}`, {
      headers: auth,
    });
    expect(await read.json()).toMatchObject({ id: 'p-serve-1', price: 99.5 });
    const search = await fetch(`${url}/entities/products/search?consistency=read-your-writes&after=${token}`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ text: 'wireless' }),
    });
    expect(JSON.stringify(await search.json())).toContain('p-serve-1');
    const status = (await (await fetch(`${url}/admin/status`, { headers: auth })).json()) as {
      views: { view: string }[];
    };
    expect(status.views.map((v) => v.view)).toContain('products_search');
    const openapi = (await (await fetch(`${url}/openapi.json`, { headers: auth })).json()) as {
      openapi: string;
      components: { schemas: Record<string, unknown> };
    };
    expect(openapi.openapi).toMatch(/^3\.1/);
    expect(Object.keys(openapi.components.schemas)).toEqual(expect.arrayContaining(['Error']));
    const metrics = await (await fetch(`${url}/metrics`, { headers: auth })).text();
    for (const family of families)
      expect({ family, present: metrics.includes(`${family}`) }).toEqual({ family, present: true });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}

it('serves the embedded example: entity and admin routes with keys, OpenAPI, metrics and the dashboard', async () => {
  await serveExample({}, FAMILIES);
}, 120_000);

await describeWithServer(['postgres', 'redis', 'nats'], 'polystore serve on the example on servers', () => {
  it('serves the example on PostgreSQL, Redis and JetStream, with the servers’ own metric families', async () => {
    const namespace = uniqueName('serve');
    cleanups.push(() =>
      resetServers({ postgres: SERVER_URLS.postgres, redis: SERVER_URLS.redis, nats: SERVER_URLS.nats }, namespace),
    );
    await serveExample(
      {
        POLYSTORE_POSTGRES_URL: SERVER_URLS.postgres,
        POLYSTORE_REDIS_URL: SERVER_URLS.redis,
        POLYSTORE_NATS_URL: SERVER_URLS.nats,
        POLYSTORE_NAMESPACE: namespace,
      },
      [...FAMILIES, ...SERVER_FAMILIES],
    );
  }, 120_000);
});
