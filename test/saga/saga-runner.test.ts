import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { SagaRecord } from '../../src/contracts/saga-log.js';
import { defineSaga, isPolystoreError } from '../../src/index.js';
import { useSharedPglite } from '../support/pglite-template.js';
import { type OrderInput, openShop, STEPS, type StepName } from '../support/saga-shop.js';
import { uniqueName } from '../support/temp-dir.js';
import { until } from '../support/until.js';
import { checkShop, type Expected, expectedOf } from './saga-model.js';

const sharedPglite = useSharedPglite();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** A home in a fresh schema of the shared PGlite; `another()` opens the same schema again (another process's view). */
async function freshHome(): Promise<HomeStore & { another: () => HomeStore }> {
  const pglite = await sharedPglite();
  const schema = uniqueName('saga');
  cleanups.push(() => pglite.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined));
  return Object.assign(pgliteHome({ pglite, schema }), { another: () => pgliteHome({ pglite, schema }) });
}

async function shopOn(home: HomeStore, options: Parameters<typeof openShop>[1] = {}, sync = true) {
  const opened = openShop(home, options);
  cleanups.push(() => opened.db.close());
  await opened.db.ready({ sync });
  return opened;
}

const order = (orderId: string, overrides: Partial<OrderInput> = {}): OrderInput => ({
  orderId,
  sku: 'p1',
  qty: 2,
  fail: {},
  undo: {},
  ...overrides,
});

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    return isPolystoreError(err) ? err.code : `uncoded: ${String(err)}`;
  }
}

describe('saga definitions', () => {
  const input = z.object({ id: z.string() });
  const run = async () => undefined;
  it('refuses an invalid definition with a coded error naming the field', async () => {
    const step = { kind: 'external' as const, name: 'a', run, compensate: run };
    const cases: [string, () => unknown][] = [
      ['no steps', () => defineSaga({ name: 'x', version: 1, input, steps: [] })],
      ['bad name', () => defineSaga({ name: '9x', version: 1, input, steps: [step] })],
      ['bad version', () => defineSaga({ name: 'x', version: 0, input, steps: [step] })],
      ['twice', () => defineSaga({ name: 'x', version: 1, input, steps: [step, step] })],
      [
        'no compensate',
        () =>
          defineSaga({
            name: 'x',
            version: 1,
            input,
            steps: [
              { kind: 'external', name: 'a', run },
              { ...step, name: 'b' },
            ],
          }),
      ],
      // biome-ignore lint/suspicious/noExplicitAny: the kind a JavaScript caller could pass
      ['bad kind', () => defineSaga({ name: 'x', version: 1, input, steps: [{ ...step, kind: 'remote' as any }] })],
      ['bad timeout', () => defineSaga({ name: 'x', version: 1, input, steps: [{ ...step, timeoutMs: 0 }] })],
      [
        'bad retry',
        () => defineSaga({ name: 'x', version: 1, input, steps: [{ ...step, retry: { maxAttempts: 0 } }] }),
      ],
    ];
    for (const [what, fn] of cases) expect([what, await codeOf(fn)]).toEqual([what, 'PS_ERR_SAGA_DEFINITION']);
    // The last step and pivots may go without a compensation.
    const ok = defineSaga({
      name: 'x',
      version: 1,
      input,
      steps: [
        { kind: 'external', name: 'a', run, pivot: true },
        { kind: 'home', name: 'b', run },
      ],
    });
    expect(ok.steps.map((s) => [s.name, s.pivot, s.compensate === undefined])).toEqual([
      ['a', true, true],
      ['b', false, true],
    ]);
  });

  it('refuses the same name and version twice in a config, and unknown saga names', async () => {
    const home = await freshHome();
    const { saga } = openShop(home);
    expect(await codeOf(() => openShop(home).db.saga('nope'))).toBe('PS_ERR_UNKNOWN_SAGA');
    const { createPolystore } = await import('../../src/index.js');
    const { SHOP_ENTITIES } = await import('../support/saga-shop.js');
    expect(await codeOf(() => createPolystore({ home, entities: SHOP_ENTITIES, sagas: [saga, saga] }))).toBe(
      'PS_ERR_INVALID_CONFIG',
    );
  });
});

describe('saga runner on PGlite', () => {
  it('runs an order to completed, each home step once with its outbox events, and shows its timeline', async () => {
    const home = await freshHome();
    const { db } = await shopOn(home);
    await db.entity('stock').create({ id: 'p1', qty: 10 });
    const id = await db.saga('order').start(order('o1'), { id: 'o1' });
    expect(id).toBe('o1');
    expect(await db.saga('order').start(order('o1'), { id: 'o1' })).toBe('o1'); // the same id starts nothing
    const done = await db.sagas.wait(id);
    expect(done).toMatchObject({ state: 'completed', stepIndex: 4, owner: null, error: null });
    const timeline = await db.sagas.timeline(id);
    expect(timeline.map((s) => `${s.step}/${s.phase}/${s.status}`)).toEqual([
      'reserve/forward/done',
      'reserve/compensate/pending',
      'charge/forward/done',
      'charge/compensate/pending',
      'ship/forward/done',
      'ship/compensate/pending',
      'confirm/forward/done',
    ]);
    expect(timeline.find((s) => s.step === 'charge' && s.phase === 'forward')?.result).toEqual({ charged: 2 });
    expect(await codeOf(() => db.saga('order').start({ orderId: 1 } as never))).toBe('PS_ERR_VALIDATION');
    await checkShop(db, home, { p1: 10 }, [expectedOf(order('o1'), 10)]);
  });

  it('compensates in reverse order when a step fails, and goes stuck when a compensation keeps failing', async () => {
    const home = await freshHome();
    const { db } = await shopOn(home);
    await db.entity('stock').create({ id: 'p1', qty: 10 });
    const failing = order('o1', { fail: { ship: 3 } });
    const stuck = order('o2', { fail: { confirm: 3 }, undo: { charge: 9 } });
    for (const input of [failing, stuck]) await db.saga('order').start(input, { id: input.orderId });
    expect((await db.sagas.wait('o1')).state).toBe('compensated');
    const o2 = await db.sagas.wait('o2');
    expect(o2).toMatchObject({ state: 'stuck', owner: null });
    expect(o2.error).toContain('injected compensation failure of charge');
    const undone = (await db.sagas.timeline('o1')).filter((s) => s.phase === 'compensate');
    expect(undone.map((s) => `${s.step}:${s.status}`)).toEqual(['reserve:done', 'charge:done', 'ship:skipped']);
    expect((await db.sagas.list({ states: ['stuck'] })).map((s) => s.id)).toEqual(['o2']);
    await expectCode(db.sagas.cancel('o1'), 'PS_ERR_SAGA_STATE');
    const retried = await db.sagas.retryCompensation('o2');
    expect(retried.state).toBe('compensating');
    // The retry runs the compensation's attempts again; they fail again (9 injected), and the operator cancels.
    await until(async () => (await db.sagas.get('o2'))?.state === 'stuck', 10_000, 'o2 stuck again', 20);
    expect((await db.sagas.cancel('o2')).state).toBe('cancelled');
    await checkShop(db, home, { p1: 10 }, [expectedOf(failing, 10), { ...expectedOf(stuck, 10), state: 'cancelled' }]);
  });

  it('cancels a running saga: it compensates what it did and ends cancelled', async () => {
    let release!: () => void;
    let reached = false;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hook = (point: string) => {
      if (point !== 'charge:after-effect') return;
      reached = true;
      return gate;
    };
    const home = await freshHome();
    const { db } = await shopOn(home, { hook });
    await db.entity('stock').create({ id: 'p1', qty: 10 });
    await db.saga('order').start(order('o1'), { id: 'o1' });
    await until(() => reached, 10_000, 'the charge', 10);
    const cancelled = await db.sagas.cancel('o1');
    // The cancel drops the lease; a worker may have taken the saga again by the time it is read back.
    expect(cancelled).toMatchObject({ state: 'compensating', cancelling: true });
    release();
    expect((await db.sagas.wait('o1')).state).toBe('cancelled');
    const expected = { ...expectedOf(order('o1', { fail: { ship: 3 } }), 10), state: 'cancelled' as const };
    await checkShop(db, home, { p1: 10 }, [expected]);
  });

  it('aborts an external step whose lease is lost while it runs (an operator cancelled it), and drops its result', async () => {
    let reason: unknown;
    let started = false;
    const wait = defineSaga({
      name: 'wait',
      version: 1,
      input: z.object({}),
      steps: [
        {
          kind: 'external',
          name: 'hold',
          run: ({ signal }) =>
            new Promise((_, reject) => {
              started = true;
              signal.addEventListener('abort', () => {
                reason = signal.reason;
                reject(signal.reason);
              });
            }),
          compensate: async () => undefined,
        },
        { kind: 'external', name: 'last', run: async () => 'never' },
      ],
    });
    const { createPolystore } = await import('../../src/index.js');
    const { SHOP_ENTITIES } = await import('../support/saga-shop.js');
    const db = createPolystore({
      home: await freshHome(),
      entities: SHOP_ENTITIES,
      sagas: [wait],
      sagaOptions: { leaseMs: 300, pollIntervalMs: 20 },
    });
    cleanups.push(() => db.close());
    await db.ready();
    const id = await db.saga(wait).start({});
    await until(() => started, 10_000, 'the step to start', 10);
    await db.sagas.cancel(id);
    // The heartbeat (every leaseMs / 3) finds the lease gone and aborts the step.
    await until(() => reason !== undefined, 10_000, 'the abort', 10);
    expect(isPolystoreError(reason, 'PS_ERR_SAGA_LEASE_LOST')).toBe(true);
    expect((await db.sagas.wait(id)).state).toBe('cancelled');
    const timeline = await db.sagas.timeline(id);
    expect(timeline.map((s) => `${s.step}/${s.phase}/${s.status}`)).toEqual([
      'hold/forward/pending',
      'hold/compensate/done',
    ]);
  });

  it('leaves a saga of a version it does not have alone, says so, and a worker that has it runs it', async () => {
    const home = await freshHome();
    const v2 = await shopOn(home, { version: 2 }, false);
    await v2.db.entity('stock').create({ id: 'p1', qty: 10 });
    await v2.db.saga('order').start(order('o1'), { id: 'o1' });
    const v1 = await shopOn(home.another(), { sagaOptions: { unknownCheckMs: 20 } });
    await until(() => v1.db.sagas.stats().unknown.length === 1, 10_000, 'the unknown version reported', 20);
    const [unknown] = v1.db.sagas.stats().unknown;
    expect(unknown).toMatchObject({ id: 'o1', name: 'order', version: 2 });
    expect(unknown?.error.code).toBe('PS_ERR_SAGA_UNKNOWN_VERSION');
    expect(v1.db.sagas.stats().unknownSeen).toBeGreaterThan(0);
    expect(await v1.db.sagas.get('o1')).toMatchObject({ state: 'running', stepIndex: 0, owner: null });
    await v1.db.close();
    const worker = await shopOn(home.another(), { version: 2 });
    expect((await worker.db.sagas.wait('o1')).state).toBe('completed');
  });

  it('ends every saga as a reference model says, under injected failures and concurrency (model-based)', async () => {
    const counts = fc.record({ reserve: fc.nat(4), charge: fc.nat(4), ship: fc.nat(4), confirm: fc.nat(4) });
    const plan = fc.record({
      fail: counts,
      undo: counts,
      sku: fc.constantFrom('p1', 'p1', 'p1', 'none'),
      qty: fc.integer({ min: 1, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(plan, { minLength: 1, maxLength: 10 }), async (plans) => {
        const home = await freshHome();
        const { db } = await shopOn(home, { sagaOptions: { concurrency: 4 } });
        await db.entity('stock').createMany([
          { id: 'p1', qty: 1000 },
          { id: 'none', qty: 0 },
        ]);
        const inputs = plans.map((p, i) => order(`o${i}`, { ...p, fail: sparse(p.fail), undo: sparse(p.undo) }));
        await Promise.all(inputs.map((input) => db.saga('order').start(input, { id: input.orderId })));
        const ended = await Promise.all(inputs.map((input) => db.sagas.wait(input.orderId)));
        const expected = inputs.map((input) => expectedOf(input, input.sku === 'none' ? 0 : 1000));
        expect(ended.map((s: SagaRecord) => s.state)).toEqual(expected.map((e: Expected) => e.state));
        await checkShop(db, home, { p1: 1000, none: 0 }, expected);
        await db.close();
      }),
      { numRuns: 15 },
    );
  });
});

function sparse(counts: Record<StepName, number>): Record<string, number> {
  return Object.fromEntries(STEPS.filter((s) => counts[s] > 0).map((s) => [s, counts[s]]));
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  expect(await codeOf(() => promise)).toBe(code);
}
