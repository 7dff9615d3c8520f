import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { createPolystore, defineEntity, silentLogger } from '../../src/index.js';
import { HOME_VARIANTS } from '../support/home-variants.js';
import { describeWithServer } from '../support/servers.js';

const WRITER = fileURLToPath(new URL('../fixtures/schema-writer.ts', import.meta.url));
const v1 = z.object({ id: z.string(), name: z.string(), age: z.number().int() });
const v2 = v1.extend({ nick: z.string().optional(), tags: z.array(z.string()).optional() });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** A writer process on the old declaration; `waitFor(n)` resolves once it has written n records in all. */
function startWriter(home: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, '--home', home], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let wrote = 0;
  const lines: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const done = (async () => {
    for await (const line of createInterface({ input: child.stdout! })) {
      lines.push(line);
      if (line.startsWith('wrote ')) wrote = Number(line.slice(6));
      for (const w of waiters.filter((w) => wrote >= w.n)) w.resolve();
    }
  })();
  return {
    waitFor: (n: number) => new Promise<void>((resolve) => (wrote >= n ? resolve() : waiters.push({ n, resolve }))),
    wrote: () => wrote,
    async stop() {
      child.kill('SIGTERM');
      await done;
      return lines;
    },
  };
}

for (const variant of HOME_VARIANTS.filter((v) => v.server)) {
  await describeWithServer(variant.server!, `schema evolution under writes: ${variant.name}`, () => {
    it('adds fields on ready() while another process keeps writing with the old declaration; both go on', async () => {
      const space = await variant.space();
      cleanups.push(space.cleanup);
      const seed = createPolystore({
        home: space.home(),
        entities: [defineEntity({ name: 'people', schema: v1 })],
        logger: silentLogger,
      });
      await seed.ready();
      await seed.entity('people').create({ id: 'p1', name: 'Ada', age: 36 });
      await seed.close();

      const writer = startWriter(JSON.stringify(space.locator));
      cleanups.push(async () => void (await writer.stop()));
      await writer.waitFor(40);
      const db = createPolystore({
        home: space.home(),
        entities: [defineEntity({ name: 'people', schema: v2 })],
        logger: silentLogger,
      });
      cleanups.push(() => db.close());
      await db.ready();
      const migratedAt = writer.wrote();
      const people = db.entity('people');
      for (let i = 0; i < 30; i++)
        await people.create({ id: `n${i}`, name: 'new', age: i, nick: `n${i}`, tags: ['t'] });
      await people.update('p1', { nick: 'ada' });
      // The old writer keeps going after the columns were added.
      await writer.waitFor(migratedAt + 60);
      const lines = await writer.stop();
      const total = lines.find((l) => l.startsWith('total '));
      expect(total).toMatch(/^total \d+ errors 0$/);
      expect(lines.filter((l) => l.startsWith('error '))).toEqual([]);
      const written = Number(total!.split(' ')[1]);
      expect(written).toBeGreaterThanOrEqual(migratedAt + 60);
      // Every record reads through the new declaration: old ones without the new fields.
      expect(await people.get('p1', { consistency: 'strong' })).toMatchObject({
        name: 'Ada',
        nick: 'ada',
        $version: 2,
      });
      expect(await people.get('n7', { consistency: 'strong' })).toMatchObject({ nick: 'n7', tags: ['t'] });
      const old = await people.get('w0', { consistency: 'strong' });
      expect(old).toMatchObject({ name: 'writer 0' });
      expect(old?.nick ?? undefined).toBeUndefined();
      const creates = Math.ceil((written * 2) / 3);
      expect(await people.count({})).toBeGreaterThanOrEqual(1 + 30 + creates - 2);
    }, 90_000);
  });
}
