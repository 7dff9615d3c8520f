import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GraphFragment, GraphSchemaSpec, GraphStore } from '../../src/contracts/graph-store.js';
import type { VersionedChange } from '../../src/contracts/view-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { describeGraphOwnership } from './graph-ownership-contract.js';

export interface GraphContractContext {
  readonly store: GraphStore;
  /** Closes nothing itself: the contract closes `store` first, then reopens the same data. */
  readonly reopen?: () => Promise<GraphStore>;
  /** Closes every store the context opened and removes its data. */
  readonly cleanup: () => Promise<void>;
}

export const SHOP_SCHEMA: GraphSchemaSpec = {
  nodes: {
    User: { name: 'string' },
    Product: { name: 'string', price: 'double' },
    Category: { name: 'string' },
    Order: { total: 'double', items: 'int64', paid: 'boolean' },
  },
  edges: {
    BOUGHT: { from: 'User', to: 'Product', properties: { qty: 'int64' } },
    PLACED: { from: 'User', to: 'Order' },
    IN_CATEGORY: { from: 'Product', to: 'Category' },
  },
};

/** An order owns its Order node, a PLACED edge and one BOUGHT edge per product. */
export function orderFragment(orderId: string, userId: string, products: readonly string[]): GraphFragment {
  const user = { label: 'User', id: userId };
  return {
    nodes: [
      {
        label: 'Order',
        id: orderId,
        properties: { total: products.length * 10.5, items: products.length, paid: true },
      },
    ],
    edges: [
      { type: 'PLACED', from: user, to: { label: 'Order', id: orderId } },
      ...products.map((id) => ({ type: 'BOUGHT', from: user, to: { label: 'Product', id }, properties: { qty: 1 } })),
    ],
  };
}

export function productFragment(productId: string, categoryId: string, price: number): GraphFragment {
  return {
    nodes: [{ label: 'Product', id: productId, properties: { name: `Product ${productId}`, price } }],
    edges: [
      { type: 'IN_CATEGORY', from: { label: 'Product', id: productId }, to: { label: 'Category', id: categoryId } },
    ],
  };
}

export const BOUGHT_TOGETHER =
  'MATCH (p:Product {id: $id})<-[:BOUGHT]-(u:User)-[:BOUGHT]->(o:Product) WHERE o.id <> $id ' +
  'RETURN o.id AS id, count(*) AS n ORDER BY n DESC, id';

export const CATEGORY_RECOMMENDATIONS =
  'MATCH (u:User {id: $user})-[:BOUGHT]->(:Product)-[:IN_CATEGORY]->(:Category)<-[:IN_CATEGORY]-(rec:Product) ' +
  'WHERE NOT EXISTS { MATCH (u)-[:BOUGHT]->(rec) } ' +
  'RETURN rec.id AS id, count(*) AS n ORDER BY n DESC, id';

const CATALOG: VersionedChange<GraphFragment>[] = [
  { key: 'p1', version: 1, value: productFragment('p1', 'c1', 10) },
  { key: 'p2', version: 1, value: productFragment('p2', 'c1', 20) },
  { key: 'p3', version: 1, value: productFragment('p3', 'c2', 30) },
  { key: 'p4', version: 1, value: productFragment('p4', 'c1', 40) },
  { key: 'p5', version: 1, value: productFragment('p5', 'c2', 50) },
  { key: 'p6', version: 1, value: productFragment('p6', 'c3', 60) },
];

const ORDERS: VersionedChange<GraphFragment>[] = [
  { key: 'o1', version: 1, value: orderFragment('o1', 'u1', ['p1', 'p2', 'p3']) },
  { key: 'o2', version: 1, value: orderFragment('o2', 'u2', ['p1', 'p2']) },
  { key: 'o3', version: 1, value: orderFragment('o3', 'u3', ['p1', 'p4']) },
  { key: 'o4', version: 1, value: orderFragment('o4', 'u4', ['p2', 'p3']) },
];

async function seed(store: GraphStore): Promise<void> {
  await store.ensureSchema(SHOP_SCHEMA);
  await store.applyIfNewer('products', CATALOG);
  await store.applyIfNewer('orders', ORDERS);
}

/**
 * The behaviour every graph adapter must show. `make` returns a fresh, empty
 * store per test (its own temp dir or namespace).
 */
export function describeGraphContract(name: string, make: () => Promise<GraphContractContext>): void {
  describeGraphOwnership(name, make);
  describe(`graph store contract: ${name}`, () => {
    let ctx: GraphContractContext;

    beforeEach(async () => {
      ctx = await make();
    });

    afterEach(async () => {
      await ctx.cleanup();
    });

    it('declares a schema idempotently', async () => {
      await ctx.store.ensureSchema(SHOP_SCHEMA);
      await ctx.store.ensureSchema(SHOP_SCHEMA);
      await ctx.store.ensureSchema({ nodes: { User: SHOP_SCHEMA.nodes.User! }, edges: {} });
      expect(await ctx.store.query('MATCH (n:User) RETURN count(*) AS n')).toEqual([{ n: 0 }]);
    });

    it('answers a two-hop "bought together" query with exact counts', async () => {
      await seed(ctx.store);
      expect(await ctx.store.query(BOUGHT_TOGETHER, { id: 'p1' })).toEqual([
        { id: 'p2', n: 2 },
        { id: 'p3', n: 1 },
        { id: 'p4', n: 1 },
      ]);
    });

    it('recommends products from the categories a user bought in, excluding what they own', async () => {
      await seed(ctx.store);
      expect(await ctx.store.query(CATEGORY_RECOMMENDATIONS, { user: 'u1' })).toEqual([
        { id: 'p4', n: 2 },
        { id: 'p5', n: 1 },
      ]);
      // An order that only mentions a product leaves the product's own properties alone.
      expect(
        await ctx.store.query('MATCH (p:Product {id: $id}) RETURN p.name AS name, p.price AS price', { id: 'p2' }),
      ).toEqual([{ name: 'Product p2', price: 20 }]);
    });

    it('replaces the edges an owner held with those of a newer fragment', async () => {
      await seed(ctx.store);
      const result = await ctx.store.applyIfNewer('orders', [
        { key: 'o1', version: 2, value: orderFragment('o1', 'u1', ['p1', 'p5']) },
      ]);
      expect(result).toEqual({ applied: 1, skipped: 0 });
      expect(await ctx.store.query(BOUGHT_TOGETHER, { id: 'p1' })).toEqual([
        { id: 'p2', n: 1 },
        { id: 'p4', n: 1 },
        { id: 'p5', n: 1 },
      ]);
      expect(await ctx.store.query('MATCH (:User {id: $id})-[e]->() RETURN count(e) AS n', { id: 'u1' })).toEqual([
        { n: 3 },
      ]);
      expect(await ctx.store.query('MATCH (o:`Order` {id: $id}) RETURN o.items AS items', { id: 'o1' })).toEqual([
        { items: 2 },
      ]);
    });

    it('skips duplicate and older versions', async () => {
      await seed(ctx.store);
      await ctx.store.applyIfNewer('orders', [{ key: 'o1', version: 3, value: orderFragment('o1', 'u1', ['p6']) }]);
      const result = await ctx.store.applyIfNewer('orders', [
        { key: 'o1', version: 3, value: orderFragment('o1', 'u1', ['p1']) },
        { key: 'o2', version: 1, value: orderFragment('o2', 'u2', ['p6']) },
        { key: 'o3', version: 0, value: null },
      ]);
      expect(result).toEqual({ applied: 0, skipped: 3 });
      expect(
        await ctx.store.query('MATCH (:User {id: $id})-[:BOUGHT]->(p:Product) RETURN p.id AS id', { id: 'u1' }),
      ).toEqual([{ id: 'p6' }]);
      expect(await ctx.store.query(BOUGHT_TOGETHER, { id: 'p1' })).toEqual([
        { id: 'p2', n: 1 },
        { id: 'p4', n: 1 },
      ]);
    });

    it('deletes owned edges and nodes, and a later older upsert stays deleted', async () => {
      await seed(ctx.store);
      expect(await ctx.store.applyIfNewer('orders', [{ key: 'o1', version: 2, value: null }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      const owned = 'MATCH (u:User {id: $id}) OPTIONAL MATCH (u)-[e]->() RETURN u.id AS id, count(e) AS edges';
      // u1 was only an endpoint of o1's edges: nothing refers to it any more. p3, bought by u4 too, stays.
      expect(await ctx.store.query(owned, { id: 'u1' })).toEqual([]);
      expect(await ctx.store.query('MATCH (o:`Order` {id: $id}) RETURN o.id AS id', { id: 'o1' })).toEqual([]);
      expect(await ctx.store.query('MATCH (p:Product {id: $id}) RETURN p.name AS name', { id: 'p3' })).toEqual([
        { name: 'Product p3' },
      ]);

      expect(
        await ctx.store.applyIfNewer('orders', [{ key: 'o1', version: 1, value: orderFragment('o1', 'u1', ['p1']) }]),
      ).toEqual({ applied: 0, skipped: 1 });
      expect(await ctx.store.query('MATCH (o:`Order` {id: $id}) RETURN o.id AS id', { id: 'o1' })).toEqual([]);
      expect(await ctx.store.query(owned, { id: 'u1' })).toEqual([]);

      // A newer upsert brings the key back.
      await ctx.store.applyIfNewer('orders', [{ key: 'o1', version: 3, value: orderFragment('o1', 'u1', ['p1']) }]);
      expect(await ctx.store.query(owned, { id: 'u1' })).toEqual([{ id: 'u1', edges: 2 }]);
    });

    it('lists the versions of one scope, tombstones included', async () => {
      await seed(ctx.store);
      await ctx.store.applyIfNewer('orders', [
        { key: 'o2', version: 5, value: null },
        { key: 'o3', version: 4, value: orderFragment('o3', 'u3', ['p4']) },
      ]);
      const versions = await ctx.store.listVersions('orders');
      expect([...versions].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        { key: 'o1', version: 1, deleted: false },
        { key: 'o2', version: 5, deleted: true },
        { key: 'o3', version: 4, deleted: false },
        { key: 'o4', version: 1, deleted: false },
      ]);
      expect(await ctx.store.listVersions('products')).toHaveLength(6);
      expect(await ctx.store.listVersions('unknown')).toEqual([]);
    });

    it('keeps the graph and its versions through a reopen', async (testCtx) => {
      if (!ctx.reopen) return testCtx.skip();
      await seed(ctx.store);
      await ctx.store.applyIfNewer('orders', [{ key: 'o4', version: 2, value: null }]);
      await ctx.store.close();
      const reopened = await ctx.reopen();
      expect(await reopened.query(BOUGHT_TOGETHER, { id: 'p1' })).toEqual([
        { id: 'p2', n: 2 },
        { id: 'p3', n: 1 },
        { id: 'p4', n: 1 },
      ]);
      expect(await reopened.listVersions('orders')).toContainEqual({ key: 'o4', version: 2, deleted: true });
      await reopened.ensureSchema(SHOP_SCHEMA);
      expect(
        await reopened.applyIfNewer('orders', [
          { key: 'o4', version: 1, value: orderFragment('o4', 'u4', ['p1']) },
          { key: 'o2', version: 2, value: orderFragment('o2', 'u2', ['p1', 'p3']) },
        ]),
      ).toEqual({ applied: 1, skipped: 1 });
      expect(await reopened.query(BOUGHT_TOGETHER, { id: 'p1' })).toEqual([
        { id: 'p3', n: 2 },
        { id: 'p2', n: 1 },
        { id: 'p4', n: 1 },
      ]);
    });

    it('links every edge of a large batch with shared endpoints to its own endpoints', async () => {
      await ctx.store.ensureSchema(SHOP_SCHEMA);
      const orders = Array.from(
        { length: 600 },
        (_, i): VersionedChange<GraphFragment> => ({
          key: `o${i}`,
          version: 1,
          value: {
            nodes: [
              { label: 'Order', id: `o${i}`, properties: { total: i + 0.5, items: i } },
              // New nodes with properties mentioned by many owners in the same batch.
              { label: 'User', id: `u${i % 7}`, properties: { name: `User ${i % 7}` } },
            ],
            edges: [
              { type: 'PLACED', from: { label: 'User', id: `u${i % 7}` }, to: { label: 'Order', id: `o${i}` } },
              {
                type: 'BOUGHT',
                from: { label: 'User', id: `u${i % 7}` },
                to: { label: 'Product', id: `p${i % 11}` },
                properties: { qty: i },
              },
            ],
          },
        }),
      );
      expect(await ctx.store.applyIfNewer('orders', orders)).toEqual({ applied: 600, skipped: 0 });
      const bought = await ctx.store.query<{ u: string; p: string; qty: number }>(
        'MATCH (u:User)-[e:BOUGHT]->(p:Product) RETURN u.id AS u, p.id AS p, e.qty AS qty',
      );
      expect(bought).toHaveLength(600);
      expect(bought.filter((row) => row.u !== `u${row.qty % 7}` || row.p !== `p${row.qty % 11}`)).toEqual([]);
      const placed = await ctx.store.query<{ u: string; items: number; total: number }>(
        'MATCH (u:User)-[:PLACED]->(o:`Order`) RETURN u.id AS u, o.items AS items, o.total AS total',
      );
      expect(placed.filter((row) => row.u !== `u${row.items % 7}` || row.total !== row.items + 0.5)).toEqual([]);
      expect(await ctx.store.query('MATCH (u:User) RETURN count(*) AS n, count(u.name) AS named')).toEqual([
        { n: 7, named: 7 },
      ]);
    });

    it('stores quotes and injection-looking strings literally', async () => {
      await ctx.store.ensureSchema(SHOP_SCHEMA);
      const hostile = ["Robert'); MATCH (n) DETACH DELETE n; //", '"} RETURN 1 // `User` \\ \n', '$id $$id {id: 1}'];
      await ctx.store.applyIfNewer(
        'users',
        hostile.map((name, i) => ({
          key: `it's-${i}`,
          version: 1,
          value: { nodes: [{ label: 'User', id: `u'${i}"`, properties: { name } }], edges: [] },
        })),
      );
      for (const [i, name] of hostile.entries()) {
        expect(await ctx.store.query('MATCH (u:User {name: $name}) RETURN u.id AS id', { name })).toEqual([
          { id: `u'${i}"` },
        ]);
      }
      expect(await ctx.store.query('MATCH (u:User) RETURN count(*) AS n')).toEqual([{ n: 3 }]);
      expect((await ctx.store.listVersions('users')).map((entry) => entry.key).sort()).toEqual([
        "it's-0",
        "it's-1",
        "it's-2",
      ]);
    });

    it('rejects fragments that do not match the schema, writing nothing', async () => {
      await ctx.store.ensureSchema(SHOP_SCHEMA);
      const attempts: GraphFragment[] = [
        { nodes: [{ label: 'Ghost', id: 'g1' }], edges: [] },
        { nodes: [{ label: 'User', id: 'u1', properties: { email: 'x' } }], edges: [] },
        { nodes: [{ label: 'Order', id: 'o1', properties: { items: 1.5 } }], edges: [] },
        {
          nodes: [],
          edges: [{ type: 'BOUGHT', from: { label: 'Product', id: 'p1' }, to: { label: 'User', id: 'u1' } }],
        },
      ];
      for (const value of attempts) {
        const error = await ctx.store
          .applyIfNewer('orders', [
            { key: 'ok', version: 1, value: orderFragment('ok', 'u9', ['p1']) },
            { key: 'bad', version: 1, value },
          ])
          .catch((err: unknown) => err);
        expect(isPolystoreError(error, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
      }
      expect(await ctx.store.listVersions('orders')).toEqual([]);
      // Per declared label: a store may keep bookkeeping nodes of its own.
      for (const label of Object.keys(SHOP_SCHEMA.nodes)) {
        expect(await ctx.store.query(`MATCH (n:\`${label}\`) RETURN count(*) AS n`)).toEqual([{ n: 0 }]);
      }
    });

    it('refuses a Cypher parameter that is not a GraphParam, naming it', async () => {
      await seed(ctx.store);
      for (const p of [{ id: 'p1' }, [1, 2], ['p1', 2], [['p1']], undefined, 10n]) {
        const error = await ctx.store
          .query('MATCH (n:Product) WHERE n.id = $p RETURN n.id AS id', { p } as never)
          .catch((err: unknown) => err);
        expect(isPolystoreError(error, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
        expect(error).toMatchObject({ field: 'p', message: expect.stringContaining('"p"') });
        expect((error as Error).message).not.toContain('p1');
      }
      expect(await ctx.store.query('MATCH (n:Product {id: $p}) RETURN n.id AS id', { p: 'p1' })).toEqual([
        { id: 'p1' },
      ]);
    });

    it('takes a list of strings as one parameter, for UNWIND', async () => {
      await seed(ctx.store);
      const rows = await ctx.store.query(
        'UNWIND $ids AS pid MATCH (n:Product {id: pid}) RETURN pid AS key, n.id AS id',
        {
          ids: ['p1', 'missing', 'p2'],
        },
      );
      expect(rows.map((r) => r.key).sort()).toEqual(['p1', 'p2']);
    });

    it('refuses use after close', async () => {
      await ctx.store.ready();
      await ctx.store.close();
      const error = await ctx.store.listVersions('orders').catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_STORE_CLOSED')).toBe(true);
    });
  });
}
