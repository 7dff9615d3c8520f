import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { isPolystoreError } from '../../src/index.js';
import { cleanBrokerShop, openBrokerShop } from '../support/broker-shop.js';
import { startWorker } from '../support/broker-worker-process.js';
import { describeWithRestarts, restartPostgres } from '../support/server-control.js';
import { SERVER_URLS } from '../support/servers.js';
import { until } from '../support/until.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});

/** Retries a write while the server is away; a retried create that had committed finds its row. */
async function retrying(write: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await write();
      return;
    } catch (err) {
      if (isPolystoreError(err, 'PS_ERR_ALREADY_EXISTS')) return;
      if (!isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE') || attempt > 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

await describeWithRestarts(['postgres', 'redis', 'nats'], 'CDC mode across restarts', () => {
  it('survives a SIGKILLed worker and a PostgreSQL restart: the view matches the home exactly', async () => {
    const id = randomUUID().replaceAll('-', '').slice(0, 12);
    const writer = openBrokerShop(id, 'writer', SERVER_URLS, 'cdc');
    await writer.ready();
    cleanups.push(async () => {
      await writer.close();
      await cleanBrokerShop(id, SERVER_URLS);
    });
    await writer.sync.capture!.admin!.create();
    let worker = startWorker(id, 'cdc');
    cleanups.push(async () => {
      worker.child.kill('SIGKILL');
    });

    const client = writer.entity('items');
    for (let round = 0; round < 30; round++) {
      await retrying(() =>
        client.createMany(
          Array.from({ length: 20 }, (_, i) => ({ id: `k${round * 20 + i}`, name: `n${i}`, qty: 0, tags: [] })),
        ),
      );
      for (let i = 0; i < 10; i++) await retrying(() => client.update(`k${(round * 7 + i) % 20}`, { qty: round }));
      if (round === 8) {
        await until(() => worker.applied() > 0, 120_000, 'the first worker to stream');
        worker.child.kill('SIGKILL');
        expect(await worker.exited).toBeNull();
        worker = startWorker(id, 'cdc');
      }
      if (round === 18) {
        await until(() => worker.applied() > 0, 120_000, 'the restarted worker to stream');
        restartPostgres();
      }
    }

    const deadline = Date.now() + 120_000;
    let drift = await writer.check();
    while (drift[0]!.missing + drift[0]!.stale + drift[0]!.extra > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      drift = await retryingRead(() => writer.check());
    }
    expect(drift).toEqual([
      expect.objectContaining({ view: 'items_cache', missing: 0, stale: 0, extra: 0, checked: 600 }),
    ]);
    expect(await writer.sync.deadLetters()).toEqual([]);
    expect(await writer.sync.capture!.admin!.status()).toMatchObject({ exists: true, active: true });
  }, 300_000);
});

async function retryingRead<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE') || attempt > 100) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
