import { describe, expect, it } from 'vitest';
import { FACTOR_IDS, FACTORS, selectionFactor, weightOf } from '../../src/advisor/factor-weights.js';
import { scoreStore } from '../../src/advisor/selection-calculator.js';
import { STORE_KINDS } from '../../src/advisor/store-kinds.js';
import { isPolystoreError } from '../../src/errors/index.js';

const rows = FACTORS.flatMap((f) => f.weights.map((w) => ({ factor: f.id, label: f.label, ...w })));

describe('selection calculator weights', () => {
  it("keeps the product brief's three example rows exactly", () => {
    const row = (id: (typeof FACTOR_IDS)[number]) => {
      const f = selectionFactor(id);
      return { label: f.label, weights: f.weights.map((w) => [w.store, w.weight]) };
    };
    expect(row('structured-relations')).toEqual({
      label: 'Structured with relations',
      weights: [
        ['rdbms', 3],
        ['graph', 1],
      ],
    });
    expect(row('flexible-documents')).toEqual({
      label: 'Flexible documents',
      weights: [
        ['document', 3],
        ['rdbms', -1],
      ],
    });
    expect(row('high-write-throughput')).toEqual({
      label: 'High write throughput',
      weights: [
        ['column-family', 3],
        ['time-series', 2],
      ],
    });
  });

  it('covers the factors readers of selection calculators expect, each with a question', () => {
    expect(FACTORS.map((f) => f.id)).toEqual([...FACTOR_IDS]);
    for (const expected of [
      'Structured with relations',
      'Flexible documents',
      'High write throughput',
      'Read-heavy, low-latency lookups',
      'Full-text search',
      'Relationship traversal',
      'Time-series / append-only metrics',
      'Aggregations / analytics',
      'Strong consistency / transactions',
      'Horizontal scale',
      'Data volume',
      'Schema evolution',
    ])
      expect(FACTORS.map((f) => f.label)).toContain(expected);
    for (const f of FACTORS) expect(f.question).toMatch(/\?$/);
  });

  it('gives every store kind a factor it is best at (+3)', () => {
    for (const kind of STORE_KINDS)
      expect(
        rows.some((r) => r.store === kind && r.weight === 3),
        kind,
      ).toBe(true);
  });

  it.each(rows)('$label: $store $weight, with a reason, scores factor x weight', (row) => {
    expect(Number.isInteger(row.weight) && row.weight !== 0 && Math.abs(row.weight) <= 3).toBe(true);
    expect(row.reason.length).toBeGreaterThan(20);
    expect(selectionFactor(row.factor).weights.filter((w) => w.store === row.store)).toHaveLength(1);
    expect(weightOf(row.factor, row.store)?.weight).toBe(row.weight);
    // Scored alone at 7, the factor is the store's only rule.
    const scored = scoreStore({ [row.factor]: 7 }, row.store);
    expect(scored.score).toBe(7 * row.weight);
    expect(scored.contributions).toEqual([
      {
        factor: row.factor,
        label: row.label,
        score: 7,
        weight: row.weight,
        product: 7 * row.weight,
        reason: row.reason,
      },
    ]);
  });

  it('refuses an unknown factor with a coded error', () => {
    try {
      selectionFactor('speed' as never);
      expect.unreachable();
    } catch (err) {
      expect(isPolystoreError(err, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });
});
