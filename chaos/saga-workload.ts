import { z } from 'zod';
import { defineEntity, defineSaga, isPolystoreError, nonRetryable, type Polystore } from '../src/index.js';
import { between, type Random } from './random.js';

/**
 * The saga part of the chaos workload: order sagas started by the writer and
 * run by the sync worker (SIGKILLed at random points, the home restarted
 * under it). Each order reserves stock (home step), charges a card through an
 * idempotent participant (external step), ships (home step) and confirms
 * (home step); some fail at each step, some compensations fail at first.
 */
export const stock = defineEntity({
  name: 'saga_stock',
  schema: z.object({ id: z.string(), qty: z.number().int() }),
});
export const reservations = defineEntity({
  name: 'saga_reservations',
  schema: z.object({ id: z.string(), sku: z.string(), qty: z.number().int() }),
});
export const shipments = defineEntity({
  name: 'saga_shipments',
  schema: z.object({ id: z.string(), order: z.string() }),
});
export const orders = defineEntity({
  name: 'saga_orders',
  schema: z.object({ id: z.string(), status: z.string() }),
});
/** The participant's dedupe: one row per `<kind>:<idempotency key>` it has acted on. */
export const effectKeys = defineEntity({
  name: 'saga_effect_keys',
  schema: z.object({ id: z.string(), calls: z.number().int() }),
});
/** Every effect the participant applied, one row each: two rows for one key is a double effect. */
export const effects = defineEntity({
  name: 'saga_effects',
  schema: z.object({ id: z.string(), kind: z.string(), key: z.string(), order: z.string() }),
});
export const SAGA_ENTITIES = [stock, reservations, shipments, orders, effectKeys, effects] as const;

export type SagaDb = Polystore<(typeof SAGA_ENTITIES)[number]>;

/** The SKUs: stock for about two thirds of a quick run's orders, so the last ones run out. */
export const SKUS = ['sku-a', 'sku-b', 'sku-c'] as const;
export const INITIAL_STOCK = 250;

const orderInput = z.object({
  order: z.string(),
  sku: z.string(),
  qty: z.number().int().positive(),
  /** The card is declined (a final refusal: compensates at once). */
  declined: z.boolean(),
  /** The carrier is down: shipping fails all its attempts. */
  carrierDown: z.boolean(),
  /** The participant acts but the first reply is lost: the charge is asked again under its key. */
  lostReply: z.boolean(),
  /** Compensation attempts that fail before one works (fewer than the compensation retries). */
  flakyUndo: z.number().int().nonnegative(),
});
export type SagaOrder = z.infer<typeof orderInput>;

/**
 * The participant: acts once per idempotency key (its dedupe row and the
 * effect commit together), counts every call.
 */
async function act(db: SagaDb, kind: 'charge' | 'refund', key: string, order: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction(async (tx) => {
        if (kind === 'refund' && !(await tx.entity('saga_effect_keys').get(`charge:${key}`))) return;
        const id = `${kind}:${key}`;
        const seen = await tx.entity('saga_effect_keys').get(id, { lock: true });
        if (seen) {
          await tx.entity('saga_effect_keys').update(id, { calls: seen.calls + 1 });
          return;
        }
        await tx.entity('saga_effect_keys').create({ id, calls: 1 });
        await tx.entity('saga_effects').create({ id: `${id}:${crypto.randomUUID()}`, kind, key, order });
      });
      return;
    } catch (err) {
      const conflict =
        isPolystoreError(err, 'PS_ERR_TRANSACTION_CONFLICT') || isPolystoreError(err, 'PS_ERR_ALREADY_EXISTS');
      if (!conflict || attempt >= 10) throw err;
    }
  }
}

const FAST = { baseDelayMs: 5, maxDelayMs: 200 };
const failingUndo = (input: SagaOrder, attempt: number) => {
  if (attempt <= input.flakyUndo) throw new Error(`injected compensation failure (attempt ${attempt})`);
};

/** The order saga the writer starts and the worker runs; `target.db` is the Polystore it runs in. */
export function chaosOrderSaga(target: { db?: SagaDb }) {
  const db = () => {
    if (!target.db) throw new Error('the chaos saga runs in a Polystore that was not attached');
    return target.db;
  };
  return defineSaga({
    name: 'chaos-order',
    version: 1,
    input: orderInput,
    entities: SAGA_ENTITIES,
    steps: [
      {
        kind: 'home',
        name: 'reserve',
        retry: { maxAttempts: 3, ...FAST },
        compensationRetry: { maxAttempts: 6, ...FAST },
        run: async ({ tx, input }) => {
          const item = await tx.entity('saga_stock').get(input.sku, { lock: true });
          if (!item || item.qty < input.qty) throw nonRetryable(`out of stock: ${input.sku}`);
          await tx.entity('saga_stock').update(input.sku, { qty: item.qty - input.qty });
          await tx.entity('saga_reservations').create({ id: input.order, sku: input.sku, qty: input.qty });
        },
        compensate: async ({ tx, input, attempt }) => {
          const item = await tx.entity('saga_stock').get(input.sku, { lock: true });
          await tx.entity('saga_stock').update(input.sku, { qty: item!.qty + input.qty });
          await tx.entity('saga_reservations').delete(input.order);
          failingUndo(input, attempt);
        },
      },
      {
        kind: 'external',
        name: 'charge',
        timeoutMs: 10_000,
        retry: { maxAttempts: 4, ...FAST },
        compensationRetry: { maxAttempts: 6, ...FAST },
        run: async ({ input, attempt, idempotencyKey }) => {
          if (input.declined) throw nonRetryable('card declined');
          await act(db(), 'charge', idempotencyKey, input.order);
          if (input.lostReply && attempt === 1) throw new Error('no reply from the participant (lost)');
        },
        compensate: async ({ input, attempt, idempotencyKey }) => {
          failingUndo(input, attempt);
          await act(db(), 'refund', idempotencyKey, input.order);
        },
      },
      {
        kind: 'home',
        name: 'ship',
        retry: { maxAttempts: 3, ...FAST },
        compensationRetry: { maxAttempts: 6, ...FAST },
        run: async ({ tx, input }) => {
          if (input.carrierDown) throw new Error('carrier is not answering');
          await tx.entity('saga_shipments').create({ id: input.order, order: input.order });
        },
        compensate: async ({ tx, input, attempt }) => {
          await tx.entity('saga_shipments').delete(input.order);
          failingUndo(input, attempt);
        },
      },
      {
        kind: 'home',
        name: 'confirm',
        retry: { maxAttempts: 3, ...FAST },
        run: async ({ tx, input }) => {
          await tx.entity('saga_orders').create({ id: input.order, status: 'completed' });
        },
      },
    ],
  });
}

/** The next order of the workload: a random SKU and quantity, and a random fault or none. */
export function nextOrder(n: number, random: Random): SagaOrder {
  const fault = random();
  return {
    order: `order-${n}`,
    sku: SKUS[between(random, 0, SKUS.length - 1)]!,
    qty: between(random, 1, 3),
    declined: fault < 0.1,
    carrierDown: fault >= 0.1 && fault < 0.2,
    lostReply: fault >= 0.2 && fault < 0.35,
    flakyUndo: random() < 0.3 ? between(random, 1, 3) : 0,
  };
}
