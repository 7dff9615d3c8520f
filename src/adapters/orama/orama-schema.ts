import type { SearchDocument, SearchFieldType, SearchIndexSpec } from '../../contracts/search-store.js';
import type { VersionedChange } from '../../contracts/view-store.js';
import { checkSearchDocuments, checkSearchSpec, type StoredDocument } from '../search-shared/search-spec.js';

export { sameSpec } from '../search-shared/search-spec.js';

/** A document as Orama stores it: declared fields (nulls dropped) plus `id`. */
export type OramaDocument = StoredDocument;

/**
 * Validates a spec and returns a normalised copy, searchable fields sorted
 * (the form journals and snapshots record, compared on load).
 */
export function checkSpec(spec: SearchIndexSpec): SearchIndexSpec {
  const checked = checkSearchSpec(spec);
  return { ...checked, searchable: [...checked.searchable].sort() };
}

/**
 * The Orama schema of a normalised spec (every field type maps to the Orama
 * type of the same name). `id` stays out of it: Orama keys
 * documents by their `id` property whatever the schema, and a schema field
 * would also index every id as text (a new radix branch per document, about a
 * quarter of an insert's cost) that no query reads: searches name their
 * properties and filters accept declared fields only. Indexes saved while `id`
 * was declared still load and update (a test keeps it so).
 */
export function oramaSchema(spec: SearchIndexSpec): Record<string, SearchFieldType> {
  return { ...spec.fields };
}

/**
 * Checks every upsert of a batch against the spec and returns the Orama
 * documents, before anything is written: a bad document rejects the whole
 * batch. The result is aligned with `changes`: `undefined` for a delete.
 */
export function toOramaDocuments(
  spec: SearchIndexSpec,
  changes: readonly VersionedChange<SearchDocument>[],
): (OramaDocument | undefined)[] {
  return checkSearchDocuments(spec, changes).map((document, i) =>
    document === undefined ? undefined : { id: changes[i]!.key, ...document },
  );
}
