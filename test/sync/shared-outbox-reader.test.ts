import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import type { NewChangeEvent } from '../../src/contracts/change-event.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { outboxEventLog } from '../../src/sync/outbox-event-log.js';
import { SharedOutboxReader } from '../../src/sync/shared-outbox-reader.js';
import { freshPgliteDir } from '../support/pglite-template.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** One home of 40 000 events for both batch sizes (each test opens its own log and reader). */
let big: Promise<HomeStore> | undefined;
const bigCleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of bigCleanups.splice(0).reverse()) await fn();
});

async function homeWith(count: number, owner = cleanups): Promise<HomeStore> {
  const dir = await freshPgliteDir();
  const home = pgliteHome({ dataDir: dir.path });
  owner.push(async () => {
    await home.close();
    await dir.cleanup();
  });
  await home.ensureSchema([]);
  for (let from = 0; from < count; from += 5_000) {
    const events: NewChangeEvent[] = Array.from({ length: Math.min(5_000, count - from) }, (_, i) => ({
      entity: 'items',
      key: `k${from + i}`,
      version: 1,
      op: 'create',
      payload: { id: `k${from + i}` },
    }));
    await home.transaction(async (tx) => {
      await tx.appendOutboxMany!(events);
    });
  }
  return home;
}

describe('the shared outbox reader', () => {
  for (const batchSize of [15_000, 25_000]) {
    it(`hands every consumer all 40 000 events in order with batchSize ${batchSize}`, async () => {
      big ??= homeWith(40_000, bigCleanups);
      const log = outboxEventLog(await big);
      // Two consumers at different paces share one reader (one buffer of 20 000 events).
      const consumers = [await log.consumer('fast'), await log.consumer('slow')];
      const received: string[][] = [[], []];
      for (let round = 0; round < 20; round++) {
        for (const [i, consumer] of consumers.entries()) {
          if (i === 1 && round % 2 === 1) continue;
          const events = await consumer.fetch(batchSize);
          received[i]!.push(...events.map((e) => e.key));
        }
      }
      for (const keys of received) {
        expect(keys).toHaveLength(40_000);
        expect(keys.slice(0, 3)).toEqual(['k0', 'k1', 'k2']);
        expect(new Set(keys).size).toBe(40_000);
        expect(keys.at(-1)).toBe('k39999');
      }
    }, 120_000);
  }

  it('reads the home directly for a cursor the buffer has dropped', async () => {
    const home = await homeWith(3_000);
    const reader = new SharedOutboxReader(home, 1_000);
    const all = await home.readOutbox(null, 3_000);
    expect((await reader.read(null, 900)).length).toBe(900);
    expect((await reader.read(all[899]!.position, 900)).length).toBe(900);
    expect((await reader.read(all[1_799]!.position, 900)).length).toBe(900);
    // Behind the buffer now: still every event after the cursor, none skipped.
    const behind = await reader.read(all[99]!.position, 50);
    expect(behind.map((e) => e.position)).toEqual(all.slice(100, 150).map((e) => e.position));
  });
});
