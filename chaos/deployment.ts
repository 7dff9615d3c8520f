import { join } from 'node:path';
import { z } from 'zod';
import { jetstreamLog } from '../src/adapters/nats/index.js';
import { oramaStore } from '../src/adapters/orama/index.js';
import { postgresHome } from '../src/adapters/postgres/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import {
  cacheView,
  createPolystore,
  defineEntity,
  type EntityRecord,
  type EventLog,
  type HomeStore,
  type KeyValueStore,
  type Logger,
  type SearchIndexSpec,
  type SearchStore,
  searchView,
} from '../src/index.js';
import { chaosOrderSaga, SAGA_ENTITIES } from './saga-workload.js';

/**
 * The deployment under test: a PostgreSQL home whose outbox relay feeds a
 * JetStream log, and projectors from it into Redis cache views (items and
 * notes) and an embedded Orama search view of items (snapshots in the run
 * directory). The worker also runs the order sagas the writer starts
 * (saga-workload.ts).
 */
export const items = defineEntity({
  name: 'items',
  storage: 'document',
  schema: z.object({
    id: z.string(),
    name: z.string(),
    /** The writer's sequence number of the write that produced this state: tells which write a row holds. */
    rev: z.number().int(),
    qty: z.number().int(),
    /** The search view refuses these records: they are the poison events. */
    poison: z.boolean(),
  }),
});

export type Item = EntityRecord<typeof items>;

/**
 * The second entity, written only together with an item in one multi-entity
 * transaction (when `db.transaction` exists): a note names the item and the
 * `rev` of the transaction that wrote both, so the verifier can tell a
 * transaction that landed half.
 */
export const notes = defineEntity({
  name: 'notes',
  storage: 'document',
  schema: z.object({ id: z.string(), item: z.string(), rev: z.number().int(), text: z.string() }),
});

export type Note = EntityRecord<typeof notes>;

export const CACHE_VIEW = 'items_cache';
export const SEARCH_VIEW = 'items_search';
export const NOTES_VIEW = 'notes_cache';
/** Every view the worker projects, in the order the harness checks them. */
export const VIEWS = [CACHE_VIEW, SEARCH_VIEW, NOTES_VIEW] as const;

/** The search index, as the worker ensures it and the verifier reopens it. */
export const SEARCH_INDEX: SearchIndexSpec = {
  index: SEARCH_VIEW,
  fields: { name: 'string', rev: 'number', qty: 'number' },
  searchable: ['name'],
};

/** The worker's views; the verifier uses their own projections to know what each view must hold. */
export const itemsCacheView = cacheView(items, { store: 'cache', name: CACHE_VIEW });
export const notesCacheView = cacheView(notes, { store: 'cache', name: NOTES_VIEW });
export const itemsSearchView = searchView(items, {
  store: 'search',
  name: SEARCH_VIEW,
  index: SEARCH_INDEX.index,
  fields: SEARCH_INDEX.fields,
  searchable: SEARCH_INDEX.searchable,
  document: (record) => {
    // Not a transient failure: every attempt fails the same way, so the event is dead-lettered.
    if (record.poison) throw new Error('the search view cannot index a poison record');
    return { name: record.name, rev: record.rev, qty: record.qty };
  },
});

/** Where one run keeps everything, every name unique to the run. */
export interface RunNames {
  readonly runId: string;
  /** PostgreSQL schema of the home. */
  readonly schema: string;
  /** Redis key prefix of the cache view. */
  readonly redisPrefix: string;
  /** JetStream stream (its durable consumers are named after the views). */
  readonly stream: string;
  /** Local directory: Orama snapshots, order logs, worker logs. */
  readonly dir: string;
}

export interface ServerUrls {
  readonly postgres: string;
  readonly redis: string;
  readonly nats: string;
}

export function runNames(runId: string, baseDir: string): RunNames {
  return {
    runId,
    schema: `chaos_${runId}`,
    redisPrefix: `chaos_${runId}:`,
    stream: `chaos_${runId}`,
    dir: join(baseDir, `chaos_${runId}`),
  };
}

export function searchDir(names: RunNames): string {
  return join(names.dir, 'search');
}

export function homeOf(names: RunNames, urls: ServerUrls): HomeStore {
  return postgresHome({ connectionString: urls.postgres, schema: names.schema, max: 8 });
}

export function cacheStoreOf(names: RunNames, urls: ServerUrls): KeyValueStore {
  return redisStore({ url: urls.redis, keyPrefix: names.redisPrefix });
}

export function searchStoreOf(names: RunNames): SearchStore {
  return oramaStore({ path: searchDir(names) });
}

export function logOf(names: RunNames, urls: ServerUrls, logger: Logger) {
  return jetstreamLog({ servers: urls.nats, stream: names.stream, partitions: 8, ackWaitMs: 3_000, logger });
}

/** The writer: the home only, no projectors and no relay (the worker runs both); it starts sagas, the worker runs them. */
export function openWriter(home: HomeStore, logger: Logger) {
  const target: { db?: never } = {};
  return createPolystore({
    home,
    entities: [items, notes, ...SAGA_ENTITIES],
    sync: { autoStart: false, projectors: false, relay: false, pruneIntervalMs: 0 },
    sagas: [chaosOrderSaga(target)],
    logger,
  });
}

/** The sync worker: the outbox relay and the projectors, over the stores and log it is handed. */
export function openWorker(
  names: RunNames,
  urls: ServerUrls,
  parts: { cache: KeyValueStore; search: SearchStore; log: EventLog },
  logger: Logger,
) {
  const target: { db?: Parameters<typeof chaosOrderSaga>[0]['db'] } = {};
  const db = createPolystore({
    home: homeOf(names, urls),
    stores: { cache: parts.cache, search: parts.search },
    entities: [items, notes, ...SAGA_ENTITIES],
    // Lease short enough that a killed worker's sagas move on within the run.
    sagas: [chaosOrderSaga(target)],
    sagaOptions: { leaseMs: 2_000, pollIntervalMs: 100, concurrency: 8 },
    views: [itemsCacheView, itemsSearchView, notesCacheView],
    log: parts.log,
    sync: {
      batchSize: 100,
      pollIntervalMs: 20,
      flushIntervalMs: 200,
      retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 500 },
      pruneIntervalMs: 5_000,
    },
    logger,
  });
  target.db = db as never;
  return db;
}
