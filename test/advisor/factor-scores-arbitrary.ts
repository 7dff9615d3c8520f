import fc from 'fast-check';
import { FACTOR_IDS, type FactorId } from '../../src/advisor/factor-weights.js';
import type { FactorScores } from '../../src/advisor/selection-calculator.js';

/** Scores 0-10 for the given factors (all by default), each present or absent. */
export function factorScores(ids: readonly FactorId[] = FACTOR_IDS): fc.Arbitrary<FactorScores> {
  const fields = Object.fromEntries(ids.map((id) => [id, fc.integer({ min: 0, max: 10 })]));
  return fc.record(fields as Record<FactorId, fc.Arbitrary<number>>, { requiredKeys: [] });
}
