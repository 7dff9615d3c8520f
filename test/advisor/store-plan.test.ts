import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FACTOR_IDS } from '../../src/advisor/factor-weights.js';
import type { FactorScores } from '../../src/advisor/selection-calculator.js';
import { planStores, VIEW_FACTORS } from '../../src/advisor/store-plan.js';
import { factorScores } from './factor-scores-arbitrary.js';

const one = (factors: FactorScores, rules = {}) => planStores([{ name: 'e', factors }], rules).entities[0]!;

describe('store plan (the fewest-stores rule)', () => {
  it('homes related data in relational storage and varying documents in document storage', () => {
    expect(one({ 'structured-relations': 8 }).home).toMatchObject({ store: 'rdbms', storage: 'relational' });
    expect(one({ 'flexible-documents': 8 }).home).toMatchObject({ store: 'document', storage: 'document' });
    // A tie goes to relational storage.
    expect(one({}).home.storage).toBe('relational');
  });

  it('keeps data only in a keyspace when Key-Value wins by the margin and the data is ephemeral', () => {
    expect(one({ 'ephemeral-data': 9, 'read-heavy-lookups': 8 }).home.storage).toBe('keyspace');
    // Key-Value wins, but the data must be kept: a home (document: reads by id) with a cache view.
    const kept = one({ 'read-heavy-lookups': 9, 'ephemeral-data': 4 });
    expect(kept.ranking[0]!.store).toBe('key-value');
    expect(kept.home.storage).toBe('document');
    expect(kept.views.map((v) => v.view)).toEqual(['cache']);
    // Ephemeral, but Key-Value (5 x 3 + 2 x 3 = 21) leads Document (4 x 3 + 2 x 1 = 14) by less than 10.
    const close = one({ 'ephemeral-data': 5, 'flexible-documents': 4, 'read-heavy-lookups': 2 });
    expect(close.ranking.slice(0, 2).map((r) => [r.store, r.score])).toEqual([
      ['key-value', 21],
      ['document', 14],
    ]);
    expect(close.home.storage).toBe('document');
    expect(
      one({ 'ephemeral-data': 5, 'flexible-documents': 4, 'read-heavy-lookups': 2 }, { keyspaceMargin: 7 }).home
        .storage,
    ).toBe('keyspace');
  });

  it('adds a view exactly when score x (its weight - the home weight) reaches the margin', () => {
    // Full-text search: Search +3, RDBMS +1: 8 x 2 = 16 >= 15; 7 x 2 = 14 < 15.
    expect(one({ 'structured-relations': 9, 'full-text-search': 8 }).views).toEqual([
      expect.objectContaining({ view: 'search', store: 'search', score: 8, weight: 3, homeWeight: 1, divergence: 16 }),
    ]);
    const under = one({ 'structured-relations': 9, 'full-text-search': 7 });
    expect(under.views).toEqual([]);
    expect(under.declined).toEqual([expect.objectContaining({ view: 'search', divergence: 14, added: false })]);
    expect(one({ 'structured-relations': 9, 'full-text-search': 7 }, { viewMargin: 14 }).views).toHaveLength(1);
  });

  it('never adds a view for a write-side factor: views serve reads (property)', () => {
    const writeSide = FACTOR_IDS.filter((id) => !Object.values(VIEW_FACTORS).flat().includes(id));
    expect(Object.values(VIEW_FACTORS).flat().sort()).toEqual([
      'aggregations',
      'full-text-search',
      'read-heavy-lookups',
      'relationship-traversal',
      'time-series',
    ]);
    fc.assert(
      fc.property(factorScores(writeSide), (s) => {
        expect(one(s).views).toEqual([]);
      }),
    );
  });

  it('adds each view through its own read factor only (property)', () => {
    fc.assert(
      fc.property(factorScores(), (s) => {
        const plan = one(s);
        for (const v of [...plan.views, ...plan.declined]) {
          expect(VIEW_FACTORS[v.view]).toContain(v.factor);
          expect(v.divergence).toBe(v.score * (v.weight - v.homeWeight));
          expect(v.added).toBe(v.divergence >= 15);
        }
        if (plan.home.storage === 'keyspace') expect(plan.views).toEqual([]);
      }),
    );
  });

  it('warns past three stores, naming the weakest justified view first', () => {
    const plan = planStores([
      { name: 'a', factors: { 'structured-relations': 9, 'read-heavy-lookups': 9 } },
      { name: 'b', factors: { 'structured-relations': 9, 'full-text-search': 9 } },
      { name: 'c', factors: { 'structured-relations': 9, 'relationship-traversal': 8 } },
    ]);
    expect(plan.stores).toEqual(['home', 'cache', 'search', 'graph']);
    expect(plan.warnings).toEqual([
      expect.stringMatching(
        /^4 stores \(home, cache, search, graph\) is past the 3 to start with.*graph \(best margin 16\), search \(best margin 18\), cache \(best margin 27\)$/,
      ),
    ]);
    // ...until the workload allows four.
    expect(planStores([{ name: 'a', factors: { 'read-heavy-lookups': 9 } }], { maxStores: 1 }).warnings).toHaveLength(
      1,
    );
  });

  it('warns against too many databases when first-ranked kinds would each be a store', () => {
    const plan = planStores([
      { name: 'a', factors: { 'structured-relations': 9 } },
      { name: 'b', factors: { 'flexible-documents': 9 } },
      { name: 'c', factors: { 'cold-archive': 9 } },
      { name: 'd', factors: { 'high-write-throughput': 9 } },
    ]);
    expect(plan.stores).toEqual(['home']);
    expect(plan.warnings[0]).toBe(
      'Too many databases: giving every entity its first-ranked kind would run 4 (RDBMS, Document, Object/Archive, Column-Family); one home with a few views needs 1',
    );
  });
});
