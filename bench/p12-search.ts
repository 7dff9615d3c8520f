import { performance } from 'node:perf_hooks';
import { views } from '../examples/ecommerce/model.js';
import { DEFAULT_SIZE, generateProducts } from '../examples/ecommerce/seed-data.js';
import { oramaStore } from '../src/adapters/orama/index.js';
import { postgresSearchStore } from '../src/adapters/postgres-search/index.js';
import type { SearchDocument, SearchQuery, SearchStore } from '../src/contracts/search-store.js';
import { Cleanups, dropSchema, runId, SERVER_URLS } from './bench-env.js';
import type { Profile } from './profile.js';
import { type Summary, summarize } from './stats.js';

/** The queries timed, each run `profile.p12.repeats` times per store, interleaved. */
const QUERIES: Readonly<Record<string, SearchQuery>> = {
  single: { text: 'headphone' },
  twoTerms: { text: 'wireless headphone' },
  typo: { text: 'wireles headphone' },
  filteredFaceted: { text: 'wireles headphone', where: { price: { lte: 500 } }, facets: ['brand', 'category'] },
  filterOnly: { where: { category: 'speakers', inStock: true }, facets: ['brand'] },
};

/** The relevance probe: of its top 10 hits, how many hold every term (after the typo); also with the demo's filter. */
const RELEVANCE_QUERY = 'wireles headphone';
const RELEVANCE_FILTER = { price: { lte: 500 } };
const RELEVANCE_TERMS = [/\bwireless\b/i, /\bheadphones?\b/i];

export interface SearchSide {
  readonly store: string;
  /** Applying the catalog twice (creates, then an update of each), in batches of 500. */
  readonly applyMs: number;
  readonly latencyMs: Summary;
  readonly byQueryP50Ms: Readonly<Record<string, number>>;
  /** Of the top 10 hits for "wireles headphone", how many hold both words. */
  readonly allTermsTop10: number;
  /** The same with the demo's filter (price <= 500). */
  readonly allTermsTop10Filtered: number;
  readonly top10: readonly string[];
}

/** P12: the e-commerce catalog searched in Orama (in process) and in the postgres search store. */
export interface SearchRun {
  readonly id: string;
  readonly title: string;
  readonly kind: 'search';
  readonly documents: number;
  /** Products holding every term of the relevance query: the most the top 10 can hold is min(10, this). */
  readonly allTermsMatches: number;
  /** The same among products the demo's filter keeps. */
  readonly allTermsMatchesFiltered: number;
  readonly sides: readonly SearchSide[];
}

/**
 * P12: the e-commerce demo's 2 000 products, projected by its own search
 * view, applied to Orama (memory) and to the postgres search store (a fresh
 * schema), each product then updated once, then the same queries against both, in turns: a term, two terms,
 * two terms with a typo, the typo with a filter and facets, and a filter with
 * a facet and no text. Latency is each `search` call's, p50 and p99 over
 * every query; relevance, how many of the top 10 hits for the typo query hold
 * both of its words.
 */
export async function p12Search(profile: Profile): Promise<SearchRun[]> {
  const cleanups = new Cleanups();
  try {
    const view = views.find((v) => v.kind === 'search')!;
    const shape = view.shape as { fields: Record<string, never>; searchable: string[] };
    const spec = { index: 'products', fields: shape.fields, searchable: shape.searchable };
    const changes = [...generateProducts(DEFAULT_SIZE)].map((product) => ({
      key: product.id,
      version: 1,
      value: view.project(product as unknown as Record<string, unknown>) as SearchDocument,
    }));
    const updates = changes.map((change) => ({
      ...change,
      version: 2,
      value: { ...change.value, inStock: !change.value.inStock },
    }));
    const schema = `bench_${runId()}_search`;
    const stores: [string, SearchStore][] = [
      ['orama', oramaStore()],
      ['postgres', postgresSearchStore({ connectionString: SERVER_URLS.postgres, schema, max: 2 })],
    ];
    cleanups.add('drop search schema', () => dropSchema(schema));
    const applyMs = new Map<string, number>();
    for (const [name, store] of stores) {
      cleanups.add(`close ${name}`, () => store.close());
      await store.ensureIndex(spec);
      const began = performance.now();
      // Created, then each updated once (its stock changed), as a live catalog's documents are replaced.
      for (const batch of [changes, updates]) {
        for (let i = 0; i < batch.length; i += 500) await store.applyIfNewer(spec.index, batch.slice(i, i + 500));
      }
      await store.flush();
      applyMs.set(name, performance.now() - began);
    }
    const samples = new Map<string, Map<string, number[]>>(
      stores.map(([name]) => [name, new Map(Object.keys(QUERIES).map((q) => [q, []]))]),
    );
    for (let round = -1; round < profile.p12.repeats; round++) {
      for (const [queryName, query] of Object.entries(QUERIES)) {
        for (const [name, store] of stores) {
          const began = performance.now();
          await store.search(spec.index, { limit: 10, ...query });
          // Round -1 warms up (plans, caches) and is not counted.
          if (round >= 0)
            samples
              .get(name)!
              .get(queryName)!
              .push(performance.now() - began);
        }
      }
    }
    const holdsAll = (document: SearchDocument) => {
      const text = [document.name, document.description, ...((document.tags as string[]) ?? [])].join(' ');
      return RELEVANCE_TERMS.every((term) => term.test(text));
    };
    const sides: SearchSide[] = [];
    for (const [name, store] of stores) {
      const top = await store.search(spec.index, { text: RELEVANCE_QUERY, limit: 10 });
      const filtered = await store.search(spec.index, { text: RELEVANCE_QUERY, where: RELEVANCE_FILTER, limit: 10 });
      const byQuery = samples.get(name)!;
      sides.push({
        store: name,
        applyMs: applyMs.get(name)!,
        latencyMs: summarize([...byQuery.values()].flat()),
        byQueryP50Ms: Object.fromEntries([...byQuery].map(([q, ms]) => [q, summarize(ms).p50])),
        allTermsTop10: top.hits.filter((hit) => holdsAll(hit.document)).length,
        allTermsTop10Filtered: filtered.hits.filter((hit) => holdsAll(hit.document)).length,
        top10: top.hits.map((hit) => String(hit.document.name)),
      });
    }
    return [
      {
        id: 'P12.search',
        title: `search of ${changes.length} products: Orama (in process) and PostgreSQL (tsvector, pg_trgm)`,
        kind: 'search',
        documents: changes.length,
        allTermsMatches: changes.filter((change) => holdsAll(change.value)).length,
        allTermsMatchesFiltered: changes.filter(
          (change) => holdsAll(change.value) && (change.value.price as number) <= RELEVANCE_FILTER.price.lte,
        ).length,
        sides,
      },
    ];
  } finally {
    await cleanups.run();
  }
}
