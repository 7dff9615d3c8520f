import type { VersionEntry, ViewStoreBase } from './view-store.js';

export type SearchFieldType = 'string' | 'number' | 'boolean' | 'enum' | 'string[]' | 'enum[]';

export interface SearchIndexSpec {
  /** Index name (validated identifier); also the `scope` of its applies. */
  readonly index: string;
  /** Stored, filterable fields and their types. `id` is implicit. */
  readonly fields: Readonly<Record<string, SearchFieldType>>;
  /** Fields matched by the text query (must be `string` fields). */
  readonly searchable: readonly string[];
}

/** A document handed to a search index; `id` is taken from the change key. */
export type SearchDocument = Readonly<Record<string, string | number | boolean | readonly string[] | null>>;

export type SearchFilterValue =
  | string
  | number
  | boolean
  | { readonly gt?: number; readonly gte?: number; readonly lt?: number; readonly lte?: number }
  | { readonly in: readonly (string | number | boolean)[] };

export interface SearchQuery {
  readonly text?: string;
  /** Fields to match the text in (default: all searchable). */
  readonly fields?: readonly string[];
  /** Edits allowed per term (default 1). */
  readonly typoTolerance?: number;
  readonly where?: Readonly<Record<string, SearchFilterValue>>;
  /** Fields to count values of among all matches. */
  readonly facets?: readonly string[];
  readonly limit?: number;
  readonly offset?: number;
}

export interface SearchHit {
  readonly id: string;
  /**
   * Higher ranks first. With text, its integer part counts the query's terms
   * the hit holds (after typo tolerance) and the fraction is the engine's
   * relevance; 0 without text.
   */
  readonly score: number;
  readonly document: SearchDocument;
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  /** Matches in all, before pagination. */
  readonly total: number;
  readonly facets: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** A full-text search index with typo tolerance, filters, facets and pagination. */
export interface SearchStore extends ViewStoreBase<SearchDocument> {
  /** Every key of `scope` with the version the store holds, tombstones included. */
  listVersions(scope: string): Promise<VersionEntry[]>;
  readonly kind: 'search';
  ensureIndex(spec: SearchIndexSpec): Promise<void>;
  search(index: string, query: SearchQuery): Promise<SearchResult>;
}
