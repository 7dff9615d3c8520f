import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import configure from '../fixtures/archive.config.js';
import { itemsConfigDir, runCli } from '../support/cli-runner.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';
import { uniqueName } from '../support/temp-dir.js';

const CONFIG = new URL('../fixtures/archive.config.ts', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('polystore replay --from-archive', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let s3: S3TestServer;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(CONFIG, args, env);

  beforeAll(async () => {
    s3 = await startS3Server(uniqueName('cli').replaceAll('_', '-'));
    dir = await itemsConfigDir();
    env = {
      POLYSTORE_TEST_DIR: dir.path,
      POLYSTORE_TEST_S3: JSON.stringify({ endpoint: s3.endpoint, bucket: s3.bucket, prefix: uniqueName('p') }),
    };
    process.env.POLYSTORE_TEST_S3 = env.POLYSTORE_TEST_S3;
  });
  afterAll(async () => {
    await dir?.cleanup();
    await s3?.stop();
  });

  it('builds a view as of a past time beside the live one, equal by content to a snapshot taken then', async () => {
    const db = configure();
    await db.ready();
    const entity = db.entity('items');
    await entity.createMany(
      Array.from({ length: 5 }, (_, i) => ({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] })),
    );
    await entity.update('i0', { qty: 10 });
    await entity.delete('i1');
    await db.sync.catchUp();
    const snapshot = await entity.find({}, { orderBy: { id: 'asc' } });
    await sleep(20);
    const asOf = new Date().toISOString();
    await sleep(20);
    await entity.update('i0', { qty: 20 });
    await entity.delete('i2');
    await entity.create({ id: 'i1', name: 'again', qty: 1, tags: [] });
    await db.sync.catchUp();
    await db.close();

    expect((await cli('replay', '--until', asOf, '--view', 'items_cache')).code).toBe(1);
    const result = await cli('replay', '--from-archive', '--until', asOf, '--view', 'items_cache', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).replayed).toMatchObject({
      view: 'items_cache',
      scope: 'items_cache_asof',
      records: 5,
    });

    const cache = lmdbStore({ path: `${dir.path}/cache` });
    try {
      const held = (await cache.listVersions('items_cache_asof')).filter((e) => !e.deleted).map((e) => e.key);
      expect(held.sort()).toEqual(snapshot.map((r) => r.id));
      for (const { $version, ...record } of snapshot)
        expect(await cache.getVersioned('items_cache_asof', record.id)).toEqual({ value: record, version: $version });
      expect((await cache.getVersioned<{ qty: number }>('items_cache', 'i0'))?.value?.qty).toBe(20);
    } finally {
      await cache.close();
    }
  }, 120_000);
});
