import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { cacheView, createPolystore, defineEntity, isPolystoreError, silentLogger } from '../../src/index.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { tempDir } from '../support/temp-dir.js';

const accounts = defineEntity({
  name: 'accounts',
  schema: z.object({ id: z.string(), email: z.email(), plan: z.enum(['free', 'pro']), seats: z.number().int().min(1) }),
});
const docs = defineEntity({
  name: 'docs',
  storage: 'document',
  maxPayloadBytes: 2048,
  schema: z.object({ id: z.string(), title: z.string(), meta: z.object({ owner: z.string() }) }),
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return isPolystoreError(err) ? err.code : `not coded: ${String(err)}`;
  }
}

describe('entity client against PGlite and LMDB', () => {
  let cleanup: (() => Promise<void>)[] = [];
  const made = async () => {
    const home = await freshPgliteDir();
    const dir = await tempDir();
    const cache = lmdbStore({ path: dir.path });
    const db = createPolystore({
      home: pgliteHome({ dataDir: home.path }),
      stores: { cache },
      entities: [accounts, docs],
      views: [cacheView(accounts, { store: 'cache' })],
      sync: { pollIntervalMs: 10 },
      logger: silentLogger,
    });
    await db.ready();
    cleanup.push(async () => {
      await db.close();
      await home.cleanup();
      await dir.cleanup();
    });
    return { db, cache };
  };
  let ctx: Awaited<ReturnType<typeof made>>;
  beforeAll(async () => {
    ctx = await made();
  });
  afterAll(async () => {
    for (const fn of cleanup) await fn();
    cleanup = [];
  });

  it('writes nothing, not even an outbox event, when one record of a batch is invalid or a duplicate', async () => {
    const { db } = ctx;
    const head = (await db.sync.stats()).head;
    const good = { id: 'a1', email: 'a@example.com', plan: 'free' as const, seats: 1 };
    expect(await codeOf(db.entity('accounts').createMany([good, { ...good, id: 'a2', seats: 0 }]))).toBe(
      'PS_ERR_VALIDATION',
    );
    expect(await codeOf(db.entity('accounts').createMany([good, { ...good, id: 'a3' }, { ...good }]))).toBe(
      'PS_ERR_ALREADY_EXISTS',
    );
    expect(await db.entity('accounts').count()).toBe(0);
    expect((await db.sync.stats()).head).toBe(head);
  });

  it('rejects unknown fields, oversized payloads, bad filters and unknown entities with coded errors', async () => {
    const { db } = ctx;
    await db.entity('accounts').create({ id: 'b1', email: 'b@example.com', plan: 'pro', seats: 3 });
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bypassing the types to send bad input
    const loose = db.entity('accounts') as any;
    expect(await codeOf(loose.create({ id: 'b2', email: 'c@example.com', plan: 'pro', seats: 1, admin: true }))).toBe(
      'PS_ERR_UNKNOWN_FIELD',
    );
    expect(await codeOf(loose.update('b1', { role: 'owner' }))).toBe('PS_ERR_UNKNOWN_FIELD');
    expect(await codeOf(loose.update('b1', { id: 'other' }))).toBe('PS_ERR_VALIDATION');
    expect(await codeOf(db.entity('docs').create({ id: 'd1', title: 'x'.repeat(4096), meta: { owner: 'b1' } }))).toBe(
      'PS_ERR_PAYLOAD_TOO_LARGE',
    );
    expect(await codeOf(db.entity('accounts').find({ plan: { $regex: '.*' } }))).toBe('PS_ERR_INVALID_FILTER');
    expect(await codeOf(db.entity('accounts').find({ "plan' OR 1=1 --": 'x' }))).toBe('PS_ERR_INVALID_FILTER');
    expect(await codeOf(db.entity('accounts').find({}, { limit: 0 }))).toBe('PS_ERR_INVALID_ARGUMENT');
    expect(() => (db as unknown as { entity(name: string): unknown }).entity('nope')).toThrowError(
      expect.objectContaining({ code: 'PS_ERR_UNKNOWN_ENTITY' }),
    );
    expect(await codeOf(db.entity('accounts').search({ text: 'x' }))).toBe('PS_ERR_UNSUPPORTED_READ');
    expect(await db.entity('accounts').get('b1', { consistency: 'strong' })).toMatchObject({ seats: 3, $version: 1 });
  });

  it('matches injection-looking values literally', async () => {
    const { db } = ctx;
    const title = "x'); DROP TABLE docs; --";
    await db.entity('docs').create({ id: 'd2', title, meta: { owner: "o' OR '1'='1" } });
    expect((await db.entity('docs').find({ title })).map((d) => d.id)).toEqual(['d2']);
    expect(await db.entity('docs').find({ 'meta.owner': 'o' })).toEqual([]);
    expect(await db.entity('docs').count()).toBe(1);
  });

  it('enforces expected versions and leaves the record unchanged on a conflict', async () => {
    const { db } = ctx;
    const created = await db.entity('accounts').create({ id: 'c1', email: 'c1@example.com', plan: 'free', seats: 1 });
    const updated = await db.entity('accounts').update('c1', { seats: 2 }, { expectedVersion: created.$version });
    expect(updated).toMatchObject({ seats: 2, $version: 2 });
    const err = await db
      .entity('accounts')
      .update('c1', { seats: 9 }, { expectedVersion: 1 })
      .catch((e: unknown) => e);
    expect(isPolystoreError(err, 'PS_ERR_VERSION_CONFLICT') && err.details).toEqual({
      expectedVersion: 1,
      currentVersion: 2,
    });
    expect(await codeOf(db.entity('accounts').delete('c1', { expectedVersion: 1 }))).toBe('PS_ERR_VERSION_CONFLICT');
    expect(await db.entity('accounts').get('c1', { consistency: 'strong' })).toMatchObject({ seats: 2, $version: 2 });
  });

  it('serves gets cache-aside, fills the cache with the home version, and keeps deletes deleted', async () => {
    const { db, cache } = ctx;
    await db.sync.stop();
    await db.entity('accounts').create({ id: 'e1', email: 'e1@example.com', plan: 'pro', seats: 5 });
    expect(await cache.getVersioned('accounts_cache', 'e1')).toBeNull();
    expect(await db.entity('accounts').get('e1')).toMatchObject({ seats: 5, $version: 1 });
    expect(await cache.getVersioned('accounts_cache', 'e1')).toMatchObject({ version: 1, value: { seats: 5 } });

    await db.sync.start();
    await db.entity('accounts').delete('e1');
    expect(await db.entity('accounts').get('e1', { consistency: 'read-your-writes' })).toBeNull();
    expect(await cache.getVersioned('accounts_cache', 'e1')).toEqual({ value: null, version: 2 });
    const again = await db.entity('accounts').create({ id: 'e1', email: 'e1@example.com', plan: 'free', seats: 1 });
    expect(again.$version).toBe(3);
    expect(await db.entity('accounts').get('e1', { consistency: 'read-your-writes' })).toMatchObject({
      plan: 'free',
      $version: 3,
    });
    await db.sync.catchUp();
    expect((await db.check()).map((d) => d.missing + d.stale + d.extra)).toEqual([0]);
  });

  it('checks ids against the stores of the entity before any write, and reads of unstorable ids answer null', async () => {
    const { db } = ctx;
    const accounts = db.entity('accounts');
    const base = { email: 'i@example.com', plan: 'free' as const, seats: 1 };
    // The LMDB cache holds keys of 1024 bytes with their scope prefix, measured in the longest scope a
    // rebuild can give the view ("accounts_cache_g9999"): 1003 bytes.
    for (const [id, field] of [
      ['', 'id'],
      ['a\u0000b', 'id'],
      ['a\ud800b', 'id'],
      ['é'.repeat(505), 'id'],
      ['x'.repeat(1004), 'id'],
    ] as const) {
      const err = await accounts.create({ ...base, id }).catch((e: unknown) => e);
      expect(isPolystoreError(err, 'PS_ERR_VALIDATION') && err.field, JSON.stringify(id)).toBe(field);
    }
    const odd = ['a\nb', 'a b', 'ü/é:*>.', 'quote\'"', 'x'.repeat(1003)];
    for (const id of odd) await accounts.create({ ...base, id });
    for (const id of odd) expect(await accounts.get(id, { consistency: 'read-your-writes' })).toMatchObject({ id });
    expect(await accounts.get('x'.repeat(1004))).toBeNull();
    expect(await codeOf(accounts.update('x'.repeat(1004), { seats: 2 }))).toBe('PS_ERR_NOT_FOUND');
    expect(await codeOf(accounts.delete('a\u0000b'))).toBe('PS_ERR_NOT_FOUND');
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bypassing the types to send bad input
    expect(await codeOf(accounts.get(42 as any))).toBe('PS_ERR_INVALID_ARGUMENT');
    await db.sync.catchUp();
    expect((await db.check()).map((d) => d.missing + d.stale + d.extra)).toEqual([0]);
  });

  it('refuses an expectedVersion that is not a version as an invalid argument, whatever its type', async () => {
    const { db } = ctx;
    const accounts = db.entity('accounts');
    await accounts.create({ id: 'v1', email: 'v@example.com', plan: 'free', seats: 1 });
    for (const expectedVersion of ['abc', Number.NaN, -1, 1.5, '1', null] as unknown[]) {
      const options = { expectedVersion } as { expectedVersion: number };
      expect(await codeOf(accounts.update('v1', { seats: 2 }, options)), String(expectedVersion)).toBe(
        'PS_ERR_INVALID_ARGUMENT',
      );
      expect(await codeOf(accounts.delete('v1', options)), String(expectedVersion)).toBe('PS_ERR_INVALID_ARGUMENT');
    }
    expect(await accounts.get('v1', { consistency: 'strong' })).toMatchObject({ seats: 1, $version: 1 });
  });
});
