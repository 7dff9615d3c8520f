import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { runCli } from '../support/cli-runner.js';
import { readHomeTruth } from '../support/e2e-compare.js';
import { HOME_VARIANTS } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { describeWithServer } from '../support/servers.js';
import { tempDir } from '../support/temp-dir.js';

const CONFIG = fileURLToPath(new URL('../fixtures/move.config.ts', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

await describeWithServer('mysql', 'polystore export and import (dump and restore)', () => {
  it('restores rows, versions and tombstones into another kind of home, through the CLI', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const source = await HOME_VARIANTS.find((v) => v.name === 'pglite')!.space();
    cleanups.push(source.cleanup);
    const target = await HOME_VARIANTS.find((v) => v.name === 'mariadb')!.space();
    cleanups.push(target.cleanup);
    const env = (locator: unknown) => ({ POLYSTORE_TEST_DIR: dir.path, POLYSTORE_MOVE_HOME: JSON.stringify(locator) });
    Object.assign(process.env, env(source.locator));
    const { default: configure } = await import('../fixtures/move.config.js');
    const db = configure();
    await db.ready({ sync: false });
    const client = db.entity('items');
    await client.createMany(
      Array.from({ length: 120 }, (_, i) => ({ id: `i${i}`, name: `n'${i}"`, qty: i, tags: i % 2 ? ['a', 'ü'] : [] })),
    );
    for (let i = 0; i < 20; i++) await client.update(`i${i}`, { qty: -i });
    for (let i = 100; i < 120; i++) await client.delete(`i${i}`);
    await client.create({ id: 'i110', name: 'back', qty: 1, tags: [] });
    await db.close();

    const dump = join(dir.path, 'dump');
    const exported = await runCli(CONFIG, ['export', '--out', dump, '--json'], env(source.locator));
    expect(exported.code, exported.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(dump, 'manifest.json'), 'utf8'));
    expect(manifest.entities).toEqual([{ entity: 'items', file: 'items.ndjson', rows: 101, tombstones: 19 }]);

    const imported = await runCli(CONFIG, ['import', '--in', dump, '--json'], env(target.locator));
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toEqual([{ entity: 'items', rows: 101, tombstones: 19 }]);
    // Imported again: nothing newer, nothing written.
    const again = await runCli(CONFIG, ['import', '--in', dump, '--json'], env(target.locator));
    expect(JSON.parse(again.stdout)).toEqual([{ entity: 'items', rows: 0, tombstones: 0 }]);

    const [from, to] = [source.home(), target.home()];
    cleanups.push(
      () => from.close(),
      () => to.close(),
    );
    const [a, b] = [await readHomeTruth(from, items), await readHomeTruth(to, items)];
    expect(Object.fromEntries(b.live)).toEqual(Object.fromEntries(a.live));
    expect(Object.fromEntries(b.tombstones)).toEqual(Object.fromEntries(a.tombstones));
    expect(b.live.get('i110')?.version).toBe(3);
  });
});
