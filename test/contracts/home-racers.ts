import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import { documentSpec } from './home-contract-support.js';
import { RaceLedger, type RaceWrite } from './home-race-ledger.js';

export interface RacerCapabilities {
  /** Transactions run in parallel (server homes); PGlite serialises the same concurrent calls. */
  readonly concurrentTransactions?: boolean;
  /** How many transactions the home runs at once (its pool size): that many are lined up to start together. */
  readonly connections?: number;
  readonly batchWrites?: boolean;
  readonly fusedCreate?: boolean;
}

const ROUNDS = 20;

/**
 * Concurrent writers on one id, against the guarantee views rely on: the
 * versions of an id form one increasing sequence across updates, deletes and
 * re-creates, which the row or tombstone and the outbox agree on.
 */
export function describeHomeRacers(home: () => HomeStore, capabilities: RacerCapabilities): void {
  const lineUp = capabilities.concurrentTransactions ? (capabilities.connections ?? 4) : 1;

  async function freshLedger(): Promise<{ ledger: RaceLedger; spec: EntityTableSpec }> {
    const spec = documentSpec();
    await home().ensureSchema([spec]);
    return { ledger: new RaceLedger(home(), spec), spec };
  }

  /** A record at version 4: created, then updated three times. */
  async function atVersion4(ledger: RaceLedger, id: string): Promise<void> {
    await ledger.serial([
      { kind: 'create', id, fused: false },
      { kind: 'lockedUpdate', id },
      { kind: 'lockedUpdate', id },
      { kind: 'lockedUpdate', id },
    ]);
  }

  /** Runs `rounds` races on fresh ids and fails with how many broke the ledger, and how. */
  async function expectIntactRounds(race: (id: string, round: number) => Promise<string[]>): Promise<void> {
    const broken: string[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const problems = await race(`hot${round}`, round);
      if (problems.length > 0) broken.push(problems);
    }
    expect({ broken: `${broken.length} of ${ROUNDS} rounds`, first: broken.slice(0, 2) }).toEqual({
      broken: `0 of ${ROUNDS} rounds`,
      first: [],
    });
  }

  /** The losing writers of every race: deletes without a version, locked and stale updates. */
  const contenders = (id: string): RaceWrite[] => [
    { kind: 'delete', id },
    { kind: 'lockedUpdate', id },
    { kind: 'lockedUpdate', id },
    { kind: 'delete', id },
    { kind: 'delete', id },
    { kind: 'delete', id },
    { kind: 'update', id, expected: 4 },
    { kind: 'update', id, expected: 4 },
  ];

  describe('version integrity under concurrent writers', () => {
    it(`keeps one increasing version sequence per id: a record at v4 with deletes, creates and updates at once (${ROUNDS} rounds)`, async () => {
      const { ledger } = await freshLedger();
      await expectIntactRounds(async (id) => {
        await atVersion4(ledger, id);
        const creates: RaceWrite[] = [0, 1, 2, 3].map((i) => ({ kind: 'create', id, fused: i % 2 === 1 }));
        // Interleaved, so the creates start between the delete and the other writers.
        const [first, ...rest] = contenders(id);
        return ledger.race([first!, ...creates, ...rest], lineUp);
      });
    });

    it.runIf(capabilities.batchWrites)(
      `does the same when the re-creates are batches holding the raced id, fused or not (${ROUNDS} rounds)`,
      async () => {
        const { ledger } = await freshLedger();
        await expectIntactRounds(async (id) => {
          await atVersion4(ledger, id);
          const batches: RaceWrite[] = [0, 1, 2].map((i) => ({
            kind: 'createMany',
            ids: [`${id}-a${i}`, id, `${id}-z${i}`],
            fused: i % 2 === 1,
          }));
          const [first, ...rest] = contenders(id);
          return ledger.race([first!, ...batches, { kind: 'create', id, fused: true }, ...rest], lineUp);
        });
      },
    );

    it('keeps the ledger through random concurrent inserts, updates and deletes on a few hot ids', async () => {
      const { ledger } = await freshLedger();
      const hot = fc.nat({ max: 2 });
      const command = fc.oneof(
        fc.record({ kind: fc.constant('create' as const), hot, fused: fc.boolean() }),
        fc.record({ kind: fc.constant('lockedUpdate' as const), hot }),
        fc.record({ kind: fc.constant('update' as const), hot }),
        fc.record({ kind: fc.constant('delete' as const), hot, withVersion: fc.boolean() }),
        ...(capabilities.batchWrites
          ? [
              fc.record({
                kind: fc.constant('createMany' as const),
                hots: fc.uniqueArray(hot, { minLength: 1, maxLength: 3 }),
                fresh: fc.boolean(),
                fused: fc.boolean(),
              }),
            ]
          : []),
      );
      let run = 0;
      let fresh = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(command, { minLength: 2, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
          async (rounds) => {
            const ids = [0, 1, 2].map((i) => `r${run}h${i}`);
            run += 1;
            for (const round of rounds) {
              // A stale or current version, as a caller holding an earlier read would send.
              const believed = (id: string) => ledger.lastLiveVersion(id) ?? 1;
              const writes = round.map((c): RaceWrite => {
                if (c.kind === 'createMany') {
                  return {
                    kind: 'createMany',
                    ids: [...c.hots.map((h) => ids[h]!), ...(c.fresh ? [`f${++fresh}`] : [])],
                    fused: c.fused,
                  };
                }
                const id = ids[c.hot]!;
                if (c.kind === 'create') return { kind: 'create', id, fused: c.fused };
                if (c.kind === 'lockedUpdate') return { kind: 'lockedUpdate', id };
                if (c.kind === 'update') return { kind: 'update', id, expected: believed(id) };
                return c.withVersion ? { kind: 'delete', id, expected: believed(id) } : { kind: 'delete', id };
              });
              expect(await ledger.race(writes, lineUp)).toEqual([]);
            }
          },
        ),
        { numRuns: 30, endOnFailure: true },
      );
    });
  });
}
