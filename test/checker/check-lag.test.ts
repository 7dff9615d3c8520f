import { afterEach, expect, it } from 'vitest';
import { CACHE, describeOnEveryHome, dropEntry, openCheckWorld } from './check-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const item = (id: string, qty = 0) => ({ id, name: `item ${id}`, qty, tags: [] });

async function open(variant: Parameters<typeof openCheckWorld>[0]) {
  const world = await openCheckWorld(variant);
  cleanups.push(world.cleanup);
  return world;
}

await describeOnEveryHome('check: lag is not drift', (variant) => {
  it('reports no drift while a writer keeps creating, updating and deleting during the checks', async () => {
    const { db } = await open(variant);
    const entity = db.entity('items');
    await entity.createMany(Array.from({ length: 60 }, (_, i) => item(`i${i}`)));
    await db.sync.catchUp();
    let writing = true;
    const writer = (async () => {
      for (let n = 0; n < 150; n++) {
        await entity.update(`i${n % 60}`, { qty: n });
        if (n % 3 === 0) await entity.create(item(`w${n}`));
        if (n % 3 === 0 && n >= 6) await entity.delete(`w${n - 6}`);
      }
    })().finally(() => {
      writing = false;
    });
    let checks = 0;
    let inFlight = 0;
    try {
      while (writing || checks < 3) {
        const [result] = await db.check();
        expect(result, `check ${checks}: ${JSON.stringify(result)}`).toMatchObject({
          missing: 0,
          stale: 0,
          extra: 0,
          lagging: false,
          ok: true,
        });
        checks++;
        inFlight += result!.inFlight;
      }
    } finally {
      await writer;
    }
    // The checks ran among the writes and saw some of them in flight.
    expect(checks).toBeGreaterThanOrEqual(3);
    expect(inFlight).toBeGreaterThan(0);
    await db.sync.catchUp();
    const [last] = await db.check();
    expect(last).toMatchObject({ missing: 0, stale: 0, extra: 0, inFlight: 0, ok: true });
    expect(last!.checked).toBe(await entity.count());
  });

  it('settles records the view had not applied when the check began as in flight, once the projector applies them', async () => {
    const { db } = await open(variant);
    await db.sync.stop();
    await db.entity('items').createMany(Array.from({ length: 40 }, (_, i) => item(`late${i}`)));
    const running = db.check({ checks: [{ view: CACHE, maxLagSeconds: 30 }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await db.sync.start();
    const [result] = await running;
    // Every record was a candidate (the view held none of them) and none is drift.
    expect(result).toMatchObject({ missing: 0, stale: 0, extra: 0, inFlight: 40, lagging: false, ok: true });
  });

  it('reports a stopped projector with writes after it as lagging, not as drift, and the real drift once it runs', async () => {
    const { db, cache } = await open(variant);
    const entity = db.entity('items');
    await entity.createMany(Array.from({ length: 10 }, (_, i) => item(`i${i}`)));
    await db.sync.catchUp();
    const quick = { checks: [{ view: CACHE, maxLagSeconds: 1 }] };
    // Control: with the projector running, an entry lost behind its back is drift, not lag.
    await dropEntry(cache, 'i0');
    expect((await db.check(quick))[0]).toMatchObject({ missing: 1, lagging: false, lagMs: null, ok: false });

    await db.sync.stop();
    for (let i = 0; i < 7; i++) await entity.create(item(`new${i}`));
    await entity.update('i1', { qty: 1 });
    await entity.update('i2', { qty: 2 });
    const started = Date.now();
    const [lagging] = await db.check(quick);
    // The 9 writes and the lost entry were all found, and none is counted as drift while the view lags.
    expect(lagging).toMatchObject({ missing: 0, stale: 0, extra: 0, lagging: true, unresolved: 10, ok: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(lagging!.lagMs).toBeGreaterThanOrEqual(1000);

    await db.sync.start();
    const [running] = await db.check();
    expect(running).toMatchObject({ missing: 1, stale: 0, extra: 0, lagging: false, ok: false });
    expect(running!.sample.missing).toEqual(['i0']);
    expect((await db.check({ repair: true }))[0]).toMatchObject({ missing: 1, repaired: 1 });
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, checked: 17, ok: true });
  });
});
