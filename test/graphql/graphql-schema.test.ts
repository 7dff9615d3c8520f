import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShop, type Shop } from '../../examples/ecommerce/shop.js';
import { RequestBatcher } from '../../src/graphql/request-batcher.js';
import { type GraphqlOptions, graphqlExecute, graphqlSchema, isPolystoreError } from '../../src/index.js';

describe('RequestBatcher', () => {
  it('loads the keys asked for in one turn with one call, each key once', async () => {
    const calls: string[][] = [];
    const batcher = new RequestBatcher<string, string>(async (keys) => {
      calls.push([...keys]);
      return keys.map((k) => k.toUpperCase());
    });
    const first = await Promise.all([
      batcher.load('a'),
      batcher.load('b'),
      batcher.load('a'),
      batcher.loadMany(['c', 'b']),
    ]);
    expect(first).toEqual(['A', 'B', 'A', ['C', 'B']]);
    expect(calls).toEqual([['a', 'b', 'c']]);
    // A later turn that asks again for a known key makes no call.
    expect(await Promise.all([batcher.load('b'), batcher.load('d')])).toEqual(['B', 'D']);
    expect(calls).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('rejects every key of a failed batch and does not remember the failure', async () => {
    let fail = true;
    const batcher = new RequestBatcher<string, number>(async (keys) => {
      if (fail) throw new Error('store down');
      return keys.map((k) => k.length);
    });
    const failed = await Promise.allSettled([batcher.load('x'), batcher.load('yy')]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.load('yy')).toBe(2);
  });
});

describe('graphqlSchema', () => {
  let db: Shop;
  let dir: string;
  beforeAll(async () => {
    // The schema reads only the model: nothing is opened.
    dir = await mkdtemp(join(tmpdir(), 'polystore-graphql-schema-'));
    db = createShop({ dataDir: dir });
  });
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a type per entity with fields from its zod schema, and the root fields that route it', async () => {
    const { printSchema } = await import('graphql');
    const schema = await graphqlSchema(db);
    const text = printSchema(schema);
    expect(text).toContain('type Users {');
    const products = /type Products \{([^}]*)\}/.exec(text)![1]!;
    // Nested objects are JSON, arrays of scalars lists, integers without 32-bit bounds Float.
    for (const line of [
      'id: String!',
      'price: Float',
      'specs: JSON',
      'tags: [String]',
      'stock: Float',
      '_version: Int!',
    ])
      expect(products).toContain(`  ${line}\n`);
    const root = schema.getQueryType()!.getFields();
    const args = (field: string) => root[field]?.args.map((a) => `${a.name}: ${a.type}`);
    const read = ['consistency: Consistency', 'after: String', 'maxStalenessMs: Int'];
    expect(args('users')).toEqual(['id: ID!', ...read]);
    expect(String(root.users!.type)).toBe('Users');
    expect(args('ordersList')).toEqual([
      'filter: JSON',
      'related: JSON',
      'orderBy: JSON',
      'limit: Int',
      'offset: Int',
      ...read,
    ]);
    expect(args('ordersCount')).toEqual(['filter: JSON', 'related: JSON', ...read]);
    expect(args('productsSearch')).toEqual(['text: String', 'where: JSON', 'limit: Int', 'offset: Int', ...read]);
    // Only entities with a search view get a search field.
    expect(root.usersSearch).toBeUndefined();
  });

  it('refuses options that do not fit the model, naming the field', async () => {
    const wrong: [GraphqlOptions, string][] = [
      [
        { relations: { users: { orders: { entity: 'ghosts', foreignKey: 'userId' } } } },
        'relations.users.orders.entity',
      ],
      [{ relations: { users: { orders: { entity: 'orders' } as never } } }, 'relations.users.orders'],
      [{ relations: { users: { email: { entity: 'orders', foreignKey: 'userId' } } } }, 'users.email'],
      [{ analytics: { sales: { store: 'graph', sql: 'SELECT 1' } } }, 'analytics.sales.store'],
      [{ analytics: { users: { store: 'analytics', sql: 'SELECT 1' } } }, 'analytics.users'],
      [{ graph: { products: { similar: { store: 'graph', cypher: 'RETURN 1' } } } }, 'graph.products.similar'],
    ];
    for (const [options, field] of wrong) {
      const error = await graphqlSchema(db, options).catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_INVALID_CONFIG')).toBe(true);
      expect(error).toMatchObject({ field });
    }
  });

  it('refuses a malformed write token and a document that does not validate, with codes', async () => {
    const bad = await graphqlExecute(db, { query: '{ users(id: "u1", after: "not a token!") { id } }' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'PS_ERR_INVALID_ARGUMENT', field: 'after' });
    const invalid = await graphqlExecute(db, {
      query: 'query ($n: Int) { usersList(limit: $n) { id } }',
      variables: { n: 'secret-value' },
    });
    expect(invalid.data).toBeUndefined();
    expect(invalid.errors?.[0]?.extensions.code).toBe('PS_ERR_GRAPHQL_DOCUMENT');
    expect(JSON.stringify(invalid)).not.toContain('secret-value');
  });
});
