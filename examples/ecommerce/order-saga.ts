import { z } from 'zod';
import { defineSaga, nonRetryable } from '../../src/index.js';
import type { CardGateway, Payment } from './card-gateway.js';
import { orders, payments, products, shipments } from './model.js';

/** Carriers the shipping step books with; one is down for the whole demo. */
export const CARRIERS = { up: ['parcelnet', 'swiftship'], down: 'downhill' } as const;

export const orderInput = z.object({
  orderId: z.string().min(1).max(64),
  userId: z.string(),
  items: z
    .array(z.object({ productId: z.string(), qty: z.number().int().positive() }))
    .min(1)
    .max(20),
  card: z.string(),
  carrier: z.string(),
});
export type OrderInput = z.infer<typeof orderInput>;

/** What the `place` step records: the order's lines priced from the catalog. */
interface Placed {
  readonly total: number;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/**
 * The seed's order saga: the order is placed (relational home), stock
 * reserved in the document catalog, the card charged through a payment
 * gateway (an external participant keyed by the saga's idempotency key,
 * its ledger relational), a shipment created (counted in the analytics
 * store), and the order confirmed. A failure at any step undoes the steps
 * before it in reverse: the shipment is withdrawn, the payment refunded, the
 * stock released, the order cancelled.
 */
export function orderSaga(gateway: CardGateway) {
  return defineSaga({
    name: 'order',
    version: 1,
    input: orderInput,
    entities: [orders, products, payments, shipments],
    steps: [
      {
        kind: 'home',
        name: 'place',
        run: async ({ tx, input }): Promise<Placed> => {
          const lines = [];
          for (const item of input.items) {
            const product = await tx.entity('products').get(item.productId);
            if (!product) throw nonRetryable(`product ${item.productId} is not in the catalog`);
            lines.push({
              productId: item.productId,
              category: product.category,
              qty: item.qty,
              unitPrice: product.price,
            });
          }
          const total = cents(lines.reduce((sum, l) => sum + l.qty * l.unitPrice, 0));
          await tx.entity('orders').create({
            id: input.orderId,
            userId: input.userId,
            status: 'placed',
            placedAt: new Date(),
            items: lines,
            total,
          });
          return { total };
        },
        compensate: async ({ tx, input }) => {
          await tx.entity('orders').update(input.orderId, { status: 'cancelled' });
        },
      },
      {
        kind: 'home',
        name: 'reserve',
        run: async ({ tx, input }) => {
          // Locked in one order (by id) across sagas: two orders of the same products never deadlock.
          for (const item of [...input.items].sort((a, b) => a.productId.localeCompare(b.productId))) {
            const product = await tx.entity('products').get(item.productId, { lock: true });
            if (!product || product.stock < item.qty) throw nonRetryable(`out of stock: ${item.productId}`);
            await tx.entity('products').update(item.productId, { stock: product.stock - item.qty });
          }
        },
        compensate: async ({ tx, input }) => {
          for (const item of [...input.items].sort((a, b) => a.productId.localeCompare(b.productId))) {
            const product = await tx.entity('products').get(item.productId, { lock: true });
            if (product) await tx.entity('products').update(item.productId, { stock: product.stock + item.qty });
          }
        },
      },
      {
        kind: 'external',
        name: 'charge',
        run: ({ input, results, idempotencyKey }): Promise<Payment> =>
          gateway.charge(idempotencyKey, {
            orderId: input.orderId,
            amount: (results.place as Placed).total,
            card: input.card,
          }),
        compensate: ({ idempotencyKey }) => gateway.refund(idempotencyKey),
      },
      {
        kind: 'home',
        name: 'ship',
        retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 },
        run: async ({ tx, input }) => {
          if (input.carrier === CARRIERS.down) throw new Error(`carrier ${input.carrier} is not answering`);
          await tx.entity('shipments').create({
            id: `s-${input.orderId}`,
            orderId: input.orderId,
            carrier: input.carrier,
            items: input.items.reduce((sum, item) => sum + item.qty, 0),
            createdAt: new Date(),
          });
        },
        compensate: async ({ tx, input }) => {
          if (await tx.entity('shipments').get(`s-${input.orderId}`))
            await tx.entity('shipments').delete(`s-${input.orderId}`);
        },
      },
      {
        kind: 'home',
        name: 'confirm',
        run: async ({ tx, input }) => {
          await tx.entity('orders').update(input.orderId, { status: 'shipped' });
        },
      },
    ],
  });
}
