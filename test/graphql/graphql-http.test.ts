import { ClientError, GraphQLClient, gql } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopGraphql } from '../../examples/ecommerce/graphql-options.js';
import { createShop, type Shop } from '../../examples/ecommerce/shop.js';
import { graphqlExecute, graphqlSchema, mintApiKey, type RunningServer } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The GraphQL API of the e-commerce example over `db.serve()`, through a
 * GraphQL client: user → orders → products → recommended products, each
 * level from its store, in a bounded number of store calls.
 */
const OPTIONS = shopGraphql;

const PRODUCTS = 15;
let db: Shop;
let server: RunningServer;
let cleanup: () => Promise<void>;
let full: GraphQLClient;
let usersOnly: GraphQLClient;
const calls: { store: string; operation: string }[] = [];

const product = (i: number) => ({
  id: `p${i}`,
  name: `Product ${i}`,
  description: 'A thing',
  category: i % 2 === 0 ? 'audio' : 'video',
  price: 10 + i,
  tags: [],
  specs: { brand: 'Acme' },
  stock: 5,
});

/** u1's order k holds products 3k+1..3k+3; u2's one order holds p1 and p2. */
function order(id: string, userId: string, productIds: number[]) {
  const items = productIds.map((i) => ({
    productId: `p${i}`,
    category: product(i).category,
    qty: 1,
    unitPrice: 10 + i,
  }));
  return {
    id,
    userId,
    status: 'paid' as const,
    placedAt: new Date('2026-01-02T00:00:00Z'),
    items,
    total: items.reduce((s, x) => s + x.unitPrice, 0),
  };
}

beforeAll(async () => {
  const dir = await tempDir('polystore-graphql-');
  db = createShop({ dataDir: dir.path });
  await db.ready({ sync: false });
  await db.sync.start();
  await db.entity('users').createMany([
    { id: 'u1', email: 'ada@example.com', name: 'Ada', country: 'DE', createdAt: new Date() },
    { id: 'u2', email: 'bob@example.com', name: 'Bob', country: 'FR', createdAt: new Date() },
  ]);
  await db.entity('products').createMany(Array.from({ length: PRODUCTS }, (_, i) => product(i + 1)));
  await db
    .entity('orders')
    .createMany([
      ...Array.from({ length: 5 }, (_, k) => order(`o${k + 1}`, 'u1', [3 * k + 1, 3 * k + 2, 3 * k + 3])),
      order('o6', 'u2', [1, 2, 4]),
    ]);
  await db.sync.catchUp(60_000);
  const fullKey = mintApiKey(['graphql:query']);
  const narrowKey = mintApiKey(['entity:users:read']);
  server = await db.serve({ keys: [fullKey.entry, narrowKey.entry], graphql: OPTIONS, renderMetrics: false });
  full = new GraphQLClient(`${server.url}/graphql`, { headers: { authorization: `Bearer ${fullKey.key}` } });
  usersOnly = new GraphQLClient(`${server.url}/graphql`, { headers: { authorization: `Bearer ${narrowKey.key}` } });
  db.instrument({
    storeCall: (store, operation) => calls.push({ store, operation }),
    cacheReads: () => {},
    failed: () => {},
  });
  cleanup = async () => {
    await server.close();
    await db.close();
    await dir.cleanup();
  };
}, 120_000);

afterAll(async () => {
  await cleanup?.();
});

const TREE = gql`
  query Tree($id: ID!) {
    users(id: $id) {
      name
      orders {
        id
        placedAt
        products {
          id
          name
          recommended(limit: 3) { id name }
        }
      }
    }
  }
`;

type Tree = {
  users: {
    name: string;
    orders: { id: string; placedAt: string; products: { id: string; recommended: { id: string }[] }[] }[];
  };
};

async function counted<R>(run: () => Promise<R>): Promise<{ result: R; byCall: Record<string, number> }> {
  calls.length = 0;
  const result = await run();
  const byCall: Record<string, number> = {};
  for (const { store, operation } of calls)
    byCall[`${store}.${operation}`] = (byCall[`${store}.${operation}`] ?? 0) + 1;
  return { result, byCall };
}

describe('POST /graphql', () => {
  it('answers user → orders → products → recommended from the right stores without N+1', async () => {
    const { result, byCall } = await counted(() => full.request<Tree>(TREE, { id: 'u1' }));
    const orders = [...result.users.orders].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(result.users.name).toBe('Ada');
    expect(orders.map((o) => o.id)).toEqual(['o1', 'o2', 'o3', 'o4', 'o5']);
    expect(orders[0]!.placedAt).toBe('2026-01-02T00:00:00.000Z');
    for (const [k, o] of orders.entries())
      expect(o.products.map((p) => p.id).sort()).toEqual([`p${3 * k + 1}`, `p${3 * k + 2}`, `p${3 * k + 3}`].sort());
    // p1 was bought with p2, p3 (o1) and with p2, p4 (o6): p2 twice, then p3 and p4 once.
    const p1 = orders[0]!.products.find((p) => p.id === 'p1')!;
    expect(p1.recommended.map((p) => p.id)).toEqual(['p2', 'p3', 'p4']);
    const p15 = orders[4]!.products.find((p) => p.id === 'p15')!;
    expect(p15.recommended.map((p) => p.id)).toEqual(['p13', 'p14']);
    // One find of the orders, one graph query for all 15 products, and reads by id in batches (cache, or the home on a miss).
    expect(byCall['home.find']).toBe(1);
    expect(byCall['graph.query']).toBe(1);
    expect(byCall['cache.get_many']).toBeLessThanOrEqual(3);
    expect(byCall['home.get_many'] ?? 0).toBeLessThanOrEqual(3);
    expect(byCall['home.get'] ?? 0).toBe(0);
    expect(calls.length).toBeLessThanOrEqual(12);
  });

  it('loads a relation of many parents with one store call per level', async () => {
    type Listed = { usersList: { id: string; orders: { id: string; products: { id: string }[] }[] }[] };
    const { result, byCall } = await counted(() =>
      full.request<Listed>(gql`
        {
          usersList(orderBy: { id: "asc" }, maxStalenessMs: 60000) { id orders { id products { id } } }
        }
      `),
    );
    expect(result.usersList.map((u) => [u.id, u.orders.length])).toEqual([
      ['u1', 5],
      ['u2', 1],
    ]);
    expect(result.usersList[1]!.orders[0]!.products.map((p) => p.id).sort()).toEqual(['p1', 'p2', 'p4']);
    // The users' find, then one find for the orders of both, then the products of all six orders by id.
    expect(byCall['home.find']).toBe(2);
    expect((byCall['cache.get_many'] ?? 0) + (byCall['home.get_many'] ?? 0)).toBeLessThanOrEqual(2);
  });

  it('answers in-process with the same data as over HTTP', async () => {
    const schema = await graphqlSchema(db, OPTIONS);
    const http = await full.request<Tree>(TREE, { id: 'u1' });
    const local = await graphqlExecute(db, { query: TREE, variables: { id: 'u1' } }, { schema });
    expect(local.errors).toBeUndefined();
    expect(local.data).toEqual(http);
  });

  it('filters through a relation on the home, lists, counts and searches', async () => {
    const result = await full.request<{
      ordersList: { id: string; user: { country: string } }[];
      ordersCount: number;
    }>(gql`
      {
        ordersList(related: { user: { country: "DE" } }, filter: { status: "paid" }, orderBy: { id: "desc" }, limit: 3) { id user { country } }
        ordersCount(related: { user: { country: "DE" } })
      }
    `);
    expect(result.ordersList.map((o) => o.id)).toEqual(['o5', 'o4', 'o3']);
    expect(result.ordersList.every((o) => o.user.country === 'DE')).toBe(true);
    expect(result.ordersCount).toBe(5);
    const fr = await full.request<{ usersList: { id: string }[] }>(
      gql`{ usersList(related: { orders: { id: "o6" } }) { id } }`,
    );
    expect(fr.usersList.map((u) => u.id)).toEqual(['u2']);
    const found = await full.request<{ productsSearch: { total: number; hits: { record: { id: string } }[] } }>(
      gql`{ productsSearch(text: "Product", where: { category: "audio" }, limit: 50) { total hits { record { id } } } }`,
    );
    expect(found.productsSearch.total).toBe(7);
    expect(found.productsSearch.hits.map((h) => h.record.id).sort()).toEqual([
      'p10',
      'p12',
      'p14',
      'p2',
      'p4',
      'p6',
      'p8',
    ]);
  });

  it('answers analytics fields from the analytics store', async () => {
    const { revenueByCategory } = await full.request<{
      revenueByCategory: { category: string; revenue: number; units: number }[];
    }>(gql`{ revenueByCategory { category revenue units orders } }`);
    const expected = new Map<string, number>();
    for (const o of [...Array.from({ length: 5 }, (_, k) => [3 * k + 1, 3 * k + 2, 3 * k + 3]), [1, 2, 4]])
      for (const i of o) expected.set(product(i).category, (expected.get(product(i).category) ?? 0) + 10 + i);
    expect(Object.fromEntries(revenueByCategory.map((r) => [r.category, r.revenue]))).toEqual(
      Object.fromEntries(expected),
    );
  });

  it('answers a stored value its declared type cannot carry as a coded error without the value', async () => {
    const schema = await graphqlSchema(db, {
      analytics: { odd: { store: 'analytics', sql: 'SELECT 1234.5 AS amount', columns: { amount: 'Int' } } },
    });
    const result = await graphqlExecute(db, { query: '{ odd { amount } }' }, { schema });
    expect(result.errors?.[0]).toMatchObject({ path: ['odd', 0, 'amount'], extensions: { code: 'PS_ERR_INTERNAL' } });
    expect(JSON.stringify(result.errors)).not.toContain('1234');
  });

  it('reads its own writes with a token', async () => {
    const written = await db.entity('products').update('p7', { name: 'Renamed 7' });
    const { products } = await full.request<{ products: { name: string; _version: number } }>(
      gql`query ($after: String) { products(id: "p7", consistency: READ_YOUR_WRITES, after: $after) { name _version } }`,
      { after: written.$token },
    );
    expect(products).toEqual({ name: 'Renamed 7', _version: written.$version });
  });

  it('carries coded errors with field and fix', async () => {
    const refused = await usersOnly.request(gql`{ users(id: "u1") { name orders { id } } }`).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClientError);
    const forbidden = (refused as ClientError).response;
    expect(forbidden.status).toBe(200);
    expect((forbidden.data as { users: { name: string } }).users.name).toBe('Ada');
    expect(forbidden.errors![0]!.extensions).toMatchObject({ code: 'PS_ERR_FORBIDDEN', field: 'entity:orders:read' });
    expect(forbidden.errors![0]!.path).toEqual(['users', 'orders']);

    const bad = (await full
      .request(gql`query ($f: JSON) { usersList(filter: $f) { id } }`, { f: { country: { $near: 1 } } })
      .catch((e: unknown) => e)) as ClientError;
    expect(bad.response.errors![0]!.extensions).toMatchObject({ code: 'PS_ERR_INVALID_FILTER', field: 'country' });
    expect(bad.response.errors![0]!.extensions.fix).toEqual(expect.any(String));

    const unknown = (await full.request(gql`{ users(id: "u1") { salary } }`).catch((e: unknown) => e)) as ClientError;
    expect(unknown.response.status).toBe(400);
    expect(unknown.response.errors![0]!.extensions).toMatchObject({ code: 'PS_ERR_GRAPHQL_DOCUMENT' });

    const strong = (await full
      .request(gql`{ productsSearch(text: "x", consistency: STRONG) { total } }`)
      .catch((e: unknown) => e)) as ClientError;
    expect(strong.response.errors![0]!.extensions).toMatchObject({
      code: 'PS_ERR_UNSUPPORTED_READ',
      field: 'consistency',
    });
  });
});
