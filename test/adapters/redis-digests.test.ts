import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { redisStore } from '../../src/adapters/redis/index.js';
import { digestsOf, valuesOf } from '../../src/contracts/bucket-digest.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import type { VersionedChange } from '../../src/contracts/view-store.js';
import { deleteRedisKeys } from '../support/server-cleanup.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

const SCOPE = 'items';
const ODD = ['a', 'A', "it's", '日本', '😀', 'a:b', 'x*[y]', 'u\u0308', 'L'.repeat(600)];

await describeWithServer('redis', 'redis bucket digests', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  async function open() {
    const keyPrefix = `ps_test_${randomUUID().replaceAll('-', '')}:`;
    const admin = new Redis(SERVER_URLS.redis);
    const store = redisStore({ url: SERVER_URLS.redis, keyPrefix });
    await store.ready();
    cleanups.push(async () => {
      await store.close();
      admin.disconnect();
      await deleteRedisKeys(keyPrefix);
    });
    return { store, admin, keyPrefix };
  }

  /** The digests of what the store holds, computed here from its listing. */
  const reference = async (store: KeyValueStore) =>
    valuesOf(
      digestsOf(
        (await store.listVersions!(SCOPE)).filter((e) => !e.deleted).map((e) => ({ id: e.key, version: e.version })),
        16,
      ),
    );

  const put = (key: string, version: number, value: unknown = { key }): VersionedChange<unknown> => ({
    key,
    version,
    value,
  });

  it('keeps the digests of every write once built: creates, updates, deletes, re-creates, older versions, big batches', async () => {
    const { store } = await open();
    expect(await store.bucketDigests!(SCOPE)).toBeNull();
    expect(await store.buildDigests!(SCOPE)).toBe(true);
    expect(await store.bucketDigests!(SCOPE)).toEqual({ bits: 16, values: new Map() });
    await store.applyIfNewer(
      SCOPE,
      ODD.map((id) => put(id, 1)),
    );
    await store.applyIfNewer(SCOPE, [put('a', 3), put('A', 2, null), put("it's", 1, { stale: true })]);
    await store.applyIfNewer(SCOPE, [put('A', 3), put('日本', 5, null), put('new', 7, null)]);
    // A batch over 500 changes goes as several scripts; a key repeated within a batch too.
    const many = Array.from({ length: 1200 }, (_, i) => put(`k${i}`, 1 + (i % 3)));
    await store.applyIfNewer(SCOPE, many);
    await store.applyIfNewer(SCOPE, [put('k1', 9), put('k2', 1), put('k3', 10, null)]);
    const { values } = (await store.bucketDigests!(SCOPE))!;
    expect(values).toEqual(await reference(store));
    // A build of valid digests changes nothing.
    expect(await store.buildDigests!(SCOPE)).toBe(true);
    expect((await store.bucketDigests!(SCOPE))!.values).toEqual(values);
  });

  it('builds the digests of a scope written before, while applies go on, counting every entry once', async () => {
    const { store, admin, keyPrefix } = await open();
    await store.applyIfNewer(
      SCOPE,
      Array.from({ length: 3000 }, (_, i) => put(`r${i}`, 1 + (i % 5), i % 7 === 0 ? null : { i })),
    );
    // A plain value under the scope's prefix counts as no entry, as in the apply script.
    await admin.set(`${keyPrefix}${SCOPE}:plain`, '{"x":1}');
    expect(await store.bucketDigests!(SCOPE)).toBeNull();
    let writing = true;
    const writer = (async () => {
      for (let round = 0; writing; round++) {
        const batch = Array.from({ length: 50 }, (_, j) => {
          const i = (round * 50 + j * 61) % 3500;
          return put(`r${i}`, 10 + round, (i + round) % 4 === 0 ? null : { round });
        });
        await store.applyIfNewer(SCOPE, batch);
      }
    })();
    const built = await Promise.all([store.buildDigests!(SCOPE), store.buildDigests!(SCOPE)]);
    writing = false;
    await writer;
    expect(built).toEqual([true, true]);
    expect((await store.bucketDigests!(SCOPE))!.values).toEqual(await reference(store));
  });

  it('drops the digests on an apply with a TTL, on dropScope, when a data loss is recorded, and for a store told to keep none', async () => {
    const { store, admin, keyPrefix } = await open();
    await store.buildDigests!(SCOPE);
    await store.applyIfNewer(SCOPE, [put('a', 1)]);
    store.setScopeTtl(SCOPE, 60_000);
    expect(await store.bucketDigests!(SCOPE)).toBeNull();
    expect(await store.buildDigests!(SCOPE)).toBe(false);
    await store.applyIfNewer(SCOPE, [put('b', 1)]);
    store.setScopeTtl(SCOPE, undefined);
    expect(await store.bucketDigests!(SCOPE)).toBeNull();

    expect(await store.buildDigests!(SCOPE)).toBe(true);
    expect((await store.bucketDigests!(SCOPE))!.values).toEqual(await reference(store));
    await store.dropScope!(SCOPE);
    expect(await store.bucketDigests!(SCOPE)).toBeNull();

    await store.buildDigests!(SCOPE);
    await store.applyIfNewer(SCOPE, [put('c', 1)]);
    const losses: string[] = [];
    store.onDataLoss!((loss) => losses.push(loss.id));
    await admin.unlink(`${keyPrefix}:epoch`);
    await store.applyIfNewer(SCOPE, [put('d', 1)]);
    expect(losses).toHaveLength(1);
    expect(await store.bucketDigests!(SCOPE)).toBeNull();

    // A store told to keep no digests drops them at its first apply, and neither reads nor builds them.
    expect(await store.buildDigests!(SCOPE)).toBe(true);
    const without = redisStore({ url: SERVER_URLS.redis, keyPrefix, digests: false });
    try {
      await without.applyIfNewer(SCOPE, [put('e', 1)]);
      expect(await store.bucketDigests!(SCOPE)).toBeNull();
      expect(await without.bucketDigests!(SCOPE)).toBeNull();
      expect(await without.buildDigests!(SCOPE)).toBe(false);
    } finally {
      await without.close();
    }
    expect(() => redisStore({ url: SERVER_URLS.redis, digests: 'yes' as never })).toThrow(/digests/);
  });
});
