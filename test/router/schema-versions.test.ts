import { afterEach, describe, expect, it } from 'vitest';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { isPolystoreError, type PolystoreError } from '../../src/index.js';
import { type PeopleVersion, peopleDb, peopleEntity } from '../fixtures/people-schemas.js';
import { HOME_VARIANTS, type HomeVariant } from '../support/home-variants.js';
import { describeWithServer } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

type Space = Awaited<ReturnType<HomeVariant['space']>>;

/** A fresh namespace of `variant`, dropped after the test. */
async function freshSpace(variant: HomeVariant): Promise<Space> {
  const space = await variant.space();
  cleanups.push(space.cleanup);
  return space;
}

/** Opens `people` as declared by `version` on the space, runs `fn` (after ready() unless `ready: false`), closes. */
async function withPeople<T>(
  space: Space,
  version: PeopleVersion,
  fn: (db: ReturnType<typeof peopleDb>, home: HomeStore) => Promise<T>,
  options: { apply?: 'auto' | 'manual'; ready?: boolean } = {},
): Promise<T> {
  const home = space.home();
  const db = peopleDb(home, version, options.apply);
  try {
    if (options.ready !== false) await db.ready();
    return await fn(db, home);
  } finally {
    await db.close();
  }
}

async function seedV1(space: Space): Promise<void> {
  await withPeople(space, 'v1', (db) => db.entity('people').create({ id: 'p1', name: 'Ada', age: 36 }));
}

const stateOf = (home: HomeStore) => home.readState('schema/people');
const NICK = { kind: 'add', column: { name: 'nick', type: 'text', nullable: true } };

function schemaVersionCases(variant: HomeVariant) {
  it('records version 1 on the first ready(), keeps it for the same declaration, bumps it once per additive change', async () => {
    const space = await freshSpace(variant);
    const before = Date.now();
    await withPeople(space, 'v1', async (db, home) => {
      const [status] = await db.schemaStatus();
      expect(status).toMatchObject({ entity: 'people', version: 1, exists: true, matches: true });
      expect(status!.pending).toEqual({ changes: [], statements: [], breaking: [] });
      expect(status!.recorded!.columns.map((c) => c.name)).toEqual(['name', 'age']);
      expect(status!.recorded!.appliedAt).toBeGreaterThanOrEqual(before);
      expect((await stateOf(home))?.revision).toBe(1);
    });
    await withPeople(space, 'v1', async (db, home) => {
      expect((await db.schemaStatus())[0]).toMatchObject({ version: 1, matches: true });
      expect((await stateOf(home))?.revision).toBe(1);
    });
    await withPeople(space, 'v2', async (db, home) => {
      const [status] = await db.schemaStatus();
      expect(status).toMatchObject({ version: 2, matches: true });
      expect(status!.recorded!.columns.map((c) => c.name)).toEqual(['name', 'age', 'nick']);
      expect((await stateOf(home))?.revision).toBe(2);
    });
    await withPeople(space, 'v2', async (db, home) => {
      expect((await db.schemaStatus())[0]).toMatchObject({ version: 2, matches: true });
      expect((await stateOf(home))?.revision).toBe(2);
    });
  }, 60_000);

  it('plans exactly the pending change, or the breaking ones with their steps, and applies nothing', async () => {
    const space = await freshSpace(variant);
    await seedV1(space);
    for (let i = 0; i < 2; i++) {
      await withPeople(
        space,
        'v2',
        async (db, home) => {
          const [status] = await db.schemaStatus();
          expect(status).toMatchObject({ version: 1, exists: true, matches: false });
          expect(status!.pending.changes).toEqual([NICK]);
          expect(status!.pending.breaking).toEqual([]);
          expect(status!.pending.statements).toHaveLength(1);
          expect(status!.pending.statements[0]).toMatch(/^ALTER TABLE .*people.* ADD COLUMN IF NOT EXISTS .nick. /);
          expect((await home.planSchema([peopleEntity('v2').table]))[0]!.changes).toEqual([NICK]);
        },
        { ready: false },
      );
    }
    await withPeople(
      space,
      'breaking',
      async (db) => {
        const [status] = await db.schemaStatus();
        expect(status!.pending.statements).toEqual([]);
        expect(status!.pending.breaking.map((b) => b.change)).toEqual([
          '"age" changes type from integer to text',
          '"email" is new and required',
        ]);
        expect(status!.pending.breaking[1]!.steps[0]).toContain('declare "email" as optional');
      },
      { ready: false },
    );
    // Nothing was added: the first declaration still matches its table (a "nick" column would refuse it).
    await withPeople(
      space,
      'v1',
      async (db) => {
        expect((await db.schemaStatus())[0]).toMatchObject({ version: 1, matches: true });
      },
      { apply: 'manual' },
    );
  }, 60_000);

  it('in manual mode creates missing tables, refuses a changed one with PS_ERR_SCHEMA_PENDING until it is applied', async () => {
    const space = await freshSpace(variant);
    await withPeople(space, 'v1', (db) => db.entity('people').create({ id: 'p1', name: 'Ada', age: 36 }), {
      apply: 'manual',
    });
    await withPeople(
      space,
      'v2',
      async (db) => {
        const error = (await db.ready().catch((err: unknown) => err)) as PolystoreError;
        expect(isPolystoreError(error, 'PS_ERR_SCHEMA_PENDING')).toBe(true);
        expect(error.status).toBe(409);
        expect(error.field).toBe('people');
        expect(error.message).toContain('"people" (add "nick" (text, optional))');
        expect(error.fix).toContain('polystore migrate --apply');
        expect((await db.schemaStatus())[0]).toMatchObject({ version: 1, pending: { changes: [NICK] } });

        const [applied] = await db.schemaStatus({ apply: true });
        expect(applied).toMatchObject({ version: 2, matches: true, applied: { changes: [NICK], previousVersion: 1 } });
        await db.ready();
        const people = db.entity('people');
        expect((await people.get('p1', { consistency: 'strong' }))?.nick ?? undefined).toBeUndefined();
        await people.create({ id: 'p2', name: 'Bob', age: 41, nick: 'b' });
        expect(await people.get('p2', { consistency: 'strong' })).toMatchObject({ nick: 'b' });
      },
      { apply: 'manual', ready: false },
    );
    await withPeople(
      space,
      'breaking',
      async (db) => {
        const error = await db.ready().catch((err: unknown) => err);
        expect(isPolystoreError(error, 'PS_ERR_SCHEMA_CHANGE')).toBe(true);
      },
      { apply: 'manual', ready: false },
    );
  }, 60_000);

  it('widens an integer field to a double: old records read back as numbers, new ones keep fractions', async () => {
    const space = await freshSpace(variant);
    await seedV1(space);
    await withPeople(
      space,
      'wide',
      async (db) => {
        const [plan] = await db.schemaStatus();
        expect(plan!.pending.changes).toEqual([
          { kind: 'widen', column: { name: 'age', type: 'double', nullable: false }, from: 'integer' },
          NICK,
        ]);
        await db.ready();
        const people = db.entity('people');
        expect(await people.get('p1', { consistency: 'strong' })).toMatchObject({ age: 36 });
        await people.create({ id: 'p2', name: 'Bob', age: 41.5 });
        await people.update('p1', { age: 36.25 });
        expect(await people.get('p2', { consistency: 'strong' })).toMatchObject({ age: 41.5 });
        expect(await people.get('p1', { consistency: 'strong' })).toMatchObject({ age: 36.25, $version: 2 });
        expect(await people.count({ age: { $gt: 36.1 } })).toBe(2);
        expect((await db.schemaStatus())[0]).toMatchObject({ version: 2, matches: true });
      },
      { ready: false },
    );
    // Narrowing back is not safe: refused.
    await withPeople(
      space,
      'v2',
      async (db) => {
        const error = await db.ready().catch((err: unknown) => err);
        expect(isPolystoreError(error, 'PS_ERR_SCHEMA_CHANGE')).toBe(true);
        expect((error as Error).message).toContain('"age" changes type from double to integer');
      },
      { ready: false },
    );
  }, 60_000);
}

for (const variant of HOME_VARIANTS) {
  if (!variant.server) {
    describe(`schema versions: ${variant.name}`, () => schemaVersionCases(variant));
    continue;
  }
  await describeWithServer(variant.server, `schema versions: ${variant.name}`, () => {
    schemaVersionCases(variant);

    it('processes that ready() the same new declaration together apply it and bump the version once', async () => {
      const space = await freshSpace(variant);
      await seedV1(space);
      for (const [version, expected] of [
        ['v2', 2],
        ['v3', 3],
      ] as const) {
        const homes = [space.home(), space.home(), space.home()];
        const dbs = homes.map((home) => peopleDb(home, version));
        try {
          const results = await Promise.allSettled(dbs.map((db) => db.ready()));
          expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
          expect(await stateOf(homes[0]!)).toMatchObject({ revision: expected, value: { version: expected } });
          expect((await dbs[1]!.schemaStatus())[0]).toMatchObject({ version: expected, matches: true });
        } finally {
          await Promise.all(dbs.map((db) => db.close()));
        }
      }
    }, 60_000);
  });
}
