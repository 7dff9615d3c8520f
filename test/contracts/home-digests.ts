import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketAt, digestsOf, idHash } from '../../src/contracts/bucket-digest.js';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import { documentSpec, expectCode, relationalSpec } from './home-contract-support.js';

/** Ids whose bytes the SQL md5 must see as Node does: non-ASCII, 4-byte characters, quotes, SQL, spaces, case. */
const ODD_IDS = [
  'a',
  'A',
  'a ',
  "it's",
  '"q"',
  "x'); DROP TABLE t; --",
  'ü',
  'u\u0308',
  '日本',
  '😀',
  'a\tb',
  '%_\\',
  '0',
  '-1',
];

/**
 * Bucket digests computed by the home in SQL (`bucketDigests`,
 * `bucketMembers`): they must equal the digests computed in JavaScript from
 * the rows the home lists, for any ids, versions, deletes and re-creations,
 * at any number of bits: a view store and the home must agree to the bit.
 */
export function describeHomeDigests(home: () => HomeStore): void {
  describe('bucket digests', () => {
    const digestsOfHome = async (spec: EntityTableSpec, bits: number) =>
      digestsOf(await home().listVersions(spec), bits);

    async function seeded(spec: EntityTableSpec, ids: readonly string[]): Promise<void> {
      await home().ensureSchema([spec]);
      const data = (id: string) => (spec.storage === 'relational' ? { name: id } : { n: id.length });
      for (const id of ids) await home().transaction((tx) => tx.insert(spec, id, data(id)));
      // Versions above 1, deletes, and a re-created id (its version continues after its tombstone).
      for (const id of ids.slice(0, 4)) {
        await home().transaction(async (tx) => tx.update(spec, id, data(id), (await tx.get(spec, id))!.version));
      }
      for (const id of ids.slice(2, 7)) await home().transaction((tx) => tx.delete(spec, id));
      if (ids.length > 3) await home().transaction((tx) => tx.insert(spec, ids[3]!, data(ids[3]!)));
    }

    it('equal the digests computed in JavaScript, at every number of bits, for odd and long ids', async () => {
      const spec = relationalSpec();
      const long = 'L'.repeat(Math.min(home().maxIdBytes ?? 1000, 1000) - 4);
      await seeded(spec, [...ODD_IDS, `${long}end`, `é${long.slice(2)}`]);
      const live = await home().listVersions(spec);
      expect(live.some((row) => row.version > 1)).toBe(true);
      for (const bits of [1, 4, 16, 32]) {
        expect(await home().bucketDigests!(spec, bits)).toEqual(await digestsOfHome(spec, bits));
      }
    });

    it('equal the JavaScript digests for random ids and versions (documents)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }), { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 1, max: 20 }),
          async (ids, bits) => {
            const spec = documentSpec();
            const valid = ids.filter((id) => !id.includes('\u0000'));
            await seeded(spec, valid.length > 0 ? valid : ['x']);
            expect(await home().bucketDigests!(spec, bits)).toEqual(await digestsOfHome(spec, bits));
          },
        ),
        { numRuns: 5 },
      );
    });

    it('lists the live rows and the tombstones of the buckets asked for, and nothing else', async () => {
      const spec = relationalSpec();
      await seeded(spec, ODD_IDS);
      const bits = 3;
      const bucketOf = (id: string) => bucketAt(idHash(id).top, bits);
      const live = await home().listVersions(spec);
      const tombstones = await home().listTombstones(spec);
      const wanted = [...new Set(live.map((row) => bucketOf(row.id)))].slice(0, 2);
      const members = await home().bucketMembers!(spec, bits, wanted);
      const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
      expect([...members.rows].sort(byId)).toEqual(live.filter((row) => wanted.includes(bucketOf(row.id))).sort(byId));
      expect([...members.tombstones].sort(byId)).toEqual(
        tombstones.filter((row) => wanted.includes(bucketOf(row.id))).sort(byId),
      );
      expect(tombstones.length).toBeGreaterThan(0);
      const all = await home().bucketMembers!(spec, bits, [0, 1, 2, 3, 4, 5, 6, 7]);
      expect(all.rows).toHaveLength(live.length);
      expect(all.tombstones).toHaveLength(tombstones.length);
      expect(await home().bucketMembers!(spec, bits, [])).toEqual({ rows: [], tombstones: [] });
    });

    it('refuses bits outside 1 to 32 and buckets outside them', async () => {
      const spec = documentSpec();
      await home().ensureSchema([spec]);
      await expectCode(home().bucketDigests!(spec, 0), 'PS_ERR_INVALID_ARGUMENT');
      await expectCode(home().bucketDigests!(spec, 33), 'PS_ERR_INVALID_ARGUMENT');
      await expectCode(home().bucketMembers!(spec, 4, [16]), 'PS_ERR_INVALID_ARGUMENT');
      await expectCode(home().bucketMembers!(spec, 4, [1.5]), 'PS_ERR_INVALID_ARGUMENT');
      expect(await home().bucketDigests!(spec, 16)).toEqual(new Map());
    });
  });
}
