import { afterEach, beforeEach, expect, it } from 'vitest';
import { postgresSearchStore } from '../../src/adapters/postgres-search/index.js';
import { digestsOf, valuesOf } from '../../src/contracts/bucket-digest.js';
import type { SearchIndexSpec, SearchStore } from '../../src/contracts/search-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { describeSearchContract } from '../contracts/search-contract.js';
import { dropPostgresSchema } from '../support/server-cleanup.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { uniqueName } from '../support/temp-dir.js';

/** A store on its own schema; cleanup closes every store it opened, then drops the schema. */
async function makePostgresSearch() {
  const schema = uniqueName('search');
  const opened: SearchStore[] = [];
  const open = async () => {
    const store = postgresSearchStore({ connectionString: SERVER_URLS.postgres, schema, max: 4 });
    opened.push(store);
    await store.ready();
    return store;
  };
  return {
    schema,
    store: await open(),
    reopen: open,
    cleanup: async () => {
      for (const store of opened) await store.close();
      await dropPostgresSchema(schema);
    },
  };
}

await describeWithServer('postgres', 'postgres search store contract', () => {
  describeSearchContract('postgres-search', makePostgresSearch);
});

const spec = (): SearchIndexSpec => ({
  index: uniqueName('docs'),
  fields: { title: 'string', body: 'string', labels: 'string[]', rank: 'number' },
  searchable: ['title', 'body', 'labels'],
});

await describeWithServer('postgres', 'postgres search store', () => {
  let ctx: Awaited<ReturnType<typeof makePostgresSearch>>;
  let docs: SearchIndexSpec;
  const ids = async (text: string, store = ctx.store) =>
    (await store.search(docs.index, { text, limit: 50 })).hits.map((hit) => hit.id);

  beforeEach(async () => {
    ctx = await makePostgresSearch();
    docs = spec();
    await ctx.store.ensureIndex(docs);
  });
  afterEach(() => ctx.cleanup());

  it('takes websearch syntax: phrases, or, and excluded words, whatever the quoting', async () => {
    await ctx.store.applyIfNewer(docs.index, [
      { key: 'a', version: 1, value: { title: 'wireless mouse', body: 'small' } },
      { key: 'b', version: 1, value: { title: 'mouse pad', body: 'wireless charging' } },
      { key: 'c', version: 1, value: { title: 'keyboard', body: "it's a \\ key" } },
    ]);
    expect(await ids('"wireless mouse"')).toEqual(['a']);
    expect((await ids('wireless -pad')).sort()).toEqual(['a']);
    expect((await ids('keyboard or pad')).sort()).toEqual(['b', 'c']);
    expect(await ids(`it's \\ "odd' (`)).toEqual(['c']);
    expect(await ids('-mouse')).toEqual([]);
    expect(await ids('!!! ...')).toEqual([]);
  });

  it('weighs searchable fields in their declared order and matches only the fields asked for', async () => {
    await ctx.store.applyIfNewer(docs.index, [
      { key: 'in-body', version: 1, value: { title: 'other', body: 'lamp' } },
      { key: 'in-labels', version: 1, value: { title: 'other', labels: ['lamp'] } },
      { key: 'in-title', version: 1, value: { title: 'lamp', body: 'other' } },
    ]);
    expect(await ids('lamp')).toEqual(['in-title', 'in-body', 'in-labels']);
    const inBody = await ctx.store.search(docs.index, { text: 'lmp', fields: ['body', 'labels'] });
    expect(inBody.hits.map((hit) => hit.id)).toEqual(['in-body', 'in-labels']);
  });

  it('corrects a word only to words live documents hold', async () => {
    await ctx.store.applyIfNewer(docs.index, [
      { key: 'typo', version: 1, value: { title: 'lptop sleeve' } },
      { key: 'right', version: 1, value: { title: 'laptop' } },
    ]);
    // "lptop" is a word of the index: it is not corrected.
    expect(await ids('lptop')).toEqual(['typo']);
    await ctx.store.applyIfNewer(docs.index, [{ key: 'typo', version: 2, value: null }]);
    expect(await ids('lptop')).toEqual(['right']);
    await ctx.store.applyIfNewer(docs.index, [{ key: 'right', version: 2, value: { title: 'notebook' } }]);
    expect(await ids('lptop')).toEqual([]);
    expect(await ids('notebok')).toEqual(['right']);
  });

  it('serves an index another store instance ensured, and follows it being dropped and made anew', async () => {
    const other = await ctx.reopen();
    await ctx.store.applyIfNewer(docs.index, [{ key: 'a', version: 1, value: { title: 'shared lamp' } }]);
    expect(await ids('lamp', other)).toEqual(['a']);
    expect(await other.listVersions(docs.index)).toEqual([{ key: 'a', version: 1, deleted: false }]);
    await ctx.store.dropScope!(docs.index);
    await ctx.store.ensureIndex(docs);
    await ctx.store.applyIfNewer(docs.index, [{ key: 'b', version: 1, value: { title: 'new lamp' } }]);
    expect(await ids('lamp', other)).toEqual(['b']);
    const unknown = await other.search('never_ensured', {}).catch((err: unknown) => err);
    expect(isPolystoreError(unknown, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
  });

  it('computes the bucket digests of its live documents as the checker does', async () => {
    await ctx.store.applyIfNewer(docs.index, [
      { key: 'a', version: 3, value: { title: 'one' } },
      { key: 'b', version: 1, value: { title: 'two' } },
      { key: 'c', version: 7, value: { title: 'three' } },
    ]);
    await ctx.store.applyIfNewer(docs.index, [
      { key: 'b', version: 2, value: null },
      { key: 'c', version: 8, value: { title: 'three again' } },
    ]);
    const expected = valuesOf(
      digestsOf(
        [
          { id: 'a', version: 3 },
          { id: 'c', version: 8 },
        ],
        16,
      ),
    );
    expect(await ctx.store.bucketDigests!(docs.index)).toEqual({ bits: 16, values: expected });
  });

  it('validates its options without echoing the connection string', () => {
    const bad = () => postgresSearchStore({ connectionString: 'mysql://user:secret@host/db' });
    expect(bad).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
    expect(bad).not.toThrow(/secret/);
    expect(() => postgresSearchStore({ connectionString: SERVER_URLS.postgres, schema: 'a;b' }).ready()).toThrow(
      expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }),
    );
  });
});
