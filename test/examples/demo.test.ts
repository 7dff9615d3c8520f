import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import type { OrderSagaReport } from '../../examples/ecommerce/place-orders.js';
import { resetServers } from '../../examples/ecommerce/reset-servers.js';
import { shopCdcTarget } from '../../examples/ecommerce/shop.js';
import { cdcSlotStatus } from '../../src/adapters/postgres-cdc/index.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';

const run = promisify(execFile);
const MAIN = new URL('../../examples/ecommerce/main.ts', import.meta.url).pathname;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanups) await fn();
});

/** The parts of the demo's JSON report these tests read. */
interface DemoReport {
  search: { total: number; hits: { name: string }[] };
  recommendations: { boughtTogether: { products: unknown[] }; forUser: { products: unknown[] } };
  analytics: { revenueByCategory: unknown[]; shipmentsByCarrier: { carrier: string; shipments: number }[] };
  orderSaga: OrderSagaReport;
  placement: { entity: string; add: string; reasons: string[] }[];
  secondProcess?: { compared: number; equal: number; different: string[]; price: number | null; ms: number };
  cart: { items: unknown[] };
  readYourWrites: { wrote: number; read: number };
  sync: { capture: string; applied: Record<string, number>; dlq: number; lagP50Ms: number; lagP99Ms: number };
  consistency: Record<string, { missing: number; stale: number; extra: number }>;
  move?: {
    from: string;
    to: string;
    rows: number;
    writesDuring: number;
    writesAfter: number;
    repairedAfterFence: number;
  };
}

/**
 * Runs the demo as a user would (small data set, JSON output) and returns its
 * report. Its own namespace on the servers, so runs elsewhere do not collide.
 */
async function demo(
  env: Record<string, string>,
  namespace = uniqueName('demo'),
  extra: readonly string[] = [],
): Promise<DemoReport> {
  const dir = await tempDir('polystore-demo-');
  cleanups.push(dir.cleanup);
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('POLYSTORE_')));
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', MAIN, '--small', '--json', '--data-dir', dir.path, '--namespace', namespace, ...extra],
    {
      env: { ...base, ...env },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout);
}

/** `replica`: on servers with NATS, the demo keeps graph and analytics as that replica's views, under its name. */
function expectConverged(report: DemoReport, replica?: string): void {
  const kept = (view: string) => (replica ? `${view}__${replica}` : view);
  expect(Object.keys(report)).toEqual(
    expect.arrayContaining(['search', 'recommendations', 'analytics', 'cart', 'sync', 'consistency']),
  );
  expect(report.sync).toMatchObject({ dlq: 0, lagP50Ms: expect.any(Number), lagP99Ms: expect.any(Number) });
  expect(Object.keys(report.sync.applied).sort()).toEqual(
    [
      kept('orders_analytics'),
      kept('orders_graph'),
      'products_cache',
      kept('products_graph'),
      'products_search',
      kept('shipments_analytics'),
      'users_cache',
    ].sort(),
  );
  for (const [view, drift] of Object.entries(report.consistency))
    expect({ view, ...drift }).toEqual({ view, missing: 0, stale: 0, extra: 0 });
  expect(report.search.total).toBeGreaterThan(0);
  // "wireles headphone": typo tolerance must find "wireless"; every hit matches a term.
  expect(report.search.hits.length).toBeGreaterThan(0);
  for (const hit of report.search.hits) expect(hit.name).toMatch(/wireless|headphone/);
  expect(report.recommendations.boughtTogether.products.length).toBeGreaterThan(0);
  expect(report.recommendations.forUser.products.length).toBeGreaterThan(0);
  expect(report.analytics.revenueByCategory).toHaveLength(12);
  expect(report.cart.items).toHaveLength(2);
  expect(report.readYourWrites.read).toBe(report.readYourWrites.wrote);
  expectOrderSaga(report);
  // The run's own traffic: parcels tracked by id, customers looked up by name, refunds counted.
  expect(report.placement.map((a) => `${a.entity}:${a.add}`).sort()).toEqual([
    'payments:analytics-view',
    'shipments:cache-view',
    'users:search-view',
  ]);
  for (const a of report.placement) expect(a.reasons.length).toBeGreaterThan(0);
}

/** The order saga: every order ended completed or compensated, some failing at each step, and the home says so. */
function expectOrderSaga({ orderSaga: o, analytics }: DemoReport): void {
  expect(o).toMatchObject({
    placed: 40,
    other: 0,
    doubleCharges: 0,
    negativeStock: 0,
    stockMismatches: 0,
    recordMismatches: 0,
  });
  expect(o.completed + o.compensated).toBe(o.placed);
  expect(o.completed).toBeGreaterThan(0);
  expect(o.failedAt.outOfStock).toBeGreaterThan(0);
  expect(o.failedAt.cardDeclined).toBeGreaterThan(0);
  expect(o.failedAt.carrierDown).toBeGreaterThan(0);
  expect(o.failedAt.outOfStock + o.failedAt.cardDeclined + o.failedAt.carrierDown).toBe(o.compensated);
  expect(o.retriedCharges).toBeGreaterThan(0);
  // The analytics view counts the shipments of exactly the completed orders.
  expect(analytics.shipmentsByCarrier.reduce((n, r) => n + Number(r.shipments), 0)).toBe(o.completed);
}

it('runs on embedded stores and converges', async () => {
  expectConverged(await demo({}));
}, 180_000);

await describeWithServer(['postgres', 'redis', 'nats'], 'the demo on servers', () => {
  const servers = {
    POLYSTORE_POSTGRES_URL: SERVER_URLS.postgres,
    POLYSTORE_REDIS_URL: SERVER_URLS.redis,
    POLYSTORE_NATS_URL: SERVER_URLS.nats,
  };
  /** A namespace whose schema, keys and stream are removed after the test. */
  const namespaced = () => {
    const namespace = uniqueName('demo');
    cleanups.push(() =>
      resetServers({ postgres: SERVER_URLS.postgres, redis: SERVER_URLS.redis, nats: SERVER_URLS.nats }, namespace),
    );
    return namespace;
  };

  it('runs on PostgreSQL, Redis and JetStream with the same report', async () => {
    const report = await demo(servers, namespaced());
    expectConverged(report, 'demo');
    expect(report.sync.capture).toBe('outbox');
    // A second process (no projectors) answers every read as the demo does: search from PostgreSQL,
    // graph and analytics through the demo's replica over NATS, read-your-writes on the demo's last token.
    expect(report.secondProcess).toMatchObject({ compared: 7, equal: 7, different: [], price: 123.45 });
  }, 180_000);

  it('runs in CDC mode (logical replication into JetStream) and leaves no slot behind', async () => {
    const namespace = namespaced();
    const report = await demo({ ...servers, POLYSTORE_CAPTURE: 'cdc' }, namespace);
    expectConverged(report, 'demo');
    expect(report.secondProcess).toMatchObject({ compared: 7, equal: 7, different: [] });
    expect(report.sync.capture).toBe('cdc');
    expect(await cdcSlotStatus(shopCdcTarget(SERVER_URLS.postgres, namespace))).toMatchObject({ exists: false });
  }, 180_000);
});

await describeWithServer(['postgres'], 'the embedded demo moving its home', () => {
  it('moves its PGlite home to PostgreSQL while it writes, and every view matches the new home', async () => {
    const namespace = uniqueName('demo');
    cleanups.push(() => resetServers({ postgres: SERVER_URLS.postgres }, namespace));
    const report = await demo({}, namespace, ['--move-home-to', SERVER_URLS.postgres]);
    expectConverged(report);
    expect(report.move).toMatchObject({ repairedAfterFence: 0 });
    expect(report.move!.from).toMatch(/^pglite /);
    expect(report.move!.to).toContain(`schema ${namespace}`);
    expect(report.move!.rows).toBeGreaterThan(1000);
    expect(report.move!.writesDuring).toBeGreaterThan(0);
    expect(report.move!.writesAfter).toBeGreaterThan(0);
  }, 180_000);
});
