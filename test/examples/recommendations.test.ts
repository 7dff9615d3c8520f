import { afterAll, beforeAll, expect, it } from 'vitest';
import { BOUGHT_TOGETHER, CATEGORY_RECOMMENDATIONS } from '../../examples/ecommerce/queries.js';
import { generateOrders, generateProducts, generateUsers, type SeedSize } from '../../examples/ecommerce/seed-data.js';
import { createShop, type Shop } from '../../examples/ecommerce/shop.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The example's recommendations, read from the graph view after products
 * were discontinued and put back on sale and orders cancelled and restored,
 * must equal the same ranking computed by brute force over the home.
 */
const SIZE: SeedSize = { users: 30, products: 48, orders: 150 };
const LIMIT = 1000;

type Product = ReturnType<typeof generateProducts> extends Generator<infer P> ? P : never;
type Order = ReturnType<typeof generateOrders> extends Generator<infer O> ? O : never;

let db: Shop;
let cleanup: () => Promise<void>;
let products: Product[];
let orders: Order[];

beforeAll(async () => {
  const dir = await tempDir('polystore-recs-');
  db = createShop({ dataDir: dir.path });
  cleanup = async () => {
    await db.close();
    await dir.cleanup();
  };
  await db.ready({ sync: false });
  await db.sync.start();
  products = [...generateProducts(SIZE)];
  orders = [...generateOrders(SIZE, (i) => products[i]!.price)];
  await db.entity('users').createMany([...generateUsers(SIZE)]);
  await db.entity('products').createMany(products);
  await db.entity('orders').createMany(orders);
  await db.sync.catchUp(60_000);
}, 120_000);

afterAll(async () => {
  await cleanup?.();
});

/** Products by how many order lines name them, most first. */
function popular(): string[] {
  const lines = new Map<string, number>();
  for (const order of orders)
    for (const item of order.items) lines.set(item.productId, (lines.get(item.productId) ?? 0) + 1);
  return [...lines].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
}

async function readAll<T>(find: (offset: number) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await find(offset);
    out.push(...page);
    if (page.length < 100) return out;
  }
}

/** The home's live products and uncancelled orders, read through the public API. */
async function home() {
  const live = await readAll((offset) => db.entity('products').find({}, { limit: 100, offset }));
  const placed = await readAll((offset) => db.entity('orders').find({}, { limit: 100, offset }));
  return {
    products: new Map(live.map((p) => [p.id, p])),
    orders: placed.filter((o) => o.status !== 'cancelled'),
  };
}

type Home = Awaited<ReturnType<typeof home>>;

/** CATEGORY_RECOMMENDATIONS by brute force: one point per line of the user's orders in the product's category. */
function recommend(data: Home, userId: string) {
  const mine = data.orders.filter((o) => o.userId === userId);
  const bought = new Set(mine.flatMap((o) => o.items.map((item) => item.productId)));
  const score = new Map<string, number>();
  for (const order of mine) {
    for (const item of order.items) {
      const category = data.products.get(item.productId)?.category;
      if (category === undefined) continue;
      for (const rec of data.products.values())
        if (rec.category === category && !bought.has(rec.id)) score.set(rec.id, (score.get(rec.id) ?? 0) + 1);
    }
  }
  return [...score]
    .map(([id, n]) => ({ id, name: data.products.get(id)!.name, category: data.products.get(id)!.category, score: n }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, LIMIT);
}

/** BOUGHT_TOGETHER by brute force: live products sharing uncancelled orders with `productId`. */
function boughtTogether(data: Home, productId: string) {
  const shared = new Map<string, Set<string>>();
  for (const order of data.orders) {
    if (!order.items.some((item) => item.productId === productId)) continue;
    for (const item of order.items) {
      if (item.productId === productId || !data.products.has(item.productId)) continue;
      shared.set(item.productId, (shared.get(item.productId) ?? new Set()).add(order.id));
    }
  }
  return [...shared]
    .map(([id, ids]) => ({ id, name: data.products.get(id)!.name, orders: ids.size }))
    .sort((a, b) => b.orders - a.orders || (a.id < b.id ? -1 : 1))
    .slice(0, LIMIT);
}

async function expectGraphMatchesHome(anchors: readonly string[]): Promise<void> {
  await db.sync.catchUp(60_000);
  const data = await home();
  const graph = db.graph('graph');
  const users = Array.from({ length: SIZE.users }, (_, i) => `u${String(i).padStart(5, '0')}`);
  const wrong: string[] = [];
  for (const userId of users) {
    const rows = await graph.query(CATEGORY_RECOMMENDATIONS, { userId, limit: LIMIT });
    if (JSON.stringify(rows) !== JSON.stringify(recommend(data, userId))) wrong.push(userId);
  }
  for (const productId of anchors) {
    const rows = await graph.query(BOUGHT_TOGETHER, { productId, limit: LIMIT });
    if (JSON.stringify(rows) !== JSON.stringify(boughtTogether(data, productId))) wrong.push(productId);
  }
  expect(wrong).toEqual([]);
  // Not vacuous: most users have recommendations.
  expect(users.filter((userId) => recommend(data, userId).length > 0).length).toBeGreaterThan(SIZE.users / 2);
}

it('recommends what brute force over the home recommends, after products and orders come and go', async () => {
  const hot = popular();
  const backOnSale = hot.slice(0, 6);
  const discontinued = hot.slice(6, 9);
  const anchors = [...new Set([...hot.slice(0, 12), ...productIds(0, 4)])];
  await expectGraphMatchesHome(anchors);

  const catalog = db.entity('products');
  for (const id of [...backOnSale, ...discontinued]) await catalog.delete(id);
  await expectGraphMatchesHome(anchors);
  for (const id of backOnSale) {
    const product = products.find((p) => p.id === id)!;
    await catalog.create({ ...product, price: Math.round(product.price * 80) / 100 });
  }
  await expectGraphMatchesHome(anchors);

  const sales = db.entity('orders');
  const cancelled = orders.filter((o) => o.items.some((item) => backOnSale.includes(item.productId))).slice(0, 10);
  for (const order of cancelled) await sales.update(order.id, { status: 'cancelled' });
  await expectGraphMatchesHome(anchors);
  for (const order of cancelled.slice(0, 6)) await sales.update(order.id, { status: 'placed' });
  // A product put back on sale while orders naming it are restored in the same stretch.
  await catalog.delete(backOnSale[0]!);
  await catalog.create(products.find((p) => p.id === backOnSale[0])!);
  await expectGraphMatchesHome(anchors);
}, 180_000);

function productIds(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `p${String(from + i).padStart(5, '0')}`);
}
