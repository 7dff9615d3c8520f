import { afterEach, expect, it } from 'vitest';
import { isPolystoreError } from '../../src/index.js';
import { E2eProcess } from '../support/e2e-processes.js';
import type { E2eTarget } from '../support/e2e-shop.js';
import {
  byEdge,
  cleanReplicaShop,
  GRAPH_EDGES,
  openReplicaShop,
  plainRows,
  type ReplicaShopTarget,
  SALES_BY_PRODUCT,
  untilServing,
} from '../support/replica-shop.js';
import { describeWithServer } from '../support/servers.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const GRAPH = GRAPH_EDGES;
const SALES = SALES_BY_PRODUCT;
const WORDS = ['wireless', 'desk', 'lamp', 'cable', 'speaker'];

async function setUp() {
  const target: ReplicaShopTarget = { id: uniqueName('r').toLowerCase() };
  cleanups.push(() => cleanReplicaShop(target));
  const dirs = await tempDir('polystore-replicas-');
  cleanups.push(dirs.cleanup);
  const client = openReplicaShop(target, { kind: 'client' });
  cleanups.push(() => client.close());
  await client.ready();
  const start = (name: string, extra: string[] = []) => {
    const proc = new E2eProcess(name, 'replica-worker.ts', target as unknown as E2eTarget, [
      '--id',
      target.id,
      '--data-dir',
      `${dirs.path}/${name}`,
      ...extra,
    ]);
    cleanups.push(() => proc.kill());
    return proc;
  };
  return { target, client, start, dirs };
}

type Row = Record<string, unknown>;

/** What the graph and the sales table must hold, computed from the home's orders. */
async function expected(client: ReturnType<typeof openReplicaShop>) {
  const orders = await client.entity('orders').find({}, { limit: 1000 });
  const graph = orders.map((o) => ({ user: o.userId, product: o.productId, qty: o.qty })).sort(byEdge);
  const byProduct = new Map<string, { qty: number; amount: number; orders: number }>();
  for (const o of orders) {
    const sum = byProduct.get(o.productId) ?? { qty: 0, amount: 0, orders: 0 };
    byProduct.set(o.productId, { qty: sum.qty + o.qty, amount: sum.amount + o.amount, orders: sum.orders + 1 });
  }
  const sales = [...byProduct.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([product_id, s]) => ({ product_id, qty: s.qty, amount: Math.round(s.amount * 100) / 100, orders: s.orders }));
  const products = await client.entity('products').find({}, { limit: 1000 });
  const wireless = products.filter((p) => p.name.includes('wireless')).map((p) => p.id);
  return { graph, sales, wireless: wireless.sort() };
}

const plainSales = plainRows;

async function seed(client: ReturnType<typeof openReplicaShop>, products: number, orders: number) {
  for (let i = 0; i < products; i++) {
    await client.entity('products').create({
      id: `p${String(i).padStart(3, '0')}`,
      name: `${WORDS[i % 5]} ${WORDS[(i * 3 + 1) % 5]} model ${i}`,
      category: `c${i % 3}`,
      price: 10 + i,
    });
  }
  for (let i = 0; i < orders; i++) {
    // Each user buys each product at most once: one BOUGHT edge per order.
    await client.entity('orders').create({
      id: `o${String(i).padStart(4, '0')}`,
      userId: `u${i % 7}`,
      productId: `p${String((i * 5 + Math.floor(i / 7)) % products).padStart(3, '0')}`,
      qty: 1 + (i % 4),
      amount: Math.round((5 + i * 1.37) * 100) / 100,
    });
  }
}

await describeWithServer(['postgres', 'nats'], 'embedded views served to every process by replicas over NATS', () => {
  it('answers another process’s search, graph and analytics queries as the replicas do, with read-your-writes, through a replica’s death', async () => {
    const { client, start } = await setUp();
    // Records written before any replica exists: each replica fills itself from the home.
    await seed(client, 20, 40);
    const a = start('a', ['--replica', 'ra']);
    const b = start('b', ['--replica', 'rb']);
    await Promise.all([a.ready(90_000), b.ready(90_000)]);
    await Promise.all([untilServing(a, 3), untilServing(b, 3)]);
    expect(client.replicas).toMatchObject({ replica: null, hosted: [], remote: ['search', 'graph', 'analytics'] });
    // Any process lists who keeps each embedded view, and how far each replica is (what `polystore status` shows).
    const kept = await client.replicaViews();
    expect(kept.map((r) => `${r.view}@${r.replica}`).sort()).toEqual([
      'orders_analytics@ra',
      'orders_analytics@rb',
      'orders_graph@ra',
      'orders_graph@rb',
      'products_search@ra',
      'products_search@rb',
    ]);
    for (const r of kept) expect(r).toMatchObject({ alive: true, pid: expect.any(Number) });
    for (const r of kept) expect(r.progress.through).not.toBeNull();

    const after = client.lastWrite!;
    const ryw = { consistency: 'read-your-writes' as const };
    const want = await expected(client);
    const search = await client.entity('products').search({ text: 'wireless', limit: 50 }, ryw);
    expect(search.hits.map((h) => h.record.id).sort()).toEqual(want.wireless);
    const graph = await client.graph('graph').query(GRAPH, {}, ryw);
    expect(graph).toEqual(want.graph);
    const sales = await client.analytics('analytics').query<Row>(SALES, [], ryw);
    expect(plainSales(sales)).toEqual(want.sales);
    // Each replica's own answers are the same, value for value (bigints included).
    for (const replica of [a, b]) {
      expect(await replica.call('graph', { text: GRAPH, params: {}, after })).toEqual(graph);
      expect(await replica.call('analytics', { text: SALES, after })).toEqual(sales);
      const theirs = await replica.call<{ ids: string[]; total: number }>('search', {
        query: { text: 'wireless', limit: 50 },
        after,
      });
      expect(theirs.ids).toEqual(search.hits.map((h) => h.record.id));
      expect(theirs.total).toBe(search.total);
    }

    // Read-your-writes across processes: each write is seen at once, in every view, by whichever replica answers.
    const animals = ['quokka', 'narwhal', 'axolotl', 'pangolin', 'ocelot', 'tapir', 'wombat', 'ibex'];
    for (let round = 0; round < animals.length; round++) {
      const product = animals[round]!;
      await client.entity('products').create({ id: product, name: `${product} wireless`, category: 'c9', price: 1 });
      await client.entity('orders').create({ id: `z${round}`, userId: 'uz', productId: product, qty: 2, amount: 3.5 });
      const found = await client.entity('products').search({ text: product }, ryw);
      expect(found.hits.map((h) => h.record.id)).toEqual([product]);
      const edges = await client
        .graph('graph')
        .query('MATCH (u:User {id: $u})-[:BOUGHT]->(p:Product) RETURN p.id AS id ORDER BY id', { u: 'uz' }, ryw);
      expect(edges.map((row) => row.id)).toEqual(animals.slice(0, round + 1).sort());
      const [row] = await client
        .analytics('analytics')
        .query<Row>("SELECT count(*) AS n FROM sales WHERE order_id LIKE 'z%'", [], ryw);
      expect(Number(row!.n)).toBe(round + 1);
    }

    // catchUp() in a process without projectors waits for the live replicas too: eventual reads then see it all.
    await client.entity('orders').create({ id: 'zz', userId: 'uy', productId: 'quokka', qty: 1, amount: 1 });
    await client.sync.catchUp(30_000);
    for (let i = 0; i < 6; i++) {
      const [seen] = await client
        .analytics('analytics')
        .query<Row>("SELECT count(*) AS n FROM sales WHERE order_id = 'zz'");
      expect(Number(seen!.n)).toBe(1);
    }

    // A query that takes long (here: waiting for a write no replica will see) is waited for, never sent twice.
    const requests = async () =>
      (await Promise.all([a, b].map((p) => p.call<{ requests: number }>('replicas')))).reduce(
        (n, r) => n + r.requests,
        0,
      );
    const before = await requests();
    const slowStarted = Date.now();
    const slow = await client
      .analytics('analytics')
      .query(SALES, [], { ...ryw, after: '99999999999999999999:00000000000000000000', timeoutMs: 3_500 })
      .catch((e: unknown) => e);
    expect(isPolystoreError(slow, 'PS_ERR_CONSISTENCY_TIMEOUT')).toBe(true);
    expect(Date.now() - slowStarted).toBeGreaterThanOrEqual(3_400);
    expect((await requests()) - before).toBe(1);

    // One of two replicas dies mid-run: no query is lost, every answer is right.
    const final = await expected(client);
    let failures = 0;
    let answered = 0;
    let killed = false;
    const until = Date.now() + 4_000;
    const killer = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await a.kill();
      killed = true;
    })();
    const workers = Array.from({ length: 4 }, async (_, w) => {
      while (Date.now() < until) {
        try {
          if (w % 2 === 0) expect(await client.graph('graph').query(GRAPH)).toEqual(final.graph);
          else expect(plainSales(await client.analytics('analytics').query<Row>(SALES))).toEqual(final.sales);
          answered++;
        } catch (err) {
          failures++;
          throw err;
        }
      }
    });
    await Promise.all([killer, ...workers]);
    expect(killed).toBe(true);
    expect(failures).toBe(0);
    expect(answered).toBeGreaterThan(20);

    // The killed replica restarts under its name and directory: it takes its lease back and serves again.
    const again = start('a', ['--replica', 'ra']);
    await again.ready(90_000);
    await untilServing(again, 3);
    await b.kill();
    expect(await client.graph('graph').query(GRAPH)).toEqual(final.graph);

    // No replica left: a query fails at once with a coded error.
    await again.kill();
    const started = Date.now();
    const err = await client
      .analytics('analytics')
      .query(SALES)
      .catch((e: unknown) => e);
    expect(isPolystoreError(err, 'PS_ERR_NO_REPLICA')).toBe(true);
    // At once; or after one silence (1.5 s) when the server had not yet dropped the dead process's subscription.
    expect(Date.now() - started).toBeLessThan(2_500);

    // A new replica, alone, answers as soon as it starts: as a standby while it fills itself from the
    // home, and a read-your-writes query waits for it to hold everything.
    const fresh = start('c', ['--replica', 'rc']);
    await fresh.ready(90_000);
    const first = await client.analytics('analytics').query<Row>(SALES, [], { ...ryw, after: client.lastWrite! });
    expect(plainSales(first)).toEqual(final.sales);
    expect(await client.graph('graph').query(GRAPH, {}, ryw)).toEqual(final.graph);

    // A replica that will not return is forgotten (its leases, consumers and backfill records); a live one is not.
    const refused = await client.forgetReplica('rc').catch((e: unknown) => e);
    expect(isPolystoreError(refused, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
    const deadline = Date.now() + 15_000;
    while ((await client.replicaViews()).some((r) => r.replica === 'rb' && r.alive)) {
      if (Date.now() > deadline) throw new Error('replica rb still reported alive 15 s after its death');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect((await client.sync.consumerProgress('orders_graph__rb')).through).not.toBeNull();
    expect((await client.forgetReplica('rb')).sort()).toEqual([
      'orders_analytics__rb',
      'orders_graph__rb',
      'products_search__rb',
    ]);
    expect((await client.replicaViews()).map((r) => r.replica)).not.toContain('rb');
    // Its durable consumer is gone from the broker: it reports nothing handled.
    expect((await client.sync.consumerProgress('orders_graph__rb')).through).toBeNull();
    const gone = await client.forgetReplica('rb').catch((e: unknown) => e);
    expect(isPolystoreError(gone, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
  }, 240_000);

  it('refuses a second worker projecting an embedded view under the same consumer, explaining replicas', async () => {
    const { start } = await setUp();
    const first = start('x', ['--shared']);
    await first.ready(90_000);
    const second = start('y', ['--shared']);
    const failed = await second.ready(90_000).then(
      () => null,
      (e: unknown) => String(e),
    );
    expect(failed).toContain('PS_ERR_EMBEDDED_VIEW_SHARED');
    expect(failed).toContain('replica');
    // The first one goes on undisturbed.
    expect(first.alive).toBe(true);
  }, 120_000);
});
