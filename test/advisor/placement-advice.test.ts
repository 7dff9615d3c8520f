import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import {
  cacheView,
  createPolystore,
  defineEntity,
  placementAdvice,
  placementModelOf,
  silentLogger,
} from '../../src/index.js';
import { TopKeys } from '../../src/router/top-keys.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { tempDir } from '../support/temp-dir.js';

const notes = defineEntity({
  name: 'notes',
  schema: z.object({ id: z.string(), title: z.string(), status: z.string(), words: z.number().int() }),
});
const items = defineEntity({ name: 'items', schema: z.object({ id: z.string(), name: z.string() }) });

describe('placement advice from live access statistics', () => {
  let db: ReturnType<typeof open>;
  let cleanup: () => Promise<void>;
  const open = (home: string, dir: string) =>
    createPolystore({
      home: pgliteHome({ dataDir: home }),
      stores: { cache: lmdbStore({ path: join(dir, 'cache') }) },
      entities: [notes, items],
      views: [cacheView(items, { store: 'cache' })],
      logger: silentLogger,
    });

  beforeAll(async () => {
    const home = await freshPgliteDir();
    const dir = await tempDir();
    db = open(home.path, dir.path);
    await db.ready();
    cleanup = async () => {
      await db.close();
      await home.cleanup();
      await dir.cleanup();
    };
  });
  afterAll(() => cleanup());

  it('advises a cache view (TTL from re-reads), a search view and an analytics view from traffic, with reasons, and nothing an entity already has', async () => {
    const n = db.entity('notes');
    const it = db.entity('items');
    for (let i = 0; i < 10; i++) {
      await n.create({ id: `n${i}`, title: `note ${i}`, status: i % 2 ? 'open' : 'done', words: i });
      await it.create({ id: `i${i}`, name: `item ${i}` });
    }
    // Hot notes read again about every 20 ms; items read as much, through their cache view.
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 5; i++) {
        await n.get(`n${i}`);
        await it.get(`i${i}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let i = 0; i < 60; i++) await n.find({ title: `note ${i % 10}` });
    for (let i = 0; i < 25; i++) await n.count({ status: 'open' });
    const access = db.access();
    const notesAccess = access.find((a) => a.entity === 'notes')!;
    expect(notesAccess).toMatchObject({
      writes: 10,
      reads: { get: 150, find: 60, count: 25, search: 0 },
      cacheHits: 0,
      cacheMisses: 150,
      filterFields: { title: 60, status: 25 },
      countShapes: { status: 25 },
    });
    expect(notesAccess.hotKeys.map((k) => k.key).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect(access.find((a) => a.entity === 'items')!.cacheHits).toBeGreaterThan(100);

    const advice = placementAdvice(access, placementModelOf(db));
    expect(advice.map((a) => [a.entity, a.add])).toEqual([
      ['notes', 'cache-view'],
      ['notes', 'search-view'],
      ['notes', 'analytics-view'],
    ]);
    const cache = advice[0]!;
    // Re-read about every 20-60 ms (the loop's pause and the reads): a TTL of 4 times that, within [1 s, 1 h].
    expect(cache.ttlMs).toBe(1000);
    expect(cache.reasons.join(' ')).toMatch(/150 gets against 10 writes/);
    expect(cache.snippet).toBe("cacheView(notes, { store: 'cache', ttlMs: 1000 })");
    expect(advice[1]).toMatchObject({ fields: ['title'] });
    expect(advice[1]!.reasons.join(' ')).toMatch(/title \(60×\)/);
    expect(advice[2]).toMatchObject({ shapes: ['status'] });
    // Below the thresholds: nothing.
    expect(
      placementAdvice(access, placementModelOf(db), { minGets: 1000, minFinds: 1000, minRepeatedCounts: 1000 }),
    ).toEqual([]);
  });
});

describe('the hot-id sketch', () => {
  it('keeps the k most read keys of a skewed stream in bounded memory, with their re-read interval', () => {
    // Space-Saving keeps every key read more than N / k times: here 500 > 2000 / 8.
    const top = new TopKeys(8);
    let now = 0;
    for (let i = 0; i < 2000; i++) {
      now += 10;
      // Keys h0..h2 take 3/4 of the reads; 500 cold keys the rest.
      top.record(i % 4 === 3 ? `c${i % 500}` : `h${i % 3}`, now);
    }
    const hot = top.top();
    expect(hot).toHaveLength(8);
    expect(
      hot
        .slice(0, 3)
        .map((k) => k.key)
        .sort(),
    ).toEqual(['h0', 'h1', 'h2']);
    for (const k of hot.slice(0, 3)) {
      expect(k.count - k.error).toBeLessThanOrEqual(500);
      expect(k.count).toBeGreaterThanOrEqual(500);
      expect(k.rereadMs).toBeGreaterThan(0);
    }
  });
});
