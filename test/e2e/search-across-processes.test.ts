import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { ReaderSearch } from '../fixtures/search-reader.js';
import { E2eProcess } from '../support/e2e-processes.js';
import type { E2eTarget } from '../support/e2e-shop.js';
import { cleanSearchShop, openSearchShop, searchShopSchemas } from '../support/search-shop.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

interface ReaderResult {
  readonly ids: string[];
  readonly total: number;
  readonly facets: Record<string, Record<string, number>>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

await describeWithServer('postgres', 'a postgres search view seen from another process', () => {
  it('answers the same searches in a process that projects nothing, waits for the writer’s token, and is checked by digests', async () => {
    const target: E2eTarget = {
      id: randomUUID().replaceAll('-', '').slice(0, 12),
      mode: 'relay',
      postgres: SERVER_URLS.postgres,
      redis: '',
      nats: '',
    };
    cleanups.push(() => cleanSearchShop(target));
    const worker = openSearchShop(target, 'worker');
    cleanups.push(() => worker.close());
    await worker.ready();
    const items = worker.entity('items');
    const words = ['wireless', 'desk', 'lamp', 'cable', 'stand'];
    for (let i = 0; i < 30; i++) {
      const name = `${words[i % 5]} ${words[(i * 3 + 1) % 5]} item ${i}`;
      await items.create({ id: `i${String(i).padStart(2, '0')}`, name, qty: i, tags: [words[i % 3]!, `t${i % 4}`] });
    }
    await worker.sync.catchUp(30_000);

    const reader = new E2eProcess('reader', 'search-reader.ts', target);
    cleanups.push(() => reader.kill());
    await reader.ready(60_000);
    const search = (args: ReaderSearch) => reader.call<ReaderResult>('search', args);
    const queries: ReaderSearch[] = [
      { text: 'wireles lamp' },
      { text: 'desk' },
      { text: 'lamp -wireless' },
      { text: 'cabel', typoTolerance: 2, where: { qty: { gte: 10 } } },
    ];
    for (const query of queries) {
      const own = await items.search({ limit: 50, facets: ['tags'], ...query });
      const theirs = await search(query);
      expect({ query, total: theirs.total }).not.toMatchObject({ total: 0 });
      expect(theirs).toEqual({ ids: own.hits.map((hit) => hit.record.id), total: own.total, facets: own.facets });
    }

    // Each write is searched for at once, in the other process, with the writer's token.
    for (let round = 0; round < 5; round++) {
      const word = `zebra${round}x`;
      await items.create({ id: `new${round}`, name: `${word} lamp`, qty: 100 + round, tags: ['fresh'] });
      expect((await search({ text: word, after: worker.lastWrite! })).ids).toEqual([`new${round}`]);
      await items.update(`new${round}`, { name: `okapi${round}x lamp` });
      const renamed = await search({ text: `okapi${round}x ${word}`, after: worker.lastWrite! });
      expect(renamed.ids).toEqual([`new${round}`]);
      expect((await search({ text: word, after: worker.lastWrite! })).ids).toEqual([]);
    }

    // The consistency check compares the view by digests; a document deleted behind the store is missing.
    await worker.sync.catchUp(30_000);
    expect((await worker.check()).map(({ view, missing, stale, extra }) => ({ view, missing, stale, extra }))).toEqual([
      { view: 'items_search', missing: 0, stale: 0, extra: 0 },
    ]);
    const { Client } = await import('pg');
    const pg = new Client({ connectionString: SERVER_URLS.postgres });
    await pg.connect();
    try {
      const schema = searchShopSchemas(target).search;
      const { rows } = await pg.query(`SELECT id FROM "${schema}".ps_search_indexes WHERE name = 'items_search'`);
      await pg.query(`DELETE FROM "${schema}"."ps_search_${rows[0].id}" WHERE id = 'i05'`);
    } finally {
      await pg.end();
    }
    const [drift] = await worker.check();
    expect(drift).toMatchObject({ view: 'items_search', missing: 1, sample: { missing: ['i05'] } });
  }, 120_000);
});
