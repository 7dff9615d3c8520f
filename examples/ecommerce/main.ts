/**
 * The e-commerce demo: seeds a deterministic data set into the home, lets the
 * projectors fill every view, then reads through the router.
 *
 *   npm run demo                 human-readable report
 *   npm run demo -- --json       one JSON object
 *   npm run demo -- --data-dir ./somewhere --small
 *   npm run demo -- --scale 10   ten times the data; ends with the growth figures
 *   npm run demo -- --move-home-to postgres://localhost/test   moves the embedded home while writing
 *   npm run demo -- --help       every flag
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type CatchUp, measureCatchUp, memoryNowMb, peakRssMb } from './catch-up.js';
import { DEMO_USAGE, parseDemoArgs } from './demo-args.js';
import { moveShopHome } from './move-home.js';
import { placeOrders } from './place-orders.js';
import { adviseFromTraffic } from './placement.js';
import { createProgress } from './progress.js';
import {
  BOUGHT_TOGETHER,
  CATEGORY_RECOMMENDATIONS,
  PRODUCT_SEARCH,
  REVENUE_BY_CATEGORY,
  REVENUE_BY_DAY,
  SHIPMENTS_BY_CARRIER,
} from './queries.js';
import { resetServers } from './reset-servers.js';
import { compareSecondProcess } from './second-process-check.js';
import { productId, userId } from './seed-data.js';
import { seedShop } from './seed-shop.js';
import { createShop, type Shop, serversFromEnv } from './shop.js';

if (process.argv.includes('--help')) {
  process.stdout.write(`${DEMO_USAGE}\n`);
  process.exit(0);
}
const args = (() => {
  try {
    return parseDemoArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n${DEMO_USAGE}\n`);
    process.exit(2);
  }
})();
const { size } = args;
const dataDir = resolve(args.dataDir);
/** Longest wait for the views after the load: generous, since --scale 100 is minutes of writes. */
const CATCH_UP_TIMEOUT_MS = Math.max(120_000, 60_000 * args.scale);
const say = (line = '') => {
  if (!args.json) process.stdout.write(`${line}\n`);
};

async function main(): Promise<void> {
  const started = performance.now();
  const servers = serversFromEnv();
  if (!args.keep) {
    await rm(dataDir, { recursive: true, force: true });
    await resetServers(servers, args.namespace);
    // The schema a PostgreSQL home moves into is the namespace's too.
    if (args.moveHomeTo && /^postgres(ql)?:/i.test(args.moveHomeTo))
      await resetServers({ postgres: args.moveHomeTo }, args.namespace);
  }
  const progress = createProgress(!args.json);
  const onServers = (['postgres', 'mysql', 'redis', 'nats'] as const).filter((name) => servers[name]);
  const capture = servers.capture === 'cdc' ? ' (CDC: logical replication into JetStream)' : '';
  say(
    `Polystore e-commerce demo — ${onServers.length ? `servers: ${onServers.join(', ')}${capture}; ` : ''}embedded stores under ${dataDir}`,
  );
  // With NATS, this process keeps the embedded views as replica "demo" (unless POLYSTORE_REPLICA names it) and serves them.
  const db = createShop({
    dataDir,
    servers,
    namespace: args.namespace,
    replica: process.env.POLYSTORE_REPLICA || 'demo',
  });
  await db.ready({ sync: false });
  // CDC mode: the replication slot is created explicitly, once (idempotent), before the capture starts.
  await db.sync.capture?.admin?.create();
  await db.sync.start();
  // This process runs the order sagas it starts (and takes over any a dead process left).
  db.sagas.start();
  try {
    await run(db, progress, started);
  } finally {
    await db.close();
    // An idle slot holds WAL back without bound: the demo leaves none behind.
    await db.sync.capture?.admin?.drop();
  }
}

const servers = () => serversFromEnv();

async function run(db: Shop, progress: ReturnType<typeof createProgress>, started: number): Promise<void> {
  const seedStart = performance.now();
  const writes = await seedShop(db, size, progress);
  const seedEnd = performance.now();
  const seedMs = seedEnd - seedStart;
  const caught = await measureCatchUp(db, seedStart, seedEnd, CATCH_UP_TIMEOUT_MS);
  const { catchUpMs } = caught;
  const moved = args.moveHomeTo ? await moveShopHome(db, args.moveHomeTo, args.namespace, size) : null;
  if (moved) {
    await db.sync.catchUp(CATCH_UP_TIMEOUT_MS);
    say(
      `Moved the home ${moved.from} -> ${moved.to}: ${moved.rows} rows while writing (${moved.writesDuring} writes during the move, ${moved.writesAfter} after); writes paused ${moved.writesPausedMs} ms`,
    );
  }
  const orderSaga = await placeOrders(db, size);
  // Every view holds the sagas' writes before the reads below.
  await db.sync.catchUp(CATCH_UP_TIMEOUT_MS);
  if (!args.json) {
    // Noted before the reads and the consistency check, which take a while at large scales.
    const rates = caught.views.map((v) => `${v.view} ${Math.round(v.eventsPerSec)}/s`).join(', ');
    process.stderr.write(
      `seeded ${writes} writes in ${(seedMs / 1000).toFixed(1)} s; every view caught up ${Math.round(catchUpMs)} ms later (${rates}); peak RSS ${Math.round(peakRssMb())} MB; now ${JSON.stringify(memoryNowMb())}\n`,
    );
  }

  const products = db.entity('products');
  const search = await products.search(PRODUCT_SEARCH);
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
  const byCarrier = await analytics.query(SHIPMENTS_BY_CARRIER);

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
  // On servers, a second process (a web tier) reads the same views and must answer the same.
  const second = await compareSecondProcess(db, servers(), dataDir, args.namespace);

  const placement = await adviseFromTraffic(db, size.users);
  const stats = await db.sync.stats();
  const consistency = await db.check();
  const elapsedMs = performance.now() - started;
  const applied = Object.fromEntries(stats.views.map((v) => [v.view, v.applied]));
  const totalEvents = stats.views.reduce((sum, v) => sum + v.applied + v.skipped, 0);
  const lagP50Ms = Math.max(...stats.views.map((v) => v.lagP50Ms));
  const lagP99Ms = Math.max(...stats.views.map((v) => v.lagP99Ms));

  const report = {
    search: {
      query: PRODUCT_SEARCH.text,
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
    analytics: { revenueByCategory: byCategory, revenueByDay: byDay, shipmentsByCarrier: byCarrier },
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
    orderSaga,
    placement: placement.map(({ entity, add, reasons, snippet }) => ({ entity, add, reasons, snippet })),
    ...(second ? { secondProcess: second } : {}),
    ...(moved ? { move: moved } : {}),
    timings: { seedMs: Math.round(seedMs), catchUpMs: Math.round(catchUpMs), totalMs: Math.round(elapsedMs), writes },
    scale: scaleReport(caught, writes, seedMs, elapsedMs),
  };

  if (args.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  say();
  say(`Seeded ${writes} writes in ${(seedMs / 1000).toFixed(1)} s; views caught up ${Math.round(catchUpMs)} ms later.`);
  say();
  say(
    `Search "${PRODUCT_SEARCH.text}" (typos tolerated), price <= ${PRODUCT_SEARCH.where.price.lte}: ${search.total} matches`,
  );
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
  const o = orderSaga;
  say(
    `Order saga: ${o.placed} orders placed concurrently in ${o.ms} ms (${o.sagasPerSec}/s): ${o.completed} completed, ${o.compensated} compensated ` +
      `(out of stock ${o.failedAt.outOfStock}, card declined ${o.failedAt.cardDeclined}, carrier down ${o.failedAt.carrierDown})` +
      (o.other > 0 ? `, ${o.other} neither` : ''),
  );
  say(
    `  shipments by carrier (analytics): ${byCarrier.map((r) => `${r.carrier} ${r.shipments}`).join(', ') || 'none'}`,
  );
  say(
    `  charged twice ${o.doubleCharges} (${o.retriedCharges} charges asked again after a lost reply, charged once); ` +
      `stock below zero ${o.negativeStock}; stock off by other than completed orders ${o.stockMismatches}; records off ${o.recordMismatches}`,
  );
  say();
  say(`Cart of ${userId(0)} (expires in 30 min): ${JSON.stringify(cart?.items)}`);
  say(
    `Read-your-writes: wrote ${anchor} v${changed.$version}, read back v${report.readYourWrites.read} at $${report.readYourWrites.price}`,
  );
  say();
  if (second) {
    say(
      `Second process (no projectors; search in PostgreSQL, graph and analytics through the replica over NATS): ` +
        `${second.equal} of ${second.compared} answers equal this process's, read with read-your-writes on its last token ` +
        `(price of ${anchor} there: $${second.price}) in ${second.ms} ms`,
    );
    for (const name of second.different) say(`  differs: ${name}`);
    say();
  }
  say("Placement advice from this run's own traffic (a dry run; declare the view and it backfills live):");
  for (const a of placement) {
    say(`  ${a.entity}: add ${a.add.replace('-', ' ')}: ${a.snippet}`);
    for (const reason of a.reasons) say(`      ${reason}`);
  }
  if (placement.length === 0) say('  none: every entity is read where it is served best');
  say();
  say('Sync per view:');
  for (const v of report.sync.views) {
    say(
      `  ${v.view.padEnd(20)} applied ${String(v.applied).padStart(6)}  skipped ${String(v.skipped).padStart(5)}  lag p50 ${v.lagP50Ms.toFixed(1)} ms  p99 ${v.lagP99Ms.toFixed(1)} ms`,
    );
  }
  say(`  dead letters: ${stats.deadLetters}; ${report.sync.eventsPerSecond} events/s across views`);
  say('Consistency against the home (missing/stale/extra):');
  for (const c of consistency) say(`  ${c.view.padEnd(20)} ${c.missing}/${c.stale}/${c.extra} of ${c.checked}`);
  say();
  const growth = report.scale;
  say(
    `Scale ${growth.factor} (${size.users} users, ${size.products} products, ${size.orders} orders): ${writes} writes, ` +
      `wall ${(growth.wallMs / 1000).toFixed(1)} s, seed ${(growth.seedMs / 1000).toFixed(1)} s, ` +
      `caught up ${growth.catchUpMs} ms after the last write, peak RSS ${growth.peakRssMb} MB`,
  );
  const memory = growth.memoryMb;
  say(
    `  memory now: RSS ${memory.rss} MB = JS heap ${memory.jsHeap} + external (WebAssembly) ${memory.external} + native ${memory.native}`,
  );
  for (const v of growth.views) {
    say(
      `  ${v.view.padEnd(20)} ${String(v.eventsPerSec).padStart(6)} events/s  caught up +${v.catchUpMs} ms  lag p50 ${v.lagP50Ms} ms  p99 ${v.lagP99Ms} ms`,
    );
  }
  say();
  say(`Done in ${(elapsedMs / 1000).toFixed(1)} s.`);
}

/** The growth figures: the same at every scale, so runs at 1, 10 and 100 compare line by line. */
function scaleReport(caught: CatchUp, writes: number, seedMs: number, wallMs: number) {
  return {
    factor: args.scale,
    size,
    writes,
    wallMs: Math.round(wallMs),
    seedMs: Math.round(seedMs),
    catchUpMs: Math.round(caught.catchUpMs),
    peakRssMb: Math.round(peakRssMb()),
    memoryMb: memoryNowMb(),
    views: caught.views.map((v) => ({
      view: v.view,
      events: v.events,
      eventsPerSec: Math.round(v.eventsPerSec),
      catchUpMs: Math.round(v.catchUpMs),
      lagP50Ms: Math.round(v.lagP50Ms),
      lagP99Ms: Math.round(v.lagP99Ms),
    })),
  };
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
