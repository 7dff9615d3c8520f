import type { SagaRecord } from '../src/index.js';
import type { Random } from './random.js';
import { INITIAL_STOCK, nextOrder, type SagaDb, type SagaOrder, SKUS } from './saga-workload.js';
import { sleep } from './servers.js';

/**
 * Starts order sagas from the writer process at a steady pace while faults
 * happen; a start that fails (the home restarting) is tried again with the
 * same id, so each order is started once.
 */
export class SagaStarter {
  readonly started: SagaOrder[] = [];
  #stopping = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly db: SagaDb,
    private readonly everyMs: number,
    private readonly random: Random,
  ) {}

  /** Stocks the SKUs, then starts an order every `everyMs`. */
  async start(): Promise<void> {
    for (const sku of SKUS) await this.db.entity('saga_stock').create({ id: sku, qty: INITIAL_STOCK });
    this.#loop = (async () => {
      for (let n = 0; !this.#stopping; n++) {
        const order = nextOrder(n, this.random);
        while (!this.#stopping) {
          try {
            await this.db.saga('chaos-order').start(order, { id: order.order });
            this.started.push(order);
            break;
          } catch {
            await sleep(100);
          }
        }
        await sleep(this.everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
  }
}

/** What the sagas left, checked against the home by content. */
export interface SagaVerdict {
  readonly started: number;
  readonly completed: number;
  readonly compensated: number;
  /** Sagas neither completed nor compensated (running, compensating, stuck, cancelled). */
  readonly open: number;
  /** Effects applied more than once for one key, plus stock units moved by other than the completed orders. */
  readonly doubleEffects: number;
  /** Effects owed and missing: a completed order without its charge, reservation or shipment; a compensated one still charged, reserved or shipped. */
  readonly unbalanced: number;
  readonly samples: readonly string[];
}

/** Waits until no saga is running or compensating (the worker drives them to an end), up to `timeoutMs`. */
export async function waitForSagas(db: SagaDb, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await db.sagas.list({ states: ['running', 'compensating'], limit: 1 })).length === 0) return true;
    } catch {
      // The home may be coming back from a restart.
    }
    await sleep(200);
  }
  return false;
}

/** Every started order's saga, and the home's stock, reservations, shipments, orders and the participant's effects. */
export async function checkSagas(db: SagaDb, started: readonly SagaOrder[]): Promise<SagaVerdict> {
  const samples: string[] = [];
  const sagas = new Map<string, SagaRecord | null>();
  for (const order of started) sagas.set(order.order, await db.sagas.get(order.order));
  const effects = [];
  for (let offset = 0; ; offset += 10_000) {
    const page = await db.entity('saga_effects').find({}, { limit: 10_000, offset, orderBy: { id: 'asc' } });
    effects.push(...page);
    if (page.length < 10_000) break;
  }
  const perKey = new Map<string, number>();
  for (const e of effects) perKey.set(`${e.kind}:${e.key}`, (perKey.get(`${e.kind}:${e.key}`) ?? 0) + 1);
  let doubleEffects = 0;
  for (const [key, n] of perKey) {
    if (n > 1) {
      doubleEffects += n - 1;
      samples.push(`${key}: applied ${n} times`);
    }
  }
  let completed = 0;
  let compensated = 0;
  let unbalanced = 0;
  const sold = new Map<string, number>();
  for (const order of started) {
    const saga = sagas.get(order.order);
    const state = saga?.state ?? 'missing';
    if (state === 'completed') completed++;
    else if (state === 'compensated') compensated++;
    else samples.push(`${order.order}: saga ${state}${saga?.error ? ` (${saga.error})` : ''}`);
    const done = state === 'completed';
    if (done) sold.set(order.sku, (sold.get(order.sku) ?? 0) + order.qty);
    const key = `${order.order}:charge`;
    const has = {
      reservation: (await db.entity('saga_reservations').get(order.order, { consistency: 'strong' })) !== null,
      shipment: (await db.entity('saga_shipments').get(order.order, { consistency: 'strong' })) !== null,
      order: (await db.entity('saga_orders').get(order.order, { consistency: 'strong' })) !== null,
      charged: perKey.has(`charge:${key}`),
      refunded: perKey.has(`refund:${key}`),
    };
    const owes =
      state === 'completed'
        ? has.reservation && has.shipment && has.order && has.charged && !has.refunded
        : state === 'compensated'
          ? !has.reservation && !has.shipment && !has.order && has.charged === has.refunded
          : true;
    if (!owes) {
      unbalanced++;
      samples.push(`${order.order}: ${state} but ${JSON.stringify(has)}`);
    }
  }
  for (const sku of SKUS) {
    const left = (await db.entity('saga_stock').get(sku, { consistency: 'strong' }))?.qty ?? Number.NaN;
    const off = Math.abs(INITIAL_STOCK - (sold.get(sku) ?? 0) - left);
    if (off !== 0 || left < 0) {
      doubleEffects += Number.isNaN(off) ? 1 : off;
      samples.push(`${sku}: ${left} left, ${INITIAL_STOCK} - ${sold.get(sku) ?? 0} sold expected`);
    }
  }
  return {
    started: started.length,
    completed,
    compensated,
    open: started.length - completed - compensated,
    doubleEffects,
    unbalanced,
    samples,
  };
}
