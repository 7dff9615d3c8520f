import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kuzuStore } from '../../src/adapters/kuzu/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import type { VersionedChange } from '../../src/contracts/view-store.js';
import { createPolystore, type GraphStore, graphView, type SyncOptions, silentLogger } from '../../src/index.js';
import { items } from '../support/items-entity.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const itemGraph = graphView(items, {
  store: 'graph',
  schema: { nodes: { Item: { name: 'string' } }, edges: {} },
  project: (item) => ({ nodes: [{ label: 'Item', id: item.id, properties: { name: item.name } }], edges: [] }),
});

/**
 * Writes `count` items with the projectors stopped, then lets them catch up
 * and returns the size of every batch the Kuzu store was handed.
 */
async function batchesFor(count: number, sync: SyncOptions): Promise<number[]> {
  const home = await freshPgliteDir();
  const dir = await tempDir('polystore-batch-');
  cleanups.push(home.cleanup, dir.cleanup);
  const graph = kuzuStore({ path: join(dir.path, 'graph.kuzu') });
  const sizes: number[] = [];
  // The real store, with its batches counted on the way in.
  const counted = new Proxy(graph, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver);
      if (name !== 'applyIfNewer') return typeof member === 'function' ? member.bind(target) : member;
      return (scope: string, changes: readonly VersionedChange<never>[]) => {
        sizes.push(changes.length);
        return target.applyIfNewer(scope, changes);
      };
    },
  }) as GraphStore;
  const db = createPolystore({
    home: pgliteHome({ dataDir: home.path }),
    stores: { graph: counted },
    entities: [items],
    views: [itemGraph],
    sync: { ...sync, autoStart: false },
    logger: silentLogger,
  });
  cleanups.push(() => db.close());
  await db.ready({ sync: false });
  const rows = Array.from({ length: count }, (_, i) => ({ id: `i${i}`, name: `item ${i}`, qty: 1, tags: [] }));
  for (let at = 0; at < rows.length; at += 500) await db.entity('items').createMany(rows.slice(at, at + 500));
  await db.sync.start();
  await db.sync.catchUp(60_000);
  const [row] = await graph.query<{ n: number }>('MATCH (n:Item) RETURN count(n) AS n');
  expect(row?.n).toBe(count);
  return sizes;
}

describe("a store's own batch size", () => {
  it('lets the projector hand Kuzu more than sync.batchSize events at once', async () => {
    const sizes = await batchesFor(1500, {});
    expect(Math.max(...sizes)).toBe(1500);
  }, 60_000);

  it('gives way to a batchSize the sync options set', async () => {
    const sizes = await batchesFor(1500, { batchSize: 500 });
    expect(Math.max(...sizes)).toBe(500);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1500);
  }, 60_000);
});
