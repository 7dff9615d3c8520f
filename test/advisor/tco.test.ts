import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareTco, type PriceTable, type StoreLoad } from '../../src/advisor/tco.js';
import { isPolystoreError } from '../../src/errors/index.js';

const prices: PriceTable = {
  currency: 'EUR',
  opsPerStore: 1000,
  stores: {
    rdbms: { storagePerGb: 0.2, compute: 300 },
    'key-value': { storagePerGb: 5, compute: 100 },
    search: { storagePerGb: 0.5, compute: 400 },
  },
};

describe('TCO comparison', () => {
  it('computes Single DB TCO = Storage + Compute + Ops×1 and Polyglot TCO = Σ(Storage[i] + Compute[i]) + Ops×N×1.5', () => {
    const loads: StoreLoad[] = [
      { store: 'home', kind: 'rdbms', volumeGb: 100, primaryGb: 100 },
      { store: 'cache', kind: 'key-value', volumeGb: 12, primaryGb: 2 },
      { store: 'search', kind: 'search', volumeGb: 40, primaryGb: 0 },
    ];
    const tco = compareTco(loads, prices);
    // Single: the 102 GB only held once (home 100 + keyspace 2) at the home's prices.
    expect(tco.single.line.volumeGb).toBe(102);
    expect(tco.single.total).toBeCloseTo(102 * 0.2 + 300 + 1000, 9);
    // Polyglot: (20 + 300) + (60 + 100) + (20 + 400) + 1000 × 3 × 1.5.
    expect(tco.polyglot.n).toBe(3);
    expect(tco.polyglot.ops).toBe(4500);
    expect(tco.polyglot.total).toBeCloseTo(20 + 300 + 60 + 100 + 20 + 400 + 4500, 9);
    expect(tco.difference).toBeCloseTo(tco.polyglot.total - tco.single.total, 9);
    expect(tco.currency).toBe('EUR');
  });

  it('costs a polyglot plan of one store 0.5 × Ops more than the single database (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        (gb, ops) => {
          const tco = compareTco([{ store: 'home', kind: 'rdbms', volumeGb: gb, primaryGb: gb }], {
            ...prices,
            opsPerStore: ops,
          });
          expect(tco.difference).toBeCloseTo(0.5 * ops, 6);
        },
      ),
    );
  });

  it('asks for the prices it lacks, naming the kind', () => {
    try {
      compareTco(
        [
          { store: 'home', kind: 'rdbms', volumeGb: 1, primaryGb: 1 },
          { store: 'graph', kind: 'graph', volumeGb: 1, primaryGb: 0 },
        ],
        prices,
      );
      expect.unreachable();
    } catch (err) {
      expect(isPolystoreError(err, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
      expect((err as Error).message).toContain('stores.graph');
    }
  });
});
