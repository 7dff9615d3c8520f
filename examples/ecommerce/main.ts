/**
 * The e-commerce demo: seeds a deterministic data set into the home, lets the
 * projectors fill every view, then reads through the router.
 *
 *   npm run demo                 human-readable report
 *   npm run demo -- --json       one JSON object
 *   npm run demo -- --data-dir ./somewhere --small
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createProgress } from './progress.js';
import { BOUGHT_TOGETHER, CATEGORY_RECOMMENDATIONS, REVENUE_BY_CATEGORY, REVENUE_BY_DAY } from './queries.js';
import { resetServers } from './reset-servers.js';
import {
  DEFAULT_SIZE,
  generateOrders,
  generateProducts,
  generateUsers,
  productId,
  type SeedSize,
  userId,
} from './seed-data.js';
import { createShop, type Shop, serversFromEnv } from './shop.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: './.polystore/demo' },
    small: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

const size: SeedSize = args.small ? { users: 200, products: 400, orders: 1000 } : DEFAULT_SIZE;
const dataDir = resolve(args['data-dir']);
const say = (line = '') => {
  if (!args.json) process.stdout.write(`${line}\n`);
};

async function seed(db: Shop, progress: ReturnType<typeof createProgress>): Promise<number> {
  let writes = 0;
  const batch = 100;
  const users = [...generateUsers(size)];
  const products = [...generateProducts(size)];
  const orders = [...generateOrders(size, (i) => products[i]!.price)];
  for (const [name, rows, client] of [
    ['users', users, db.entity('users')],
    ['products', products, db.entity('products')],
    ['orders', orders, db.entity('orders')],
  ] as const) {
    const bar = progress.bar(`seed ${name}`, rows.length);
    for (let i = 0; i < rows.length; i += batch) {
      // biome-ignore lint/suspicious/noExplicitAny: the tuple above pairs each client with its own rows
      await (client as any).createMany(rows.slice(i, i + batch));
      writes += Math.min(batch, rows.length - i);
      bar.update(Math.min(i + batch, rows.length));
    }
    bar.stop();
  }
  // Some life after the first load: price changes, paid and cancelled orders, discontinued products.
  const churn = progress.bar('updates & deletes', 300);
  for (let i = 0; i < 100; i++) {
    // Reprice products in the first half; discontinue products from the tail.
    const product = products[(i * 7) % Math.floor(products.length / 2)]!;
    await db.entity('products').update(product.id, { price: Math.round(product.price * 0.9 * 100) / 100 });
    await db.entity('orders').update(orders[i * 3]!.id, { status: i % 4 === 0 ? 'cancelled' : 'paid' });
    await db.entity('products').delete(productId(size.products - 1 - i));
    writes += 3;
    churn.update(3 * (i + 1));
  }
  churn.stop();
  return writes;
}

async function main(): Promise<void> {
  const started = performance.now();
  const servers = serversFromEnv();
  if (!args.keep) {
    await rm(dataDir, { recursive: true, force: true });
    await resetServers(servers);
  }
  const progress = createProgress(!args.json);
  const onServers = (['postgres', 'mysql', 'redis', 'nats'] as const).filter((name) => servers[name]);
  const capture = servers.capture === 'cdc' ? ' (CDC: logical replication into JetStream)' : '';
  say(
    `Polystore e-commerce demo — ${onServers.length ? `servers: ${onServers.join(', ')}${capture}; ` : ''}embedded stores under ${dataDir}`,
  );
  const db = createShop({ dataDir, servers });
  await db.ready({ sync: false });
  // CDC mode: the replication slot is created explicitly, once (idempotent), before the capture starts.
  await db.sync.capture?.admin?.create();
  await db.sync.start();
  try {
    await run(db, progress, started);
  } finally {
    await db.close();
    // An idle slot holds WAL back without bound: the demo leaves none behind.
    await db.sync.capture?.admin?.drop();
  }
}

async function run(db: Shop, progress: ReturnType<typeof createProgress>, started: number): Promise<void> {
  const seedStart = performance.now();
  const writes = await seed(db, progress);
  const seedMs = performance.now() - seedStart;
  const syncStart = performance.now();
  await db.sync.catchUp(120_000);
  const catchUpMs = performance.now() - syncStart;

  const products = db.entity('products');
  const search = await products.search({
    text: 'wireles headphone',
    where: { price: { lte: 500 } },
    facets: ['brand'],
    limit: 5,
  });
  const filtered = await products.find(
    { category: 'laptops', price: { $lt: 300 }, 'specs.brand': { $in: ['Acme', 'Globex'] } },
    { orderBy: { price: 'asc' }, limit: 3 },
  );
  const graph = db.graph('graph');
  const anchor = productId(0);
  const boughtTogether = await graph.query(BOUGHT_TOGETHER, { productId: anchor, limit: 5 });
  const forUser = await graph.query(CATEGORY_RECOMMENDATIONS, { userId: userId(0), limit: 5 });
  const analytics = db.analytics('analytics');
  const byCategory = await analytics.query(REVENUE_BY_CATEGORY);
  const byDay = await analytics.query(REVENUE_BY_DAY, [5]);

  const carts = db.keyspace('carts');
  await carts.set(userId(0), {
    userId: userId(0),
    items: [
      { productId: anchor, qty: 1 },
      { productId: productId(12), qty: 2 },
    ],
    updatedAt: new Date(0).toISOString(),
  });
  const cart = await carts.get(userId(0));

  // Read-your-writes: a price change is visible through the cache and the index at once.
  const changed = await products.update(anchor, { price: 123.45 });
  const fresh = await products.get(anchor, { consistency: 'read-your-writes' });
  await db.sync.catchUp(60_000);

  const stats = await db.sync.stats();
  const consistency = await db.check();
  const elapsedMs = performance.now() - started;
  const applied = Object.fromEntries(stats.views.map((v) => [v.view, v.applied]));
  const totalEvents = stats.views.reduce((sum, v) => sum + v.applied + v.skipped, 0);
  const lagP50Ms = Math.max(...stats.views.map((v) => v.lagP50Ms));
  const lagP99Ms = Math.max(...stats.views.map((v) => v.lagP99Ms));

  const report = {
    search: {
      query: 'wireles headphone',
      total: search.total,
      hits: search.hits.map((h) => ({
        id: h.record.id,
        name: h.record.name,
        price: h.record.price,
        score: Math.round(h.score * 1000) / 1000,
      })),
      facets: search.facets,
      filtered: filtered.map((p) => ({ id: p.id, name: p.name, price: p.price })),
    },
    recommendations: {
      boughtTogether: { productId: anchor, products: boughtTogether },
      forUser: { userId: userId(0), products: forUser },
    },
    analytics: { revenueByCategory: byCategory, revenueByDay: byDay },
    cart,
    readYourWrites: { id: anchor, wrote: changed.$version, read: fresh?.$version ?? null, price: fresh?.price ?? null },
    sync: {
      capture: stats.capture?.mode ?? 'outbox',
      applied,
      dlq: stats.deadLetters,
      lagP50Ms: Math.round(lagP50Ms * 10) / 10,
      lagP99Ms: Math.round(lagP99Ms * 10) / 10,
      eventsPerSecond: Math.round(totalEvents / ((seedMs + catchUpMs) / 1000)),
      views: stats.views.map((v) => ({
        view: v.view,
        applied: v.applied,
        skipped: v.skipped,
        deadLettered: v.deadLettered,
        lagP50Ms: v.lagP50Ms,
        lagP99Ms: v.lagP99Ms,
      })),
    },
    consistency: Object.fromEntries(
      consistency.map((c) => [c.view, { missing: c.missing, stale: c.stale, extra: c.extra }]),
    ),
    timings: { seedMs: Math.round(seedMs), catchUpMs: Math.round(catchUpMs), totalMs: Math.round(elapsedMs), writes },
  };

  if (args.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  say();
  say(`Seeded ${writes} writes in ${(seedMs / 1000).toFixed(1)} s; views caught up ${Math.round(catchUpMs)} ms later.`);
  say();
  say(`Search "wireles headphone" (typos tolerated), price <= 500: ${search.total} matches`);
  for (const hit of report.search.hits) say(`  ${hit.id}  ${hit.name}  $${hit.price}`);
  say(
    `  brands: ${Object.entries(search.facets.brand ?? {})
      .map(([b, n]) => `${b} ${n}`)
      .join(', ')}`,
  );
  say(`Home filter {category: laptops, price < 300, specs.brand in [Acme, Globex]}:`);
  for (const p of report.search.filtered) say(`  ${p.id}  ${p.name}  $${p.price}`);
  say();
  say(`Bought together with ${anchor}:`);
  for (const r of boughtTogether) say(`  ${r.id}  ${r.name}  (${r.orders} orders)`);
  say(`Recommended for ${userId(0)} (categories they buy, products they have not):`);
  for (const r of forUser) say(`  ${r.id}  ${r.name}  [${r.category}] score ${r.score}`);
  say();
  say('Revenue by category:');
  for (const r of byCategory.slice(0, 6)) say(`  ${String(r.category).padEnd(12)} $${r.revenue}  (${r.orders} orders)`);
  say('Revenue, last 5 days:');
  for (const r of byDay) say(`  ${r.day}  $${r.revenue}  (${r.orders} orders)`);
  say();
  say(`Cart of ${userId(0)} (expires in 30 min): ${JSON.stringify(cart?.items)}`);
  say(
    `Read-your-writes: wrote ${anchor} v${changed.$version}, read back v${report.readYourWrites.read} at $${report.readYourWrites.price}`,
  );
  say();
  say('Sync per view:');
  for (const v of report.sync.views) {
    say(
      `  ${v.view.padEnd(18)} applied ${String(v.applied).padStart(6)}  skipped ${String(v.skipped).padStart(5)}  lag p50 ${v.lagP50Ms.toFixed(1)} ms  p99 ${v.lagP99Ms.toFixed(1)} ms`,
    );
  }
  say(`  dead letters: ${stats.deadLetters}; ${report.sync.eventsPerSecond} events/s across views`);
  say('Consistency against the home (missing/stale/extra):');
  for (const c of consistency) say(`  ${c.view.padEnd(18)} ${c.missing}/${c.stale}/${c.extra} of ${c.checked}`);
  say();
  say(`Done in ${(elapsedMs / 1000).toFixed(1)} s.`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
