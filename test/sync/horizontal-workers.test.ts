import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { cleanBrokerShop, openBrokerShop } from '../support/broker-shop.js';
import { startWorker } from '../support/broker-worker-process.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { until } from '../support/until.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});

await describeWithServer(['postgres', 'redis', 'nats'], 'horizontal workers on one JetStream log', () => {
  it('share the work, and when one is SIGKILLed the others finish it: the view matches the home exactly', async () => {
    const id = randomUUID().replaceAll('-', '').slice(0, 12);
    const writer = openBrokerShop(id, 'writer', SERVER_URLS);
    await writer.ready();
    cleanups.push(async () => {
      await writer.close();
      await cleanBrokerShop(id, SERVER_URLS);
    });

    const workers = [startWorker(id), startWorker(id), startWorker(id)];
    cleanups.push(async () => {
      for (const w of workers) w.child.kill('SIGKILL');
    });

    // A steady stream of creates and updates over hot and cold keys.
    const client = writer.entity('items');
    for (let batch = 0; batch < 20; batch++) {
      await client.createMany(
        Array.from({ length: 50 }, (_, i) => ({ id: `k${batch * 50 + i}`, name: `n${i}`, qty: 0, tags: [] })),
      );
      for (let i = 0; i < 25; i++)
        await client.update(`k${(batch * 7 + i) % ((batch + 1) * 50)}`, { qty: batch * 100 + i });
      if (batch === 8) {
        // Keep a trickle of updates coming until each worker has fetched some: a burst
        // can be taken whole by the workers that asked first.
        let n = 0;
        await until(
          async () => {
            await client.update(`k${n++ % 400}`, { qty: -n });
            return workers.every((w) => w.applied() > 0);
          },
          30_000,
          'every worker to take a share',
        );
        workers[0]!.child.kill('SIGKILL');
        expect(await workers[0]!.exited).toBeNull();
      }
    }

    await until(
      async () => {
        const [drift] = await writer.check();
        return drift!.missing + drift!.stale + drift!.extra === 0;
      },
      60_000,
      'the surviving workers to converge the view',
    );
    const [drift] = await writer.check();
    expect(drift).toMatchObject({ view: 'items_cache', missing: 0, stale: 0, extra: 0, checked: 1000 });
    expect(workers[1]!.applied()).toBeGreaterThan(0);
    expect(workers[2]!.applied()).toBeGreaterThan(0);
    expect(await writer.sync.deadLetters()).toEqual([]);
  }, 120_000);
});
