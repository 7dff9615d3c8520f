import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { uniqueName } from '../support/temp-dir.js';

export interface KeyValueContractContext {
  readonly store: KeyValueStore;
  /** Opens a new store over the same data; the contract closes `store` first. */
  readonly reopen?: () => Promise<KeyValueStore>;
  /** Closes every store the context opened and removes its data. */
  readonly cleanup: () => Promise<void>;
}

const TTL_MS = 50;
/** Long enough past TTL_MS for a loaded CI machine. */
const PAST_TTL_MS = 150;

/**
 * Checks a read made right after writing with TTL_MS, unless TTL_MS has
 * already passed since `start` (a loaded machine may take that long to commit).
 */
async function expectWhileFresh(start: number, read: () => Promise<unknown>, expected: unknown): Promise<void> {
  const actual = await read();
  if (Date.now() - start < TTL_MS) expect(actual).toEqual(expected);
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

/**
 * The behaviour every key-value adapter must show. `make` returns a store per
 * test; scopes and keys are unique per test, so adapters backed by a shared
 * server need no cleanup between tests.
 */
export function describeKeyValueContract(name: string, make: () => Promise<KeyValueContractContext>): void {
  describe(`key-value store contract: ${name}`, () => {
    let ctx: KeyValueContractContext;
    let store: KeyValueStore;
    let scope: string;
    let key: (suffix: string) => string;

    beforeEach(async () => {
      ctx = await make();
      store = ctx.store;
      scope = uniqueName('scope');
      const prefix = uniqueName('k');
      key = (suffix) => `${prefix}:${suffix}`;
    });

    afterEach(async () => {
      await ctx.cleanup();
    });

    it('declares its kind and durability', () => {
      expect(store.kind).toBe('key-value');
      expect(['immediate', 'on-flush']).toContain(store.durability);
      expect(store.driver).toMatch(/^[a-z0-9-]+$/);
    });

    it('sets, gets, overwrites and deletes JSON values', async () => {
      const values = {
        obj: { name: 'Ada', tags: ['a', 'b'], nested: { n: 1.5 } },
        arr: [1, 'two', null],
        str: 'x',
        num: 0,
        flag: false,
      };
      for (const [suffix, value] of Object.entries(values)) await store.set(key(suffix), value);
      for (const [suffix, value] of Object.entries(values)) expect(await store.get(key(suffix))).toEqual(value);

      await store.set(key('str'), 'y');
      expect(await store.get(key('str'))).toBe('y');

      expect(await store.del(key('str'))).toBe(true);
      expect(await store.del(key('str'))).toBe(false);
      expect(await store.get(key('str'))).toBeNull();
      expect(await store.get(key('never-set'))).toBeNull();
    });

    it('answers mget in order, with null in place of missing keys', async () => {
      await store.set(key('a'), 1);
      await store.set(key('c'), { three: 3 });
      expect(await store.mget([key('a'), key('b'), key('c'), key('a')])).toEqual([1, null, { three: 3 }, 1]);
      expect(await store.mget([])).toEqual([]);
    });

    it('returns values the caller owns: changing one read changes neither the store nor another read', async () => {
      const value = { name: 'v1', tags: ['a'] };
      await store.set(key('o'), value);
      await store.applyIfNewer(scope, [{ key: 'p1', version: 1, value }]);
      value.tags.push('changed after write');
      const reads = [
        await store.get<{ name: string; tags: string[] }>(key('o')),
        ...(await store.mget<{ name: string; tags: string[] }>([key('o'), key('o')])),
        (await store.getVersioned<{ name: string; tags: string[] }>(scope, 'p1'))?.value,
        ...(await store.mgetVersioned<{ name: string; tags: string[] }>(scope, ['p1', 'p1'])).map((e) => e?.value),
      ];
      for (const read of reads) {
        read!.name = 'mutated';
        read!.tags.push('x');
      }
      expect(await store.get(key('o'))).toEqual({ name: 'v1', tags: ['a'] });
      expect(await store.getVersioned(scope, 'p1')).toEqual({ value: { name: 'v1', tags: ['a'] }, version: 1 });
    });

    it('treats a key whose TTL has passed as absent', async () => {
      const start = Date.now();
      await store.set(key('short'), 'gone soon', { ttlMs: TTL_MS });
      await expectWhileFresh(start, () => store.get(key('short')), 'gone soon');
      await store.set(key('long'), 'stays', { ttlMs: 60_000 });
      await store.set(key('forever'), 'stays');
      await sleep(PAST_TTL_MS);
      expect(await store.get(key('short'))).toBeNull();
      expect(await store.mget([key('short'), key('long'), key('forever')])).toEqual([null, 'stays', 'stays']);
      expect(await store.del(key('short'))).toBe(false);

      // A set without TTL replaces one with a TTL.
      await store.set(key('renewed'), 1, { ttlMs: TTL_MS });
      await store.set(key('renewed'), 2);
      await sleep(PAST_TTL_MS);
      expect(await store.get(key('renewed'))).toBe(2);
    });

    it('rejects a TTL that is not a positive number', async () => {
      for (const ttlMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
        const error = await errorOf(store.set(key('bad'), 1, { ttlMs }));
        expect(isPolystoreError(error, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
      }
      expect(() => store.setScopeTtl(scope, -1)).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_ARGUMENT' }));
      expect(await store.get(key('bad'))).toBeNull();
    });

    it('applies a newer version and skips older and duplicate ones', async () => {
      expect(await store.applyIfNewer(scope, [{ key: 'p1', version: 2, value: { name: 'v2' } }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await store.applyIfNewer(scope, [{ key: 'p1', version: 1, value: { name: 'v1' } }])).toEqual({
        applied: 0,
        skipped: 1,
      });
      expect(await store.applyIfNewer(scope, [{ key: 'p1', version: 2, value: { name: 'again' } }])).toEqual({
        applied: 0,
        skipped: 1,
      });
      expect(await store.getVersioned(scope, 'p1')).toEqual({ value: { name: 'v2' }, version: 2 });
      expect(await store.applyIfNewer(scope, [{ key: 'p1', version: 5, value: { name: 'v5' } }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await store.getVersioned(scope, 'p1')).toEqual({ value: { name: 'v5' }, version: 5 });
      // The versioned entry is a plain key too.
      expect(await store.get(`${scope}:p1`)).toEqual({ name: 'v5' });
      expect(await store.getVersioned(scope, 'missing')).toBeNull();
      expect(await store.applyIfNewer(scope, [])).toEqual({ applied: 0, skipped: 0 });
    });

    it('keeps a tombstone that blocks older upserts until a newer version recreates the key', async () => {
      await store.applyIfNewer(scope, [{ key: 'p1', version: 1, value: 'first' }]);
      expect(await store.applyIfNewer(scope, [{ key: 'p1', version: 3, value: null }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await store.getVersioned(scope, 'p1')).toEqual({ value: null, version: 3 });
      expect(await store.get(`${scope}:p1`)).toBeNull();

      expect(await store.applyIfNewer(scope, [{ key: 'p1', version: 2, value: 'late' }])).toEqual({
        applied: 0,
        skipped: 1,
      });
      expect(await store.getVersioned(scope, 'p1')).toEqual({ value: null, version: 3 });

      // A delete of a key never seen leaves a tombstone as well.
      await store.applyIfNewer(scope, [{ key: 'p2', version: 7, value: null }]);
      expect(await store.applyIfNewer(scope, [{ key: 'p2', version: 6, value: 'late' }])).toEqual({
        applied: 0,
        skipped: 1,
      });

      expect(await store.applyIfNewer(scope, [{ key: 'p1', version: 4, value: 'back' }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await store.getVersioned(scope, 'p1')).toEqual({ value: 'back', version: 4 });
    });

    it('answers getVersionedSync, where it offers it, as getVersioned does: live, tombstone, missing, expired, closed', async () => {
      const peek = store.getVersionedSync?.bind(store);
      if (!peek) return;
      await store.ready();
      await store.applyIfNewer(scope, [
        { key: 'live', version: 2, value: { name: 'v2' } },
        { key: 'gone', version: 5, value: null },
      ]);
      for (const id of ['live', 'gone', 'missing'])
        expect(peek(scope, id)).toEqual(await store.getVersioned(scope, id));
      expect(peek(scope, 'live')).toEqual({ value: { name: 'v2' }, version: 2 });
      // The caller owns what it reads.
      (peek(scope, 'live')?.value as { name: string }).name = 'changed';
      expect(peek(scope, 'live')).toEqual({ value: { name: 'v2' }, version: 2 });
      expect(() => peek(scope, '')).toThrow();
      const ttlScope = uniqueName('ttl');
      store.setScopeTtl(ttlScope, TTL_MS);
      await store.applyIfNewer(ttlScope, [{ key: 'brief', version: 1, value: 'x' }]);
      await sleep(PAST_TTL_MS);
      expect(peek(ttlScope, 'brief')).toBeNull();
      await store.close();
      expect(() => peek(scope, 'live')).toThrow(expect.objectContaining({ code: 'PS_ERR_STORE_CLOSED' }));
    });

    it('reports exact counts for a batch mixing every case', async () => {
      await store.applyIfNewer(scope, [
        { key: 'older', version: 5, value: 'kept' },
        { key: 'same', version: 5, value: 'kept' },
        { key: 'newer', version: 5, value: 'old' },
        { key: 'dead', version: 5, value: null },
        { key: 'revived', version: 5, value: null },
      ]);
      const result = await store.applyIfNewer(scope, [
        { key: 'older', version: 4, value: 'lost' },
        { key: 'same', version: 5, value: 'lost' },
        { key: 'newer', version: 6, value: 'new' },
        { key: 'dead', version: 4, value: 'lost' },
        { key: 'revived', version: 9, value: 'alive' },
        { key: 'fresh', version: 1, value: 'fresh' },
        { key: 'fresh-tombstone', version: 1, value: null },
      ]);
      expect(result).toEqual({ applied: 4, skipped: 3 });
      expect(await store.mgetVersioned(scope, ['older', 'same', 'newer', 'dead', 'revived', 'fresh', 'nope'])).toEqual([
        { value: 'kept', version: 5 },
        { value: 'kept', version: 5 },
        { value: 'new', version: 6 },
        { value: null, version: 5 },
        { value: 'alive', version: 9 },
        { value: 'fresh', version: 1 },
        null,
      ]);
    });

    it('applies a mixed batch the same after a batch of new keys as after a batch of rewrites', async () => {
      // Adapters may pick their write path from the scope's previous batch; the outcome must not depend on it.
      const seed = [
        { key: 'older', version: 5, value: 'kept' },
        { key: 'newer', version: 5, value: 'old' },
        { key: 'dead', version: 5, value: null },
      ];
      const mixed = [
        { key: 'older', version: 4, value: 'lost' },
        { key: 'newer', version: 6, value: 'new' },
        { key: 'dead', version: 4, value: 'lost' },
        { key: 'fresh', version: 2, value: 'fresh' },
      ];
      const inserting = `${scope}_ins`;
      const rewriting = `${scope}_rew`;
      for (const target of [inserting, rewriting]) await store.applyIfNewer(target, seed);
      await store.applyIfNewer(inserting, [{ key: 'other', version: 1, value: 'x' }]);
      await store.applyIfNewer(rewriting, seed);
      const results = [];
      for (const target of [inserting, rewriting]) {
        results.push({
          result: await store.applyIfNewer(target, mixed),
          read: await store.mgetVersioned(target, ['older', 'newer', 'dead', 'fresh']),
        });
      }
      expect(results[0]).toEqual({
        result: { applied: 2, skipped: 2 },
        read: [
          { value: 'kept', version: 5 },
          { value: 'new', version: 6 },
          { value: null, version: 5 },
          { value: 'fresh', version: 2 },
        ],
      });
      expect(results[1]).toEqual(results[0]);
    });

    it('applies a change once when the same batch races itself', async () => {
      const batch = [{ key: 'contended', version: 5, value: 'v5' }];
      const results = await Promise.all(Array.from({ length: 8 }, () => store.applyIfNewer(scope, batch)));
      expect(results.reduce((sum, result) => sum + result.applied, 0)).toBe(1);
      expect(results.reduce((sum, result) => sum + result.skipped, 0)).toBe(7);
    });

    it('lists the versions of one scope only, tombstones included, where it lists keys', async (testCtx) => {
      if (!store.listVersions) return testCtx.skip();
      const other = `${scope}x`;
      await store.applyIfNewer(scope, [
        { key: 'a', version: 1, value: 'a' },
        { key: 'b:with:colons', version: 2, value: 'b' },
        { key: 'c', version: 3, value: null },
      ]);
      await store.applyIfNewer(other, [{ key: 'z', version: 9, value: 'z' }]);
      await store.set(key('plain'), 'not versioned');

      const versions = await store.listVersions(scope);
      expect([...versions].sort((x, y) => x.key.localeCompare(y.key))).toEqual([
        { key: 'a', version: 1, deleted: false },
        { key: 'b:with:colons', version: 2, deleted: false },
        { key: 'c', version: 3, deleted: true },
      ]);
      expect(await store.listVersions(other)).toEqual([{ key: 'z', version: 9, deleted: false }]);
      expect(await store.listVersions(uniqueName('empty'))).toEqual([]);
    });

    it('drops every entry of one scope, tombstones included, and nothing of a scope whose name extends it', async (testCtx) => {
      if (!store.dropScope) return testCtx.skip();
      const other = `${scope}x`;
      const many = Array.from({ length: 2500 }, (_, i) => ({ key: `k${i}`, version: 1, value: { i } }));
      await store.applyIfNewer(scope, [...many, { key: 'gone', version: 2, value: null }]);
      await store.applyIfNewer(other, [{ key: 'k1', version: 3, value: 'kept' }]);
      await store.set(key('plain'), 'kept too');
      await store.dropScope(scope);
      await store.flush();
      if (store.listVersions) expect(await store.listVersions(scope)).toEqual([]);
      expect(await store.getVersioned(scope, 'k1')).toBeNull();
      expect(await store.getVersioned(other, 'k1')).toEqual({ version: 3, value: 'kept' });
      expect(await store.get(key('plain'))).toBe('kept too');
      // The scope is empty, not blocked: any version applies again (no tombstone is left).
      expect(await store.applyIfNewer(scope, [{ key: 'gone', version: 1, value: 'back' }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      await store.dropScope(uniqueName('never-written'));
    });

    it('expires versioned entries and tombstones with the scope TTL', async () => {
      const lasting = `${scope}_lasting`;
      store.setScopeTtl(scope, TTL_MS);
      const start = Date.now();
      await store.applyIfNewer(scope, [
        { key: 'up', version: 2, value: 'cached' },
        { key: 'tomb', version: 2, value: null },
      ]);
      await expectWhileFresh(start, () => store.getVersioned(scope, 'up'), { value: 'cached', version: 2 });
      const list = store.listVersions?.bind(store);
      if (list) await expectWhileFresh(start, async () => (await list(scope)).length, 2);
      await store.applyIfNewer(lasting, [{ key: 'up', version: 1, value: 'no ttl' }]);

      await sleep(PAST_TTL_MS);
      expect(await store.mgetVersioned(scope, ['up', 'tomb'])).toEqual([null, null]);
      expect(await store.get(`${scope}:up`)).toBeNull();
      if (list) expect(await list(scope)).toEqual([]);
      expect(await store.getVersioned(lasting, 'up')).toEqual({ value: 'no ttl', version: 1 });

      // An expired entry is absent, so an older version may be cached again.
      store.setScopeTtl(scope, undefined);
      expect(
        await store.applyIfNewer(scope, [
          { key: 'up', version: 1, value: 'older' },
          { key: 'tomb', version: 1, value: 'older' },
        ]),
      ).toEqual({ applied: 2, skipped: 0 });
      await sleep(PAST_TTL_MS);
      expect(await store.getVersioned(scope, 'up')).toEqual({ value: 'older', version: 1 });
    });

    it('keeps values, versions and tombstones through a reopen', async (testCtx) => {
      if (!ctx.reopen) return testCtx.skip();
      await store.set(key('plain'), { kept: true });
      await store.set(key('expiring'), 'x', { ttlMs: TTL_MS });
      await store.applyIfNewer(scope, [
        { key: 'a', version: 3, value: { n: 3 } },
        { key: 'b', version: 4, value: null },
      ]);
      await store.flush();
      await store.close();

      const reopened = await ctx.reopen();
      expect(await reopened.get(key('plain'))).toEqual({ kept: true });
      expect(await reopened.mgetVersioned(scope, ['a', 'b'])).toEqual([
        { value: { n: 3 }, version: 3 },
        { value: null, version: 4 },
      ]);
      expect(await reopened.applyIfNewer(scope, [{ key: 'b', version: 2, value: 'late' }])).toEqual({
        applied: 0,
        skipped: 1,
      });
      await sleep(PAST_TTL_MS);
      expect(await reopened.get(key('expiring'))).toBeNull();
    });

    it('refuses every call after close with PS_ERR_STORE_CLOSED', async () => {
      await store.set(key('a'), 1);
      await store.close();
      await store.close();
      const calls: Promise<unknown>[] = [
        store.get(key('a')),
        store.mget([key('a')]),
        store.set(key('a'), 2),
        store.del(key('a')),
        store.applyIfNewer(scope, [{ key: 'a', version: 1, value: 1 }]),
        store.getVersioned(scope, 'a'),
        store.mgetVersioned(scope, ['a']),
        ...(store.listVersions ? [store.listVersions(scope)] : []),
        store.flush(),
        store.ready(),
      ];
      for (const call of calls) {
        const error = await errorOf(call);
        expect(isPolystoreError(error, 'PS_ERR_STORE_CLOSED')).toBe(true);
      }
    });
  });
}
