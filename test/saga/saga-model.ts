import { expect } from 'vitest';
import type { ChangeEvent } from '../../src/contracts/change-event.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { SagaState } from '../../src/contracts/saga-log.js';
import type { OrderInput, openShop, StepName } from '../support/saga-shop.js';

/** Attempts per step of the order saga (saga-shop.ts): forward 3, compensation 4. */
const FORWARD_ATTEMPTS = 3;
const COMPENSATION_ATTEMPTS = 4;
const COMPENSABLE: readonly StepName[] = ['reserve', 'charge', 'ship'];

/** What one order saga must leave behind, by the reference model. */
export interface Expected {
  readonly input: OrderInput;
  readonly state: SagaState;
  /** Forward home steps committed (their writes applied once). */
  readonly done: readonly StepName[];
  /** Compensations run, in the order they must have run. */
  readonly compensated: readonly StepName[];
  readonly charged: boolean;
  readonly refunded: boolean;
}

/**
 * The reference model: steps run in order; a step fails for good when its
 * injected failures reach its attempts (reserve also when stock is short);
 * the covered steps (home steps done, and the external step even when it
 * failed) are compensated in reverse until one uses all its attempts.
 */
export function expectedOf(input: OrderInput, available: number): Expected {
  const order: StepName[] = ['reserve', 'charge', 'ship', 'confirm'];
  const done: StepName[] = [];
  const covered: StepName[] = [];
  let charged = false;
  let failedAt: StepName | null = null;
  for (const step of order) {
    const fails = (input.fail[step] ?? 0) >= FORWARD_ATTEMPTS || (step === 'reserve' && available < input.qty);
    if (step === 'charge') {
      covered.push(step);
      // Attempt 2 charges before failing; a charge that succeeds at once charges too.
      charged = true;
    }
    if (fails) {
      failedAt = step;
      break;
    }
    if (step !== 'charge') done.push(step);
    if (step !== 'charge' && COMPENSABLE.includes(step)) covered.push(step);
  }
  if (failedAt === null) return { input, state: 'completed', done, compensated: [], charged, refunded: false };
  const compensated: StepName[] = [];
  for (const step of [...covered].reverse()) {
    if ((input.undo[step] ?? 0) >= COMPENSATION_ATTEMPTS) {
      return { input, state: 'stuck', done, compensated, charged, refunded: charged && compensated.includes('charge') };
    }
    compensated.push(step);
  }
  return { input, state: 'compensated', done, compensated, charged, refunded: charged };
}

type ShopDb = ReturnType<typeof openShop>['db'];

/**
 * Checks the home against the model: saga states, compensation order in
 * each timeline, entity rows, stock, one outbox event per committed home
 * write (exactly-once home steps), and one charge or refund per key.
 */
export async function checkShop(
  db: ShopDb,
  home: HomeStore,
  initial: Record<string, number>,
  expected: readonly Expected[],
): Promise<void> {
  // The outbox hands out only settled events: a transaction left open elsewhere on a shared server
  // holds later ones back for a while. Events only accumulate, so reading again until every order
  // has its expected events (or one has more, which never heals) tells a delay from a loss.
  const owed = (e: Expected) => {
    const reserved = e.done.includes('reserve');
    const shipped = e.done.includes('ship');
    return [
      reserved ? 1 : 0,
      e.compensated.includes('reserve') ? 1 : 0,
      shipped ? 1 : 0,
      e.compensated.includes('ship') ? 1 : 0,
      e.state === 'completed' ? 1 : 0,
    ];
  };
  let events: ChangeEvent[] = [];
  const count = (entity: string, key: string, op: string) =>
    events.filter((e) => e.entity === entity && e.key === key && e.op === op).length;
  const counted = (id: string) => [
    count('reservations', id, 'create'),
    count('reservations', id, 'delete'),
    count('shipments', id, 'create'),
    count('shipments', id, 'delete'),
    count('orders', id, 'create'),
  ];
  for (const deadline = Date.now() + 30_000; ; ) {
    events = [];
    for (let after: string | null = null; ; ) {
      const chunk = await home.readOutbox(after, 1000);
      if (chunk.length === 0) break;
      events.push(...chunk);
      after = chunk.at(-1)!.position;
    }
    const pairs = expected.map((e) => [counted(e.input.orderId), owed(e)] as const);
    const short = pairs.some(([got, want]) => got.some((n, i) => n < want[i]!));
    const over = pairs.some(([got, want]) => got.some((n, i) => n > want[i]!));
    if (!short || over || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const stock = { ...initial };
  for (const e of expected) {
    const id = e.input.orderId;
    const saga = await db.sagas.get(id);
    expect({ id, state: saga?.state }).toEqual({ id, state: e.state });
    const undone = (await db.sagas.timeline(id)).filter((s) => s.phase === 'compensate' && s.status === 'done');
    const ran = (['ship', 'charge', 'reserve'] as const).filter((s) => e.compensated.includes(s));
    expect({ id, compensated: undone.map((s) => s.step) }).toEqual({ id, compensated: [...ran].reverse() });
    const reserved = e.done.includes('reserve');
    const released = e.compensated.includes('reserve');
    if (reserved && !released) stock[e.input.sku] = stock[e.input.sku]! - e.input.qty;
    const rows = {
      id,
      reservation: (await db.entity('reservations').get(id, { consistency: 'strong' })) !== null,
      shipment: (await db.entity('shipments').get(id, { consistency: 'strong' })) !== null,
      order: (await db.entity('orders').get(id, { consistency: 'strong' }))?.status ?? null,
      events: counted(id),
      charges: (await db.entity('effects').get(`charge:${id}:charge`, { consistency: 'strong' })) !== null,
      refunds: (await db.entity('effects').get(`refund:${id}:charge`, { consistency: 'strong' })) !== null,
    };
    const shipped = e.done.includes('ship');
    const unshipped = e.compensated.includes('ship');
    expect(rows).toEqual({
      id,
      reservation: reserved && !released,
      shipment: shipped && !unshipped,
      order: e.state === 'completed' ? 'completed' : null,
      events: owed(e),
      charges: e.charged,
      refunds: e.refunded,
    });
  }
  for (const [sku, qty] of Object.entries(stock))
    expect({ sku, qty: (await db.entity('stock').get(sku, { consistency: 'strong' }))?.qty }).toEqual({ sku, qty });
}
