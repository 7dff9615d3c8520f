import { mkdir, rm } from 'node:fs/promises';
import type { AnyOrama } from '@orama/orama';
import type {
  SearchDocument,
  SearchHit,
  SearchIndexSpec,
  SearchQuery,
  SearchResult,
  SearchStore,
} from '../../contracts/search-store.js';
import type { StoreMetric } from '../../contracts/store-metrics.js';
import type { ApplyResult, VersionEntry, VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError, wrapStoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';
import { type Logger, stderrLogger } from '../../runtime/logger.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { indexNotEnsured } from '../search-shared/search-spec.js';
import { repairArrayFieldLengths } from './orama-field-lengths.js';
import { IndexJournal } from './orama-index-journal.js';
import { baseFile, type JournalEntry, journalFile, type KeyVersion, listJournals } from './orama-journal.mjs';
import { byScoreThenId, type CompiledQuery, compileQuery, countFacets, rankByTermsMatched } from './orama-query.js';
import { checkSpec, type OramaDocument, oramaSchema, sameSpec, toOramaDocuments } from './orama-schema.js';

export interface OramaStoreOptions {
  /**
   * Directory for index files (created if missing): a base snapshot
   * `<index>.json` and journals `<index>.<n>.journal`. Omit it for indexes
   * that live in memory only.
   */
  readonly path?: string;
  /**
   * Journaled changes after which a worker thread folds the journals into a
   * new base snapshot (it also waits until they reach half the index).
   * Default 1000.
   */
  readonly compactAfter?: number;
  /** Where compaction failures are reported. Default: JSON lines on stderr. */
  readonly logger?: Logger;
}

interface Settings {
  readonly path: string | undefined;
  readonly compactAfter: number;
  readonly logger: Logger;
}

type OramaDriver = typeof import('@orama/orama');

interface IndexState {
  readonly spec: SearchIndexSpec;
  readonly db: AnyOrama;
  /** Every key applied, tombstones included. */
  readonly versions: Map<string, KeyVersion>;
  /** With a path: the latest change per key since the last flush, and the journal it goes to. */
  pending: Map<string, JournalEntry>;
  readonly journal: IndexJournal | undefined;
}

interface OpenOrama {
  readonly orama: OramaDriver;
  readonly indexes: Map<string, IndexState>;
}

interface OramaHit {
  readonly id: string;
  readonly score: number;
  readonly document: OramaDocument;
}

/**
 * Search views in in-process Orama indexes, one per `ensureIndex`. Changes
 * are durable only after `flush()` (`durability: 'on-flush'`), which appends
 * the keys changed since the previous flush to the index's journal and syncs
 * it; a worker thread now and then folds the journals into a base snapshot.
 * `ensureIndex` loads the base and replays the journals, so a restart resumes
 * exactly as of the last flush. Operations run one at a time; a flush holds
 * them only while it takes its batch, not while it writes.
 */
class OramaSearchStore implements SearchStore {
  readonly kind = 'search';
  readonly driver = 'orama';
  /** Only this process sees what it holds: other processes query it through view replicas. */
  readonly processLocal = true;
  readonly durability = 'on-flush';
  readonly #guard: RuntimeGuard<OpenOrama>;
  /** Journal writes, one flush after the other. */
  #flushing: Promise<void> = Promise.resolve();

  constructor(private readonly settings: Settings) {
    this.#guard = new RuntimeGuard<OpenOrama>(
      'orama',
      () => openOrama(settings.path),
      async ({ indexes }) => {
        await this.#flushing;
        for (const state of indexes.values()) await state.journal?.close();
        indexes.clear();
      },
      { serialize: true },
    );
  }

  async ready(): Promise<void> {
    await this.#guard.client();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  /** Documents held by every index of the store, for metrics. */
  collectMetrics(): Promise<StoreMetric[]> {
    return this.#guard.run(async ({ orama, indexes }) => {
      let documents = 0;
      for (const state of indexes.values()) documents += orama.count(state.db);
      return [{ name: 'polystore_search_documents', value: documents }];
    });
  }

  async ensureIndex(spec: SearchIndexSpec): Promise<void> {
    const checked = checkSpec(spec);
    return this.#guard.run(async ({ orama, indexes }) => {
      const existing = indexes.get(checked.index);
      if (existing) {
        if (!sameSpec(existing.spec, checked)) throw specChanged(checked.index, 'was ensured with another spec');
        return;
      }
      const path = this.settings.path;
      if (path === undefined) {
        const db = orama.create({ schema: oramaSchema(checked) });
        indexes.set(checked.index, { spec: checked, db, versions: new Map(), pending: new Map(), journal: undefined });
        return;
      }
      const { loaded, journal } = await IndexJournal.open(
        orama,
        {
          directory: path,
          index: checked.index,
          spec: checked,
          schema: oramaSchema(checked),
          compactAfter: this.settings.compactAfter,
          logger: this.settings.logger,
        },
        (found) => sameSpec(found, checked),
      );
      repairArrayFieldLengths(loaded.db, checked);
      indexes.set(checked.index, {
        spec: checked,
        db: loaded.db,
        versions: loaded.versions,
        pending: new Map(),
        journal,
      });
    });
  }

  async applyIfNewer(index: string, changes: readonly VersionedChange<SearchDocument>[]): Promise<ApplyResult> {
    return this.#guard.run(async ({ orama, indexes }) => {
      const state = indexState(indexes, index);
      const documents = toOramaDocuments(state.spec, changes);
      const next = new Map<string, KeyVersion>();
      const removals = new Set<string>();
      const inserts = new Map<string, OramaDocument>();
      let applied = 0;
      // Sequential semantics: a key repeated in one batch is checked against the earlier change.
      changes.forEach((change, i) => {
        const current = next.get(change.key) ?? state.versions.get(change.key);
        if (current !== undefined && current.version >= change.version) return;
        if (state.versions.get(change.key)?.deleted === false) removals.add(change.key);
        inserts.delete(change.key);
        const document = documents[i];
        if (document !== undefined) inserts.set(change.key, document);
        next.set(change.key, { version: change.version, deleted: document === undefined });
        applied++;
      });
      if (applied === 0) return { applied, skipped: changes.length };
      try {
        if (removals.size > 0) {
          await orama.removeMultiple(state.db, [...removals]);
          repairArrayFieldLengths(state.db, state.spec);
        }
        if (inserts.size > 0) await orama.insertMultiple(state.db, [...inserts.values()]);
      } catch (err) {
        throw wrapStoreError(
          err,
          'PS_ERR_STORE_QUERY',
          `The orama store could not apply a batch to the index "${index}"`,
          {
            fix: 'the index may be partly updated; replay the projector from its checkpoint (applies are idempotent)',
          },
        );
      }
      for (const [key, version] of next) {
        state.versions.set(key, version);
        if (state.journal) {
          state.pending.set(key, [key, version.version, version.deleted ? 1 : 0, inserts.get(key) ?? null]);
        }
      }
      return { applied, skipped: changes.length - applied };
    });
  }

  /**
   * Full-text search with typo tolerance, filters and facets. Filters on
   * `number`, `boolean`, `enum` and `enum[]` fields run in the index; `string`
   * and `string[]` filters are exact (whole value, case-sensitive) and checked
   * over all text matches, so prefer `enum` for fields you filter on often.
   * An empty `text` matches every document that passes the filters (score 0).
   */
  async search(index: string, query: SearchQuery): Promise<SearchResult> {
    return this.#guard.run(async ({ orama, indexes }) => {
      const state = indexState(indexes, index);
      const compiled = compileQuery(state.spec, query);
      const facets = Object.fromEntries(compiled.facets.map((field) => [field, {}]));
      if (compiled.matchesNothing) return { hits: [], total: 0, facets };
      try {
        return await runSearch(orama, state.db, compiled);
      } catch (err) {
        throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', `The orama store could not search the index "${index}"`, {
          fix: 'the cause holds the engine message',
        });
      }
    });
  }

  /** Forgets the index and deletes its files (base snapshot and journals). */
  async dropScope(index: string): Promise<void> {
    await this.#flushing;
    await this.#guard.run(async ({ indexes }) => {
      const state = indexes.get(index);
      indexes.delete(index);
      await state?.journal?.close();
      const path = this.settings.path;
      if (path === undefined) return;
      for (const generation of await listJournals(path, index))
        await rm(journalFile(path, index, generation), { force: true });
      await rm(baseFile(path, index), { force: true });
    });
  }

  async listVersions(index: string): Promise<VersionEntry[]> {
    return this.#guard.run(async ({ indexes }) =>
      Array.from(indexState(indexes, index).versions, ([key, { version, deleted }]) => ({ key, version, deleted })),
    );
  }

  /**
   * Journals the keys changed since the last flush, index by index, and
   * resolves once they are synced to disk; without `path` it only checks the
   * store is open. Applies and searches go on while the journal is written.
   */
  async flush(): Promise<void> {
    const batches = await this.#guard.run(async ({ indexes }) => {
      const taken: { state: IndexState; entries: JournalEntry[] }[] = [];
      for (const state of indexes.values()) {
        if (!state.journal || state.pending.size === 0) continue;
        taken.push({ state, entries: [...state.pending.values()] });
        state.pending = new Map();
      }
      return taken;
    });
    const written = this.#flushing.then(() => writeBatches(batches));
    this.#flushing = written.catch(() => undefined);
    return written;
  }
}

/** Appends each batch to its journal; a failed batch goes back to pending (behind newer changes) and the first error is thrown. */
async function writeBatches(batches: readonly { state: IndexState; entries: JournalEntry[] }[]): Promise<void> {
  let failure: unknown;
  for (const { state, entries } of batches) {
    try {
      await state.journal?.append(entries, state.versions.size);
    } catch (err) {
      failure ??= err;
      for (const entry of entries) {
        const newer = state.pending.get(entry[0]);
        if (newer === undefined || newer[1] < entry[1]) state.pending.set(entry[0], entry);
      }
    }
  }
  if (failure !== undefined) throw failure;
}

async function runSearch(orama: OramaDriver, db: AnyOrama, query: CompiledQuery): Promise<SearchResult> {
  // Every match is ranked here, not paginated by Orama: facets and exact text
  // filters need them all, and ties in score are ordered by id so a page does
  // not depend on insertion order (Orama scores every match anyway).
  const where = query.where.length === 0 ? undefined : query.where.length === 1 ? query.where[0] : { and: query.where };
  const matching = async (term: string | undefined): Promise<OramaHit[]> => {
    const result = await orama.search(db, {
      ...(term === undefined ? {} : { term, properties: [...query.properties], tolerance: query.tolerance }),
      ...(where === undefined ? {} : { where }),
      limit: orama.count(db),
      offset: 0,
    });
    const hits = result.hits as unknown as OramaHit[];
    return query.postFilter ? hits.filter((hit) => query.postFilter?.(hit.document)) : hits;
  };
  const found = await matching(query.term);
  const matches =
    query.term === undefined
      ? found.sort(byScoreThenId)
      : await rankByTermsMatched(found, queryTokens(db, query.term), async (token) => {
          return new Set((await matching(token)).map((hit) => hit.id));
        });
  return {
    hits: matches.slice(query.offset, query.offset + query.limit).map(toHit),
    total: matches.length,
    facets: countFacets(
      query.facets,
      matches.map((hit) => hit.document),
    ),
  };
}

/** The distinct tokens Orama matches `term` by (its own tokenizer, as at indexing). */
function queryTokens(db: AnyOrama, term: string): string[] {
  return [...new Set(db.tokenizer.tokenize(term) as string[])];
}

function toHit(hit: OramaHit): SearchHit {
  const { id: _id, ...fields } = hit.document;
  const document: Record<string, string | number | boolean | readonly string[]> = {};
  for (const [name, value] of Object.entries(fields)) document[name] = Array.isArray(value) ? [...value] : value;
  return { id: hit.id, score: hit.score, document };
}

function indexState(indexes: ReadonlyMap<string, IndexState>, index: string): IndexState {
  const state = typeof index === 'string' ? indexes.get(index) : undefined;
  if (state === undefined) throw indexNotEnsured();
  return state;
}

function specChanged(index: string, what: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', `The search index "${index}" ${what}`, {
    field: 'spec',
    fix: 'keep the spec stable, or open the store again to ensure the new spec (with a path, after deleting the index files and before replaying the projector)',
  });
}

async function openOrama(path: string | undefined): Promise<OpenOrama> {
  const orama = await importDriver('@orama/orama', () => import('@orama/orama'));
  if (path !== undefined) {
    await mkdir(path, { recursive: true }).catch((err: unknown) => {
      throw wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', 'The orama store could not create its snapshot directory', {
        fix: 'check that the path is a writable directory',
      });
    });
  }
  return { orama, indexes: new Map() };
}

/**
 * Creates a search view backed by in-process Orama indexes (the
 * `@orama/orama` package, an optional peer, is imported on first use). With
 * `path`, `flush()` journals changed keys there and `ensureIndex` restores
 * them; without it the indexes live in memory only. Hit documents are the
 * applied documents without `id` and without null fields.
 *
 * @example
 * import { oramaStore } from 'polystore/orama';
 *
 * const search = oramaStore({ path: './data/search' });
 * await search.ensureIndex({
 *   index: 'products',
 *   fields: { name: 'string', description: 'string', category: 'enum', price: 'number' },
 *   searchable: ['name', 'description'],
 * });
 * await search.applyIfNewer('products', [
 *   { key: 'p1', version: 1, value: { name: 'Laptop', description: 'Light and fast', category: 'computers', price: 999 } },
 * ]);
 * await search.flush();
 * const { hits, facets } = await search.search('products', {
 *   text: 'lptop',
 *   where: { price: { lt: 1500 } },
 *   facets: ['category'],
 * }); // hits[0].id === 'p1', facets.category.computers === 1
 * await search.close();
 */
export function oramaStore(options: OramaStoreOptions = {}): SearchStore {
  if (options.path !== undefined && (typeof options.path !== 'string' || options.path.length === 0)) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'The orama snapshot path must be a non-empty string', {
      field: 'path',
      fix: 'pass a directory, e.g. oramaStore({ path: "./data/search" }), or omit it for memory only',
    });
  }
  const compactAfter = options.compactAfter ?? 1000;
  if (!Number.isSafeInteger(compactAfter) || compactAfter < 1) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'compactAfter must be a positive integer', {
      field: 'compactAfter',
      fix: 'pass a number of journaled changes, e.g. oramaStore({ path, compactAfter: 1000 }), or omit it',
    });
  }
  return new OramaSearchStore({ path: options.path, compactAfter, logger: options.logger ?? stderrLogger });
}
