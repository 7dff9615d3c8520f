import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { createPolystore, defineEntity, isPolystoreError, silentLogger } from '../../src/index.js';
import { HOME_VARIANTS, type HomeVariant } from '../support/home-variants.js';
import { describeWithServer } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const schema = z.object({ id: z.string(), name: z.string(), city: z.string().optional(), age: z.number().int() });

function open(home: HomeStore, options: { indexes?: (string | string[])[]; storage?: 'document'; apply?: 'manual' }) {
  const people = defineEntity({
    name: 'people',
    schema,
    ...(options.indexes ? { indexes: options.indexes } : {}),
    ...(options.storage ? { storage: options.storage } : {}),
  });
  return createPolystore({
    home,
    entities: [people],
    schema: { apply: options.apply ?? 'auto' },
    sync: { autoStart: false },
    logger: silentLogger,
  });
}

async function withDb<T>(
  home: () => HomeStore,
  options: Parameters<typeof open>[1],
  fn: (db: ReturnType<typeof open>) => Promise<T>,
) {
  const db = open(home(), options);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function indexCases(variant: HomeVariant) {
  it('creates indexes declared later as an additive change: planned with their SQL, applied once, versioned', async () => {
    const space = await variant.space();
    cleanups.push(space.cleanup);
    await withDb(space.home, {}, async (db) => {
      await db.ready();
      await db.entity('people').create({ id: 'p1', name: 'Ada', city: 'Oslo', age: 36 });
    });
    const indexes = ['name', ['city', 'age']];
    // Manual mode refuses to start with the indexes pending; nothing is created.
    await withDb(space.home, { indexes, apply: 'manual' }, async (db) => {
      const err = await db.ready().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isPolystoreError(err, 'PS_ERR_SCHEMA_PENDING')).toBe(true);
      const [status] = await db.schemaStatus();
      expect(status!.pending.changes.map((c) => (c.kind === 'index' ? c.index.fields : c.kind))).toEqual([
        ['name'],
        ['city', 'age'],
      ]);
      expect(status!.pending.statements).toHaveLength(2);
      for (const sql of status!.pending.statements) expect(sql).toMatch(/^CREATE INDEX IF NOT EXISTS/);
    });
    await withDb(space.home, { indexes }, async (db) => {
      await db.ready();
      const [status] = await db.schemaStatus();
      expect(status).toMatchObject({ version: 2, matches: true });
      expect(status!.pending.changes).toEqual([]);
      expect(await db.entity('people').find({ city: 'Oslo', age: { $gte: 30 } })).toHaveLength(1);
    });
    // The same declaration again: nothing to do, the version stays.
    await withDb(space.home, { indexes }, async (db) => {
      await db.ready();
      expect((await db.schemaStatus())[0]).toMatchObject({ version: 2, matches: true });
    });
  });

  it(
    variant.name === 'mariadb'
      ? 'refuses an index on a document entity with a coded error naming the field'
      : "indexes a document entity's fields",
    async () => {
      const space = await variant.space();
      cleanups.push(space.cleanup);
      await withDb(space.home, { storage: 'document', indexes: ['city'] }, async (db) => {
        if (variant.name === 'mariadb') {
          await expect(db.ready()).rejects.toMatchObject({ code: 'PS_ERR_INVALID_CONFIG', field: 'indexes' });
          return;
        }
        await db.ready();
        expect((await db.schemaStatus())[0]!.pending.changes).toEqual([]);
        await db.entity('people').create({ id: 'p1', name: 'Ada', city: 'Oslo', age: 36 });
        expect(await db.entity('people').find({ city: 'Oslo' })).toHaveLength(1);
      });
    },
  );
}

it('refuses index fields the schema does not declare', () => {
  expect(() => defineEntity({ name: 'people', schema, indexes: ['nope'] })).toThrow(
    expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG', field: 'indexes' }),
  );
  expect(() => defineEntity({ name: 'people', schema, indexes: [[]] })).toThrow(
    expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }),
  );
});

for (const variant of HOME_VARIANTS) {
  if (variant.server)
    await describeWithServer([variant.server], `entity indexes: ${variant.name} home`, () => indexCases(variant));
  else describe(`entity indexes: ${variant.name} home`, () => indexCases(variant));
}
