import type { createProgress } from './progress.js';
import { generateOrders, generateProducts, generateUsers, orderId, productId, type SeedSize } from './seed-data.js';
import type { Shop } from './shop.js';

/** Rows per `createMany`. */
const BATCH = 100;
/** Rounds of updates and deletes after the load (three writes each), at every scale. */
const CHURN = 100;

type Progress = ReturnType<typeof createProgress>;

/**
 * Writes the data set through the home, a batch at a time, and then some
 * life after the first load: price changes, paid and cancelled orders,
 * discontinued products. Rows are generated as they are written, so the
 * demo holds one batch (and one price per product) whatever the scale.
 * Returns the number of writes.
 */
export async function seedShop(db: Shop, size: SeedSize, progress: Progress): Promise<number> {
  const prices = new Float64Array(size.products);
  let writes = 0;
  writes += await load(db.entity('users'), generateUsers(size), size.users, progress.bar('seed users', size.users));
  const products = (function* () {
    for (const product of generateProducts(size)) {
      prices[Number(product.id.slice(1))] = product.price;
      yield product;
    }
  })();
  writes += await load(db.entity('products'), products, size.products, progress.bar('seed products', size.products));
  const orders = generateOrders(size, (i) => prices[i]!);
  writes += await load(db.entity('orders'), orders, size.orders, progress.bar('seed orders', size.orders));
  const churn = progress.bar('updates & deletes', 3 * CHURN);
  for (let i = 0; i < CHURN; i++) {
    // Reprice products in the first half; discontinue products from the tail.
    const product = (i * 7) % Math.floor(size.products / 2);
    await db.entity('products').update(productId(product), { price: Math.round(prices[product]! * 0.9 * 100) / 100 });
    await db.entity('orders').update(orderId(i * 3), { status: i % 4 === 0 ? 'cancelled' : 'paid' });
    await db.entity('products').delete(productId(size.products - 1 - i));
    writes += 3;
    churn.update(3 * (i + 1));
  }
  churn.stop();
  return writes;
}

async function load<R>(
  client: { createMany(rows: R[]): Promise<unknown> },
  rows: Iterable<R>,
  total: number,
  bar: ReturnType<Progress['bar']>,
): Promise<number> {
  let batch: R[] = [];
  let written = 0;
  for (const row of rows) {
    batch.push(row);
    if (batch.length === BATCH) {
      await client.createMany(batch);
      written += batch.length;
      batch = [];
      bar.update(written);
    }
  }
  if (batch.length > 0) await client.createMany(batch);
  written += batch.length;
  bar.update(total);
  bar.stop();
  return written;
}
