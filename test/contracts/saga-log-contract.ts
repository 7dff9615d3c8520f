import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import type { SagaProgressWrite } from '../../src/contracts/saga-log.js';
import type { MakeHome } from './home-contract.js';
import { documentSpec, eventsOf, expectCode } from './home-contract-support.js';

const KNOWN = [{ name: 'order', version: 1 }];
const LONG = 60_000;

function progress(sagaId: string, owner: string, overrides: Partial<SagaProgressWrite> = {}): SagaProgressWrite {
  return {
    sagaId,
    owner,
    leaseMs: LONG,
    state: 'running',
    stepIndex: 1,
    attempts: 0,
    error: null,
    release: false,
    steps: [{ stepIndex: 0, step: 'reserve', phase: 'forward', status: 'done', attempts: 1, result: { n: 1, s: 'ü' } }],
    ...overrides,
  };
}

/**
 * The saga log every home keeps (contracts/saga-log.ts): creation, bulk
 * claims by lease, progress writes fenced by the lease and committed with a
 * step's entity writes, operator overrides, listings and timelines. With
 * `concurrent`, claimers race on separate connections; with `recordsReturnSaga`,
 * a progress write returns the saga row it left (else null).
 */
export function describeSagaLogContract(
  name: string,
  make: MakeHome,
  options: { concurrent: boolean; recordsReturnSaga: boolean },
): void {
  describe(`saga log contract: ${name}`, () => {
    let home: HomeStore;
    let cleanup: () => Promise<void>;
    let docs: EntityTableSpec;

    beforeEach(async () => {
      ({ home, cleanup } = await make());
      docs = documentSpec();
      await home.ensureSchema([docs]);
    });
    afterEach(() => cleanup());

    const start = (id: string, owner: string | null = null, version = 1) =>
      home.sagas.create({ id, name: 'order', version, input: { qty: 2, note: "x'); --" }, owner, leaseMs: LONG });

    it('creates a saga once per id, running, with its input, unowned or leased to its starter', async () => {
      const created = await start('s1');
      expect(await start('s1', 'w1')).toBeNull();
      const created2 = await start('s2', 'w1');
      const s1 = await home.sagas.get('s1');
      // What create returns is the saga as recorded.
      expect(created).toEqual(s1);
      expect(created2).toEqual(await home.sagas.get('s2'));
      expect(s1).toMatchObject({ id: 's1', name: 'order', version: 1, state: 'running', stepIndex: 0, owner: null });
      expect(s1).toMatchObject({ leaseUntil: 0, attempts: 0, error: null, cancelling: false });
      expect(s1?.input).toEqual({ qty: 2, note: "x'); --" });
      const s2 = await home.sagas.get('s2');
      expect(s2?.owner).toBe('w1');
      expect(s2!.leaseUntil).toBeGreaterThan(Date.now() + LONG / 2);
      expect(await home.sagas.get('nope')).toBeNull();
    });

    it('claims in bulk only free or expired leases of known definitions, and only while they run or compensate', async () => {
      for (const id of ['a', 'b', 'c']) await start(id);
      await start('held', 'w0');
      await start('v2', null, 2);
      await home.sagas.override({ sagaId: 'c', from: ['running'], state: 'stuck', cancelling: false, error: 'x' });
      const first = await home.sagas.claim({ owner: 'w1', leaseMs: 150, limit: 10, known: KNOWN });
      expect(first.map((s) => s.id).sort()).toEqual(['a', 'b']);
      expect(first.every((s) => s.owner === 'w1' && s.leaseUntil > Date.now())).toBe(true);
      expect(await home.sagas.claim({ owner: 'w2', leaseMs: LONG, limit: 10, known: KNOWN })).toEqual([]);
      expect(await home.sagas.claim({ owner: 'w2', leaseMs: LONG, limit: 10, known: [] })).toEqual([]);
      await sleep(250);
      const second = await home.sagas.claim({ owner: 'w2', leaseMs: LONG, limit: 1, known: KNOWN });
      expect(second.map((s) => s.owner)).toEqual(['w2']);
      const v2 = await home.sagas.claim({
        owner: 'w3',
        leaseMs: LONG,
        limit: 10,
        known: [{ name: 'order', version: 2 }],
      });
      expect(v2.map((s) => s.id)).toEqual(['v2']);
    });

    it('records progress only under the lease, extending it, and drops the lease when asked', async () => {
      await start('s1', 'w1');
      const back = await home.transaction((tx) => tx.recordSagaStep(progress('s1', 'w1')));
      expect(await home.sagas.get('s1')).toMatchObject({ stepIndex: 1, owner: 'w1', state: 'running' });
      expect(back).toEqual(options.recordsReturnSaga ? await home.sagas.get('s1') : null);
      const [step] = await home.sagas.steps('s1');
      expect(step).toMatchObject({ sagaId: 's1', stepIndex: 0, step: 'reserve', phase: 'forward', status: 'done' });
      expect(step?.result).toEqual({ n: 1, s: 'ü' });
      await expectCode(
        home.transaction((tx) => tx.recordSagaStep(progress('s1', 'w2', { stepIndex: 5 }))),
        'PS_ERR_SAGA_LEASE_LOST',
      );
      expect((await home.sagas.get('s1'))?.stepIndex).toBe(1);
      expect(await home.sagas.renew('s1', 'w2', LONG)).toBe(false);
      expect(await home.sagas.renew('s1', 'w1', LONG)).toBe(true);
      await home.transaction((tx) =>
        tx.recordSagaStep(progress('s1', 'w1', { state: 'completed', stepIndex: 2, release: true, steps: [] })),
      );
      expect(await home.sagas.get('s1')).toMatchObject({ state: 'completed', owner: null, leaseUntil: 0 });
      await expectCode(
        home.transaction((tx) => tx.recordSagaStep(progress('s1', 'w1'))),
        'PS_ERR_SAGA_LEASE_LOST',
      );
    });

    it('records progress on its own, fenced by the lease the same way', async () => {
      await start('s1', 'w1');
      await home.sagas.record(progress('s1', 'w1', { stepIndex: 2 }));
      expect(await home.sagas.get('s1')).toMatchObject({ stepIndex: 2, owner: 'w1' });
      expect((await home.sagas.steps('s1')).map((s) => s.status)).toEqual(['done']);
      await expectCode(home.sagas.record(progress('s1', 'w2', { stepIndex: 3 })), 'PS_ERR_SAGA_LEASE_LOST');
      expect((await home.sagas.get('s1'))?.stepIndex).toBe(2);
      const back = await home.sagas.record(progress('s1', 'w1', { state: 'compensated', release: true, steps: [] }));
      expect(await home.sagas.get('s1')).toMatchObject({ state: 'compensated', owner: null, leaseUntil: 0 });
      expect(back).toEqual(options.recordsReturnSaga ? await home.sagas.get('s1') : null);
    });

    it('refuses a record after the lease expired, even to its last owner', async () => {
      await home.sagas.create({ id: 's1', name: 'order', version: 1, input: {}, owner: 'w1', leaseMs: 100 });
      await sleep(200);
      await expectCode(
        home.transaction((tx) => tx.recordSagaStep(progress('s1', 'w1'))),
        'PS_ERR_SAGA_LEASE_LOST',
      );
      expect(await home.sagas.renew('s1', 'w1', LONG)).toBe(false);
    });

    it('commits a step record with the entity writes and outbox events of its transaction, or none of them', async () => {
      await start('s1', 'w1');
      const write = (owner: string, id: string) =>
        home.transaction(async (tx) => {
          const version = await tx.insert(docs, id, { n: 1 });
          await tx.appendOutbox({ entity: docs.entity, key: id, version, op: 'create', payload: { id, n: 1 } });
          await tx.recordSagaStep(progress('s1', owner));
        });
      await write('w1', 'kept');
      await expectCode(write('w2', 'lost'), 'PS_ERR_SAGA_LEASE_LOST');
      expect(await home.get(docs, 'kept')).not.toBeNull();
      expect(await home.get(docs, 'lost')).toBeNull();
      expect((await eventsOf(home, docs.entity)).map((e) => e.key)).toEqual(['kept']);
    });

    it('replaces a step row by saga, step and phase, and reads the timeline in the order rows were first written', async () => {
      await start('s1', 'w1');
      const rec = (steps: SagaProgressWrite['steps']) =>
        home.transaction((tx) => tx.recordSagaStep(progress('s1', 'w1', { steps })));
      await rec([
        { stepIndex: 0, step: 'reserve', phase: 'compensate', status: 'pending', attempts: 0 },
        { stepIndex: 0, step: 'reserve', phase: 'forward', status: 'pending', attempts: 0 },
      ]);
      await sleep(5);
      await rec([{ stepIndex: 0, step: 'reserve', phase: 'forward', status: 'done', attempts: 1, result: [1, 'a'] }]);
      await sleep(5);
      await rec([{ stepIndex: 1, step: 'charge', phase: 'forward', status: 'failed', attempts: 3, error: 'declined' }]);
      await rec([{ stepIndex: 0, step: 'reserve', phase: 'compensate', status: 'done', attempts: 1 }]);
      const steps = await home.sagas.steps('s1');
      expect(steps.map((s) => [s.stepIndex, s.phase, s.status, s.attempts, s.result, s.error])).toEqual([
        // Written in the same moment: a step before its compensation.
        [0, 'forward', 'done', 1, [1, 'a'], null],
        [0, 'compensate', 'done', 1, null, null],
        [1, 'forward', 'failed', 3, null, 'declined'],
      ]);
      expect(await home.sagas.steps('other')).toEqual([]);
    });

    it('applies an operator override only from the given states, dropping the lease', async () => {
      await start('s1', 'w1');
      expect(
        await home.sagas.override({
          sagaId: 's1',
          from: ['stuck'],
          state: 'compensating',
          cancelling: false,
          error: null,
        }),
      ).toBe(false);
      expect(
        await home.sagas.override({
          sagaId: 's1',
          from: ['running', 'stuck'],
          state: 'compensating',
          cancelling: true,
          error: 'by hand',
        }),
      ).toBe(true);
      expect(await home.sagas.get('s1')).toMatchObject({
        state: 'compensating',
        cancelling: true,
        owner: null,
        leaseUntil: 0,
        error: 'by hand',
      });
      await expectCode(
        home.transaction((tx) => tx.recordSagaStep(progress('s1', 'w1'))),
        'PS_ERR_SAGA_LEASE_LOST',
      );
      expect(
        await home.sagas.override({
          sagaId: 'nope',
          from: ['running'],
          state: 'cancelled',
          cancelling: true,
          error: null,
        }),
      ).toBe(false);
    });

    it('lists sagas newest first, filtered by state, name, age and error, up to a limit', async () => {
      for (const id of ['a', 'b', 'c']) {
        await start(id);
        await sleep(3);
      }
      await home.sagas.create({ id: 'p', name: 'payout', version: 1, input: null, owner: null, leaseMs: 0 });
      await home.sagas.override({
        sagaId: 'b',
        from: ['running'],
        state: 'stuck',
        cancelling: false,
        error: 'refund failed',
      });
      const ids = (list: { id: string }[]) => list.map((s) => s.id);
      expect(ids(await home.sagas.list({}))).toEqual(['p', 'c', 'b', 'a']);
      expect(ids(await home.sagas.list({ states: ['stuck'] }))).toEqual(['b']);
      expect(ids(await home.sagas.list({ states: [] }))).toEqual([]);
      expect(ids(await home.sagas.list({ name: 'order', limit: 2 }))).toEqual(['c', 'b']);
      expect(ids(await home.sagas.list({ hasError: true }))).toEqual(['b']);
      expect(ids(await home.sagas.list({ hasError: false, name: 'order' }))).toEqual(['c', 'a']);
      expect(ids(await home.sagas.list({ olderThanMs: 60_000 }))).toEqual([]);
      await sleep(20);
      expect(ids(await home.sagas.list({ olderThanMs: 10 }))).toHaveLength(4);
      await expectCode(home.sagas.list({ limit: 0 }), 'PS_ERR_INVALID_ARGUMENT');
    });

    it.runIf(options.concurrent)('never hands one saga to two racing claimers', async () => {
      const count = 40;
      for (let i = 0; i < count; i++) await start(`s${i}`);
      const claimers = Array.from({ length: 6 }, (_, i) =>
        home.sagas.claim({ owner: `w${i}`, leaseMs: LONG, limit: 9, known: KNOWN }),
      );
      const claimed = (await Promise.all(claimers)).flat();
      const ids = claimed.map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Each saga's owner is the claimer that returned it.
      for (const saga of claimed) expect((await home.sagas.get(saga.id))?.owner).toBe(saga.owner);
      const rest = await home.sagas.claim({ owner: 'late', leaseMs: LONG, limit: count, known: KNOWN });
      expect(ids.length + rest.length).toBe(count);
    });
  });
}
