import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemcacheClient } from 'memcache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memcachedStore } from '../../src/adapters/memcached/index.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { describeKeyValueContract } from '../contracts/key-value-contract.js';
import { describeWithBinary, PrivateServer } from '../support/private-server.js';

const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
/** A memcached of the suite's own: 64 MB, no UDP, loopback only. */
const startMemcached = () =>
  PrivateServer.start('memcached', (port) => ['-p', String(port), '-U', '0', '-l', '127.0.0.1', '-m', '64', ...asRoot]);

describeWithBinary('memcached', 'memcached store', () => {
  let servers: PrivateServer[] = [];
  const address = (server: PrivateServer) => `127.0.0.1:${server.port}`;

  beforeAll(async () => {
    servers = await Promise.all([startMemcached(), startMemcached()]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  /** A store with a fresh key prefix; cleanup closes every store the test opened. */
  async function makeStore(over: 'one' | 'two' = 'one') {
    const keyPrefix = `ps_test_${randomUUID().replaceAll('-', '')}:`;
    const list = over === 'one' ? [address(servers[0]!)] : servers.map(address);
    const opened: KeyValueStore[] = [];
    const open = async () => {
      const store = memcachedStore({ servers: list, keyPrefix });
      opened.push(store);
      await store.ready();
      return store;
    };
    return {
      store: await open(),
      reopen: open,
      keyPrefix,
      cleanup: async () => {
        for (const store of opened) await store.close();
      },
    };
  }

  describeKeyValueContract('memcached', () => makeStore());
  describeKeyValueContract('memcached (two servers)', () => makeStore('two'));

  describe('memcached specifics', () => {
    it('declares no listing, scope drop, digests or data-loss watch', async () => {
      const { store, cleanup } = await makeStore();
      for (const capability of ['listVersions', 'dropScope', 'bucketDigests', 'buildDigests', 'onDataLoss'])
        expect(capability in store).toBe(false);
      await cleanup();
    });

    it('validates its options at construction, before anything connects', () => {
      for (const options of [
        { servers: [] },
        { servers: 'no-port' },
        { servers: ['127.0.0.1:1', '127.0.0.1:1'] },
        { servers: '127.0.0.1:1', keyPrefix: 'has space' },
        { servers: '127.0.0.1:1', keyPrefix: '' },
        { servers: '127.0.0.1:1', commandTimeoutMs: 0 },
      ])
        expect(() => memcachedStore(options)).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
    });

    it('fails with PS_ERR_STORE_UNAVAILABLE, naming the server, when it does not answer', async () => {
      const stopped = await startMemcached();
      const where = address(stopped);
      await stopped.stop();
      const store = memcachedStore({ servers: where, commandTimeoutMs: 500 });
      const error = await store.ready().catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_STORE_UNAVAILABLE')).toBe(true);
      expect(String((error as Error).message)).toContain(where);
      await store.close();
    });

    it('keeps keys the text protocol refuses (spaces, non-ASCII, 300 bytes) apart', async () => {
      const { store, cleanup } = await makeStore();
      const keys = ['with space', 'nøn-ascii', 'k'.repeat(300), `k${'k'.repeat(299)}x`, '#leading-hash', 'plain'];
      for (const [i, key] of keys.entries()) await store.set(key, { i });
      expect(await store.mget(keys)).toEqual(keys.map((_, i) => ({ i })));
      await store.applyIfNewer('s', [{ key: 'a b\nc', version: 2, value: 'odd' }]);
      expect(await store.getVersioned('s', 'a b\nc')).toEqual({ value: 'odd', version: 2 });
      await cleanup();
    });

    it('writes each key to one server and reads it back there', async () => {
      const { store, keyPrefix, cleanup } = await makeStore('two');
      const ids = Array.from({ length: 200 }, (_, i) => `id${i}`);
      await store.applyIfNewer(
        'p',
        ids.map((key) => ({ key, version: 1, value: key })),
      );
      const perServer: number[] = [];
      for (const server of servers) {
        const client = new MemcacheClient({ server: address(server) });
        const found = await client.gets<Record<string, unknown>>(ids.map((id) => `${keyPrefix}p:${id}`));
        perServer.push(Object.keys(found).length);
        client.shutdown();
      }
      expect(perServer.reduce((a, b) => a + b, 0)).toBe(200);
      for (const count of perServer) expect(count).toBeGreaterThan(50);
      expect((await store.mgetVersioned('p', ids)).map((entry) => entry?.value)).toEqual(ids);
      await cleanup();
    });

    it('applies a version exactly once when two stores race on the same keys', async () => {
      const a = await makeStore();
      const b = await a.reopen();
      const batches = [1, 2, 3, 4, 5, 6].map((version) =>
        Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, version, value: { version } })),
      );
      const results = await Promise.all(
        batches.flatMap((batch) => [a.store.applyIfNewer('race', batch), b.applyIfNewer('race', batch)]),
      );
      // The two stores sent each version's batch at once: each key took it at most once.
      for (let v = 0; v < batches.length; v++)
        expect(results[2 * v]!.applied + results[2 * v + 1]!.applied).toBeLessThanOrEqual(50);
      const read = await b.mgetVersioned(
        'race',
        batches[0]!.map((change) => change.key),
      );
      expect(read.every((entry) => entry?.version === 6)).toBe(true);
      await a.cleanup();
    });

    it('expires an entry to the millisecond even though the server counts in seconds', async () => {
      const { store, keyPrefix, cleanup } = await makeStore();
      await store.set('brief', 'x', { ttlMs: 200 });
      await sleep(300);
      expect(await store.get('brief')).toBeNull();
      // The server still holds it (it expires it a second or more later): the read checked the entry's own expiry.
      const client = new MemcacheClient({ server: address(servers[0]!) });
      expect(await client.get(`${keyPrefix}brief`)).toBeDefined();
      client.shutdown();
      await cleanup();
    });
  });
});
