import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import { comparePositions } from '../../src/contracts/log-position.js';
import { documentSpec, expectCode, relationalSpec } from './home-contract-support.js';

const IDS = ['a', 'A', 'a ', "x'); DROP TABLE t; --", 'ü', '日本', '%'];

type Entry = { kind: 'row'; version: number; n: number } | { kind: 'tombstone'; version: number };

/** What a home holds: each id's live row (version, data.n) or tombstone, read back through scans. */
async function heldState(home: HomeStore, spec: EntityTableSpec): Promise<Map<string, Entry>> {
  const held = new Map<string, Entry>();
  for (const row of await home.scanRows(spec, { after: null, limit: 1000 }))
    held.set(row.id, { kind: 'row', version: row.version, n: row.data.n as number });
  for (const t of await home.scanTombstones(spec, { after: null, limit: 1000 })) {
    expect(held.has(t.id), `${t.id} is both a row and a tombstone`).toBe(false);
    held.set(t.id, { kind: 'tombstone', version: t.version });
  }
  return held;
}

/**
 * What moving a home stands on: restores that keep versions and let the
 * newest state of each id win in any order, a write fence that lets the
 * writes in flight finish and refuses every later one with a coded error
 * naming the new home, and listings of checkpoints and state.
 */
export function describeHomeMove(home: () => HomeStore, concurrent: boolean): void {
  describe('restores and the write fence (moving a home)', () => {
    it('restores rows with their versions and data, relational and document', async () => {
      const products = relationalSpec();
      const docs = documentSpec();
      await home().ensureSchema([products, docs]);
      const released = new Date('2024-02-03T04:05:06.789Z');
      const product = { id: 'p1', name: 'Laptop', price: 9.5, stock: 3, active: true, released, specs: { a: [1] } };
      expect(await home().restoreRows(products, [{ id: 'p1', version: 7, data: product }])).toBe(1);
      expect(await home().restoreRows(docs, [{ id: 'd1', version: 3, data: { id: 'd1', tags: ['x'], n: 1 } }])).toBe(1);
      const got = await home().get(products, 'p1');
      expect(got?.version).toBe(7);
      expect(got?.data).toMatchObject({ ...product, released: expect.anything() });
      expect(new Date(got!.data.released as string | Date).getTime()).toBe(released.getTime());
      expect(await home().get(docs, 'd1')).toEqual({ id: 'd1', version: 3, data: { id: 'd1', tags: ['x'], n: 1 } });
      // A later write continues after the restored version; no outbox event was written by the restore.
      expect(await home().transaction((tx) => tx.update(docs, 'd1', { id: 'd1', n: 2 }, 3))).toBe(4);
      expect(await home().restoreTombstones(docs, [{ id: 'gone', version: 5 }])).toBe(1);
      expect(await home().transaction((tx) => tx.insert(docs, 'gone', { n: 1 }))).toBe(6);
    });

    it('ends with the newest state of every id whatever the order and repeats of restores (model)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              id: fc.constantFrom(...IDS),
              version: fc.integer({ min: 1, max: 9 }),
              tombstone: fc.boolean(),
              batch: fc.integer({ min: 0, max: 2 }),
            }),
            { minLength: 1, maxLength: 25 },
          ),
          async (ops) => {
            const spec = documentSpec();
            await home().ensureSchema([spec]);
            const model = new Map<string, Entry>();
            // Ops with one batch number go in one call (several entries of one id: the newest counts).
            let i = 0;
            while (i < ops.length) {
              const batch = [ops[i]!];
              while (i + batch.length < ops.length && ops[i + batch.length]!.batch === ops[i]!.batch)
                batch.push(ops[i + batch.length]!);
              i += batch.length;
              const rows = batch.filter((o) => !o.tombstone);
              const tombs = batch.filter((o) => o.tombstone);
              await home().restoreRows(
                spec,
                rows.map((o) => ({ id: o.id, version: o.version, data: { id: o.id, n: o.version * 10 } })),
              );
              await home().restoreTombstones(
                spec,
                tombs.map((o) => ({ id: o.id, version: o.version })),
              );
              // The reference: per id, the newest version wins; a row and a tombstone never share a version
              // in a real home, and here the row call runs first, so at a tie the row stays.
              for (const o of [...rows, ...tombs]) {
                const seen = model.get(o.id);
                if (seen && seen.version >= o.version) continue;
                model.set(
                  o.id,
                  o.tombstone
                    ? { kind: 'tombstone', version: o.version }
                    : { kind: 'row', version: o.version, n: o.version * 10 },
                );
              }
            }
            expect(Object.fromEntries(await heldState(home(), spec))).toEqual(Object.fromEntries(model));
          },
        ),
        { numRuns: 25 },
      );
    });

    it('fences outbox appends (so every write) with PS_ERR_HOME_MOVED naming the new home, and lifts the fence', async () => {
      const spec = documentSpec();
      await home().ensureSchema([spec]);
      await home().transaction(async (tx) => {
        const version = await tx.insert(spec, 'k1', { n: 1 });
        await tx.appendOutbox({ entity: spec.entity, key: 'k1', version, op: 'create', payload: { id: 'k1' } });
      });
      const last = await home().outboxHead();
      const fencedAt = await home().fenceWrites('postgres postgres://127.0.0.1:5432/next (schema app)');
      expect(fencedAt).toBe(last);
      // Every Polystore write appends its events in its own transaction: refused there, it rolls back whole.
      const event = (key: string, version: number, op: 'create' | 'update' | 'delete') =>
        ({ entity: spec.entity, key, version, op, payload: op === 'delete' ? null : { id: key } }) as const;
      for (const write of [
        () =>
          home().transaction(async (tx) =>
            tx.appendOutbox(event('k2', await tx.insert(spec, 'k2', { n: 2 }), 'create')),
          ),
        () =>
          home().transaction(async (tx) =>
            tx.appendOutbox(event('k1', await tx.update(spec, 'k1', { n: 3 }, 1), 'update')),
          ),
        () => home().transaction(async (tx) => tx.appendOutbox(event('k1', await tx.delete(spec, 'k1'), 'delete'))),
        () => home().transaction((tx) => tx.appendOutbox(event('k9', 1, 'create'))),
      ]) {
        const err = await expectCode(write(), 'PS_ERR_HOME_MOVED');
        expect(err.message).toContain('postgres://127.0.0.1:5432/next');
      }
      expect((await home().get(spec, 'k1'))?.version).toBe(1);
      expect(await home().get(spec, 'k2')).toBeNull();
      // Idempotent, then lifted: writes work again.
      expect(await home().fenceWrites('elsewhere')).toBe(last);
      await home().liftFence();
      await home().liftFence();
      expect(await home().transaction((tx) => tx.update(spec, 'k1', { n: 3 }, 1))).toBe(2);
      expect(await home().readState('home/moved')).toBeNull();
    });

    it.runIf(concurrent)('lets a write in flight finish before the fence, and returns its event', async () => {
      const spec = documentSpec();
      await home().ensureSchema([spec]);
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let written!: () => void;
      const inside = new Promise<void>((resolve) => {
        written = resolve;
      });
      const inFlight = home().transaction(async (tx) => {
        const version = await tx.insert(spec, 'early', { n: 1 });
        const position = await tx.appendOutbox({
          entity: spec.entity,
          key: 'early',
          version,
          op: 'create',
          payload: { id: 'early' },
        });
        written();
        await held;
        return position;
      });
      await inside;
      const fence = home().fenceWrites('the next home');
      let fenced = false;
      void fence.then(() => {
        fenced = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(fenced).toBe(false);
      release();
      const position = await inFlight;
      const fencedAt = await fence;
      expect(fencedAt).not.toBeNull();
      expect(comparePositions(fencedAt!, position)).toBeGreaterThanOrEqual(0);
      expect((await home().get(spec, 'early'))?.version).toBe(1);
      await expectCode(
        home().transaction((tx) =>
          tx.appendOutbox({ entity: spec.entity, key: 'late', version: 1, op: 'create', payload: {} }),
        ),
        'PS_ERR_HOME_MOVED',
      );
      await home().liftFence();
    });

    it('lists checkpoints and state values by prefix', async () => {
      const consumer = `c_${Math.random().toString(36).slice(2, 8)}`;
      const before = Date.now();
      await home().setCheckpoint(consumer, '00000000000000000001:00000000000000000002');
      const checkpoint = (await home().listCheckpoints()).find((c) => c.consumer === consumer);
      expect(checkpoint).toEqual({
        consumer,
        position: '00000000000000000001:00000000000000000002',
        updatedAt: expect.any(Number),
      });
      // When it was set, by the home's clock (on this machine: within a few seconds of ours).
      expect(Math.abs(checkpoint!.updatedAt! - before)).toBeLessThan(5000);
      const prefix = `move-${consumer}/`;
      await home().writeState(`${prefix}b`, { n: 2 }, null);
      await home().writeState(`${prefix}a`, { n: 1 }, null);
      await home().writeState(`other-${consumer}`, { n: 3 }, null);
      const listed = await home().listState(prefix);
      expect(listed.map((s) => [s.key, s.record.value, s.record.revision])).toEqual([
        [`${prefix}a`, { n: 1 }, 1],
        [`${prefix}b`, { n: 2 }, 1],
      ]);
    });
  });
}
