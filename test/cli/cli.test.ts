import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import configure from '../fixtures/items.config.js';
import { itemsConfigDir, runCli } from '../support/cli-runner.js';

const CONFIG = new URL('../fixtures/items.config.ts', import.meta.url).pathname;

describe('polystore CLI', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const cli = (...args: string[]) => runCli(CONFIG, args, { POLYSTORE_TEST_DIR: dir.path });

  beforeAll(async () => {
    dir = await itemsConfigDir();
    const db = configure();
    await db.ready();
    for (let i = 0; i < 20; i++) await db.entity('items').create({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] });
    await db.sync.catchUp();
    await db.sync.stop();
    // Two writes the views have not seen: the CLI must report them.
    await db.entity('items').update('i1', { qty: 100 });
    await db.entity('items').delete('i2');
    await db.close();
  });
  afterAll(() => dir.cleanup());

  it('reports each view as behind; check calls unapplied writes lag, not drift, and fails on drift until --repair', async () => {
    const status = await cli('status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).views[0]).toMatchObject({ view: 'items_cache', backlog: 2 });

    // No worker applies the two writes: lagging, exit 1, and nothing counted as drift.
    const lagging = await cli('check', '--json', '--max-lag-seconds', '1');
    expect(lagging.code).toBe(1);
    expect(JSON.parse(lagging.stdout)).toMatchObject({
      view: 'items_cache',
      lagging: true,
      unresolved: 2,
      missing: 0,
      stale: 0,
      extra: 0,
      ok: false,
    });

    // The projector catches up; then an entry lost behind its back is drift.
    const db = configure();
    await db.ready();
    await db.sync.catchUp();
    expect(await (db.views[0]!.store as KeyValueStore).del('items_cache:i5')).toBe(true);
    await db.close();
    const drift = await cli('check');
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/items_cache +missing 1 {2}stale 0 {2}extra 0 {2}changed 0 {2}of 19 .*DRIFT/);
    const repair = await cli('check', '--repair');
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain('repaired 1');
    const clean = await cli('check', '--deep');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/OK {2}deep: 19 compared/);
    expect((await cli('check', '--max-drift-ratio', 'lots')).stderr).toContain('PS_ERR_INVALID_ARGUMENT');
    expect((await cli('dlq', 'list')).stdout).toContain('no dead letters');
  });

  it('explains a bad config with a coded error and exit 1', async () => {
    const result = await runCli('/nonexistent/config.ts', ['status']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PS_ERR_INVALID_CONFIG');
  });
});
