import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import { pgliteHome } from '../src/adapters/pglite/index.js';
import { postgresHome } from '../src/adapters/postgres/index.js';
import type { EntityClient } from '../src/index.js';
import { createPolystore, type HomeStore, silentLogger } from '../src/index.js';
import { Cleanups, dropSchema, runId, SERVER_URLS, tempDir } from './bench-env.js';
import { type BenchItem, benchItems, makeItems } from './bench-model.js';
import { closedLoop, interleave, type RoundSample } from './harness.js';
import type { Profile } from './profile.js';
import { pgliteTransaction, pgTransaction, type RawWriter, rawSqlWriter } from './raw-sql-writer.js';
import { type Comparison, compare } from './report.js';

/** A home to write to through our entity client and through the raw driver. */
interface WriteTarget {
  readonly client: EntityClient<BenchItem>;
  readonly raw: RawWriter;
  /**
   * What createMany is held to, each compared in a run of its own: the first
   * against the target, the rest for information (`suffix` names their rows).
   */
  readonly batchBaselines: readonly BatchBaseline[];
  readonly concurrencies: readonly number[];
}

const CREATE_TARGET = { op: '>=', value: 0.9 } as const;
const BATCH_TARGET = { op: '>=', value: 0.85 } as const;
/** The home's pool size when opened from a URL (pg's default), given to the raw pool too. */
const POOL_SIZE = 10;

/**
 * P1 on PostgreSQL: `create` (row + outbox event in one transaction) against
 * raw `pg` doing the same two inserts in one transaction, sequentially and at
 * a concurrency, and `createMany` against one multi-row insert per table:
 * with named prepared statements (the limit, held to the target), then
 * unprepared.
 */
export async function p1WritePath(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const schema = `bench_${runId()}`;
    cleanups.add('drop schema', () => dropSchema(schema));
    const pool = new Pool({ connectionString: SERVER_URLS.postgres, max: POOL_SIZE });
    pool.on('error', () => undefined);
    cleanups.add('end raw pool', () => pool.end());
    const home = postgresHome({ connectionString: SERVER_URLS.postgres, schema, max: POOL_SIZE });
    const client = await openClient(home, cleanups);
    const writer = (prepared: boolean) =>
      rawSqlWriter(pgTransaction(pool, prepared), schema, benchItems.table.table, benchItems.name);
    const raw = writer(false);
    const target: WriteTarget = {
      client,
      raw,
      batchBaselines: [
        { suffix: '', label: 'prepared raw', raw: writer(true) },
        { suffix: '.unprepared', label: 'unprepared raw', raw },
      ],
      concurrencies: [1, profile.p1.concurrency],
    };
    return await measure('P1', 'postgres', target, profile);
  } finally {
    await cleanups.run();
  }
}

/**
 * E1, the embedded equivalent: the PGlite home against PGlite's own
 * `transaction()` doing the same two inserts, on one instance. PGlite has one
 * connection, so only concurrency 1 is measured.
 */
export async function e1PgliteWritePath(profile: Profile): Promise<Comparison[]> {
  const cleanups = new Cleanups();
  try {
    const dir = await tempDir(cleanups, 'pglite');
    const db = new PGlite(dir);
    await db.waitReady;
    cleanups.add('close pglite', () => db.close());
    const schema = 'bench';
    const client = await openClient(pgliteHome({ pglite: db, schema }), cleanups);
    const raw = rawSqlWriter(pgliteTransaction(db), schema, benchItems.table.table, benchItems.name);
    const target: WriteTarget = {
      client,
      raw,
      batchBaselines: [{ suffix: '', label: 'raw', raw }],
      concurrencies: [1],
    };
    return await measure('E1', 'pglite', target, profile);
  } finally {
    await cleanups.run();
  }
}

export async function openClient(home: HomeStore, cleanups: Cleanups): Promise<EntityClient<BenchItem>> {
  const db = createPolystore({ home, entities: [benchItems], logger: silentLogger });
  cleanups.add('close polystore', () => db.close());
  // Writes only: no projector competes for the CPU while the write path is timed.
  await db.ready({ sync: false });
  return db.entity('bench_items');
}

async function measure(id: string, engine: string, target: WriteTarget, profile: Profile): Promise<Comparison[]> {
  const { p1 } = profile;
  const out: Comparison[] = [];
  for (const concurrency of target.concurrencies) {
    const ops = concurrency === 1 ? p1.sequentialOps : p1.concurrentOps;
    const run =
      (side: string, create: (item: BenchItem) => Promise<unknown>) =>
      (round: number): Promise<RoundSample> => {
        const items = makeItems(`${side}c${concurrency}r${round}_`, ops);
        return closedLoop(ops, concurrency, (i) => create(items[i]!));
      };
    const result = await interleave({
      warmupRounds: profile.warmupRounds,
      rounds: profile.rounds,
      budgetMs: profile.budgetMs,
      ours: run('o', (item) => target.client.create(item)),
      raw: run('r', (item) => target.raw.create(item)),
    });
    out.push(
      compare(
        `${id}.create.c${concurrency}`,
        `${engine} create, concurrency ${concurrency} (ops/s)`,
        'throughput',
        result,
        CREATE_TARGET,
      ),
    );
  }
  out.push(...(await measureBatches(id, engine, target.client, target.batchBaselines, profile)));
  return out;
}

/** A raw writer createMany is compared with; `suffix` names the row of every baseline after the first. */
export interface BatchBaseline {
  readonly suffix: string;
  readonly label: string;
  readonly raw: Pick<RawWriter, 'createMany'>;
}

/**
 * `createMany` of `p1.batchSize` records against each baseline, in a run of
 * its own: the first held to the target, the rest for information.
 */
export async function measureBatches(
  id: string,
  engine: string,
  client: EntityClient<BenchItem>,
  baselines: readonly BatchBaseline[],
  profile: Profile,
): Promise<Comparison[]> {
  const { batchSize, batchesPerRound } = profile.p1;
  const batches =
    (side: string, createMany: (items: BenchItem[]) => Promise<unknown>) =>
    async (round: number): Promise<RoundSample> => {
      const groups = Array.from({ length: batchesPerRound }, (_, b) => makeItems(`${side}b${round}_${b}_`, batchSize));
      const sample = await closedLoop(batchesPerRound, 1, (b) => createMany(groups[b]!));
      return { ...sample, ops: batchesPerRound * batchSize };
    };
  const out: Comparison[] = [];
  for (const [i, baseline] of baselines.entries()) {
    const result = await interleave({
      warmupRounds: profile.warmupRounds,
      rounds: profile.rounds,
      budgetMs: profile.budgetMs,
      ours: batches(`o${i}`, (items) => client.createMany(items)),
      raw: batches(`r${i}`, (items) => baseline.raw.createMany(items)),
    });
    out.push(
      compare(
        `${id}.createMany.${batchSize}${baseline.suffix}`,
        `${engine} createMany of ${batchSize} vs ${baseline.label} (records/s; latency per batch)`,
        'throughput',
        result,
        i === 0 ? BATCH_TARGET : null,
      ),
    );
  }
  return out;
}
