import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { inspect } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type RedisLike, type RedisStoreOptions, redisStore } from '../../src/adapters/redis/index.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import type { VersionedChange } from '../../src/contracts/view-store.js';
import { isPolystoreError, type PolystoreError } from '../../src/errors/index.js';
import { describeKeyValueContract } from '../contracts/key-value-contract.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

/** A fresh namespace per test; `[`, `]` and `*` check that SCAN patterns are escaped. */
const freshPrefix = (glob = false) => `ps_test_${randomUUID().replaceAll('-', '')}${glob ? '[*]' : ''}:`;

const escapeGlob = (literal: string) => literal.replace(/[*?[\]\\]/g, (char) => `\\${char}`);

async function failure(promise: Promise<unknown>): Promise<PolystoreError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPolystoreError(err)) throw new Error(`expected a PolystoreError, got ${inspect(err)}`);
  return err;
}

/** Every key under `pattern`, by SCAN. */
async function scanAll(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

/** A TCP proxy in front of the server, so a test can take "the server" down and bring it back. */
async function startProxy(port = 0): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const target = new URL(SERVER_URLS.redis);
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const upstream = tcpConnect(Number(target.port) || 6379, target.hostname);
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.pipe(upstream).pipe(downstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = new URL(SERVER_URLS.redis);
  url.hostname = '127.0.0.1';
  url.port = String(boundPort);
  return {
    url: url.toString(),
    port: boundPort,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('redis store options', () => {
  it('validates its options at construction, before anything connects', () => {
    const client = new Redis({ lazyConnect: true });
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    const invalid: [RedisStoreOptions, string][] = [
      [{ url: 'http://127.0.0.1:6379' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'redis://127.0.0.1', keyPrefix: '' }, 'keyPrefix'],
      [{ url: 'redis://127.0.0.1', keyPrefix: 'p'.repeat(300) }, 'keyPrefix'],
      [{ url: 'rediss://127.0.0.1', tls: false }, 'tls'],
      [{ url: 'redis://127.0.0.1', redisOptions: { keyPrefix: 'x:' } }, 'redisOptions.keyPrefix'],
      [{ url: 'redis://127.0.0.1', redisOptions: { lazyConnect: false } }, 'redisOptions.lazyConnect'],
      [{ client, url: 'redis://127.0.0.1' }, 'url'],
      [{ client, redisOptions: {} }, 'redisOptions'],
      [{ client: {} as RedisLike }, 'client'],
      [{ client: cluster as unknown as RedisLike }, 'client'],
    ];
    try {
      for (const [options, field] of invalid) {
        expect(() => redisStore(options), JSON.stringify(field)).toThrow(
          expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG', field }),
        );
      }
      vi.stubEnv('POLYSTORE_REDIS_URL', '');
      expect(() => redisStore()).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG', field: 'url' }));
      vi.stubEnv('POLYSTORE_REDIS_URL', 'redis://127.0.0.1:6390');
      expect(redisStore().driver).toBe('redis');
      expect(redisStore({ url: '/tmp/redis.sock', tls: { rejectUnauthorized: true } }).kind).toBe('key-value');
    } finally {
      vi.unstubAllEnvs();
      client.disconnect();
      cluster.disconnect();
    }
  });

  it('fails ready() with PS_ERR_STORE_UNAVAILABLE naming the URL with its password redacted', async () => {
    const store = redisStore({ url: 'redis://:secret@127.0.0.1:1/0' });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        // A failed open is retried by the next call, which fails the same way.
        const error = await failure(attempt === 0 ? store.ready() : store.get('k'));
        expect(error.code).toBe('PS_ERR_STORE_UNAVAILABLE');
        expect(error.message).toContain('redis://:***@127.0.0.1:1/0');
        expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
        for (const text of [error.message, error.stack, JSON.stringify(error), inspect(error, { depth: 5 })]) {
          expect(text).not.toContain('secret');
        }
      }
    } finally {
      await store.close();
    }
  });
});

await describeWithServer('redis', 'redis store', () => {
  const admin = new Redis(SERVER_URLS.redis, { lazyConnect: true });
  const prefixes: string[] = [];
  /** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS). */
  const deleteUnder = async (prefix: string) => {
    const keys = await scanAll(admin, `${escapeGlob(prefix)}*`);
    for (let i = 0; i < keys.length; i += 1000) await admin.unlink(...keys.slice(i, i + 1000));
  };

  /** Stores over one fresh prefix; `cleanup` closes them and deletes every key under the prefix. */
  const makeRedis = async (options: Omit<RedisStoreOptions, 'keyPrefix'> = {}, glob = false) => {
    const keyPrefix = freshPrefix(glob);
    prefixes.push(keyPrefix);
    const opened: KeyValueStore[] = [];
    const open = async () => {
      const store = redisStore({ ...(options.client ? {} : { url: SERVER_URLS.redis }), ...options, keyPrefix });
      opened.push(store);
      await store.ready();
      return store;
    };
    return {
      keyPrefix,
      store: await open(),
      reopen: open,
      cleanup: async () => {
        for (const store of opened) await store.close();
        await deleteUnder(keyPrefix);
      },
    };
  };

  afterAll(async () => {
    const left = [];
    for (const prefix of prefixes) left.push(...(await scanAll(admin, `${escapeGlob(prefix)}*`)));
    admin.disconnect();
    expect(left, 'keys left behind').toEqual([]);
  });

  describeKeyValueContract('redis', () => makeRedis());
  describeKeyValueContract('redis (injected client, glob characters in the prefix)', async () => {
    const client = new Redis(SERVER_URLS.redis);
    const ctx = await makeRedis({ client }, true);
    return {
      ...ctx,
      cleanup: async () => {
        await ctx.cleanup();
        await client.quit();
      },
    };
  });

  it('accepts an ioredis client as RedisLike and never closes an injected one', async () => {
    const client: RedisLike = new Redis(SERVER_URLS.redis);
    const raw = client as Redis;
    const ctx = await makeRedis({ client });
    try {
      await ctx.store.applyIfNewer('product', [{ key: 'p1', version: 1, value: 'v1' }]);
      await ctx.store.close();
      expect(raw.status).toBe('ready');
      expect(await raw.get(`${ctx.keyPrefix}product:p1`)).toBe('#1|"v1"');
    } finally {
      await ctx.cleanup();
      await raw.quit();
    }
  });

  it("keeps keys under the client's own ioredis keyPrefix plus the store prefix", async () => {
    const outer = freshPrefix();
    prefixes.push(outer);
    const client = new Redis(SERVER_URLS.redis, { keyPrefix: outer });
    const ctx = await makeRedis({ client });
    try {
      await ctx.store.set('plain', { a: 1 });
      await ctx.store.applyIfNewer('cart', [
        { key: 'c1', version: 3, value: { items: 2 } },
        { key: 'c2', version: 4, value: null },
      ]);
      expect((await scanAll(admin, `${outer}*`)).sort()).toEqual(
        [`${outer}${ctx.keyPrefix}cart:c1`, `${outer}${ctx.keyPrefix}cart:c2`, `${outer}${ctx.keyPrefix}plain`].sort(),
      );
      expect((await ctx.store.listVersions('cart')).sort((x, y) => x.key.localeCompare(y.key))).toEqual([
        { key: 'c1', version: 3, deleted: false },
        { key: 'c2', version: 4, deleted: true },
      ]);
      expect(await ctx.store.mgetVersioned('cart', ['c1', 'c2'])).toEqual([
        { value: { items: 2 }, version: 3 },
        { value: null, version: 4 },
      ]);
    } finally {
      await ctx.cleanup();
      await deleteUnder(outer);
      await client.quit();
    }
  });

  it('applies atomically when 20 batches race from two connections', async () => {
    const ctx = await makeRedis();
    const other = await ctx.reopen();
    try {
      const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
      // Same version from every batch: exactly one change per key may win.
      const same = (caller: number) => keys.map((key, i) => ({ key, version: 100 + i, value: { caller } }));
      const raced = await Promise.all(
        Array.from({ length: 20 }, (_, caller) => (caller % 2 ? other : ctx.store).applyIfNewer('race', same(caller))),
      );
      expect(raced.reduce((sum, r) => sum + r.applied, 0)).toBe(keys.length);
      expect(raced.reduce((sum, r) => sum + r.skipped, 0)).toBe(19 * keys.length);

      // Interleaved versions: batch b writes version 1000 + ((b * 7 + i) % 20) to key i.
      const versionOf = (batch: number, i: number) => 1000 + ((batch * 7 + i) % 20);
      const interleaved = await Promise.all(
        Array.from({ length: 20 }, (_, batch) =>
          (batch % 2 ? ctx.store : other).applyIfNewer(
            'race',
            keys.map((key, i) => ({
              key,
              version: versionOf(batch, i),
              value: { batch, version: versionOf(batch, i) },
            })),
          ),
        ),
      );
      expect(interleaved.reduce((sum, r) => sum + r.applied + r.skipped, 0)).toBe(20 * keys.length);
      const applied = interleaved.reduce((sum, r) => sum + r.applied, 0);
      expect(applied).toBeGreaterThanOrEqual(keys.length);
      const final = await ctx.store.mgetVersioned<{ batch: number; version: number }>('race', keys);
      for (const entry of final) {
        // The max version wins, and value and version were written together.
        expect(entry?.version).toBe(1019);
        expect(entry?.value?.version).toBe(1019);
      }
      // Each applied change raised its key's version: replaying every batch now applies nothing.
      const replay = await Promise.all(
        Array.from({ length: 20 }, (_, batch) =>
          ctx.store.applyIfNewer(
            'race',
            keys.map((key, i) => ({ key, version: versionOf(batch, i), value: null })),
          ),
        ),
      );
      expect(replay.reduce((sum, r) => sum + r.applied, 0)).toBe(0);
    } finally {
      await ctx.cleanup();
    }
  });

  it('sets the scope TTL on versioned entries and tombstones, and none without one', async () => {
    const ctx = await makeRedis();
    try {
      ctx.store.setScopeTtl('ttl', 60_000.5);
      await ctx.store.applyIfNewer('ttl', [
        { key: 'up', version: 1, value: 'cached' },
        { key: 'tomb', version: 1, value: null },
      ]);
      for (const key of ['up', 'tomb']) {
        const pttl = await admin.pttl(`${ctx.keyPrefix}ttl:${key}`);
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(60_001);
      }
      await ctx.store.applyIfNewer('forever', [{ key: 'up', version: 1, value: 'kept' }]);
      expect(await admin.pttl(`${ctx.keyPrefix}forever:up`)).toBe(-1);
      await ctx.store.set('plain', 1, { ttlMs: 5_000 });
      expect(await admin.pttl(`${ctx.keyPrefix}plain`)).toBeGreaterThan(0);
      expect(() => ctx.store.setScopeTtl('ttl', 2 ** 60)).toThrow(
        expect.objectContaining({ code: 'PS_ERR_INVALID_ARGUMENT' }),
      );
    } finally {
      await ctx.cleanup();
    }
  });

  it('splits a batch of 2,000 changes into pipelined scripts of 500 and applies all of it', async () => {
    const ctx = await makeRedis();
    const marker = `${ctx.keyPrefix}marker`;
    const monitor = await admin.monitor();
    const scripts: string[][] = [];
    let sawMarker = false;
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[1] === marker) sawMarker = true;
      // Apply scripts only: listVersions' script (list-headers.lua) takes no keys.
      const applyScript = /^eval(sha)?$/i.test(args[0] ?? '') && args[2] !== '0';
      if (applyScript && args.some((arg) => arg.startsWith(ctx.keyPrefix))) scripts.push(args);
    });
    try {
      const changes: VersionedChange<unknown>[] = Array.from({ length: 2000 }, (_, i) => ({
        key: `k${i}`,
        version: 2,
        value: { i },
      }));
      expect(await ctx.store.applyIfNewer('bulk', changes)).toEqual({ applied: 2000, skipped: 0 });
      const newerHalf = changes.map((change, i) => ({ ...change, version: i % 2 ? 3 : 1 }));
      expect(await ctx.store.applyIfNewer('bulk', newerHalf)).toEqual({ applied: 1000, skipped: 1000 });
      expect(await ctx.store.listVersions('bulk')).toHaveLength(2000);
      expect(await ctx.store.getVersioned('bulk', 'k1999')).toEqual({ value: { i: 1999 }, version: 3 });

      // MONITOR reports commands in execution order: once it shows the marker, it showed every script.
      await admin.get(marker);
      await vi.waitFor(() => expect(sawMarker).toBe(true), { timeout: 5_000 });
      expect(scripts).toHaveLength(8);
      // numkeys is 504 in each script call (args: name, script or sha, numkeys, ...):
      // the epoch marker, the scope's digest state, digests and counted set, then 500 entries.
      expect(scripts.map((args) => args[2])).toEqual(Array(8).fill('504'));
    } finally {
      monitor.disconnect();
      await ctx.cleanup();
    }
  });

  it('leaves a batch unwritten when a key under the prefix has another type', async () => {
    const ctx = await makeRedis();
    try {
      await admin.hset(`${ctx.keyPrefix}mixed:foreign`, 'field', 'x');
      await admin.set(`${ctx.keyPrefix}mixed:not-json`, '#oops');
      await admin.set(`${ctx.keyPrefix}garbage`, '{not json');
      const error = await failure(
        ctx.store.applyIfNewer('mixed', [
          { key: 'a', version: 1, value: 'a' },
          { key: 'foreign', version: 1, value: 'b' },
        ]),
      );
      expect(error.code).toBe('PS_ERR_STORE_QUERY');
      expect(error.details).toEqual({ reply: 'WRONGTYPE' });
      expect(await ctx.store.getVersioned('mixed', 'a')).toBeNull();
      // A plain value that happens to start with "#" but has no header counts as unversioned.
      expect(await ctx.store.applyIfNewer('mixed', [{ key: 'not-json', version: 1, value: 'ok' }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await ctx.store.listVersions('mixed')).toEqual([{ key: 'not-json', version: 1, deleted: false }]);
      expect((await failure(ctx.store.get('garbage'))).code).toBe('PS_ERR_STORE_QUERY');
    } finally {
      await ctx.cleanup();
    }
  });

  it('rejects malformed keys, scopes, values and TTLs before sending anything', async () => {
    const ctx = await makeRedis();
    try {
      const attempts: Promise<unknown>[] = [
        ctx.store.get(''),
        ctx.store.set('k', undefined),
        ctx.store.set('k', 10n),
        ctx.store.set('k', 1, { ttlMs: 2 ** 60 }),
        ctx.store.listVersions('a:b'),
        ctx.store.applyIfNewer('s', [
          { key: 'ok', version: 1, value: 1 },
          { key: 'bad', version: Number.NaN, value: 1 },
        ]),
        ctx.store.applyIfNewer('s', [
          { key: 'ok', version: 1, value: 1 },
          { key: 'bad', version: 1, value: () => 1 },
        ]),
      ];
      for (const attempt of attempts) expect((await failure(attempt)).code).toBe('PS_ERR_INVALID_ARGUMENT');
      expect(await scanAll(admin, `${escapeGlob(ctx.keyPrefix)}*`)).toEqual([]);
    } finally {
      await ctx.cleanup();
    }
  });

  it('maps a server outage during operation to PS_ERR_STORE_UNAVAILABLE and recovers when it is back', async () => {
    const proxy = await startProxy();
    const ctx = await makeRedis({ url: proxy.url });
    let restarted: Awaited<ReturnType<typeof startProxy>> | undefined;
    try {
      await ctx.store.set('k', 'before');
      await proxy.stop();
      const started = Date.now();
      for (const call of [
        () => ctx.store.get('k'),
        () => ctx.store.applyIfNewer('s', [{ key: 'a', version: 1, value: 1 }]),
        () => ctx.store.listVersions('s'),
      ]) {
        const error = await failure(call());
        expect(error.code).toBe('PS_ERR_STORE_UNAVAILABLE');
        expect(error.message).toContain(`127.0.0.1:${proxy.port}`);
      }
      // No offline queue: while the connection is down a call fails at once (and reads go to the home).
      expect(Date.now() - started).toBeLessThan(1_000);

      restarted = await startProxy(proxy.port);
      await vi.waitFor(async () => expect(await ctx.store.get('k')).toBe('before'), { timeout: 10_000, interval: 200 });
      expect(await ctx.store.applyIfNewer('s', [{ key: 'a', version: 1, value: 1 }])).toEqual({
        applied: 1,
        skipped: 0,
      });
    } finally {
      await ctx.cleanup();
      await restarted?.stop();
    }
  });

  it('keeps user-set queueing options (an offline queue with maxRetriesPerRequest)', async () => {
    const proxy = await startProxy();
    const ctx = await makeRedis({
      url: proxy.url,
      redisOptions: { enableOfflineQueue: true, maxRetriesPerRequest: 0 },
    });
    try {
      await proxy.stop();
      const started = Date.now();
      expect((await failure(ctx.store.get('k'))).code).toBe('PS_ERR_STORE_UNAVAILABLE');
      // With 0 retries a queued command fails at the first failed reconnect.
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await ctx.cleanup();
    }
  });
});
