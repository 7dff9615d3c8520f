import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchDocument, SearchIndexSpec, SearchQuery, SearchStore } from '../../src/contracts/search-store.js';
import type { VersionedChange } from '../../src/contracts/view-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { uniqueName } from '../support/temp-dir.js';

export interface SearchContractContext {
  readonly store: SearchStore;
  /** Opens a new store over the same data; the contract closes `store` first. */
  readonly reopen?: () => Promise<SearchStore>;
  /** Closes every store the context opened and removes its data. */
  readonly cleanup: () => Promise<void>;
}

const FIELDS = {
  name: 'string',
  description: 'string',
  brand: 'string',
  category: 'enum',
  price: 'number',
  inStock: 'boolean',
  tags: 'string[]',
  colors: 'enum[]',
} as const;

export const CATALOG: Readonly<Record<string, SearchDocument>> = {
  p1: {
    name: 'Laptop Pro 15',
    description: 'A powerful laptop for professionals',
    brand: 'Acme',
    category: 'computers',
    price: 1999,
    inStock: true,
    tags: ['work', 'portable'],
    colors: ['silver'],
  },
  p2: {
    name: 'Gaming Laptop',
    description: 'Laptop with a fast graphics card for gaming',
    brand: 'Zeta',
    category: 'computers',
    price: 1499,
    inStock: true,
    tags: ['gaming'],
    colors: ['black', 'red'],
  },
  p3: {
    name: 'Laptop Bag',
    description: 'Padded bag that fits a 15 inch laptop',
    brand: 'Acme',
    category: 'accessories',
    price: 79,
    inStock: false,
    tags: ['portable'],
    colors: ['black'],
  },
  p4: {
    name: 'Wireless Mouse',
    description: 'Ergonomic mouse with a long battery life',
    brand: 'Acme Labs',
    category: 'accessories',
    price: 39,
    inStock: true,
    tags: ['work'],
    colors: ['black', 'white'],
  },
  p5: {
    name: 'Mechanical Keyboard',
    description: 'Tactile keyboard for fast typing',
    brand: 'Zeta',
    category: 'accessories',
    price: 129,
    inStock: true,
    tags: [],
    colors: ['white'],
  },
  p6: {
    name: 'Desktop Tower',
    description: 'Quiet desktop computer for the office',
    brand: 'Acme',
    category: 'computers',
    price: 999,
    inStock: false,
    tags: ['work'],
    colors: ['black'],
  },
  p7: {
    name: 'USB-C Cable',
    description: 'Braided cable, two metres',
    brand: 'Acme',
    category: 'cables',
    price: 15,
    inStock: true,
    tags: ['portable'],
    colors: ['white'],
  },
};

function changes(version: number, ids: readonly string[] = Object.keys(CATALOG)): VersionedChange<SearchDocument>[] {
  return ids.map((key) => ({ key, version, value: CATALOG[key]! }));
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

/**
 * The behaviour every search adapter must show. `make` returns a store per
 * test; index names are unique per test.
 */
export function describeSearchContract(name: string, make: () => Promise<SearchContractContext>): void {
  describe(`search store contract: ${name}`, () => {
    let ctx: SearchContractContext;
    let store: SearchStore;
    let spec: SearchIndexSpec;

    const ids = async (query: SearchQuery, target = store) =>
      (await target.search(spec.index, { limit: 100, ...query })).hits.map((hit) => hit.id);
    const sortedIds = async (query: SearchQuery, target = store) => (await ids(query, target)).sort();

    beforeEach(async () => {
      ctx = await make();
      store = ctx.store;
      spec = { index: uniqueName('products'), fields: FIELDS, searchable: ['name', 'description'] };
      await store.ensureIndex(spec);
    });

    afterEach(async () => {
      await ctx.cleanup();
    });

    it('orders equal scores by id, whatever the insertion order, on every page', async () => {
      const twins = ['t07', 't03', 't09', 't01', 't05', 't08', 't02', 't06', 't04'];
      const doc = (id: string) => ({
        key: id,
        version: 1,
        value: { ...Object.values(CATALOG)[0]!, name: 'identical twin gadget', description: 'same words' },
      });
      for (const id of twins) await store.applyIfNewer(spec.index, [doc(id)]);
      const sorted = [...twins].sort();
      expect(await ids({ text: 'twin gadget' })).toEqual(sorted);
      const page = await store.search(spec.index, { text: 'twin gadget', limit: 3, offset: 3 });
      expect(page.hits.map((hit) => hit.id)).toEqual(sorted.slice(3, 6));
    });

    it('declares its kind and ensures an index idempotently', async () => {
      expect(store.kind).toBe('search');
      expect(['immediate', 'on-flush']).toContain(store.durability);
      await store.ensureIndex(spec);
      const changed = await errorOf(store.ensureIndex({ ...spec, fields: { ...FIELDS, price: 'string' } }));
      expect(isPolystoreError(changed, 'PS_ERR_INVALID_CONFIG')).toBe(true);
      const badName = await errorOf(store.ensureIndex({ ...spec, index: 'bad-name; drop' }));
      expect(isPolystoreError(badName, 'PS_ERR_INVALID_CONFIG')).toBe(true);
    });

    it('finds a misspelled term within the typo tolerance, and not with tolerance 0', async () => {
      await store.applyIfNewer(spec.index, changes(1));
      expect(await sortedIds({ text: 'lptop' })).toEqual(['p1', 'p2', 'p3']);
      expect(await ids({ text: 'lptop', typoTolerance: 0 })).toEqual([]);
      expect(await ids({ text: 'keybaord', typoTolerance: 2 })).toEqual(['p5']);
    });

    it('ranks the best text match first and returns the applied document', async () => {
      await store.applyIfNewer(spec.index, changes(1));
      const result = await store.search(spec.index, { text: 'gaming laptop' });
      expect(result.hits[0]?.id).toBe('p2');
      expect(result.hits[0]?.document).toEqual(CATALOG.p2);
      expect(result.hits[0]!.score).toBeGreaterThan(result.hits[1]!.score);
      expect((await ids({ text: 'keyboard' }))[0]).toBe('p5');
      // Only the listed fields are matched.
      expect(await ids({ text: 'office', fields: ['name'] })).toEqual([]);
      expect(await ids({ text: 'office', fields: ['description'] })).toEqual(['p6']);
    });

    it('ranks hits holding every query term (after typo tolerance) above hits holding only some', async () => {
      const base = Object.values(CATALOG)[0]!;
      const docs: Record<string, [string, string]> = {
        r1: ['Wireless Speaker', 'Wireless speaker: wireless streaming and wireless charging'],
        r2: ['Headphones Stand', 'A stand'],
        r3: ['Studio Monitor', 'Wireless headphones are sold separately'],
        r4: ['Wireless Headphones', 'Over-ear, with a long battery life'],
        r5: ['Tablet', 'Wireless tablet'],
        r6: ['Wireless Earbuds', 'Smaller than headphones'],
      };
      await store.applyIfNewer(
        spec.index,
        Object.entries(docs).map(([key, [name, description]]) => ({
          key,
          version: 1,
          value: { ...base, name, description },
        })),
      );
      const result = await store.search(spec.index, { text: 'wireles headphones', limit: 10 });
      const found = result.hits.map((hit) => hit.id);
      expect(result.total).toBe(6);
      // r3 holds both terms in one field, r4 in its name, r6 across its two fields.
      expect(found.slice(0, 3).sort()).toEqual(['r3', 'r4', 'r6']);
      expect(found.slice(3).sort()).toEqual(['r1', 'r2', 'r5']);
      expect(result.hits[2]!.score).toBeGreaterThan(result.hits[3]!.score);
    });

    it('filters by equality, number range and in, with and without text', async () => {
      await store.applyIfNewer(spec.index, changes(1));
      expect(await sortedIds({ where: { category: 'accessories' } })).toEqual(['p3', 'p4', 'p5']);
      expect(await sortedIds({ where: { price: { gte: 100, lt: 1500 } } })).toEqual(['p2', 'p5', 'p6']);
      expect(await sortedIds({ where: { price: { gt: 79, lte: 129 } } })).toEqual(['p5']);
      expect(await sortedIds({ where: { price: 79 } })).toEqual(['p3']);
      expect(await sortedIds({ where: { price: { in: [15, 39] } } })).toEqual(['p4', 'p7']);
      expect(await sortedIds({ where: { category: { in: ['cables', 'computers'] } } })).toEqual([
        'p1',
        'p2',
        'p6',
        'p7',
      ]);
      expect(await sortedIds({ where: { inStock: false } })).toEqual(['p3', 'p6']);
      expect(await sortedIds({ where: { colors: 'black' } })).toEqual(['p2', 'p3', 'p4', 'p6']);
      expect(await sortedIds({ where: { colors: { in: ['red', 'silver'] } } })).toEqual(['p1', 'p2']);
      expect(await sortedIds({ where: { tags: 'work' } })).toEqual(['p1', 'p4', 'p6']);
      // Equality on a string field is exact: "Acme" does not match "Acme Labs".
      expect(await sortedIds({ where: { brand: 'Acme' } })).toEqual(['p1', 'p3', 'p6', 'p7']);
      expect(await sortedIds({ where: { brand: { in: ['Zeta', 'Acme Labs'] } } })).toEqual(['p2', 'p4', 'p5']);
      expect(await sortedIds({ where: { brand: 'acme' } })).toEqual([]);
      expect(await sortedIds({ where: { category: { in: [] } } })).toEqual([]);
      expect(await sortedIds({ text: 'laptop', where: { category: 'computers', inStock: true } })).toEqual([
        'p1',
        'p2',
      ]);
      expect(await sortedIds({ text: 'laptop', where: { brand: 'Acme', price: { lt: 1000 } } })).toEqual(['p3']);
    });

    it('counts facet values exactly over all matches', async () => {
      await store.applyIfNewer(spec.index, changes(1));
      const laptops = await store.search(spec.index, {
        text: 'laptop',
        facets: ['category', 'inStock', 'colors', 'brand'],
        limit: 1,
      });
      expect(laptops.total).toBe(3);
      expect(laptops.hits).toHaveLength(1);
      expect(laptops.facets).toEqual({
        category: { computers: 2, accessories: 1 },
        inStock: { true: 2, false: 1 },
        colors: { silver: 1, black: 2, red: 1 },
        brand: { Acme: 2, Zeta: 1 },
      });
      const acme = await store.search(spec.index, { where: { brand: 'Acme' }, facets: ['category', 'tags'] });
      expect(acme.facets).toEqual({
        category: { computers: 2, accessories: 1, cables: 1 },
        tags: { work: 2, portable: 3 },
      });
      expect((await store.search(spec.index, { text: 'laptop' })).facets).toEqual({});
    });

    it('paginates with limit and offset while the total stays the same', async () => {
      await store.applyIfNewer(spec.index, changes(1));
      const pages = [];
      for (const offset of [0, 3, 6]) pages.push(await store.search(spec.index, { limit: 3, offset }));
      expect(pages.map((page) => page.hits.length)).toEqual([3, 3, 1]);
      expect(pages.map((page) => page.total)).toEqual([7, 7, 7]);
      expect(new Set(pages.flatMap((page) => page.hits.map((hit) => hit.id))).size).toBe(7);
      expect((await store.search(spec.index, {})).hits).toHaveLength(7);

      const first = await store.search(spec.index, { text: 'laptop', limit: 2 });
      const rest = await store.search(spec.index, { text: 'laptop', limit: 2, offset: 2 });
      expect([first.total, rest.total]).toEqual([3, 3]);
      expect([...first.hits, ...rest.hits].map((hit) => hit.id).sort()).toEqual(['p1', 'p2', 'p3']);

      const faceted = await store.search(spec.index, {
        where: { brand: 'Acme' },
        facets: ['category'],
        limit: 2,
        offset: 3,
      });
      expect(faceted.total).toBe(4);
      expect(faceted.hits).toHaveLength(1);
      expect((await store.search(spec.index, { offset: 50 })).hits).toEqual([]);
    });

    it('skips older and duplicate versions, and a deleted key stays deleted against older upserts', async () => {
      expect(await store.applyIfNewer(spec.index, changes(2, ['p1', 'p2']))).toEqual({ applied: 2, skipped: 0 });
      const renamed = { ...CATALOG.p1!, name: 'Notebook Pro' };
      expect(
        await store.applyIfNewer(spec.index, [
          { key: 'p1', version: 1, value: renamed },
          { key: 'p2', version: 2, value: renamed },
          { key: 'p3', version: 1, value: CATALOG.p3! },
        ]),
      ).toEqual({ applied: 1, skipped: 2 });
      expect(await ids({ text: 'notebook' })).toEqual([]);

      expect(await store.applyIfNewer(spec.index, [{ key: 'p1', version: 3, value: renamed }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await ids({ text: 'notebook' })).toEqual(['p1']);
      expect(await sortedIds({ where: { category: 'computers' } })).toEqual(['p1', 'p2']);

      expect(await store.applyIfNewer(spec.index, [{ key: 'p1', version: 4, value: null }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await ids({ text: 'notebook' })).toEqual([]);
      expect(await store.applyIfNewer(spec.index, [{ key: 'p1', version: 3, value: CATALOG.p1! }])).toEqual({
        applied: 0,
        skipped: 1,
      });
      expect(await sortedIds({ where: { category: 'computers' } })).toEqual(['p2']);
      expect(await store.applyIfNewer(spec.index, [{ key: 'p1', version: 5, value: CATALOG.p1! }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      expect(await sortedIds({ where: { category: 'computers' } })).toEqual(['p1', 'p2']);
      expect((await store.search(spec.index, {})).total).toBe(3);
    });

    it('lists every key with its version, tombstones included', async () => {
      await store.applyIfNewer(spec.index, changes(1, ['p1', 'p2', 'p3']));
      await store.applyIfNewer(spec.index, [
        { key: 'p2', version: 5, value: null },
        { key: 'p9', version: 2, value: null },
        { key: 'p3', version: 4, value: CATALOG.p3! },
      ]);
      const versions = await store.listVersions(spec.index);
      expect([...versions].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        { key: 'p1', version: 1, deleted: false },
        { key: 'p2', version: 5, deleted: true },
        { key: 'p3', version: 4, deleted: false },
        { key: 'p9', version: 2, deleted: true },
      ]);
    });

    it('rejects a document that does not match the spec, applying nothing of the batch', async () => {
      const bad = [
        { ...CATALOG.p1!, price: 'cheap' },
        { ...CATALOG.p1!, colour: 'red' },
      ];
      for (const value of bad) {
        const error = await errorOf(
          store.applyIfNewer(spec.index, [
            { key: 'ok', version: 1, value: CATALOG.p2! },
            { key: 'bad', version: 1, value: value as SearchDocument },
          ]),
        );
        expect(isPolystoreError(error)).toBe(true);
        expect((error as { code: string }).code).toMatch(/^PS_ERR_(VALIDATION|UNKNOWN_FIELD)$/);
      }
      expect(await store.listVersions(spec.index)).toEqual([]);
      expect((await store.search(spec.index, {})).total).toBe(0);
    });

    it('names the unknown or unusable field of a query', async () => {
      await store.applyIfNewer(spec.index, changes(1));
      const attempts: [SearchQuery, string][] = [
        [{ where: { colour: 'red' } }, 'colour'],
        [{ facets: ['category', 'weight'] }, 'weight'],
        [{ facets: ['price'] }, 'price'],
        [{ where: { brand: { gt: 3 } } }, 'brand'],
        [{ where: { price: 'cheap' } }, 'price'],
        [{ text: 'x', fields: ['brand'] }, 'brand'],
      ];
      for (const [query, field] of attempts) {
        const error = await errorOf(store.search(spec.index, query));
        expect(isPolystoreError(error, 'PS_ERR_INVALID_FILTER')).toBe(true);
        expect(error).toMatchObject({ field });
        expect((error as Error).message).toContain(field);
      }
    });

    it('drops an index with its documents and versions; another index is untouched, and the name can be ensured anew', async () => {
      const other = { ...spec, index: `${spec.index}x` };
      await store.ensureIndex(other);
      await store.applyIfNewer(spec.index, changes(1, ['p1', 'p2']));
      await store.applyIfNewer(other.index, changes(1, ['p3']));
      await store.flush();
      await store.dropScope!(spec.index);
      await store.ensureIndex(spec);
      expect(await store.listVersions(spec.index)).toEqual([]);
      expect(await sortedIds({})).toEqual([]);
      expect(await store.search(other.index, { limit: 10 })).toMatchObject({ total: 1 });
      if (ctx.reopen) {
        await store.close();
        store = await ctx.reopen();
        await store.ensureIndex(spec);
        await store.ensureIndex(other);
        // Dropped on disk too: a reopened store does not load it back.
        expect(await store.listVersions(spec.index)).toEqual([]);
        expect((await store.listVersions(other.index)).map((v) => v.key)).toEqual(['p3']);
      }
    });

    it('keeps the state of the last flush through a reopen', async (testCtx) => {
      if (!ctx.reopen) return testCtx.skip();
      await store.applyIfNewer(spec.index, changes(1, ['p1', 'p2', 'p3']));
      await store.applyIfNewer(spec.index, [{ key: 'p3', version: 2, value: null }]);
      await store.flush();
      const later = [
        { key: 'p4', version: 1, value: CATALOG.p4! },
        { key: 'p1', version: 2, value: null },
      ];
      await store.applyIfNewer(spec.index, later);
      await store.close();

      const reopened = await ctx.reopen();
      await reopened.ensureIndex(spec);
      const expectedIds = reopened.durability === 'on-flush' ? ['p1', 'p2'] : ['p2', 'p4'];
      expect(await sortedIds({}, reopened)).toEqual(expectedIds);
      expect(await sortedIds({ text: 'lptop', where: { category: 'computers' } }, reopened)).toEqual(
        reopened.durability === 'on-flush' ? ['p1', 'p2'] : ['p2'],
      );
      const versions = await reopened.listVersions(spec.index);
      expect(versions).toContainEqual({ key: 'p3', version: 2, deleted: true });
      expect(await reopened.applyIfNewer(spec.index, [{ key: 'p3', version: 1, value: CATALOG.p3! }])).toEqual({
        applied: 0,
        skipped: 1,
      });
      if (reopened.durability === 'on-flush') {
        expect(await reopened.applyIfNewer(spec.index, later)).toEqual({ applied: 2, skipped: 0 });
        expect(await sortedIds({}, reopened)).toEqual(['p2', 'p4']);
      }
    });

    it('refuses every call after close with PS_ERR_STORE_CLOSED', async () => {
      await store.close();
      const calls: Promise<unknown>[] = [
        store.ensureIndex(spec),
        store.applyIfNewer(spec.index, changes(1)),
        store.search(spec.index, { text: 'laptop' }),
        store.listVersions(spec.index),
        store.flush(),
      ];
      for (const call of calls) {
        const error = await errorOf(call);
        expect(isPolystoreError(error, 'PS_ERR_STORE_CLOSED')).toBe(true);
      }
    });
  });
}
