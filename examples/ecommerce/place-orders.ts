import type { SagaRecord } from '../../src/index.js';
import { CARDS } from './card-gateway.js';
import { CARRIERS, type OrderInput } from './order-saga.js';
import { productId, type SeedSize, userId } from './seed-data.js';
import type { Shop } from './shop.js';

/** Orders the demo places at once through the order saga. */
export const SAGA_ORDERS = 40;
/** The product every fourth order wants, with too little stock for all of them. */
const LIMITED = productId(3);
const LIMITED_STOCK = 4;

/** What the order saga run did and what the home holds after it, checked by content. */
export interface OrderSagaReport {
  readonly placed: number;
  readonly completed: number;
  readonly compensated: number;
  /** Neither completed nor compensated (stuck, cancelled, still open): 0 when all went as designed. */
  readonly other: number;
  /** Why compensated orders failed. */
  readonly failedAt: { readonly outOfStock: number; readonly cardDeclined: number; readonly carrierDown: number };
  /** Charges asked again under the same key after a lost reply, charged once. */
  readonly retriedCharges: number;
  /** Orders charged more than once, or left charged though compensated, or shipped without a charge. */
  readonly doubleCharges: number;
  /** Products whose stock went below zero. */
  readonly negativeStock: number;
  /** Products whose stock moved by other than the completed orders' quantities. */
  readonly stockMismatches: number;
  /** Orders whose status, shipment or payment does not match how their saga ended. */
  readonly recordMismatches: number;
  readonly ms: number;
  readonly sagasPerSec: number;
}

/**
 * The order inputs: some orders want more of {@link LIMITED} than there is,
 * some pay with a declined card, some with a card whose first reply is lost,
 * some ship with a carrier that is down.
 */
export function demoOrders(size: SeedSize): OrderInput[] {
  return Array.from({ length: SAGA_ORDERS }, (_, i) => {
    const other = productId(10 + ((i * 7) % 40));
    const items = i % 4 === 0 ? [{ productId: LIMITED, qty: 1 + (i % 3) }] : [{ productId: other, qty: 1 + (i % 2) }];
    return {
      orderId: `saga-${String(i).padStart(3, '0')}`,
      userId: userId((i * 13) % size.users),
      items,
      card: i % 10 === 3 ? CARDS.declined : i % 8 === 5 ? CARDS.lostReply : CARDS.ok,
      carrier: i % 10 === 7 ? CARRIERS.down : CARRIERS.up[i % 2]!,
    };
  });
}

/**
 * Places the demo's orders concurrently through the order saga, waits for
 * each to end, and checks the home: stock moved by exactly the completed
 * orders' quantities and never below zero, each completed order charged once
 * and shipped, each compensated one refunded, unshipped and cancelled.
 */
export async function placeOrders(db: Shop, size: SeedSize): Promise<OrderSagaReport> {
  const inputs = demoOrders(size);
  await db.entity('products').update(LIMITED, { stock: LIMITED_STOCK });
  const skus = [...new Set(inputs.flatMap((o) => o.items.map((i) => i.productId)))];
  const before = await stockOf(db, skus);

  const started = performance.now();
  await Promise.all(inputs.map((input) => db.saga('order').start(input, { id: input.orderId })));
  const ended = await Promise.all(inputs.map((o) => db.sagas.wait(o.orderId, { timeoutMs: 120_000 })));
  const ms = performance.now() - started;

  const completed = inputs.filter((_, i) => ended[i]!.state === 'completed');
  const compensated = ended.filter((s) => s.state === 'compensated');
  const after = await stockOf(db, skus);
  let stockMismatches = 0;
  for (const sku of skus) {
    const sold = completed.flatMap((o) => o.items).reduce((n, i) => n + (i.productId === sku ? i.qty : 0), 0);
    if (before.get(sku)! - after.get(sku)! !== sold) stockMismatches++;
  }
  let retriedCharges = 0;
  let doubleCharges = 0;
  let recordMismatches = 0;
  for (const [i, input] of inputs.entries()) {
    const saga = ended[i]!;
    const paid = await db.entity('payments').find({ orderId: input.orderId });
    const order = await db.entity('orders').get(input.orderId, { consistency: 'strong' });
    const shipment = await db.entity('shipments').get(`s-${input.orderId}`, { consistency: 'strong' });
    retriedCharges += paid.filter((p) => p.requests > 1).length;
    const charged = paid.filter((p) => p.status === 'charged').length;
    if (paid.length > 1 || charged !== (saga.state === 'completed' ? 1 : 0)) doubleCharges++;
    const expected = saga.state === 'completed' ? 'shipped' : 'cancelled';
    if ((order?.status ?? 'cancelled') !== expected || (shipment !== null) !== (saga.state === 'completed'))
      recordMismatches++;
  }
  return {
    placed: inputs.length,
    completed: completed.length,
    compensated: compensated.length,
    other: inputs.length - completed.length - compensated.length,
    failedAt: {
      outOfStock: countError(compensated, 'out of stock'),
      cardDeclined: countError(compensated, 'card declined'),
      carrierDown: countError(compensated, 'not answering'),
    },
    retriedCharges,
    doubleCharges,
    negativeStock: [...after.values()].filter((n) => n < 0).length,
    stockMismatches,
    recordMismatches,
    ms: Math.round(ms),
    sagasPerSec: Math.round(inputs.length / (ms / 1000)),
  };
}

async function stockOf(db: Shop, skus: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.entity('products').getMany(skus, { consistency: 'strong' });
  return new Map(skus.map((sku, i) => [sku, rows[i]?.stock ?? 0]));
}

const countError = (sagas: readonly SagaRecord[], what: string) => sagas.filter((s) => s.error?.includes(what)).length;
