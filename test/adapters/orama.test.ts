import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oramaStore } from '../../src/adapters/orama/index.js';
import type { SearchIndexSpec, SearchStore } from '../../src/contracts/search-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { describeSearchContract } from '../contracts/search-contract.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';
import { until } from '../support/until.js';

/** A store snapshotting into a fresh temp dir; cleanup closes every store it opened before removing the dir. */
async function makeOrama() {
  const dir = await tempDir('polystore-orama-');
  const opened: SearchStore[] = [];
  const open = async () => {
    const store = oramaStore({ path: dir.path });
    opened.push(store);
    await store.ready();
    return store;
  };
  return {
    path: dir.path,
    store: await open(),
    reopen: open,
    cleanup: async () => {
      for (const store of opened) await store.close();
      await dir.cleanup();
    },
  };
}

async function makeMemoryOrama() {
  const store = oramaStore();
  await store.ready();
  return { store, cleanup: () => store.close() };
}

const sortVersions = <T extends { key: string }>(list: T[]): T[] =>
  [...list].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

const spec = (): SearchIndexSpec => ({
  index: uniqueName('docs'),
  fields: { title: 'string', kind: 'enum', rank: 'number', labels: 'string[]' },
  searchable: ['title'],
});

describeSearchContract('orama (snapshots)', makeOrama);
describeSearchContract('orama (memory)', makeMemoryOrama);

describe('orama store', () => {
  it('validates its options and index specs', async () => {
    expect(() => oramaStore({ path: '' })).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
    const { store, cleanup } = await makeMemoryOrama();
    try {
      const bad: SearchIndexSpec[] = [
        { index: 'a', fields: { id: 'string' }, searchable: ['id'] },
        { index: 'a', fields: { title: 'text' as 'string' }, searchable: ['title'] },
        { index: 'a', fields: { title: 'string', rank: 'number' }, searchable: ['rank'] },
        { index: 'a', fields: { title: 'string' }, searchable: [] },
        { index: 'a', fields: { 'ti.tle': 'string' }, searchable: ['ti.tle'] },
      ];
      for (const candidate of bad) {
        const error = await store.ensureIndex(candidate).catch((err: unknown) => err);
        expect(isPolystoreError(error, 'PS_ERR_INVALID_CONFIG')).toBe(true);
      }
      const unknown = await store.search('never_ensured', {}).catch((err: unknown) => err);
      expect(isPolystoreError(unknown, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('drops null fields from hit documents and checks a document id against its key', async () => {
    const { store, cleanup } = await makeMemoryOrama();
    try {
      const docs = spec();
      await store.ensureIndex(docs);
      await store.applyIfNewer(docs.index, [
        { key: 'd1', version: 1, value: { id: 'd1', title: 'Hello', kind: null, rank: 2 } },
      ]);
      const { hits } = await store.search(docs.index, { text: 'hello' });
      expect(hits).toEqual([{ id: 'd1', score: expect.any(Number), document: { title: 'Hello', rank: 2 } }]);
      // Facets skip documents without the field; filters do not match them.
      expect((await store.search(docs.index, { facets: ['kind'] })).facets).toEqual({ kind: {} });
      expect((await store.search(docs.index, { where: { kind: 'x' } })).total).toBe(0);

      const error = await store
        .applyIfNewer(docs.index, [{ key: 'd2', version: 1, value: { id: 'other', title: 'x' } }])
        .catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_VALIDATION')).toBe(true);
    } finally {
      await cleanup();
    }
  });

  it('journals only changed indexes, each flush appending just the keys changed since the last one', async () => {
    const ctx = await makeOrama();
    try {
      const [a, b] = [spec(), spec()];
      await ctx.store.ensureIndex(a);
      await ctx.store.ensureIndex(b);
      await ctx.store.flush();
      expect(await readdir(ctx.path)).toEqual([]);
      await ctx.store.applyIfNewer(a.index, [
        { key: 'd1', version: 1, value: { title: 'Hello' } },
        { key: 'd2', version: 1, value: { title: 'World' } },
      ]);
      await ctx.store.flush();
      await ctx.store.applyIfNewer(a.index, [{ key: 'd1', version: 2, value: null }]);
      await ctx.store.flush();
      await ctx.store.flush();
      expect(await readdir(ctx.path)).toEqual([`${a.index}.1.journal`]);
      const lines = (await readFile(join(ctx.path, `${a.index}.1.journal`), 'utf8')).trimEnd().split('\n');
      expect(lines.map((line) => JSON.parse(line))).toEqual([
        { format: 2, index: a.index, spec: expect.objectContaining({ index: a.index }) },
        [
          ['d1', 1, 0, { id: 'd1', title: 'Hello' }],
          ['d2', 1, 0, { id: 'd2', title: 'World' }],
        ],
        [['d1', 2, 1, null]],
      ]);
    } finally {
      await ctx.cleanup();
    }
  });

  it('folds the journals into a base snapshot in a worker thread and reloads the same index', async () => {
    const dir = await tempDir('polystore-orama-');
    const docs = spec();
    const open = async () => {
      const store = oramaStore({ path: dir.path, compactAfter: 10 });
      await store.ensureIndex(docs);
      return store;
    };
    try {
      const store = await open();
      for (let round = 0; round < 6; round++) {
        const batch = Array.from({ length: 5 }, (_, i) => ({
          key: `d${i + round}`,
          version: round + 1,
          value: round === 5 && i === 0 ? null : { title: `word${round} doc${i}`, rank: round },
        }));
        await store.applyIfNewer(docs.index, batch);
        await store.flush();
      }
      const before = await store.listVersions(docs.index);
      const hits = await store.search(docs.index, { text: 'word4' });
      // Wait until the worker wrote the base and the folded journals are gone.
      await until(async () => (await readdir(dir.path)).includes(`${docs.index}.json`), 10_000, 'the base', 20);
      await until(
        async () => (await readdir(dir.path)).filter((name) => name.endsWith('.journal')).length <= 1,
        10_000,
        'the folded journals to go',
        20,
      );
      await store.close();

      const reopened = await open();
      expect(sortVersions(await reopened.listVersions(docs.index))).toEqual(sortVersions(before));
      expect(await reopened.search(docs.index, { text: 'word4' })).toEqual(hits);
      expect((await reopened.search(docs.index, {})).total).toBe(before.filter((v) => !v.deleted).length);
      await reopened.close();
    } finally {
      await dir.cleanup();
    }
  });

  it('skips a torn journal tail and refuses a damaged batch followed by intact ones', async () => {
    const ctx = await makeOrama();
    try {
      const docs = spec();
      await ctx.store.ensureIndex(docs);
      await ctx.store.applyIfNewer(docs.index, [{ key: 'd1', version: 1, value: { title: 'Hello' } }]);
      await ctx.store.flush();
      await ctx.store.close();
      const journal = join(ctx.path, `${docs.index}.1.journal`);
      const intact = await readFile(journal, 'utf8');
      // A crash during the next append: part of a line, no newline.
      await writeFile(journal, `${intact}[["d2",1,0,{"id":"d2","ti`);
      const reopened = await ctx.reopen();
      await reopened.ensureIndex(docs);
      expect((await reopened.listVersions(docs.index)).map((v) => v.key)).toEqual(['d1']);
      await reopened.applyIfNewer(docs.index, [{ key: 'd3', version: 1, value: { title: 'Later' } }]);
      await reopened.flush();
      await reopened.close();
      // The next run appends to a new generation, never after a torn tail.
      expect((await readdir(ctx.path)).sort()).toEqual([`${docs.index}.1.journal`, `${docs.index}.2.journal`]);
      const third = await ctx.reopen();
      await third.ensureIndex(docs);
      expect(sortVersions(await third.listVersions(docs.index)).map((v) => v.key)).toEqual(['d1', 'd3']);
      await third.close();

      await writeFile(journal, `${intact}[["d2",1,0,{"id":"d2","ti\n[["d4",1,0,{"id":"d4","title":"x"}]]\n`);
      const damaged = await (await ctx.reopen()).ensureIndex(docs).catch((err: unknown) => err);
      expect(isPolystoreError(damaged, 'PS_ERR_STORE_UNAVAILABLE')).toBe(true);
    } finally {
      await ctx.cleanup();
    }
  });

  it('refuses a snapshot written with another spec, and a corrupt one', async () => {
    const ctx = await makeOrama();
    try {
      const docs = spec();
      await ctx.store.ensureIndex(docs);
      await ctx.store.applyIfNewer(docs.index, [{ key: 'd1', version: 1, value: { title: 'Hello' } }]);
      await ctx.store.flush();
      await ctx.store.close();

      const reopened = await ctx.reopen();
      const changed = await reopened
        .ensureIndex({ ...docs, fields: { ...docs.fields, extra: 'boolean' } })
        .catch((err: unknown) => err);
      expect(isPolystoreError(changed, 'PS_ERR_INVALID_CONFIG')).toBe(true);

      await writeFile(join(ctx.path, `${docs.index}.json`), '{"format":2,');
      const corrupt = await reopened.ensureIndex(docs).catch((err: unknown) => err);
      expect(isPolystoreError(corrupt, 'PS_ERR_STORE_UNAVAILABLE')).toBe(true);
    } finally {
      await ctx.cleanup();
    }
  });

  it('loads a base saved while `id` was an indexed field and goes on updating, deleting and journaling it', async () => {
    const ctx = await makeOrama();
    try {
      const docs = spec();
      // The base as releases that declared `id` in the Orama schema wrote it.
      const orama = await import('@orama/orama');
      const old = orama.create({
        schema: { id: 'string', kind: 'enum', labels: 'string[]', rank: 'number', title: 'string' },
      });
      await orama.insertMultiple(old, [
        { id: 'd1', title: 'alpha one', rank: 1 },
        { id: 'd2', title: 'alpha two', rank: 2 },
        { id: 'd3', title: 'beta three', rank: 3 },
      ]);
      const normalised = {
        index: docs.index,
        fields: { kind: 'enum', labels: 'string[]', rank: 'number', title: 'string' },
        searchable: ['title'],
      };
      const base = {
        format: 2,
        spec: normalised,
        through: 0,
        versions: [
          ['d1', 1, 0],
          ['d2', 1, 0],
          ['d3', 1, 0],
        ],
        orama: orama.save(old),
      };
      await writeFile(join(ctx.path, `${docs.index}.json`), JSON.stringify(base));
      await ctx.store.close();

      const store = await ctx.reopen();
      await store.ensureIndex(docs);
      const ids = async (text: string) => (await store.search(docs.index, { text })).hits.map((hit) => hit.id).sort();
      expect(await ids('alpha')).toEqual(['d1', 'd2']);
      await store.applyIfNewer(docs.index, [
        { key: 'd1', version: 2, value: { title: 'gamma one', rank: 1 } },
        { key: 'd2', version: 2, value: null },
        { key: 'd4', version: 1, value: { title: 'alpha four', rank: 4 } },
      ]);
      await store.flush();
      const expected = { alpha: ['d4'], gamma: ['d1'], beta: ['d3'] };
      for (const [text, hits] of Object.entries(expected)) expect(await ids(text)).toEqual(hits);
      await store.close();

      const reopened = await ctx.reopen();
      await reopened.ensureIndex(docs);
      for (const [text, hits] of Object.entries(expected)) {
        expect((await reopened.search(docs.index, { text })).hits.map((hit) => hit.id)).toEqual(hits);
      }
      expect((await reopened.search(docs.index, {})).total).toBe(3);
    } finally {
      await ctx.cleanup();
    }
  });

  it('keeps scoring by relevance after documents with a searchable string[] field are replaced or deleted', async () => {
    const ctx = await makeOrama();
    try {
      const docs: SearchIndexSpec = { ...spec(), searchable: ['title', 'labels'] };
      const doc = (title: string) => ({ title, labels: ['lamp', 'desk', 'office'] });
      await ctx.store.ensureIndex(docs);
      await ctx.store.applyIfNewer(docs.index, [
        { key: 'z', version: 1, value: doc('red lamp') },
        { key: 'b', version: 1, value: doc('a lamp for a desk in a room with a view') },
        { key: 'c', version: 1, value: doc('lamp') },
      ]);
      // Replacing a document removes it from Orama first, which once made every score of a labels match NaN.
      await ctx.store.applyIfNewer(docs.index, [
        { key: 'z', version: 2, value: doc('red lamp') },
        { key: 'c', version: 2, value: null },
        { key: 'a', version: 1, value: doc('red lamp on a long brass arm') },
      ]);
      await ctx.store.flush();
      const ranked = async (store: SearchStore) => {
        const { hits } = await store.search(docs.index, { text: 'red lamp' });
        expect(hits.every((hit) => Number.isFinite(hit.score))).toBe(true);
        return hits.map((hit) => hit.id);
      };
      expect(await ranked(ctx.store)).toEqual(['z', 'a', 'b']);
      await ctx.store.close();
      const reopened = await ctx.reopen();
      await reopened.ensureIndex(docs);
      expect(await ranked(reopened)).toEqual(['z', 'a', 'b']);
    } finally {
      await ctx.cleanup();
    }
  });

  it('checks a repeated key in one batch against the earlier change', async () => {
    const { store, cleanup } = await makeMemoryOrama();
    try {
      const docs = spec();
      await store.ensureIndex(docs);
      const result = await store.applyIfNewer(docs.index, [
        { key: 'd1', version: 1, value: { title: 'first' } },
        { key: 'd1', version: 3, value: { title: 'third' } },
        { key: 'd1', version: 2, value: { title: 'second' } },
      ]);
      expect(result).toEqual({ applied: 2, skipped: 1 });
      expect((await store.search(docs.index, {})).hits.map((hit) => hit.document.title)).toEqual(['third']);
    } finally {
      await cleanup();
    }
  });
});
