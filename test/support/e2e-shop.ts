import { join } from 'node:path';
import { jetstreamLog } from '../../src/adapters/nats/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { dropCdcSlot, postgresCdc } from '../../src/adapters/postgres-cdc/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import { cacheView, createPolystore, type EventLog, searchView, silentLogger } from '../../src/index.js';
import { items } from './items-entity.js';

/** How outbox events reach JetStream in the split deployment: the outbox relay, or CDC from a replication slot. */
export type E2eMode = 'relay' | 'cdc';

/**
 * Who a process is in the README's split deployment:
 * - `writer`: writes to the home and reads (`sync: { relay: false, projectors: false }`);
 * - `worker`: the change capture (relay or CDC) and the projectors, with an embedded search view of its own;
 * - `inspector`: opens nothing on its own (`autoStart: false`): the test's eyes and the CLI's config.
 */
export type E2eRole = 'writer' | 'worker' | 'inspector';

/** Everything one run needs to reach its servers and names. */
export interface E2eTarget {
  readonly id: string;
  readonly mode: E2eMode;
  readonly postgres: string;
  /** The run's private Redis (its own server on its own port, stopped and restarted by the test). */
  readonly redis: string;
  readonly nats: string;
}

export const CACHE_VIEW = 'items_cache';

/** The embedded search view of worker `n`: each worker keeps a whole replica, so each has its own consumer. */
export function searchViewName(worker: number): string {
  return `items_search_w${worker}`;
}

/** The cache view every process declares (writers read through it, workers project into it). */
export function e2eCacheView() {
  return cacheView(items, { store: 'cache', name: CACHE_VIEW });
}

/** Worker `n`'s embedded search view. */
export function e2eSearchView(worker: number) {
  return searchView(items, {
    store: 'search',
    name: searchViewName(worker),
    fields: { name: 'string', qty: 'number', tags: 'string[]' },
    searchable: ['name'],
  });
}

/** The replication slot and publication of a CDC run (both named after the run id). */
export function e2eCdcTarget(target: E2eTarget) {
  return {
    connectionString: target.postgres,
    schema: `e2e_${target.id}`,
    slot: `ps_e2e_${target.id}`,
    publication: `ps_e2e_${target.id}`,
  };
}

/**
 * The items model of the split deployment on PostgreSQL (schema `e2e_<id>`),
 * the private Redis (prefix `e2e_<id>:`) and JetStream (stream `e2e_<id>`).
 * A worker needs `worker` (its number) and `dataDir` (its embedded search view).
 */
export function openE2eShop(
  target: E2eTarget,
  role: E2eRole,
  worker?: { index: number; dataDir: string; wrapLog?: <L extends EventLog>(log: L) => L },
) {
  const isWorker = role === 'worker';
  if (isWorker && !worker) throw new Error('a worker needs its index and data directory');
  const wrapLog = worker?.wrapLog ?? (<L>(log: L) => log);
  const capture = target.mode === 'cdc' ? { capture: postgresCdc(e2eCdcTarget(target)) } : {};
  return createPolystore({
    home: postgresHome({ connectionString: target.postgres, schema: `e2e_${target.id}`, max: 4 }),
    stores: {
      cache: redisStore({ url: target.redis, keyPrefix: `e2e_${target.id}:` }),
      ...(isWorker ? { search: oramaStore({ path: join(worker!.dataDir, 'search') }) } : {}),
    },
    entities: [items],
    views: isWorker ? [e2eCacheView(), e2eSearchView(worker!.index)] : [e2eCacheView()],
    log: wrapLog(jetstreamLog({ servers: target.nats, stream: `e2e_${target.id}`, partitions: 8, ackWaitMs: 5000 })),
    sync: {
      relay: isWorker,
      projectors: isWorker,
      ...(role === 'inspector' ? { autoStart: false } : {}),
      // Defaults otherwise (poll, flush and CDC heartbeat intervals), as the README's deployment runs.
      batchSize: 50,
      // The outbox keeps every event: a status that counted outbox rows instead of the view's
      // progress would otherwise read zero by luck once a prune ran.
      pruneIntervalMs: 0,
      ...capture,
    },
    readTimeoutMs: 5000,
    logger: silentLogger,
  });
}

/** Drops what a run made on the shared servers: schema, stream, CDC slot and publication (its Redis is private). */
export async function cleanE2e(target: E2eTarget): Promise<void> {
  await dropCdcSlot(e2eCdcTarget(target)).catch(() => undefined);
  const { Client } = await import('pg');
  const pg = new Client({ connectionString: target.postgres });
  await pg.connect();
  await pg.query(`DROP SCHEMA IF EXISTS "e2e_${target.id}" CASCADE`);
  await pg.end();
  const { connect } = await import('nats');
  const nc = await connect({ servers: target.nats });
  await (await nc.jetstreamManager()).streams.delete(`e2e_${target.id}`).catch(() => undefined);
  await nc.close();
}

/** The target a child process was given, from the environment (see `e2eEnv`). */
export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): E2eTarget {
  const raw = env.POLYSTORE_E2E_TARGET;
  if (!raw) throw new Error('POLYSTORE_E2E_TARGET is not set: the split-deployment test starts this process');
  return JSON.parse(raw) as E2eTarget;
}

/** The environment that hands `target` to a child process or a CLI config module. */
export function e2eEnv(target: E2eTarget): NodeJS.ProcessEnv {
  return { ...process.env, POLYSTORE_E2E_TARGET: JSON.stringify(target) };
}
