import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEntity, isPolystoreError } from '../../src/index.js';
import { HOME_VARIANTS, type HomeVariant, openWithCacheViews } from '../support/home-variants.js';
import { describeWithServer } from '../support/servers.js';

const profiles = defineEntity({
  name: 'profiles',
  schema: z.object({
    id: z.string(),
    name: z.string(),
    nick: z.string().optional(),
    bio: z.string().nullable(),
    age: z.number().int().nullish(),
    born: z.date(),
    prefs: z.object({ since: z.date(), tags: z.array(z.string()) }).optional(),
    score: z.number().default(0),
  }),
});
const events = defineEntity({
  name: 'events',
  storage: 'document',
  schema: z.object({
    id: z.string(),
    at: z.date(),
    meta: z.object({ when: z.date(), note: z.string().optional(), seen: z.array(z.object({ t: z.date() })) }),
    size: z.bigint().optional(),
    label: z.string().nullish(),
  }),
});

const trees = defineEntity({
  name: 'trees',
  storage: 'document',
  schema: z.object({ id: z.string(), body: z.unknown() }),
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

async function open(variant: HomeVariant) {
  const { db, cleanup } = await openWithCacheViews(variant, [profiles, events, trees]);
  cleanups.push(cleanup);
  return db;
}

async function describeHome(variant: HomeVariant, body: () => void): Promise<void> {
  const name = `every read path returns the same record on ${variant.name}`;
  if (variant.server) await describeWithServer(variant.server, name, body);
  else describe(name, body);
}

const born = new Date('1990-05-06T07:08:09.010Z');
const at = new Date('2026-03-04T05:06:07.089Z');

for (const variant of HOME_VARIANTS) {
  await describeHome(variant, () => {
    it('reads a relational record the same way strongly, from the cache and after its write, and updates it', async () => {
      const db = await open(variant);
      const entity = db.entity('profiles');
      const created = await entity.create({ id: 'p1', name: 'Ada', bio: null, born });
      // Unset optional fields stay absent; a field that accepts null reads null; defaults are filled in.
      expect({ ...created }).toEqual({ id: 'p1', name: 'Ada', bio: null, age: null, born, score: 0, $version: 1 });
      const full = await entity.create({
        id: 'p2',
        name: 'Bob',
        nick: 'b',
        bio: 'hi',
        age: 40,
        born,
        prefs: { since: at, tags: ['x'] },
        score: 2.5,
      });
      for (const [id, expected] of [
        ['p1', { ...created }],
        ['p2', { ...full }],
      ] as const) {
        const strong = await entity.get(id, { consistency: 'strong' });
        const ryw = await entity.get(id, { consistency: 'read-your-writes' });
        const cached = await entity.get(id);
        const [many] = await entity.getMany([id]);
        const [found] = await entity.find({ id });
        expect(strong).toEqual(expected);
        expect(ryw).toEqual(expected);
        expect(cached).toEqual(expected);
        expect(many).toEqual(expected);
        expect(found).toEqual(expected);
      }
      expect((full as unknown as { prefs: { since: Date } }).prefs.since).toBeInstanceOf(Date);
      // A patch merges onto exactly what a read returns, and validates.
      const updated = await entity.update('p1', { name: 'Ada L.' });
      expect({ ...updated }).toEqual({ ...created, name: 'Ada L.', $version: 2 });
      const cleared = await entity.update('p2', { nick: undefined, age: null, prefs: undefined });
      expect('nick' in cleared).toBe(false);
      expect('prefs' in cleared).toBe(false);
      expect(await entity.get('p2', { consistency: 'read-your-writes' })).toEqual({ ...cleared });
      expect(await entity.get('p2', { consistency: 'strong' })).toEqual({ ...cleared });
    });

    it('reads a document with dates and a bigint the same way on every path, and updates it', async () => {
      const db = await open(variant);
      const entity = db.entity('events');
      const created = await entity.create({
        id: 'e1',
        at,
        meta: { when: born, seen: [{ t: at }, { t: born }] },
        size: 12345678901234567890n,
      });
      const expected = { ...created };
      expect(expected.meta.seen[1]!.t).toEqual(born);
      for (const read of [
        () => entity.get('e1', { consistency: 'strong' }),
        () => entity.get('e1', { consistency: 'read-your-writes' }),
        () => entity.get('e1'),
        async () => (await entity.find({ id: 'e1' }))[0],
      ]) {
        const record = await read();
        expect(record).toEqual(expected);
        expect(record!.at).toBeInstanceOf(Date);
        expect(record!.meta.seen[0]!.t).toBeInstanceOf(Date);
        expect(record!.size).toBe(12345678901234567890n);
      }
      const updated = await entity.update('e1', { label: 'seen' });
      expect({ ...updated }).toEqual({ ...expected, label: 'seen', $version: 2 });
      expect(await entity.get('e1', { consistency: 'read-your-writes' })).toEqual({ ...updated });
    });

    it('takes records nested as deep as the home allows, and refuses one level deeper with a coded error', async () => {
      const db = await open(variant);
      // MariaDB's JSON holds 32 levels; the other homes take the model's 64. A record of scalars is depth 2.
      const limit = variant.name === 'mariadb' ? 32 : 64;
      const record = (depth: number) => {
        let body: unknown = 'leaf';
        for (let i = 0; i < depth - 2; i++) body = { n: body };
        return { id: `d${depth}`, body };
      };
      const trees = db.entity('trees');
      const deepest = await trees.create(record(limit));
      expect(await trees.get(deepest.id, { consistency: 'strong' })).toEqual({ ...deepest });
      expect(await trees.get(deepest.id, { consistency: 'read-your-writes' })).toEqual({ ...deepest });
      const err = await trees.create(record(limit + 1)).catch((e: unknown) => e);
      expect(isPolystoreError(err, 'PS_ERR_VALIDATION') && err.message).toContain(`nests deeper than ${limit} levels`);
      expect(await trees.get(`d${limit + 1}`, { consistency: 'strong' })).toBeNull();
    });
  });
}
