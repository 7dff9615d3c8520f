import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import {
  cacheView,
  createPolystore,
  defineEntity,
  defineKeyspace,
  defineSaga,
  type Versioned,
  type WriteToken,
} from '../../src/index.js';

// These assertions are checked by `tsc` (npm run check); at run time they only build objects.
const users = defineEntity({
  name: 'users',
  schema: z.object({ id: z.string(), email: z.email(), age: z.number().int(), joined: z.date() }),
});
const notes = defineEntity({
  name: 'notes',
  storage: 'document',
  schema: z.object({ id: z.string(), text: z.string(), tags: z.array(z.string()) }),
});
const counters = defineEntity({
  name: 'counters',
  schema: z.object({ id: z.string(), n: z.number().int().default(0), label: z.string().optional() }),
});
const carts = defineKeyspace({ name: 'carts', store: 'cache', schema: z.object({ items: z.array(z.string()) }) });
const db = createPolystore({
  home: pgliteHome({ dataDir: '/nonexistent-never-opened' }),
  stores: { cache: lmdbStore({ path: '/nonexistent-never-opened' }) },
  entities: [users, notes, counters],
  keyspaces: [carts],
  views: [cacheView(users, { store: 'cache', select: (u) => ({ email: u.email, joined: u.joined }) })],
});

describe('public types', () => {
  it('flow from the schema to reads and writes', () => {
    const client = db.entity('users');
    expectTypeOf(client.create).parameter(0).toEqualTypeOf<{ id: string; email: string; age: number; joined: Date }>();
    expectTypeOf(client.get).returns.resolves.toEqualTypeOf<Versioned<{
      id: string;
      email: string;
      age: number;
      joined: Date;
    }> | null>();
    expectTypeOf<Awaited<ReturnType<typeof client.get>>>()
      .exclude<null>()
      .toHaveProperty('$version')
      .toEqualTypeOf<number>();
    expectTypeOf(client.update)
      .parameter(1)
      .toEqualTypeOf<Partial<{ id: string; email: string; age: number; joined: Date }>>();
    expectTypeOf(db.entity('notes').search)
      .returns.resolves.toHaveProperty('hits')
      .items.toHaveProperty('record')
      .toHaveProperty('tags')
      .toEqualTypeOf<string[]>();
    expectTypeOf(db.keyspace('carts').get).returns.resolves.toEqualTypeOf<{ items: string[] } | null>();
  });

  it('takes the schema input on writes (defaults optional) and returns versions and tokens', () => {
    const counters = db.entity('counters');
    expectTypeOf(counters.create)
      .parameter(0)
      .toEqualTypeOf<{ id: string; n?: number | undefined; label?: string | undefined }>();
    expectTypeOf(counters.create).returns.resolves.toHaveProperty('n').toEqualTypeOf<number>();
    expectTypeOf(counters.create).returns.resolves.toHaveProperty('$token').toEqualTypeOf<WriteToken>();
    expectTypeOf(counters.delete).returns.resolves.toHaveProperty('$version').toEqualTypeOf<number>();
    void db.transaction(async (tx) => {
      expectTypeOf(tx.entity('counters').create).parameter(0).toHaveProperty('id').toEqualTypeOf<string>();
      expectTypeOf(tx.entity('users').get).returns.resolves.toEqualTypeOf<Versioned<{
        id: string;
        email: string;
        age: number;
        joined: Date;
      }> | null>();
      // @ts-expect-error: no entity is named "orders"
      tx.entity('orders');
      return 1;
    });
  });

  it('gives projections the JSON form of a record (dates as strings)', () => {
    cacheView(users, {
      store: 'cache',
      select: (u) => {
        expectTypeOf(u.joined).toEqualTypeOf<string>();
        return { joined: u.joined };
      },
    });
  });

  it('rejects misuse at compile time', () => {
    const misuse = () => {
      // @ts-expect-error: no entity is named "orders"
      db.entity('orders');
      // @ts-expect-error: email must be a string
      void db.entity('users').create({ id: 'u1', email: 42, age: 1, joined: new Date() });
      // @ts-expect-error: a missing required field
      void db.entity('users').create({ id: 'u1', email: 'a@b.c', joined: new Date() });
      // @ts-expect-error: no keyspace is named "sessions"
      db.keyspace('sessions');
    };
    expectTypeOf(misuse).toBeFunction();
  });
});

describe('saga types', () => {
  it('type a saga start by its input schema, and home steps by the entities they write', () => {
    const signup = defineSaga({
      name: 'signup',
      version: 1,
      input: z.object({ id: z.string(), email: z.email() }),
      entities: [users, notes],
      steps: [
        {
          kind: 'home',
          name: 'user',
          run: async ({ tx, input }) => {
            expectTypeOf(input).toEqualTypeOf<{ id: string; email: string }>();
            await tx.entity('users').create({ id: input.id, email: input.email, age: 1, joined: new Date() });
            // @ts-expect-error an entity the saga does not declare
            tx.entity('carts');
          },
          compensate: async ({ tx, input }) => void (await tx.entity('users').delete(input.id)),
        },
        {
          kind: 'external',
          name: 'welcome',
          run: async ({ idempotencyKey, signal }) => {
            expectTypeOf(idempotencyKey).toEqualTypeOf<string>();
            expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
          },
        },
      ],
    });
    const withSagas = createPolystore({
      home: pgliteHome({ dataDir: '/nonexistent-never-opened' }),
      entities: [users, notes],
      sagas: [signup],
    });
    expectTypeOf(withSagas.saga(signup).start).parameter(0).toEqualTypeOf<{ id: string; email: string }>();
    expectTypeOf(withSagas.saga(signup).start).returns.toEqualTypeOf<Promise<string>>();
  });
});
