import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import { documentSpec, eventsOf, expectCode, settledThrough } from './home-contract-support.js';

/** `bytes` bytes of random characters of one UTF-8 width (1, 3 or 4 bytes each): incompressible by the engine. */
function randomText(bytes: number, width: 1 | 3 | 4): string {
  const [from, span] = width === 1 ? [0x21, 0x5e] : width === 3 ? [0x4e00, 0x5000] : [0x1f300, 0x200];
  const count = Math.floor(bytes / width);
  const seed = randomBytes(count * 2);
  return Array.from({ length: count }, (_, i) => String.fromCodePoint(from + (seed.readUInt16LE(i * 2) % span))).join(
    '',
  );
}

/**
 * Ids the home cannot store faithfully are refused up front, as
 * `PS_ERR_VALIDATION` on field `id` (not a driver error), on every path; ids
 * up to its `maxIdBytes` come back exactly as given.
 */
export function describeHomeIds(
  home: () => HomeStore,
  capabilities: { readonly batchWrites?: boolean; readonly fusedCreate?: boolean },
): void {
  describe('record ids', () => {
    const limit = () => home().maxIdBytes!;

    async function fresh(): Promise<EntityTableSpec> {
      const spec = documentSpec();
      await home().ensureSchema([spec]);
      return spec;
    }

    it('declares the longest id it stores, in UTF-8 bytes', () => {
      expect(Number.isSafeInteger(home().maxIdBytes)).toBe(true);
      expect(limit()).toBeGreaterThanOrEqual(512);
    });

    it('refuses empty ids, NUL characters, unpaired surrogates and ids over its limit, on every path', async () => {
      const spec = await fresh();
      const bad: [string, string][] = [
        ['empty', ''],
        ['NUL', 'a\u0000b'],
        ['lone high surrogate', 'x\uD83Dy'],
        ['lone low surrogate', 'x\uDE00'],
        ['one byte over the limit', 'a'.repeat(limit() + 1)],
        ['over the limit in bytes, not in characters', 'é'.repeat(Math.floor(limit() / 2) + 1)],
      ];
      const data = { title: 't' };
      for (const [what, id] of bad) {
        const paths: [string, () => Promise<unknown>][] = [
          ['insert', () => home().transaction((tx) => tx.insert(spec, id, data))],
          ['update', () => home().transaction((tx) => tx.update(spec, id, data, 1))],
          ['delete', () => home().transaction((tx) => tx.delete(spec, id))],
          ['get', () => home().get(spec, id)],
          ['getMany', () => home().getMany(spec, ['ok', id])],
          [
            'appendOutbox',
            () =>
              home().transaction((tx) =>
                tx.appendOutbox({ entity: spec.entity, key: id, version: 1, op: 'create', payload: data }),
              ),
          ],
          ...(capabilities.fusedCreate
            ? [
                ['insertWithEvent', () => home().transaction((tx) => tx.insertWithEvent!(spec, id, data, data))] as [
                  string,
                  () => Promise<unknown>,
                ],
              ]
            : []),
          ...(capabilities.batchWrites
            ? [
                [
                  'insertMany',
                  () =>
                    home().transaction((tx) =>
                      tx.insertMany!(spec, [
                        { id: 'ok', data },
                        { id, data },
                      ]),
                    ),
                ] as [string, () => Promise<unknown>],
              ]
            : []),
          ...(capabilities.batchWrites && capabilities.fusedCreate
            ? [
                [
                  'insertManyWithEvents',
                  () =>
                    home().transaction((tx) =>
                      tx.insertManyWithEvents!(
                        spec,
                        [
                          { id: 'ok', data },
                          { id, data },
                        ],
                        [data, data],
                      ),
                    ),
                ] as [string, () => Promise<unknown>],
              ]
            : []),
        ];
        for (const [path, call] of paths) {
          const err = await expectCode(call(), 'PS_ERR_VALIDATION').catch((e: Error) => {
            throw new Error(`${what} id through ${path}: ${e.message}`);
          });
          expect(err.field, `${what} id through ${path}`).toBe('id');
          expect(err.fix, `${what} id through ${path}`).toBeTruthy();
          if (id.length > 0) expect(err.message).not.toContain(id);
        }
      }
      expect(await home().count(spec, null)).toBe(0);
    });

    it('stores ids up to its limit faithfully: rows, tombstones and outbox keys', async () => {
      const spec = await fresh();
      const ids = [
        randomText(limit(), 1),
        randomText(limit(), 3),
        randomText(limit(), 4),
        'line\nbreak\ttab and "quotes" \u00e9\u{1F600}',
        ' ',
      ];
      for (const id of ids) {
        expect(Buffer.byteLength(id)).toBeLessThanOrEqual(limit());
        await home().transaction(async (tx) => {
          const version = await tx.insert(spec, id, { n: 1 });
          await tx.appendOutbox({ entity: spec.entity, key: id, version, op: 'create', payload: { n: 1 } });
        });
        expect((await home().get(spec, id))?.id).toBe(id);
        expect(await home().transaction((tx) => tx.delete(spec, id))).toBe(2);
      }
      expect((await home().listTombstones(spec)).map((t) => t.id).sort()).toEqual([...ids].sort());
      const last = await home().transaction(async (tx) => {
        const version = await tx.insert(spec, ids[2]!, { n: 2 });
        expect(version).toBe(3);
        return tx.appendOutbox({ entity: spec.entity, key: ids[2]!, version, op: 'create', payload: { n: 2 } });
      });
      await settledThrough(home(), last);
      expect((await eventsOf(home(), spec.entity)).map((e) => e.key)).toEqual([...ids, ids[2]]);
      expect((await home().getMany(spec, ids)).map((r) => r.id)).toEqual([ids[2]]);
    });
  });
}
