import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { cdcSlotStatus } from '../../src/adapters/postgres-cdc/index.js';
import { cdcTarget, cleanBrokerShop, openBrokerShop } from '../support/broker-shop.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

function newId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12);
}

await describeWithServer(['postgres', 'redis', 'nats'], 'sync in CDC mode (logical replication)', () => {
  it('needs its slot created explicitly: ready() and start() create nothing', async () => {
    const id = newId();
    const db = openBrokerShop(id, 'both', SERVER_URLS, 'cdc');
    cleanups.push(async () => {
      await db.close();
      await cleanBrokerShop(id, SERVER_URLS);
    });
    await db.ready({ sync: false });
    await expect(db.sync.start()).rejects.toMatchObject({ code: 'PS_ERR_INVALID_CONFIG', field: 'slot' });
    expect(db.sync.running).toBe(false);
    expect(await cdcSlotStatus(cdcTarget(id, SERVER_URLS))).toMatchObject({ exists: false });
  });

  it('carries every change from the WAL through JetStream to Redis; a stopped worker resumes where it was', async () => {
    const id = newId();
    const db = openBrokerShop(id, 'both', SERVER_URLS, 'cdc');
    cleanups.push(async () => {
      await db.close();
      await cleanBrokerShop(id, SERVER_URLS);
    });
    await db.ready({ sync: false });
    expect(await db.sync.capture?.admin?.create()).toMatchObject({ exists: true, active: false });
    await db.sync.start();
    const client = db.entity('items');

    for (let i = 0; i < 60; i++) await client.create({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] });
    await client.createMany(Array.from({ length: 40 }, (_, i) => ({ id: `b${i}`, name: 'batch', qty: i, tags: [] })));
    for (let i = 0; i < 60; i += 3) await client.update(`i${i}`, { qty: 1000 + i });
    for (let i = 1; i < 60; i += 10) await client.delete(`i${i}`);
    const last = await client.update('i0', { name: 'fresh' });
    expect(await client.get('i0', { consistency: 'read-your-writes', timeoutMs: 10_000 })).toMatchObject({
      name: 'fresh',
      $version: last.$version,
    });
    await db.sync.catchUp(30_000);
    expect(await db.check()).toEqual([expect.objectContaining({ missing: 0, stale: 0, extra: 0, checked: 94 })]);
    const stats = await db.sync.stats();
    expect(stats.capture).toMatchObject({ name: `cdc_ps_test_${id}`, mode: 'cdc', published: 127 });

    // The worker stops; writes go on; a new start resumes from the slot's confirmed position.
    await db.sync.stop();
    for (let i = 0; i < 30; i++) await client.update(`b${i}`, { qty: -i });
    await client.delete('b39');
    await db.sync.start();
    await db.sync.catchUp(30_000);
    expect(await db.check()).toEqual([expect.objectContaining({ missing: 0, stale: 0, extra: 0, checked: 93 })]);
    expect(await client.get('b5')).toMatchObject({ qty: -5, $version: 2 });
    expect(await db.sync.deadLetters()).toEqual([]);

    // Outbox rows are not needed once their insert was streamed: pruning keeps the table small.
    expect(await db.sync.prune()).toBeGreaterThan(0);
    const status = await db.sync.capture?.admin?.status();
    expect(status).toMatchObject({ exists: true, active: true });
    expect(Number(status?.retainedWalBytes)).toBeGreaterThanOrEqual(0);
  }, 90_000);

  it('drops its slot and publication explicitly, idempotently', async () => {
    const id = newId();
    const db = openBrokerShop(id, 'writer', SERVER_URLS, 'cdc');
    cleanups.push(async () => {
      await db.close();
      await cleanBrokerShop(id, SERVER_URLS);
    });
    await db.ready();
    // A writer-only process runs no capture, but its configuration manages the slot all the same.
    expect(db.sync.capture?.stats()).toMatchObject({ mode: 'cdc', published: 0 });
    const admin = db.sync.capture?.admin;
    await admin?.create();
    await admin?.create();
    expect(await admin?.status()).toMatchObject({ exists: true });
    await admin?.drop();
    await admin?.drop();
    expect(await admin?.status()).toMatchObject({ exists: false });
  });
});
