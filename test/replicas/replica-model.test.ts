import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import { E2eProcess } from '../support/e2e-processes.js';
import type { E2eTarget } from '../support/e2e-shop.js';
import {
  byEdge,
  cleanReplicaShop,
  openReplicaShop,
  plainRows,
  type ReplicaShopTarget,
  untilServing,
} from '../support/replica-shop.js';
import { describeWithServer } from '../support/servers.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const RUNS = Number(process.env.POLYSTORE_MODEL_RUNS ?? 6);
const STEPS = Number(process.env.POLYSTORE_MODEL_STEPS ?? 14);

interface Order {
  readonly userId: string;
  readonly productId: string;
  readonly qty: number;
  readonly amount: number;
}

/** What a scenario does to the home, through the client process (which projects nothing). */
type Step =
  | {
      readonly kind: 'create';
      readonly order: number;
      readonly user: number;
      readonly product: number;
      readonly qty: number;
    }
  | { readonly kind: 'update'; readonly order: number; readonly product: number; readonly qty: number }
  | { readonly kind: 'delete'; readonly order: number }
  | { readonly kind: 'rename'; readonly product: number; readonly word: number };

const WORDS = ['quokka', 'narwhal', 'axolotl', 'pangolin'];

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('create' as const),
    order: fc.nat(4),
    user: fc.nat(2),
    product: fc.nat(3),
    qty: fc.integer({ min: 1, max: 9 }),
  }),
  fc.record({
    kind: fc.constant('update' as const),
    order: fc.nat(4),
    product: fc.nat(3),
    qty: fc.integer({ min: 1, max: 9 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), order: fc.nat(4) }),
  fc.record({ kind: fc.constant('rename' as const), product: fc.nat(3), word: fc.nat(WORDS.length - 1) }),
);

await describeWithServer(['postgres', 'nats'], 'replicas against a reference model', () => {
  it('answers every read-your-writes query of another process as the model says, after each write (deletes and re-creates of one id included)', async () => {
    const target: ReplicaShopTarget = { id: uniqueName('m').toLowerCase() };
    cleanups.push(() => cleanReplicaShop(target));
    const dirs = await tempDir('polystore-replica-model-');
    cleanups.push(dirs.cleanup);
    const client = openReplicaShop(target, { kind: 'client' });
    cleanups.push(() => client.close());
    await client.ready();
    const replicas = ['a', 'b'].map((name) => {
      const proc = new E2eProcess(name, 'replica-worker.ts', target as unknown as E2eTarget, [
        '--id',
        target.id,
        '--data-dir',
        `${dirs.path}/${name}`,
        '--replica',
        `m${name}`,
      ]);
      cleanups.push(() => proc.kill());
      return proc;
    });
    await Promise.all(replicas.map((proc) => proc.ready(90_000)));
    await Promise.all(replicas.map((proc) => untilServing(proc, 3)));
    const ryw = { consistency: 'read-your-writes' as const };
    let run = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: STEPS }), async (steps) => {
        // Each run writes ids of its own: the model starts empty.
        const prefix = `r${run++}_`;
        const orders = new Map<string, Order>();
        const names = new Map<string, string>();
        const products = client.entity('products');
        const ordersClient = client.entity('orders');
        for (let p = 0; p < 4; p++) {
          const id = `${prefix}p${p}`;
          await products.create({ id, name: `plain item ${p}`, category: 'c', price: 1 });
          names.set(id, `plain item ${p}`);
        }
        for (const s of steps) {
          const id = `${prefix}o${'order' in s ? s.order : 0}`;
          const current = orders.get(id);
          if (s.kind === 'create' && !current) {
            const order = {
              userId: `${prefix}u${s.user}`,
              productId: `${prefix}p${s.product}`,
              qty: s.qty,
              amount: s.qty * 2.5,
            };
            await ordersClient.create({ id, ...order });
            orders.set(id, order);
          } else if (s.kind === 'update' && current) {
            const patch = { productId: `${prefix}p${s.product}`, qty: s.qty, amount: s.qty * 2.5 };
            await ordersClient.update(id, patch);
            orders.set(id, { ...current, ...patch });
          } else if (s.kind === 'delete' && current) {
            await ordersClient.delete(id);
            orders.delete(id);
          } else if (s.kind === 'rename') {
            const product = `${prefix}p${s.product}`;
            const name = `${WORDS[s.word]} item ${s.product}`;
            await products.update(product, { name });
            names.set(product, name);
          } else continue;

          // Right after the write, the other process's queries through the replicas see it.
          const edges = await client
            .graph('graph')
            .query<{ user: string; product: string; qty: number }>(
              'MATCH (u:User)-[b:BOUGHT]->(p:Product) WHERE u.id STARTS WITH $prefix RETURN u.id AS user, p.id AS product, b.qty AS qty ORDER BY user, product, qty',
              { prefix },
              ryw,
            );
          const wantEdges = [...orders.values()]
            .map((o) => ({ user: o.userId, product: o.productId, qty: o.qty }))
            .sort(byEdge);
          expect({ step: s, edges }).toEqual({ step: s, edges: wantEdges });
          const sales = plainRows(
            await client
              .analytics('analytics')
              .query(
                'SELECT order_id, product_id, qty, amount FROM sales WHERE order_id LIKE $1 ORDER BY order_id',
                [`${prefix}%`],
                ryw,
              ),
          );
          const wantSales = [...orders.entries()]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([order_id, o]) => ({ order_id, product_id: o.productId, qty: o.qty, amount: o.amount }));
          expect({ step: s, sales }).toEqual({ step: s, sales: wantSales });
          for (const word of WORDS) {
            const found = await products.search({ text: word, where: { category: 'c' }, limit: 50 }, ryw);
            const ids = found.hits
              .map((h) => h.record.id)
              .filter((h) => h.startsWith(prefix))
              .sort();
            const want = [...names.entries()]
              .filter(([, name]) => name.startsWith(`${word} `))
              .map(([product]) => product)
              .sort();
            expect({ step: s, word, ids }).toEqual({ step: s, word, ids: want });
          }
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    for (const proc of replicas) expect(proc.alive).toBe(true);
  }, 600_000);
});
