import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import type { EventConsumer, EventLog } from '../../src/contracts/event-log.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { ViewStoreBase } from '../../src/contracts/view-store.js';
import {
  cacheView,
  createPolystore,
  outboxEventLog,
  PolystoreError,
  type SyncOptions,
  searchView,
  silentLogger,
  type ViewStore,
} from '../../src/index.js';
import { Projector } from '../../src/sync/projector.js';
import type { ViewDef } from '../../src/views/view-def.js';
import { items } from '../support/items-entity.js';
import { intercept } from '../support/order-recorder.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

type Db = ReturnType<typeof makeDb>;

function makeDb(home: HomeStore, cache: ViewStore, search: ViewStore, views: readonly ViewDef<unknown>[]) {
  return createPolystore({
    home,
    stores: { cache, search },
    entities: [items],
    views,
    sync: { autoStart: false },
    logger: silentLogger,
  });
}

interface Harness {
  readonly home: HomeStore;
  readonly cache: ViewStoreBase<unknown>;
  readonly search: ViewStoreBase<unknown>;
  readonly cacheView: ViewDef<unknown>;
  readonly searchView: ViewDef<unknown>;
  readonly db: Db;
  projector(options: {
    view?: ViewDef<unknown>;
    store?: ViewStoreBase<unknown>;
    log?: EventLog;
    sync?: SyncOptions;
  }): Projector;
  cleanup(): Promise<void>;
}

const projectors: Projector[] = [];
let harness: Harness | undefined;
afterEach(async () => {
  await Promise.all(projectors.splice(0).map((p) => p.stop().catch(() => undefined)));
  await harness?.cleanup();
  harness = undefined;
});

async function openHarness(): Promise<Harness> {
  const homeDir = await freshPgliteDir();
  const views = await tempDir();
  const home = pgliteHome({ dataDir: homeDir.path });
  const cache = lmdbStore({ path: join(views.path, 'cache') });
  const search = oramaStore({ path: join(views.path, 'search') });
  const cached = cacheView(items, { store: 'cache' }) as ViewDef<unknown>;
  const searched = searchView(items, {
    store: 'search',
    fields: { name: 'string', qty: 'number' },
    searchable: ['name'],
  }) as ViewDef<unknown>;
  const db = makeDb(home, cache, search, [cached, searched]);
  await db.ready();
  return {
    home,
    cache,
    search,
    cacheView: cached,
    searchView: searched,
    db,
    projector({ view = cached, store = cache, log = outboxEventLog(home), sync = {} }) {
      const projector = new Projector({
        view,
        store,
        log,
        deadLetters: { add: (letter) => home.addDeadLetter(letter) },
        batchSize: sync.batchSize ?? 50,
        pollIntervalMs: sync.pollIntervalMs ?? 10,
        flushIntervalMs: sync.flushIntervalMs ?? 50,
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, ...sync.retry },
        logger: silentLogger,
      });
      projectors.push(projector);
      return projector;
    },
    async cleanup() {
      await db.close().catch(() => undefined);
      await homeDir.cleanup();
      await views.cleanup();
    },
  };
}

/** Creates `count` items one write at a time; returns the last write's token. */
async function createItems(h: Harness, count: number): Promise<string> {
  let token = '';
  for (let i = 0; i < count; i++) {
    const written = await h.db.entity('items').create({ id: `i${i}`, name: `n${i}`, qty: i, tags: [] });
    token = written.$token;
  }
  return token;
}

/**
 * A real log whose consumers call `onFetch` after each fetch returns; counts
 * the consumers opened and records each acknowledgement (its size, and `ack`
 * in `order`).
 */
function watchedLog(log: EventLog, onFetch: (events: number) => void = () => {}, order: string[] = []) {
  let opened = 0;
  const acks: number[] = [];
  const wrapped = intercept(log, {
    consumer: async (name: string): Promise<EventConsumer> => {
      opened++;
      const consumer = await log.consumer(name);
      return intercept(consumer, {
        fetch: async (max: number) => {
          const events = await consumer.fetch(max);
          onFetch(events.length);
          return events;
        },
        ack: async (events) => {
          acks.push(events.length);
          order.push('ack');
          await consumer.ack(events);
        },
      });
    },
  });
  return { log: wrapped, opened: () => opened, acks };
}

/**
 * The projector runtime on real engines (PGlite home and outbox, LMDB cache,
 * Orama search), driven directly: lifecycle races and stops at awkward moments
 * that the sync engine's own guards would hide.
 */
describe('projector runtime (real PGlite outbox, LMDB and Orama)', () => {
  it('opens one consumer and runs one loop when start is called twice at once', async () => {
    harness = await openHarness();
    const watched = watchedLog(outboxEventLog(harness.home));
    const projector = harness.projector({ log: watched.log });
    await Promise.all([projector.start(), projector.start()]);
    const token = await createItems(harness, 20);
    await projector.waitFor(token);
    await projector.stop();
    expect(watched.opened()).toBe(1);
    expect(projector.stats()).toMatchObject({ applied: 20, skipped: 0, status: 'stopped' });
  });

  it('reports a start whose log cannot open as failed, and runs once the log is back', async () => {
    harness = await openHarness();
    const log = outboxEventLog(harness.home);
    let refuse = true;
    const flaky = intercept(log, {
      consumer: async (name: string) => {
        if (refuse) throw new PolystoreError('PS_ERR_STORE_UNAVAILABLE', 'the log is down');
        return log.consumer(name);
      },
    });
    const projector = harness.projector({ log: flaky });
    await expect(projector.start()).rejects.toMatchObject({ code: 'PS_ERR_STORE_UNAVAILABLE' });
    expect(projector.stats().status).toBe('failed');
    refuse = false;
    const token = await createItems(harness, 5);
    await projector.start();
    await projector.waitFor(token);
    await until(() => projector.stats().status === 'polling', 10_000, 'the projector to poll again');
    expect(projector.stats().applied).toBe(5);
  });

  it('stops at once when the stop lands while it fetches from an idle log (no poll interval waited out)', async () => {
    harness = await openHarness();
    let projector: Projector | undefined;
    let stopping: Promise<void> | undefined;
    let stopAt = 0;
    const watched = watchedLog(outboxEventLog(harness.home), (count) => {
      // The log is idle: ask to stop while this fetch is still in flight.
      if (count === 0 && !stopping && projector?.stats().applied === 3) {
        stopAt = performance.now();
        stopping = projector.stop();
      }
    });
    projector = harness.projector({ log: watched.log, sync: { pollIntervalMs: 20_000 } });
    await createItems(harness, 3);
    await projector.start();
    await until(() => stopping !== undefined, 10_000, 'a stop during a fetch');
    await stopping;
    expect(performance.now() - stopAt).toBeLessThan(5_000);
    expect(projector.stats().status).toBe('stopped');
    expect(await harness.home.getCheckpoint(harness.cacheView.name)).not.toBeNull();
  });

  it('stops at once during a store outage, acknowledges nothing it did not apply, and applies it after a restart', async () => {
    harness = await openHarness();
    let down = true;
    let refused = 0;
    const cache = harness.cache;
    const flaky = intercept(cache, {
      applyIfNewer: (scope, changes) => {
        if (down) {
          refused++;
          return Promise.reject(new PolystoreError('PS_ERR_STORE_UNAVAILABLE', 'cache is down'));
        }
        return cache.applyIfNewer(scope, changes);
      },
    });
    const projector = harness.projector({
      store: flaky,
      sync: { retry: { maxAttempts: 2, baseDelayMs: 20_000, maxDelayMs: 20_000 } },
    });
    await projector.start();
    const token = await createItems(harness, 4);
    // The batch apply failed, then the first key alone: it now backs off for 10 s or more.
    await until(() => refused >= 2, 10_000, 'the store refusing the batch and a key');
    const stopAt = performance.now();
    await projector.stop();
    expect(performance.now() - stopAt).toBeLessThan(5_000);
    expect(projector.stats()).toMatchObject({ status: 'stopped', applied: 0, deadLettered: 0 });
    expect(await harness.home.getCheckpoint(harness.cacheView.name)).toBeNull();
    expect(await harness.home.listDeadLetters()).toHaveLength(0);

    down = false;
    const again = harness.projector({ store: flaky });
    await again.start();
    await again.waitFor(token);
    await again.stop();
    expect(again.stats()).toMatchObject({ applied: 4, deadLettered: 0 });
  });

  it('acknowledges an on-flush view only after a flush, and a durable view after every batch', async () => {
    harness = await openHarness();
    const order: string[] = [];
    const search = harness.search;
    const flushed = intercept(search, {
      flush: async () => {
        order.push('flush');
        await search.flush();
      },
      applyIfNewer: async (scope, changes) => {
        order.push('apply');
        return search.applyIfNewer(scope, changes);
      },
    });
    const searchLog = watchedLog(outboxEventLog(harness.home), undefined, order);
    const cacheLog = watchedLog(outboxEventLog(harness.home));
    const searching = harness.projector({
      view: harness.searchView,
      store: flushed,
      log: searchLog.log,
      sync: { batchSize: 7, flushIntervalMs: 60_000, pollIntervalMs: 5 },
    });
    const caching = harness.projector({ log: cacheLog.log, sync: { batchSize: 7, pollIntervalMs: 5 } });
    const token = await createItems(harness, 30);
    await Promise.all([searching.start(), caching.start()]);
    await Promise.all([searching.waitFor(token), caching.waitFor(token)]);
    await until(
      async () => (await harness!.home.getCheckpoint(harness!.searchView.name)) === token,
      10_000,
      'the idle search view to be checkpointed',
    );
    // Durable store: one acknowledgement per batch of 7 (30 events: 5 batches).
    expect(cacheLog.acks.slice(0, 5)).toEqual([7, 7, 7, 7, 2]);
    // On-flush store: the first batch at once (no flush for 60 s yet), the rest only once the log stayed empty.
    expect(searchLog.acks).toEqual([7, 23]);
    // Each acknowledgement right after a flush that followed every apply it covers.
    order.forEach((step, i) => {
      if (step === 'ack') expect(order[i - 1]).toBe('flush');
    });
    expect(order.filter((o) => o === 'flush')).toHaveLength(2);
  });
});
