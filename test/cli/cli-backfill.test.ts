import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import configure from '../fixtures/items.config.js';
import { itemsConfigDir, runCli } from '../support/cli-runner.js';

const CONFIG = new URL('../fixtures/items.config.ts', import.meta.url).pathname;

describe('polystore backfill', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const cli = (...args: string[]) => runCli(CONFIG, args, { POLYSTORE_TEST_DIR: dir.path });
  const viewState = async () => {
    const status = await cli('status', '--json');
    expect(status.code).toBe(0);
    return JSON.parse(status.stdout).views[0];
  };

  beforeAll(async () => {
    dir = await itemsConfigDir();
    const db = configure();
    await db.ready();
    await db
      .entity('items')
      .createMany(Array.from({ length: 120 }, (_, i) => ({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] })));
    await db.sync.catchUp();
    await db.close();
  });
  afterAll(() => dir.cleanup());

  it('runs a backfill here with plain progress lines when stdout is not a terminal, and reports done', async () => {
    const result = await cli('backfill', 'items_cache');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/items_cache (rows|tombstones): \d+\/120 \(\d+%\) \d+ records\/s/);
    expect(result.stdout).toContain('items_cache: done, 120 read, 0 written, 0 unprojectable');
    expect(await viewState()).toMatchObject({ view: 'items_cache', state: 'up-to-date' });
  });

  it('records a detached backfill that status reports (backfilling, paused) until one runs it', async () => {
    expect((await cli('backfill', 'items_cache', '--detach')).stdout).toContain('backfill recorded (120 records)');
    expect(await viewState()).toMatchObject({
      state: 'backfilling',
      backfill: { status: 'running', reason: 'requested', examined: 0, total: 120, percent: 0 },
    });
    expect((await cli('backfill', 'items_cache', '--pause')).stdout).toContain('items_cache: backfill paused');
    expect(await viewState()).toMatchObject({ state: 'backfill-paused', backfill: { status: 'paused' } });
    // Paused: running it is refused until it is resumed.
    expect((await cli('backfill', 'items_cache')).code).toBe(1);
    expect((await cli('backfill', 'items_cache', '--resume')).stdout).toContain('backfill running');
    const json = await cli('backfill', 'items_cache', '--json');
    expect(json.code).toBe(0);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ backfill: { status: 'done', examined: 120 } });
    expect(lines.some((line) => line.progress?.total === 120)).toBe(true);
    expect(await viewState()).toMatchObject({ state: 'up-to-date' });
  });

  it('rebuilds a view beside itself and reports the generation reads moved to', async () => {
    const rebuilt = await cli('rebuild', 'items_cache');
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toContain('items_cache: switched 1');
    expect(rebuilt.stdout).toContain('reads moved from generation 0 to 1 (120 copied, 0 repaired)');
    expect(await viewState()).toMatchObject({ state: 'up-to-date', generation: { active: 1, building: null } });
    expect((await cli('status')).stdout).toMatch(/items_cache +up-to-date +generation 1 backlog/);
    expect((await cli('check')).stdout).toMatch(/items_cache .* of 120 .* OK/);
  });

  it('refuses a bad filter or view with a coded error, and backfills only matching records with a filter', async () => {
    const bad = await cli('backfill', 'items_cache', '--filter', '{nope');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('PS_ERR_INVALID_FILTER');
    const unknown = await cli('backfill', 'items_cache', '--filter', '{"colour":"red"}');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/PS_ERR_(UNKNOWN_FIELD|INVALID_FILTER)/);
    const none = await cli('backfill', 'nope');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('PS_ERR_INVALID_ARGUMENT');
    const some = await cli('backfill', 'items_cache', '--filter', '{"qty":{"$lt":10}}');
    expect(some.code).toBe(0);
    expect(some.stdout).toContain('items_cache: done, 10 read');
  });
});
