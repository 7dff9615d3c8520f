import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { CLI_BIN, runCli } from '../support/cli-runner.js';
import { readHomeTruth } from '../support/e2e-compare.js';
import { expectHomeHoldsModel, expectItemsViewMatches, type ItemsModel } from '../support/home-model.js';
import { HOME_VARIANTS, type HomeLocator, type HomeVariant } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const CONFIG = fileURLToPath(new URL('../fixtures/move.config.ts', import.meta.url));
const WRITER = fileURLToPath(new URL('../fixtures/move-writer.ts', import.meta.url));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const phase = (what: string) => {
  if (process.env.TEST_DEBUG) console.log(new Date().toISOString(), what);
};
const variant = (name: string) => HOME_VARIANTS.find((v) => v.name === name)!;

/** The `--to` arguments naming `locator` on this machine's servers. */
function toArgs(locator: HomeLocator): string[] {
  if (locator.kind === 'postgres') return ['--to', SERVER_URLS.postgres, '--to-schema', locator.schema];
  if (locator.kind === 'mariadb') {
    const url = new URL(SERVER_URLS.mysql);
    url.pathname = `/${locator.database}`;
    return ['--to', url.toString()];
  }
  return ['--to', `pglite:${locator.dataDir}`];
}

function spawnWith(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`child ${args.join(' ')} exited ${code}: ${stderr}\n`);
      resolve(code);
    }),
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, exited };
}

/**
 * `workerDown`: the worker stops (gracefully) before the move while the
 * writer goes on, so the move carries a tail of events it has not handled;
 * otherwise it runs through the move. (Not SIGSTOP: a worker stopped inside
 * an LMDB write transaction would hold the view's write lock.)
 */
function describeCliMove(from: HomeVariant, to: HomeVariant, workerDown: boolean): void {
  const how = workerDown ? 'a worker that stopped before it' : 'a worker';
  it(`moves the home from ${from.name} to ${to.name} while a writer runs in another process, with ${how}`, async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const source = await from.space();
    cleanups.push(source.cleanup);
    const target = await to.space();
    cleanups.push(target.cleanup);
    const env = { POLYSTORE_TEST_DIR: dir.path, POLYSTORE_MOVE_HOME: JSON.stringify(source.locator) };
    Object.assign(process.env, env);
    const { default: configure } = await import('../fixtures/move.config.js');

    // 200 items, then a worker projecting them and a writer changing them, in processes of their own.
    const seed = configure();
    await seed.ready({ sync: false });
    const model: ItemsModel = new Map();
    await seed.entity('items').createMany(
      Array.from({ length: 200 }, (_, i) => {
        const record = { name: `seed ${i}`, qty: i, tags: [] };
        model.set(`it${String(i).padStart(3, '0')}`, record);
        return { id: `it${String(i).padStart(3, '0')}`, ...record };
      }),
    );
    await seed.close();
    const worker = spawnWith([CLI_BIN, 'worker', '--config', CONFIG], env);
    const writer = spawnWith(['--import', 'tsx', WRITER], env);
    let writes = 0;
    let moved: string | null = null;
    createInterface({ input: writer.child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as { id?: string; record?: unknown; moved?: string; error?: string };
      if (line.id !== undefined) {
        model.set(line.id, line.record);
        writes++;
      } else if (line.moved !== undefined) moved = line.moved;
    });
    await until(() => writes >= 60, 30_000, 'the writer acknowledged 60 writes');
    if (workerDown) {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      await until(() => writes >= 100, 30_000, 'the writer acknowledged 100 writes');
    }

    phase('migrate');
    const result = await runCli(CONFIG, ['migrate-home', ...toArgs(target.locator), '--json'], env);
    expect(result.stderr).toContain('final-catch-up');
    // The copy's progress: records of the live count, rate (and ETA while it runs), plain lines off a terminal.
    expect(result.stderr).toMatch(/^copying \w+: \d+\/\d+ \(\d+%\) \d+ records\/s/m);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout) as {
      to: string;
      repairedAfterFence: number;
      outboxTail: number;
      checkpoints: number;
    };
    expect(outcome.repairedAfterFence).toBe(0);
    if (workerDown) {
      // The 40 or more events the worker had not handled moved to the new outbox; it had handled none of
      // them, so it gets no checkpoint there and starts at the first of them (outbox-tail.test.ts: the others).
      expect(outcome.outboxTail).toBeGreaterThanOrEqual(40);
      expect(outcome.checkpoints).toBe(0);
    }

    // The writer's next write was refused, naming the new home; it wrote on meanwhile.
    phase('writer exit');
    expect(await writer.exited).toBe(0);
    expect(moved).toContain(outcome.to);
    const writesBeforeMove = writes;
    expect(writesBeforeMove).toBeGreaterThan(60);
    if (!workerDown) worker.child.kill('SIGTERM');
    phase('worker exit');
    expect(await worker.exited).toBe(0);
    phase('reopen');

    // The application restarts on the new home: every acknowledged write is there, views go on from their checkpoints.
    process.env.POLYSTORE_MOVE_HOME = JSON.stringify(target.locator);
    const db = configure();
    cleanups.push(() => db.close());
    await db.ready();
    await db.sync.catchUp(60_000);
    phase('caught up');
    const home = target.home();
    cleanups.push(() => home.close());
    const truth = await expectHomeHoldsModel(home, model);
    await expectItemsViewMatches(db.views[0]!.store as KeyValueStore, 'items_cache', truth);
    const [check] = await db.check();
    expect(check).toMatchObject({ ok: true, missing: 0, stale: 0, extra: 0 });
    expect(await db.sync.deadLetters()).toEqual([]);
  });
}

await describeWithServer(['postgres', 'mysql'], 'polystore migrate-home', () => {
  describeCliMove(variant('postgres'), variant('mariadb'), false);
  describeCliMove(variant('mariadb'), variant('postgres'), true);
});

await describeWithServer(['postgres', 'mysql'], 'polystore migrate-home after a crash', () => {
  it('resumes into the same target when run again after the first run was SIGKILLed mid-copy', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const source = await variant('postgres').space();
    cleanups.push(source.cleanup);
    const target = await variant('mariadb').space();
    cleanups.push(target.cleanup);
    const env = { POLYSTORE_TEST_DIR: dir.path, POLYSTORE_MOVE_HOME: JSON.stringify(source.locator) };
    Object.assign(process.env, env);
    const { default: configure } = await import('../fixtures/move.config.js');
    const seed = configure();
    await seed.ready({ sync: false });
    for (let i = 0; i < 20_000; i += 2000)
      await seed
        .entity('items')
        .createMany(
          Array.from({ length: 2000 }, (_, k) => ({ id: `r${i + k}`, name: `r ${i + k}`, qty: k, tags: [] })),
        );
    for (let i = 0; i < 200; i++) await seed.entity('items').delete(`r${i * 97}`);
    await seed.close();

    // The first run is killed once it has started copying.
    const first = spawnWith([CLI_BIN, 'migrate-home', ...toArgs(target.locator), '--config', CONFIG], env);
    await new Promise<void>((resolve) => {
      createInterface({ input: first.child.stderr! }).on('line', (line) => {
        if (line.startsWith('copying')) setTimeout(resolve, 150);
      });
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const partial = target.home();
    cleanups.push(() => partial.close());
    const copiedBefore = (await partial.count(items.table, null)) as number;
    // Killed mid-copy (about 1 000 rows in, measured), not before it started nor after it ended.
    expect(copiedBefore).toBeGreaterThan(0);
    expect(copiedBefore).toBeLessThan(19_800);

    const again = await runCli(CONFIG, ['migrate-home', ...toArgs(target.locator), '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const from = source.home();
    cleanups.push(() => from.close());
    const [a, b] = [await readHomeTruth(from, items), await readHomeTruth(partial, items)];
    expect(b.live.size).toBe(19_800);
    expect(Object.fromEntries(b.live)).toEqual(Object.fromEntries(a.live));
    expect(Object.fromEntries(b.tombstones)).toEqual(Object.fromEntries(a.tombstones));
  }, 120_000);
});
