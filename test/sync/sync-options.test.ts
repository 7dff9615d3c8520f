import { afterEach, describe, expect, it } from 'vitest';
import { outboxPosition } from '../../src/contracts/log-position.js';
import { resolveSyncOptions, type SyncOptions } from '../../src/sync/sync-options.js';
import { openSyncFixture, type SyncFixture } from '../support/sync-fixture.js';

let fixture: SyncFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

const INVALID: [SyncOptions, string][] = [
  [{ batchSize: 0 }, 'sync.batchSize'],
  [{ batchSize: -5 }, 'sync.batchSize'],
  [{ batchSize: 1.5 }, 'sync.batchSize'],
  [{ batchSize: Number.NaN }, 'sync.batchSize'],
  [{ batchSize: 100_001 }, 'sync.batchSize'],
  [{ pollIntervalMs: 0 }, 'sync.pollIntervalMs'],
  [{ pollIntervalMs: -1 }, 'sync.pollIntervalMs'],
  [{ pollIntervalMs: Number.NaN }, 'sync.pollIntervalMs'],
  [{ pollIntervalMs: Number.POSITIVE_INFINITY }, 'sync.pollIntervalMs'],
  [{ flushIntervalMs: -1 }, 'sync.flushIntervalMs'],
  [{ flushIntervalMs: Number.NaN }, 'sync.flushIntervalMs'],
  [{ pruneIntervalMs: -1 }, 'sync.pruneIntervalMs'],
  [{ pruneIntervalMs: 2 ** 31 }, 'sync.pruneIntervalMs'],
  [{ retry: { maxAttempts: 0 } }, 'sync.retry.maxAttempts'],
  [{ retry: { maxAttempts: Number.NaN } }, 'sync.retry.maxAttempts'],
  [{ retry: { maxAttempts: 2.5 } }, 'sync.retry.maxAttempts'],
  [{ retry: { baseDelayMs: -1 } }, 'sync.retry.baseDelayMs'],
  [{ retry: { baseDelayMs: Number.NaN } }, 'sync.retry.baseDelayMs'],
  [{ retry: { maxDelayMs: -10 } }, 'sync.retry.maxDelayMs'],
  [{ retry: { baseDelayMs: 5_000, maxDelayMs: 100 } }, 'sync.retry.baseDelayMs'],
  [{ relay: 'yes' as unknown as boolean }, 'sync.relay'],
  [{ projectors: 1 as unknown as boolean }, 'sync.projectors'],
  [{ capture: {} as unknown as SyncOptions['capture'] }, 'sync.capture'],
];

describe('sync options', () => {
  it.each(INVALID)('refuses %j naming %s and the fix', (options, field) => {
    let caught: unknown;
    try {
      resolveSyncOptions(options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'PS_ERR_INVALID_CONFIG', field, fix: expect.any(String) });
    expect((caught as Error).message).toContain(field);
  });

  it('fills in the defaults and keeps valid edge values', () => {
    expect(resolveSyncOptions({})).toMatchObject({
      batchSize: 500,
      pollIntervalMs: 50,
      flushIntervalMs: 1000,
      pruneIntervalMs: 30_000,
      retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 2000 },
      relay: true,
      projectors: true,
    });
    expect(resolveSyncOptions({ batchSize: 100_000, flushIntervalMs: 0, pruneIntervalMs: 0 })).toMatchObject({
      batchSize: 100_000,
      flushIntervalMs: 0,
      pruneIntervalMs: 0,
    });
  });

  it('is checked when the instance is built', async () => {
    await expect(openSyncFixture({ sync: { batchSize: 0 } })).rejects.toMatchObject({
      code: 'PS_ERR_INVALID_CONFIG',
      field: 'sync.batchSize',
    });
  });

  it('a large batch size applies every event (no skipped events)', async () => {
    fixture = await openSyncFixture({ sync: { batchSize: 30_000 } });
    const items = fixture.db.entity('items');
    await items.createMany(Array.from({ length: 300 }, (_, i) => ({ id: `k${i}`, name: 'n', qty: i, tags: [] })));
    await fixture.db.sync.catchUp(30_000);
    expect((await fixture.db.check()).every((d) => d.missing + d.stale + d.extra === 0)).toBe(true);
  });
});

describe('read-your-writes waits', () => {
  it('leave no waiter behind when they time out', async () => {
    fixture = await openSyncFixture();
    await fixture.db.entity('items').create({ id: 'a', name: 'a', qty: 1, tags: [] });
    await fixture.db.sync.catchUp(10_000);
    const never = outboxPosition('99999999999', 1);
    for (let i = 0; i < 5; i++) {
      await expect(fixture.db.sync.waitFor(never, undefined, 30)).rejects.toMatchObject({
        code: 'PS_ERR_CONSISTENCY_TIMEOUT',
      });
    }
    const stats = await fixture.db.sync.stats();
    expect(stats.views.map((v) => v.waiting)).toEqual(stats.views.map(() => 0));
  });
});
