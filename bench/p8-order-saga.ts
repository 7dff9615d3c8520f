import { z } from 'zod';
import { defineEntity, defineSaga } from '../src/index.js';

/**
 * P8's order saga, the same four steps on both engines: reserve stock (a
 * home step: decrement the SKU's stock row, create a reservation), charge
 * (an external step: the payment participant below, keyed by idempotency
 * key), ship (home: create a shipment), confirm (home: create the order).
 */
export const stock = defineEntity({ name: 'stock', schema: z.object({ id: z.string(), qty: z.number().int() }) });
export const reservations = defineEntity({
  name: 'reservations',
  schema: z.object({ id: z.string(), sku: z.string(), qty: z.number().int() }),
});
export const shipments = defineEntity({ name: 'shipments', schema: z.object({ id: z.string(), orderId: z.string() }) });
export const orders = defineEntity({
  name: 'orders',
  schema: z.object({ id: z.string(), sku: z.string(), qty: z.number().int(), status: z.string() }),
});
export const ORDER_ENTITIES = [stock, reservations, shipments, orders] as const;

export const orderInput = z.object({ orderId: z.string(), sku: z.string(), qty: z.number().int().positive() });
export type OrderInput = z.infer<typeof orderInput>;

/** Stock rows the orders spread over (so no one row is hot), and each row's starting quantity. */
export const SKUS = 2000;
export const STOCK_PER_SKU = 1_000_000;

export function skuOf(index: number): string {
  return `sku${String(index % SKUS).padStart(5, '0')}`;
}

/**
 * The payment participant, in process: keeps each charge once per
 * idempotency key (a repeated call only counts), refunds only what it
 * charged. Both engines call the same one.
 */
export class Payments {
  readonly #charges = new Map<string, { amount: number; calls: number }>();
  readonly #refunds = new Set<string>();

  async charge(key: string, amount: number): Promise<{ charged: number }> {
    const seen = this.#charges.get(key);
    if (seen) seen.calls++;
    else this.#charges.set(key, { amount, calls: 1 });
    return { charged: amount };
  }

  async refund(key: string): Promise<void> {
    if (this.#charges.has(key)) this.#refunds.add(key);
  }

  /** Charges kept, how many keys were asked more than once, refunds. */
  tally(): { charges: number; repeated: number; refunds: number } {
    let repeated = 0;
    for (const c of this.#charges.values()) if (c.calls > 1) repeated++;
    return { charges: this.#charges.size, repeated, refunds: this.#refunds.size };
  }
}

/** The order saga on Polystore's runner, charging through `payments`. */
export function polystoreOrderSaga(payments: Payments) {
  return defineSaga({
    name: 'order',
    version: 1,
    input: orderInput,
    entities: ORDER_ENTITIES,
    steps: [
      {
        kind: 'home',
        name: 'reserve',
        run: async ({ tx, input }) => {
          const item = await tx.entity('stock').get(input.sku, { lock: true });
          if (!item || item.qty < input.qty) throw new Error(`out of stock: ${input.sku}`);
          await tx.entity('stock').update(input.sku, { qty: item.qty - input.qty });
          await tx.entity('reservations').create({ id: input.orderId, sku: input.sku, qty: input.qty });
        },
        compensate: async ({ tx, input }) => {
          const item = await tx.entity('stock').get(input.sku, { lock: true });
          await tx.entity('stock').update(input.sku, { qty: item!.qty + input.qty });
          await tx.entity('reservations').delete(input.orderId);
        },
      },
      {
        kind: 'external',
        name: 'charge',
        run: ({ input, idempotencyKey }) => payments.charge(idempotencyKey, input.qty),
        compensate: ({ idempotencyKey }) => payments.refund(idempotencyKey),
      },
      {
        kind: 'home',
        name: 'ship',
        run: async ({ tx, input }) => {
          await tx.entity('shipments').create({ id: input.orderId, orderId: input.orderId });
        },
        compensate: async ({ tx, input }) => {
          await tx.entity('shipments').delete(input.orderId);
        },
      },
      {
        kind: 'home',
        name: 'confirm',
        run: async ({ tx, input }) => {
          await tx.entity('orders').create({ id: input.orderId, sku: input.sku, qty: input.qty, status: 'completed' });
        },
      },
    ],
  });
}

/** What the sagas left in the home: rows of each kind, and the stock taken from the SKUs. */
export interface ShopTotals {
  readonly reservations: number;
  readonly shipments: number;
  readonly orders: number;
  readonly taken: number;
}

/** One SELECT of the totals of the shop's tables in `schema` (the same table names on both engines). */
export function totalsSql(schema: string): string {
  const t = (table: string) => `"${schema}"."${table}"`;
  return `SELECT (SELECT count(*) FROM ${t('reservations')})::int AS reservations,
    (SELECT count(*) FROM ${t('shipments')})::int AS shipments,
    (SELECT count(*) FROM ${t('orders')})::int AS orders,
    (SELECT ${SKUS}::bigint * ${STOCK_PER_SKU} - sum(qty) FROM ${t('stock')})::int AS taken`;
}

/**
 * Throws unless `sagas` orders each reserved, shipped, confirmed and took one
 * unit of stock exactly once, and each was charged once under its key.
 */
export function checkTotals(engine: string, sagas: number, totals: ShopTotals, payments: Payments): void {
  const tally = payments.tally();
  const expected = { reservations: sagas, shipments: sagas, orders: sagas, taken: sagas };
  const got = {
    reservations: Number(totals.reservations),
    shipments: Number(totals.shipments),
    orders: Number(totals.orders),
    taken: Number(totals.taken),
  };
  if (JSON.stringify(got) !== JSON.stringify(expected) || tally.charges !== sagas || tally.refunds !== 0)
    throw new Error(
      `${engine}: ${sagas} completed orders left ${JSON.stringify(got)} and payments ${JSON.stringify(tally)}`,
    );
}
