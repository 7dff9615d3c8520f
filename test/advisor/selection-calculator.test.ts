import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FACTORS } from '../../src/advisor/factor-weights.js';
import {
  type FactorScores,
  formatContribution,
  rankStores,
  scoreStore,
} from '../../src/advisor/selection-calculator.js';
import { STORE_KINDS } from '../../src/advisor/store-kinds.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { factorScores } from './factor-scores-arbitrary.js';

const scoresArb = factorScores();
const rowsArb = fc.constantFrom(...FACTORS.flatMap((f) => f.weights.map((w) => ({ factor: f.id, ...w }))));

/** The score straight from the table, independent of the calculator's code. */
function tableScore(scores: FactorScores, store: string): number {
  let sum = 0;
  for (const f of FACTORS) for (const w of f.weights) if (w.store === store) sum += (scores[f.id] ?? 0) * w.weight;
  return sum;
}

describe('selection calculator', () => {
  it('ranks RDBMS first for related, transactional data and names the rules that put it there', () => {
    const [first, second] = rankStores({ 'structured-relations': 9, 'strong-consistency': 8 });
    expect(first!.store).toBe('rdbms');
    expect(first!.score).toBe(9 * 3 + 8 * 3);
    expect(first!.contributions.map(formatContribution)).toEqual([
      'Structured with relations 9 × +3 = 27',
      'Strong consistency / transactions 8 × +3 = 24',
    ]);
    expect(second!.store).toBe('graph');
    expect(second!.score).toBe(9 + 8);
  });

  it('orders contributions by size and shows negative ones', () => {
    const rdbms = scoreStore({ 'flexible-documents': 10, 'structured-relations': 2 }, 'rdbms');
    expect(rdbms.contributions.map((c) => c.product)).toEqual([-10, 6]);
    expect(formatContribution(rdbms.contributions[0]!)).toBe('Flexible documents 10 × -1 = -10');
  });

  it('scores nothing with no factors, keeping the kinds in their declared order', () => {
    const ranking = rankStores({});
    expect(ranking.map((r) => r.store)).toEqual([...STORE_KINDS]);
    expect(ranking.every((r) => r.score === 0 && r.contributions.length === 0)).toBe(true);
  });

  it('refuses unknown factors and scores outside 0-10 without echoing the value', () => {
    for (const bad of [
      { speed: 5 },
      { 'full-text-search': 11 },
      { 'full-text-search': -1 },
      { 'data-volume': Number.NaN },
    ]) {
      try {
        rankStores(bad as FactorScores);
        expect.unreachable();
      } catch (err) {
        expect(isPolystoreError(err, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
        expect((err as Error).message).not.toMatch(/11|-1\b|NaN/);
      }
    }
  });

  it('scores each store as the sum of score x weight over the table, the sum of its contributions (property)', () => {
    fc.assert(
      fc.property(scoresArb, (scores) => {
        for (const store of STORE_KINDS) {
          const s = scoreStore(scores, store);
          expect(s.score).toBe(tableScore(scores, store));
          expect(s.contributions.reduce((sum, c) => sum + c.product, 0)).toBe(s.score);
          for (const c of s.contributions) expect(c.product).toBe(c.score * c.weight);
        }
      }),
    );
  });

  it('ranks best first: scores never increase down the ranking (property)', () => {
    fc.assert(
      fc.property(scoresArb, (scores) => {
        const ranking = rankStores(scores);
        expect(new Set(ranking.map((r) => r.store)).size).toBe(STORE_KINDS.length);
        for (let i = 1; i < ranking.length; i++) expect(ranking[i]!.score).toBeLessThanOrEqual(ranking[i - 1]!.score);
      }),
    );
  });

  it('is monotone: raising a factor raises every store weighted + for it, lowers every store weighted - (property)', () => {
    fc.assert(
      fc.property(scoresArb, rowsArb, fc.integer({ min: 1, max: 10 }), (scores, row, raise) => {
        const before = scores[row.factor] ?? 0;
        fc.pre(before < 10);
        const after = Math.min(10, before + raise);
        const higher = { ...scores, [row.factor]: after };
        const delta = scoreStore(higher, row.store).score - scoreStore(scores, row.store).score;
        expect(delta).toBe((after - before) * row.weight);
        if (row.weight > 0) expect(delta).toBeGreaterThan(0);
        else expect(delta).toBeLessThan(0);
      }),
    );
  });

  it('keeps the ranking when every score is scaled by the same factor (property)', () => {
    fc.assert(
      fc.property(scoresArb, fc.constantFrom(2, 3, 5), (scores, k) => {
        const small = Object.fromEntries(Object.entries(scores).map(([f, s]) => [f, Math.floor(s! / k)]));
        const scaled = Object.fromEntries(Object.entries(small).map(([f, s]) => [f, s * k]));
        expect(rankStores(scaled).map((r) => r.store)).toEqual(rankStores(small).map((r) => r.store));
      }),
    );
  });
});
