import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import { uniqueName } from '../support/temp-dir.js';
import { documentSpec, expectCode } from './home-contract-support.js';

/** Ids a scan must page through without skipping or repeating: case, spaces, SQL, non-ASCII, prefixes. */
const ODD_IDS = [
  'a',
  'A',
  'a ',
  'ab',
  'a-b',
  "x'); DROP TABLE t; --",
  'ü',
  'Z',
  '0',
  '10',
  '9',
  '日本',
  'a\tb',
  '%',
  '_',
];

/**
 * Keyset scans (`scanRows`, `scanTombstones`, `lastIds`) and the durable
 * compare-and-set state (`readState`, `writeState`, `deleteState`): what the
 * backfill and the checker stand on. Every order is the home's own; the
 * tests compare with the home's `listVersions`, never with a JavaScript sort.
 */
export function describeHomeScanAndState(home: () => HomeStore, concurrent: boolean): void {
  describe('keyset scans and durable state', () => {
    async function seeded(ids: readonly string[], deleted: readonly string[]): Promise<EntityTableSpec> {
      const spec = documentSpec();
      await home().ensureSchema([spec]);
      for (const id of ids) await home().transaction((tx) => tx.insert(spec, id, { n: id.length }));
      for (const id of deleted) await home().transaction((tx) => tx.delete(spec, id));
      return spec;
    }

    async function pageAll(spec: EntityTableSpec, limit: number, upTo: string | null): Promise<string[]> {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const rows = await home().scanRows(spec, { after, upTo, limit });
        expect(rows.length).toBeLessThanOrEqual(limit);
        if (rows.length === 0) return seen;
        for (const row of rows) seen.push(row.id);
        after = rows.at(-1)!.id;
      }
    }

    it('pages through every live row once, in the home order, for any chunk size and bound', async () => {
      const deleted = ['ab', '%', '9'];
      const spec = await seeded(ODD_IDS, deleted);
      const order = (await home().listVersions(spec)).map((r) => r.id);
      expect(order).toHaveLength(ODD_IDS.length - deleted.length);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 7 }), fc.nat({ max: order.length }), async (limit, cut) => {
          expect(await pageAll(spec, limit, null)).toEqual(order);
          // upTo is inclusive and compared by the home: the prefix of the order up to it.
          const bound = order[Math.min(cut, order.length - 1)]!;
          expect(await pageAll(spec, limit, bound)).toEqual(order.slice(0, order.indexOf(bound) + 1));
        }),
        { numRuns: 8 },
      );
      const rows = await home().scanRows(spec, { after: null, limit: 2 });
      expect(rows[0]!.data).toMatchObject({ n: rows[0]!.id.length });
      expect(rows[0]!.version).toBe(1);
      const last = await home().lastIds(spec);
      expect(last.row).toBe(order.at(-1));
      const tombs = (await home().listTombstones(spec)).map((t) => t.id);
      expect(last.tombstone).toBe(tombs.at(-1));
    });

    it('pages through ids and versions only, in the same chunks as the rows, filtered alike', async () => {
      const spec = await seeded(ODD_IDS, ['ab', '%']);
      for (const id of ['a', '日本', 'Z']) {
        await home().transaction(async (tx) => tx.update(spec, id, { n: 100 }, (await tx.get(spec, id))!.version));
      }
      const expected = await home().listVersions(spec);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 6 }), async (limit) => {
          const seen: { id: string; version: number }[] = [];
          for (let after: string | null = null; ; ) {
            const chunk = await home().scanVersions(spec, { after, limit });
            const rows = await home().scanRows(spec, { after, limit });
            expect(chunk).toEqual(rows.map((row) => ({ id: row.id, version: row.version })));
            if (chunk.length === 0) break;
            seen.push(...chunk);
            after = chunk.at(-1)!.id;
          }
          expect(seen).toEqual(expected);
        }),
        { numRuns: 6 },
      );
      const updated = (await home().scanVersions(spec, { after: null, limit: 50 })).filter((r) => r.version === 2);
      expect(updated.map((r) => r.id).sort()).toEqual(['Z', 'a', '日本']);
      const bounded = await home().scanVersions(spec, { after: expected[1]!.id, upTo: expected[3]!.id, limit: 10 });
      expect(bounded).toEqual(expected.slice(2, 4));
      const filtered = await home().scanVersions(spec, {
        after: null,
        limit: 10,
        filter: { kind: 'compare', path: ['n'], op: 'eq', value: 100 },
      });
      expect(filtered.map((r) => r.version)).toEqual([2, 2, 2]);
      await expectCode(home().scanVersions(spec, { after: null, limit: 0 }), 'PS_ERR_INVALID_ARGUMENT');
    });

    it('scans tombstones in chunks and filters rows', async () => {
      const spec = await seeded(['t1', 't2', 't3', 't4', 'live'], ['t1', 't2', 't3', 't4']);
      const chunks: string[][] = [];
      let after: string | null = null;
      for (;;) {
        const page = await home().scanTombstones(spec, { after, limit: 3 });
        if (page.length === 0) break;
        chunks.push(page.map((t) => t.id));
        after = page.at(-1)!.id;
      }
      expect(chunks).toEqual([['t1', 't2', 't3'], ['t4']]);
      expect(await home().scanTombstones(spec, { after: 't1', upTo: 't3', limit: 10 })).toEqual([
        { id: 't2', version: 2 },
        { id: 't3', version: 2 },
      ]);
      const filtered = await home().scanRows(spec, {
        after: null,
        limit: 10,
        filter: { kind: 'compare', path: ['n'], op: 'eq', value: 4 },
      });
      expect(filtered.map((r) => r.id)).toEqual(['live']);
      const empty = documentSpec();
      await home().ensureSchema([empty]);
      expect(await home().lastIds(empty)).toEqual({ row: null, tombstone: null });
      await expectCode(home().scanRows(spec, { after: null, limit: 0 }), 'PS_ERR_INVALID_ARGUMENT');
      await expectCode(home().scanRows(spec, { after: '', limit: 1 }), 'PS_ERR_VALIDATION');
    });

    it('compare-and-sets state values: insert once, update at the read revision only, delete', async () => {
      const key = `test/${uniqueName('state')}`;
      expect(await home().readState(key)).toBeNull();
      const before = Date.now();
      expect(await home().writeState(key, { step: 1, ids: ['a'] }, null)).toBe(1);
      expect(await home().writeState(key, { step: 99 }, null)).toBeNull();
      const first = await home().readState(key);
      expect(first).toMatchObject({ value: { step: 1, ids: ['a'] }, revision: 1 });
      expect(Math.abs(first!.updatedAt - before)).toBeLessThan(60_000);
      expect(await home().writeState(key, { step: 2 }, 1)).toBe(2);
      expect(await home().writeState(key, { step: 3 }, 1)).toBeNull();
      expect((await home().readState(key))?.value).toEqual({ step: 2 });
      expect(await home().deleteState(key)).toBe(true);
      expect(await home().deleteState(key)).toBe(false);
      expect(await home().readState(key)).toBeNull();
    });

    it('loses no update when writers race on one key', async () => {
      const key = `test/${uniqueName('race')}`;
      await home().writeState(key, { count: 0 }, null);
      const writers = concurrent ? 6 : 3;
      const each = 5;
      const increment = async () => {
        for (;;) {
          const read = await home().readState(key);
          const value = read!.value as { count: number };
          if ((await home().writeState(key, { count: value.count + 1 }, read!.revision)) !== null) return;
        }
      };
      await Promise.all(
        Array.from({ length: writers }, async () => {
          for (let i = 0; i < each; i++) await increment();
        }),
      );
      const final = await home().readState(key);
      expect(final?.value).toEqual({ count: writers * each });
      expect(final?.revision).toBe(writers * each + 1);
      await home().deleteState(key);
    });
  });
}
