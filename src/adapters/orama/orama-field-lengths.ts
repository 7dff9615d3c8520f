import type { AnyOrama } from '@orama/orama';
import type { SearchIndexSpec } from '../../contracts/search-store.js';

/** The BM25 statistics Orama keeps per text field. */
interface ScoreParameters {
  readonly avgFieldLength: Record<string, number | undefined | null>;
  readonly fieldLengths: Record<string, Record<string, number | undefined | null>>;
}

/**
 * Orama (3.1) removes a document's score parameters once per element of an
 * array field: the second element subtracts a length already cleared, and
 * the field's average length becomes NaN for good (null once saved). Every
 * score that reads it is then NaN, and hits come back in no order of
 * relevance. After removals, and after loading a snapshot saved that way,
 * each searchable `string[]` field whose average is not a number gets it
 * back from the lengths Orama keeps per document.
 */
export function repairArrayFieldLengths(db: AnyOrama, spec: SearchIndexSpec): void {
  const index = db.data.index as unknown as ScoreParameters;
  for (const field of spec.searchable) {
    if (spec.fields[field] !== 'string[]') continue;
    const average = index.avgFieldLength[field];
    if (typeof average === 'number' && Number.isFinite(average)) continue;
    let sum = 0;
    let count = 0;
    for (const length of Object.values(index.fieldLengths[field] ?? {})) {
      if (typeof length !== 'number' || !Number.isFinite(length)) continue;
      sum += length;
      count++;
    }
    index.avgFieldLength[field] = count === 0 ? undefined : sum / count;
  }
}
