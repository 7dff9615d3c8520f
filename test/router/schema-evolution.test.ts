import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mysqlHome } from '../../src/adapters/mysql/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { createPolystore, defineEntity, isPolystoreError, silentLogger } from '../../src/index.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { createMariaDatabase, dropMariaDatabase, dropPostgresSchema } from '../support/server-cleanup.js';
import { describeWithServer } from '../support/servers.js';
import { SERVER_URLS } from '../support/servers-urls.js';

const v1 = z.object({ id: z.string(), name: z.string(), age: z.number().int() });
/** v1 with two new optional fields: an additive change. */
const v2 = v1.extend({ nick: z.string().optional(), tags: z.array(z.string()).optional() });
const people = (schema: z.ZodObject) => defineEntity({ name: 'people', schema });

/** Opens a Polystore on the same home namespace each time, with the entity as declared now. */
type Reopen = () => HomeStore;

async function withEntity<T>(reopen: Reopen, schema: z.ZodObject, fn: (db: ReturnType<typeof open>) => Promise<T>) {
  const db = open(reopen, schema);
  try {
    await db.ready();
    return await fn(db);
  } finally {
    await db.close();
  }
}

function open(reopen: Reopen, schema: z.ZodObject) {
  return createPolystore({ home: reopen(), entities: [people(schema)], logger: silentLogger });
}

type Setup = () => Promise<{ reopen: Reopen; cleanup: () => Promise<void> }>;

/** A fresh home namespace holding `p1` as declared by `v1`; runs `fn` on it, then removes the namespace. */
async function withSeededHome(setup: Setup, fn: (reopen: Reopen) => Promise<void>): Promise<void> {
  const { reopen, cleanup } = await setup();
  try {
    await withEntity(reopen, v1, (db) => db.entity('people').create({ id: 'p1', name: 'Ada', age: 36 }));
    await fn(reopen);
  } finally {
    await cleanup();
  }
}

function evolutionCases(name: string, setup: Setup) {
  describe(`schema evolution on ${name}`, () => {
    it('adds a new optional field on ready(): old rows read without it, new rows carry it', async () => {
      await withSeededHome(setup, async (reopen) => {
        await withEntity(reopen, v2, async (db) => {
          const people = db.entity('people');
          expect({ ...(await people.get('p1', { consistency: 'strong' })) }).toMatchObject({
            id: 'p1',
            name: 'Ada',
            age: 36,
          });
          expect((await people.get('p1', { consistency: 'strong' }))?.nick ?? undefined).toBeUndefined();
          await people.create({ id: 'p2', name: 'Bob', age: 41, nick: 'b', tags: ['x'] });
          await people.update('p1', { nick: 'ada' });
          expect(await people.get('p2', { consistency: 'strong' })).toMatchObject({ nick: 'b', tags: ['x'] });
          expect(await people.get('p1', { consistency: 'strong' })).toMatchObject({ nick: 'ada', $version: 2 });
        });
        // Ready again with the same declaration: nothing to do.
        await withEntity(reopen, v2, async (db) => {
          expect(await db.entity('people').get('p2', { consistency: 'strong' })).toMatchObject({ nick: 'b' });
        });
      });
    });

    it('refuses breaking changes with a coded error naming each, and applies none of a refused plan', async () => {
      await withSeededHome(setup, async (reopen) => {
        const breaking: [z.ZodObject, string][] = [
          [v1.extend({ email: z.string(), nick: z.string().optional() }), '"email" is new and required'],
          [v1.extend({ age: z.string() }), '"age" changes type'],
          [z.object({ id: z.string(), name: z.string() }), '"age" is no longer declared'],
          [v1.extend({ name: z.string().optional(), nick: z.string() }), '"nick" is new and required'],
        ];
        for (const [schema, named] of breaking) {
          const db = open(reopen, schema);
          const error = await db.ready().catch((err: unknown) => err);
          await db.close();
          expect(isPolystoreError(error, 'PS_ERR_SCHEMA_CHANGE')).toBe(true);
          expect((error as Error).message).toContain(named);
          expect((error as Error & { fix?: string }).fix).toContain('expand');
        }
        // Nothing of the refused plans was applied: the original declaration still works, and a later
        // additive change still applies ("nick" of the last refused plan was not added as optional).
        await withEntity(reopen, v1, async (db) => {
          expect(await db.entity('people').get('p1', { consistency: 'strong' })).toMatchObject({ age: 36 });
          await db.entity('people').create({ id: 'p2', name: 'Bob', age: 1 });
        });
        await withEntity(reopen, v1.extend({ nick: z.string().optional() }), async (db) => {
          await db.entity('people').create({ id: 'p3', name: 'Cy', age: 2, nick: 'c' });
        });
      });
    });

    it('lets a required field become optional', async () => {
      await withSeededHome(setup, async (reopen) => {
        await withEntity(reopen, v1.extend({ age: z.number().int().optional() }), async (db) => {
          await db.entity('people').create({ id: 'p2', name: 'Bob' });
          expect(await db.entity('people').get('p2', { consistency: 'strong' })).toMatchObject({ name: 'Bob' });
        });
      });
    });
  });
}

evolutionCases('pglite', async () => {
  const dir = await freshPgliteDir();
  return { reopen: () => pgliteHome({ dataDir: dir.path }), cleanup: () => dir.cleanup() };
});

await describeWithServer('mysql', 'schema evolution on mariadb (server)', () => {
  evolutionCases('mariadb', async () => {
    const database = `test_${randomBytes(6).toString('hex')}`;
    await createMariaDatabase(database);
    return {
      reopen: () => mysqlHome({ uri: SERVER_URLS.mysql, database }),
      cleanup: () => dropMariaDatabase(database),
    };
  });
});

await describeWithServer('postgres', 'schema evolution on postgres (server)', () => {
  evolutionCases('postgres', async () => {
    const schema = `test_${randomBytes(6).toString('hex')}`;
    return {
      reopen: () => postgresHome({ connectionString: SERVER_URLS.postgres, schema }),
      cleanup: () => dropPostgresSchema(schema),
    };
  });
});
