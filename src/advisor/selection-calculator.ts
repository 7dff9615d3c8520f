import { PolystoreError } from '../errors/index.js';
import { FACTOR_IDS, FACTORS, type FactorId } from './factor-weights.js';
import { STORE_KINDS, type StoreKind, storeLabel } from './store-kinds.js';

/** Factor scores 0-10 given by the user; an absent factor scores 0. */
export type FactorScores = Readonly<Partial<Record<FactorId, number>>>;

/** One rule's part in a store's score: factor score x weight. */
export interface Contribution {
  readonly factor: FactorId;
  readonly label: string;
  readonly score: number;
  readonly weight: number;
  readonly product: number;
  readonly reason: string;
}

export interface StoreScore {
  readonly store: StoreKind;
  readonly label: string;
  /** The sum of the contributions. */
  readonly score: number;
  /** Every non-zero rule, largest absolute product first. */
  readonly contributions: readonly Contribution[];
}

/**
 * Scores every store kind as the sum of factor score x weight, ranked best
 * first (ties keep the order of `STORE_KINDS`), each with the rules that made
 * its score.
 *
 * @example
 * const [best] = rankStores({ 'structured-relations': 9, 'strong-consistency': 8 });
 * best.store; // 'rdbms'
 * best.contributions[0]; // { label: 'Structured with relations', score: 9, weight: 3, product: 27, ... }
 */
export function rankStores(scores: FactorScores): StoreScore[] {
  checkScores(scores);
  const ranked = STORE_KINDS.map((store) => scoreStore(scores, store));
  return ranked
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.score - a.s.score || a.i - b.i)
    .map(({ s }) => s);
}

/**
 * One store kind's score with its contributions.
 *
 * @example
 * scoreStore({ 'flexible-documents': 10 }, 'document').score; // 30
 */
export function scoreStore(scores: FactorScores, store: StoreKind): StoreScore {
  const contributions: Contribution[] = [];
  for (const f of FACTORS) {
    const score = scores[f.id] ?? 0;
    const w = f.weights.find((x) => x.store === store);
    if (!w || score === 0) continue;
    contributions.push({
      factor: f.id,
      label: f.label,
      score,
      weight: w.weight,
      product: score * w.weight,
      reason: w.reason,
    });
  }
  contributions.sort((a, b) => Math.abs(b.product) - Math.abs(a.product));
  return {
    store,
    label: storeLabel(store),
    score: contributions.reduce((sum, c) => sum + c.product, 0),
    contributions,
  };
}

/**
 * Refuses unknown factors and scores outside 0-10 (PS_ERR_INVALID_ARGUMENT).
 *
 * @example
 * checkScores({ 'full-text-search': 11 }); // throws: the score is not a number from 0 to 10
 */
export function checkScores(scores: Readonly<Record<string, unknown>>): asserts scores is FactorScores {
  for (const [id, value] of Object.entries(scores)) {
    if (!(FACTOR_IDS as readonly string[]).includes(id))
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `Unknown selection factor "${id}"`, {
        field: id,
        fix: `use one of ${FACTOR_IDS.join(', ')}`,
      });
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 10)
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `The score of factor "${id}" is not a number from 0 to 10`, {
        field: id,
        fix: 'score each factor from 0 (irrelevant) to 10 (decisive)',
      });
  }
}

/**
 * A contribution as printed.
 *
 * @example
 * formatContribution(scoreStore({ 'structured-relations': 9 }, 'rdbms').contributions[0]); // 'Structured with relations 9 × +3 = 27'
 */
export function formatContribution(c: Contribution): string {
  const sign = c.weight > 0 ? '+' : '';
  return `${c.label} ${c.score} × ${sign}${c.weight} = ${c.product}`;
}
