import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { type OrderInput, openShop } from './saga-shop.js';

const WORKER = fileURLToPath(new URL('../fixtures/saga-worker.ts', import.meta.url));

/** Orders that complete, that fail at each step and compensate, and that retry flaky steps and compensations. */
const PLANS: Pick<OrderInput, 'fail' | 'undo'>[] = [
  { fail: {}, undo: {} },
  { fail: { charge: 1 }, undo: {} },
  { fail: { reserve: 2, ship: 1 }, undo: {} },
  { fail: { charge: 3 }, undo: { charge: 2 } },
  { fail: { ship: 3 }, undo: { reserve: 1 } },
  { fail: { confirm: 3 }, undo: { ship: 2, charge: 1 } },
  { fail: { confirm: 3 }, undo: {} },
  { fail: { charge: 2 }, undo: {} },
];

/** `rounds` times each plan: order `o<i>` of sku p1, quantities 1 to 3. */
export function crashOrders(rounds = 1): OrderInput[] {
  return Array.from({ length: PLANS.length * rounds }, (_, i) => ({
    orderId: `o${i}`,
    sku: 'p1',
    qty: 1 + (i % 3),
    ...PLANS[i % PLANS.length]!,
  }));
}

/**
 * Runs the saga worker fixture on the home `locator` (JSON) until it
 * SIGKILLs itself the `nth` time a step reaches `point`, or every saga ends.
 */
export async function runSagaWorker(
  locator: string,
  point: string,
  nth: number,
): Promise<{ signal: string | null; done: boolean }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER, '--home', locator, '--point', point, '--nth', String(nth)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const signal = await new Promise<string | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
  return { signal, done: out.includes('done') };
}

/**
 * Stocks sku p1 and starts `orders` from a process that runs no sagas (a
 * worker claims them all), then closes it.
 */
export async function startOrders(home: HomeStore, orders: readonly OrderInput[], stock: number): Promise<void> {
  const starter = openShop(home);
  await starter.db.ready({ sync: false });
  try {
    await starter.db.entity('stock').create({ id: 'p1', qty: stock });
    for (const input of orders) await starter.db.saga('order').start(input, { id: input.orderId });
  } finally {
    await starter.db.close();
  }
}
