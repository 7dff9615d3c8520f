import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { createPolystore, defineSaga, isPolystoreError, silentLogger } from '../../src/index.js';
import { HOME_VARIANTS } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

it('gives a move up after its fence when a saga is open, lifts the fence, and the writes it held run on the old home', async () => {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  const source = await HOME_VARIANTS.find((v) => v.name === 'pglite')!.space();
  cleanups.push(source.cleanup);
  const target = await HOME_VARIANTS.find((v) => v.name === 'pglite')!.space();
  cleanups.push(target.cleanup);
  let release!: () => void;
  const blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  // A saga whose external step waits until the test lets it go: it is open throughout the move.
  const slow = defineSaga({
    name: 'slow',
    version: 1,
    input: z.object({ n: z.number() }),
    steps: [{ kind: 'external', name: 'wait', run: () => blocked }],
  });
  const home = source.home();
  const db = createPolystore({
    home,
    entities: [items],
    sagas: [slow],
    sagaOptions: { pollIntervalMs: 20 },
    sync: { pollIntervalMs: 10 },
    logger: silentLogger,
  });
  cleanups.push(() => db.close());
  await db.ready();
  await db.entity('items').create({ id: 'a', name: 'a', qty: 1, tags: [] });
  // Writes keep coming during the move; none may fail.
  let stop = false;
  let writes = 0;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      await db.entity('items').update('a', { qty: i });
      writes++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  // The saga starts while the move copies (after its checks passed): the move finds it open after its fence.
  let started: Promise<string> | undefined;
  const err = await db
    .moveHome(target.home(), {
      onProgress: (p) => {
        if (p.step === 'catching-up') started ??= db.saga('slow').start({ n: 1 });
      },
    })
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(isPolystoreError(err, 'PS_ERR_HOME_MOVE')).toBe(true);
  expect((err as Error).message).toMatch(/saga\(s\) started during the move/);
  const open = await started!;
  const before = writes;
  await new Promise((resolve) => setTimeout(resolve, 200));
  stop = true;
  await writer;
  expect(writes).toBeGreaterThan(before);
  // Still the old home: its fence is lifted and it holds every write.
  expect(await home.readState('home/moved')).toBeNull();
  expect((await db.entity('items').get('a', { consistency: 'strong' }))?.qty).toBe(writes - 1);
  release();
  expect((await db.sagas.wait(open, { timeoutMs: 10_000 })).state).toBe('completed');
});
