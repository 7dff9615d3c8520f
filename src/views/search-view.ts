import type { SearchDocument, SearchFieldType, SearchStore } from '../contracts/search-store.js';
import type { ViewStoreBase } from '../contracts/view-store.js';
import type { EntityDef } from '../model/define-entity.js';
import { assertIdentifier } from '../runtime/identifier.js';
import { type Projected, type ViewDef, type ViewOptions, viewName } from './view-def.js';

export interface SearchViewOptions<E> extends ViewOptions {
  /** Index name (default: the view name). */
  readonly index?: string;
  /** Fields kept in the index, with their search types. */
  readonly fields: Readonly<Record<string, SearchFieldType>>;
  /** Fields matched by text queries. */
  readonly searchable: readonly string[];
  /** Builds the indexed document (default: the declared fields picked from the record). */
  readonly document?: (record: Projected<E>) => SearchDocument | null;
}

export interface SearchViewDef extends ViewDef<SearchDocument> {
  readonly kind: 'search';
}

/**
 * Indexes an entity for full-text search with typo tolerance, filters and facets.
 *
 * @example
 * searchView(products, {
 *   store: 'search',
 *   fields: { name: 'string', description: 'string', category: 'enum', price: 'number' },
 *   searchable: ['name', 'description'],
 * })
 */
export function searchView<E extends EntityDef>(entity: E, options: SearchViewOptions<E>): SearchViewDef {
  const name = viewName(entity, 'search', options);
  const index = assertIdentifier(options.index ?? name, 'search index');
  const fields = Object.keys(options.fields);
  const build = options.document as ((record: Record<string, unknown>) => SearchDocument | null) | undefined;
  return {
    kind: 'search',
    name: assertIdentifier(name, 'view name'),
    entity: entity.name,
    store: options.store,
    scope: index,
    completeness: 'complete',
    shape: {
      version: options.version ?? 1,
      fields: options.fields,
      searchable: options.searchable,
      projected: build !== undefined,
    },
    project: (record) => (build ? build(record) : pick(record, fields)),
    prepare: (store: ViewStoreBase<SearchDocument>, scope?: string) =>
      (store as SearchStore).ensureIndex({
        index: scope ?? index,
        fields: options.fields,
        searchable: options.searchable,
      }),
    prepareShape: (store: ViewStoreBase<SearchDocument>, scope: string, shape: unknown) => {
      const earlier = shape as {
        fields: SearchViewOptions<E>['fields'];
        searchable: SearchViewOptions<E>['searchable'];
      };
      return (store as SearchStore).ensureIndex({
        index: scope,
        fields: earlier.fields,
        searchable: earlier.searchable,
      });
    },
  };
}

function pick(record: Record<string, unknown>, fields: readonly string[]): SearchDocument {
  const doc: Record<string, SearchDocument[string]> = {};
  for (const field of fields) doc[field] = (record[field] ?? null) as SearchDocument[string];
  return doc;
}
