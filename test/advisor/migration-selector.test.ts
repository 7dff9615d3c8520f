import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIGRATION_RULES, type MigrationNeeds, selectMigration } from '../../src/advisor/migration-selector.js';
import { isPolystoreError } from '../../src/errors/index.js';

const base: MigrationNeeds = { volumeGb: 50, downtimeMinutes: 0, partitioned: false, readWriteRatio: 5 };

describe('migration strategy selector', () => {
  // One row per rule: the needs that choose it, and what Polystore offers for it.
  it.each([
    ['dump-and-restore', { ...base, volumeGb: 10, downtimeMinutes: 60 }, 'polystore export --out DIR'],
    ['chunked', { ...base, volumeGb: 500, partitioned: true, readWriteRatio: 0.1 }, 'polystore backfill VIEW'],
    ['queue-based', { ...base, readWriteRatio: 0.5 }, 'polystore/redis-streams'],
    ['read-replica-first', { ...base, readWriteRatio: 10 }, 'polystore migrate-home --to URL'],
    ['cdc', base, 'postgres-cdc'],
    ['dual-writes', { ...base, changeCapture: false }, 'outbox row'],
  ] as const)('chooses %s, says why and how Polystore does it', (strategy, needs, polystore) => {
    const advice = selectMigration(needs);
    expect(advice.strategy).toBe(strategy);
    expect(advice.polystore).toContain(polystore);
    expect(advice.because.length).toBeGreaterThan(30);
    const before = MIGRATION_RULES.slice(
      0,
      MIGRATION_RULES.findIndex((r) => r.strategy === strategy),
    );
    expect(advice.passedOver.map((p) => p.strategy)).toEqual(before.map((r) => r.strategy));
  });

  it('estimates dump plus restore from the measured rate, at the boundary of the downtime', () => {
    // 10 GB twice at 20 GB/h: 60 minutes.
    expect(selectMigration({ ...base, volumeGb: 10, downtimeMinutes: 60 }).copyMinutes).toBe(60);
    expect(selectMigration({ ...base, volumeGb: 10, downtimeMinutes: 60 }).strategy).toBe('dump-and-restore');
    expect(selectMigration({ ...base, volumeGb: 10, downtimeMinutes: 59 }).strategy).toBe('cdc');
    expect(selectMigration({ ...base, volumeGb: 10, downtimeMinutes: 59, dumpGbPerHour: 40 }).strategy).toBe(
      'dump-and-restore',
    );
    expect(selectMigration({ ...base, volumeGb: 10, downtimeMinutes: 60 }).because).toContain('about 60 min');
  });

  it('moves partitioned data in chunks only from the large-volume threshold', () => {
    const partitioned = { ...base, partitioned: true };
    expect(selectMigration({ ...partitioned, volumeGb: 99 }).strategy).toBe('cdc');
    expect(selectMigration({ ...partitioned, volumeGb: 100 }).strategy).toBe('chunked');
    expect(selectMigration({ ...partitioned, volumeGb: 99, largeVolumeGb: 50 }).strategy).toBe('chunked');
  });

  it('chooses the first rule that applies (property)', () => {
    const needs = fc.record({
      volumeGb: fc.double({ min: 0, max: 10_000, noNaN: true }),
      downtimeMinutes: fc.double({ min: 0, max: 10_000, noNaN: true }),
      partitioned: fc.boolean(),
      readWriteRatio: fc.double({ min: 0, max: 1000, noNaN: true }),
      changeCapture: fc.boolean(),
    });
    fc.assert(
      fc.property(needs, (n) => {
        const advice = selectMigration(n);
        const settled = { ...n, dumpGbPerHour: 20, largeVolumeGb: 100, copyMinutes: ((2 * n.volumeGb) / 20) * 60 };
        const index = MIGRATION_RULES.findIndex((r) => r.strategy === advice.strategy);
        expect(MIGRATION_RULES[index]!.applies(settled)).toBe(true);
        for (const earlier of MIGRATION_RULES.slice(0, index)) expect(earlier.applies(settled)).toBe(false);
      }),
    );
  });

  it('refuses negative or non-finite needs with a coded error', () => {
    for (const bad of [
      { ...base, volumeGb: -1 },
      { ...base, readWriteRatio: Number.POSITIVE_INFINITY },
      { ...base, dumpGbPerHour: 0 },
    ]) {
      try {
        selectMigration(bad);
        expect.unreachable();
      } catch (err) {
        expect(isPolystoreError(err, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});
