import {
  generateOrders,
  generateProducts,
  generateUsers,
  type SeedSize,
  userId,
} from '../examples/ecommerce/seed-data.js';
import { createShop } from '../examples/ecommerce/shop.js';
import { graphqlExecute, graphqlSchema } from '../src/index.js';
import { Cleanups, tempDir } from './bench-env.js';
import { closedLoop, interleave } from './harness.js';
import type { Profile } from './profile.js';
import { type Comparison, compare } from './report.js';

const SIZE: SeedSize = { users: 50, products: 200, orders: 500 };

const TREE = `query ($id: ID!) {
  users(id: $id) { id name orders { id total products { id name price } } }
}`;

/**
 * P14: the same tree — a user, their orders, the products of each order —
 * read in-process through `graphqlExecute` (by id through the LMDB cache in
 * batches, the orders from the PGlite home) against the same reads written
 * by hand with the entity API (`get`, `find`, one `getMany`), on the
 * e-commerce example's embedded stores, interleaved, at concurrency 1.
 * Ratio = GraphQL p50 / entity API p50 (the cost of parsing, validating and
 * resolving the document).
 */
export async function p14Graphql(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const dir = await tempDir(cleanups, 'graphql');
    const db = createShop({ dataDir: dir });
    cleanups.add('close the shop', () => db.close());
    await db.ready();
    const products = [...generateProducts(SIZE)];
    await db.entity('users').createMany([...generateUsers(SIZE)]);
    await db.entity('products').createMany(products);
    await db.entity('orders').createMany([...generateOrders(SIZE, (i) => products[i]!.price)]);
    await db.sync.catchUp(120_000);
    const schema = await graphqlSchema(db, {
      relations: {
        users: { orders: { entity: 'orders', foreignKey: 'userId' } },
        orders: { products: { entity: 'products', from: 'items[].productId' } },
      },
    });
    const userAt = (round: number, i: number) =>
      userId((((round * 7919 + i * 31) % SIZE.users) + SIZE.users) % SIZE.users);
    const viaGraphql = async (id: string) => {
      const result = await graphqlExecute(db, { query: TREE, variables: { id } }, { schema });
      if (result.errors)
        throw new Error(`graphql answered errors: ${result.errors.map((e) => e.extensions.code).join(', ')}`);
      return result.data;
    };
    const viaEntities = async (id: string) => {
      const user = await db.entity('users').get(id);
      const orders = await db.entity('orders').find({ userId: id });
      const ids = [...new Set(orders.flatMap((o) => o.items.map((item) => item.productId)))];
      const found = await db.entity('products').getMany(ids);
      const byId = new Map(found.flatMap((p) => (p ? [[p.id, p] as const] : [])));
      return {
        users: user && {
          id: user.id,
          name: user.name,
          orders: orders.map((o) => ({
            id: o.id,
            total: o.total,
            products: [...new Set(o.items.map((item) => item.productId))].map((p) => byId.get(p)),
          })),
        },
      };
    };
    const { requests } = profile.p14;
    const result = await interleave({
      warmupRounds: profile.warmupRounds,
      rounds: profile.rounds,
      budgetMs: profile.budgetMs,
      ours: (round) => closedLoop(requests, 1, (i) => viaGraphql(userAt(round, i))),
      raw: (round) => closedLoop(requests, 1, (i) => viaEntities(userAt(round, i))),
    });
    return [
      compare(
        'P14.tree',
        'GraphQL user → orders → products in-process vs the same reads through the entity API (PGlite, LMDB; latency)',
        'latency',
        result,
        null,
      ),
    ];
  } finally {
    await cleanups.run();
  }
}
