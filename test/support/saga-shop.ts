import { z } from 'zod';
import type { HomeStore } from '../../src/contracts/home-store.js';
import {
  createPolystore,
  defineEntity,
  defineSaga,
  isPolystoreError,
  type Polystore,
  silentLogger,
} from '../../src/index.js';
import type { SagaRunnerOptions } from '../../src/saga/saga-runner.js';

/** The order saga's world: stock, per-order reservations and shipments, orders, and a payment participant's ledger. */
export const stock = defineEntity({ name: 'stock', schema: z.object({ id: z.string(), qty: z.number().int() }) });
export const reservations = defineEntity({
  name: 'reservations',
  storage: 'document',
  schema: z.object({ id: z.string(), sku: z.string(), qty: z.number().int() }),
});
export const shipments = defineEntity({
  name: 'shipments',
  storage: 'document',
  schema: z.object({ id: z.string(), orderId: z.string() }),
});
export const orders = defineEntity({
  name: 'orders',
  storage: 'document',
  schema: z.object({ id: z.string(), sku: z.string(), qty: z.number().int(), status: z.string() }),
});
/** What the payment participant did, one row per `<kind>:<idempotency key>`, with how often it was asked. */
export const effects = defineEntity({
  name: 'effects',
  storage: 'document',
  schema: z.object({ id: z.string(), kind: z.string(), key: z.string(), calls: z.number().int() }),
});
export const SHOP_ENTITIES = [stock, reservations, shipments, orders, effects] as const;

export const STEPS = ['reserve', 'charge', 'ship', 'confirm'] as const;
export type StepName = (typeof STEPS)[number];
const counts = z.record(z.string(), z.number().int().nonnegative());

export const orderInput = z.object({
  orderId: z.string(),
  sku: z.string(),
  qty: z.number().int().positive(),
  /** Per step, how many forward attempts fail (injected). */
  fail: counts,
  /** Per step, how many compensation attempts fail (injected). */
  undo: counts,
});
export type OrderInput = z.infer<typeof orderInput>;

/** Where a worker may be stopped dead (the SIGKILL tests): a step's name and a point in it. */
export type Hook = (point: string) => void | Promise<void>;

type ShopDb = Polystore<(typeof SHOP_ENTITIES)[number]>;

/**
 * The payment participant: keeps each charge and refund once per
 * idempotency key (a second call only counts), refunds only what it charged.
 */
export async function applyEffect(db: ShopDb, kind: 'charge' | 'refund', key: string): Promise<void> {
  // Its own transaction is the participant's to retry: concurrent first charges of other keys can
  // deadlock on InnoDB's gap locks, and a participant does not fail a caller for that.
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction(async (tx) => {
        if (kind === 'refund' && !(await tx.entity('effects').get(`charge:${key}`))) return;
        const id = `${kind}:${key}`;
        const row = await tx.entity('effects').get(id, { lock: true });
        if (row) await tx.entity('effects').update(id, { calls: row.calls + 1 });
        else await tx.entity('effects').create({ id, kind, key, calls: 1 });
      });
      return;
    } catch (err) {
      const retryable =
        isPolystoreError(err, 'PS_ERR_TRANSACTION_CONFLICT') || isPolystoreError(err, 'PS_ERR_ALREADY_EXISTS');
      if (!retryable || attempt >= 10) throw err;
    }
  }
}

const injected = (step: string, phase: string, attempt: number) =>
  new Error(`injected ${phase} failure of ${step} (attempt ${attempt})`);
const FAST = { baseDelayMs: 1, maxDelayMs: 5 };

/** The 4-step order saga; `shop.db` is the Polystore it runs in (set after it is created). */
export function orderSaga(shop: { db?: ShopDb; hook?: Hook }, version = 1) {
  const hook = async (point: string) => shop.hook?.(point);
  const failing = (input: OrderInput, step: StepName, attempt: number, phase: 'fail' | 'undo') =>
    attempt <= (input[phase][step] ?? 0);
  return defineSaga({
    name: 'order',
    version,
    input: orderInput,
    entities: SHOP_ENTITIES,
    steps: [
      {
        kind: 'home',
        name: 'reserve',
        retry: { maxAttempts: 3, ...FAST },
        compensationRetry: { maxAttempts: 4, ...FAST },
        run: async ({ tx, input, attempt }) => {
          const item = await tx.entity('stock').get(input.sku, { lock: true });
          if (!item || item.qty < input.qty) throw new Error(`out of stock: ${input.sku}`);
          await tx.entity('stock').update(input.sku, { qty: item.qty - input.qty });
          await tx.entity('reservations').create({ id: input.orderId, sku: input.sku, qty: input.qty });
          await hook('reserve:in-transaction');
          if (failing(input, 'reserve', attempt, 'fail')) throw injected('reserve', 'forward', attempt);
        },
        compensate: async ({ tx, input, attempt }) => {
          const item = await tx.entity('stock').get(input.sku, { lock: true });
          await tx.entity('stock').update(input.sku, { qty: item!.qty + input.qty });
          await tx.entity('reservations').delete(input.orderId);
          await hook('reserve:compensating');
          if (failing(input, 'reserve', attempt, 'undo')) throw injected('reserve', 'compensation', attempt);
        },
      },
      {
        kind: 'external',
        name: 'charge',
        retry: { maxAttempts: 3, ...FAST },
        compensationRetry: { maxAttempts: 4, ...FAST },
        run: async ({ input, attempt, idempotencyKey }) => {
          const fails = failing(input, 'charge', attempt, 'fail');
          // Odd failing attempts fail before the charge, even ones after it (a reply lost on the way back).
          if (fails && attempt % 2 === 1) throw injected('charge', 'forward', attempt);
          await applyEffect(shop.db!, 'charge', idempotencyKey);
          await hook('charge:after-effect');
          if (fails) throw injected('charge', 'forward', attempt);
          return { charged: input.qty };
        },
        compensate: async ({ input, attempt, idempotencyKey }) => {
          if (failing(input, 'charge', attempt, 'undo')) throw injected('charge', 'compensation', attempt);
          await applyEffect(shop.db!, 'refund', idempotencyKey);
          await hook('charge:after-refund');
        },
      },
      {
        kind: 'home',
        name: 'ship',
        retry: { maxAttempts: 3, ...FAST },
        compensationRetry: { maxAttempts: 4, ...FAST },
        run: async ({ tx, input, attempt }) => {
          await hook('ship:before');
          await tx.entity('shipments').create({ id: input.orderId, orderId: input.orderId });
          if (failing(input, 'ship', attempt, 'fail')) throw injected('ship', 'forward', attempt);
        },
        compensate: async ({ tx, input, attempt }) => {
          await tx.entity('shipments').delete(input.orderId);
          await hook('ship:compensating');
          if (failing(input, 'ship', attempt, 'undo')) throw injected('ship', 'compensation', attempt);
        },
      },
      {
        kind: 'home',
        name: 'confirm',
        retry: { maxAttempts: 3, ...FAST },
        run: async ({ tx, input, attempt }) => {
          await tx.entity('orders').create({ id: input.orderId, sku: input.sku, qty: input.qty, status: 'completed' });
          await hook('confirm:in-transaction');
          if (failing(input, 'confirm', attempt, 'fail')) throw injected('confirm', 'forward', attempt);
        },
      },
    ],
  });
}

/** A Polystore over `home` with the shop's entities and the order saga, sync off unless `run` (no views). */
export function openShop(
  home: HomeStore,
  options: { sagaOptions?: SagaRunnerOptions; hook?: Hook; version?: number } = {},
) {
  const shop: { db?: ShopDb; hook?: Hook } = { ...(options.hook ? { hook: options.hook } : {}) };
  const saga = orderSaga(shop, options.version);
  const db = createPolystore({
    home,
    entities: SHOP_ENTITIES,
    sagas: [saga],
    sagaOptions: { pollIntervalMs: 20, leaseMs: 2000, ...options.sagaOptions },
    logger: silentLogger,
  });
  shop.db = db;
  return { db, saga, shop };
}
