import { open as openLmdb } from 'lmdb';
import { lmdbStore } from '../src/adapters/lmdb/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import { type ChangeEvent, type KeyValueStore, silentLogger } from '../src/index.js';
import { DEFAULT_RETRY_POLICY } from '../src/runtime/retry-policy.js';
import { Projector } from '../src/sync/projector.js';
import { Cleanups, deleteKeys, runId, SERVER_URLS, tempDir } from './bench-env.js';
import { benchCacheView, benchItems, makeItems } from './bench-model.js';
import { interleave, type RoundSample, timed } from './harness.js';
import { createEvents, memoryEventLog } from './memory-event-log.js';
import type { Profile } from './profile.js';
import { type Comparison, compare, type Target } from './report.js';

/** Redis projector against a raw pipeline (P3); the embedded LMDB projector against raw puts (E3) is held to more. */
const TARGETS: Record<string, Target> = { P3: { op: '>=', value: 0.8 }, E3: { op: '>=', value: 0.85 } };

/** A key-value view store and the raw driver writing the same keys and values in batches of the same size. */
interface ProjectionTarget {
  readonly store: KeyValueStore;
  /** Writes one batch raw; resolves when the driver reports it done (as durable as our apply). */
  rawBatch(events: readonly ChangeEvent[]): Promise<void>;
  /** Untimed, after each round pair: frees what the round wrote. */
  between?(events: readonly ChangeEvent[]): Promise<void>;
}

/**
 * P3: events per second through the real projector (fetch, newest per key,
 * project, `applyIfNewer` in batches, checkpoint) into the Redis cache view,
 * against raw ioredis pipelines of SET with the same keys and stored values,
 * one pipeline per projector batch. The view's bucket digests are built
 * first (on the empty view), so every apply keeps them up to date, as it
 * does for a view that has been checked once.
 */
export async function p3RedisProjector(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const prefix = `bench_${runId()}:`;
    cleanups.add('delete redis keys', () => deleteKeys(prefix));
    const store = redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix });
    cleanups.add('close redis store', () => store.close());
    // A view checked once keeps its bucket digests in every apply: measure the projector paying for that.
    if (!(await store.buildDigests!(benchCacheView.scope))) throw new Error('the view digests could not be built');
    const { Redis } = await import('ioredis');
    const raw = new Redis(SERVER_URLS.redis);
    cleanups.add('close raw redis', () => raw.quit());
    const rawKey = (key: string) => `${prefix}raw:${key}`;
    const target: ProjectionTarget = {
      store,
      async rawBatch(events) {
        const pipeline = raw.pipeline();
        for (const e of events) pipeline.set(rawKey(e.key), `#${e.version}|${JSON.stringify(e.payload)}`);
        await pipeline.exec();
      },
      async between(events) {
        const keys = events.flatMap((e) => [`${prefix}${benchCacheView.scope}:${e.key}`, rawKey(e.key)]);
        for (let i = 0; i < keys.length; i += 1000) await raw.unlink(...keys.slice(i, i + 1000));
      },
    };
    return [await measure('P3.redis', 'redis cache view', target, profile)];
  } finally {
    await cleanups.run();
  }
}

/** E3, the embedded equivalent: the projector into the LMDB cache view against raw lmdb puts in one transaction per batch. */
export async function e3LmdbProjector(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const store = lmdbStore({ path: await tempDir(cleanups, 'lmdb-view') });
    cleanups.add('close lmdb store', () => store.close());
    const raw = openLmdb<unknown, string>({ path: await tempDir(cleanups, 'lmdb-raw') });
    cleanups.add('close raw lmdb', () => raw.close());
    const target: ProjectionTarget = {
      store,
      async rawBatch(events) {
        // The same durability as the store's apply: committed, then synced.
        await raw.transaction(() => {
          for (const e of events) raw.putSync(`${benchCacheView.scope}:${e.key}`, e.payload);
        });
        await raw.flushed;
      },
    };
    return [await measure('E3.lmdb', 'lmdb cache view', target, profile)];
  } finally {
    await cleanups.run();
  }
}

async function measure(id: string, title: string, target: ProjectionTarget, profile: Profile): Promise<Comparison> {
  const { events: count, batchSize } = profile.p3;
  await target.store.ready();
  await benchCacheView.prepare(target.store);
  const eventsOf = (side: string, round: number) =>
    createEvents(benchItems.name, makeItems(`${side}${round + 100}_`, count), round + 100);
  const written: ChangeEvent[][] = [];
  const result = await interleave({
    warmupRounds: profile.warmupRounds,
    rounds: profile.rounds,
    budgetMs: profile.budgetMs,
    ours: async (round): Promise<RoundSample> => {
      const events = eventsOf('o', round);
      written.push(events);
      const projector = new Projector({
        view: benchCacheView,
        store: target.store,
        log: memoryEventLog(events),
        deadLetters: {
          add: async () => {
            throw new Error('the bench projector dead-lettered an event');
          },
        },
        batchSize,
        pollIntervalMs: 50,
        flushIntervalMs: 1000,
        retry: DEFAULT_RETRY_POLICY,
        logger: silentLogger,
      });
      const sample = await timed(count, async () => {
        await projector.start();
        await projector.waitFor(events.at(-1)!.position);
      });
      await projector.stop();
      const applied = projector.stats().applied;
      if (applied !== count) throw new Error(`the projector applied ${applied} of ${count} events`);
      return sample;
    },
    raw: (round) => {
      const events = eventsOf('r', round);
      written.push(events);
      return timed(count, async () => {
        for (let i = 0; i < events.length; i += batchSize) await target.rawBatch(events.slice(i, i + batchSize));
      });
    },
    between: async () => {
      for (const events of written.splice(0)) await target.between?.(events);
    },
  });
  return compare(
    id,
    `${title}: projector apply of ${count} events, batches of ${batchSize} (events/s)`,
    'throughput',
    result,
    TARGETS[id.split('.')[0]!] ?? TARGETS.P3!,
  );
}
