import { PGlite } from '@electric-sql/pglite';
import { pgliteHome } from '../src/adapters/pglite/index.js';
import { postgresHome } from '../src/adapters/postgres/index.js';
import { createPolystore, type HomeStore, silentLogger } from '../src/index.js';
import { Cleanups, dropSchema, runId, SERVER_URLS, tempDir } from './bench-env.js';
import { closedLoop, interleave, MIN_ROUNDS, type RoundSample } from './harness.js';
import { openDbosShop } from './p8-dbos.js';
import {
  checkTotals,
  ORDER_ENTITIES,
  type OrderInput,
  Payments,
  polystoreOrderSaga,
  type ShopTotals,
  SKUS,
  STOCK_PER_SKU,
  skuOf,
  totalsSql,
} from './p8-order-saga.js';
import type { Profile } from './profile.js';
import type { SagaRun, SagaSide } from './report.js';
import { median, summarize } from './stats.js';

const TARGETS = {
  p50Ms: { op: '<=', value: 5 },
  p99Ms: { op: '<=', value: 20 },
  sagasPerSec: { op: '>=', value: 300 },
  dbosRatio: { op: '>=', value: 1 },
} as const;
/** The home's pool (pg's default), and DBOS's app pool the same size. */
const POOL_SIZE = 10;

/** A shop that runs one order to its end and says what its tables hold. */
interface OrderRunner {
  order(input: OrderInput): Promise<void>;
  totals(): Promise<ShopTotals>;
  readonly payments: Payments;
}

/**
 * P8 on PostgreSQL: the 4-step order saga through Polystore's saga runner
 * against the same steps as a DBOS Transact workflow on the same server, in
 * alternating rounds of `profile.p8.sagasPerRound` orders at
 * `profile.p8.concurrency` in flight. Each order's latency is from `start`
 * until the caller learns it completed (`db.sagas.wait`, DBOS's
 * `handle.getResult()`). Afterwards both sides' tables and payments are
 * checked: every order reserved, charged, shipped and confirmed once.
 */
export async function p8Saga(profile: Profile): Promise<SagaRun[]> {
  const cleanups = new Cleanups();
  try {
    const schema = `bench_${runId()}`;
    cleanups.add('drop schema', () => dropSchema(schema));
    const ours = await openPolystoreShop(
      postgresHome({ connectionString: SERVER_URLS.postgres, schema, max: POOL_SIZE }),
      schema,
      cleanups,
    );
    log('launching DBOS Transact');
    const dbos = await openDbosShop();
    cleanups.add('close DBOS', () => dbos.close());
    const { p8 } = profile;
    const runs = { ours: 0, dbos: 0 };
    const round = (side: keyof typeof runs, shop: OrderRunner, count: number, concurrency: number) => (r: number) => {
      runs[side] += count;
      return orderRound(shop, `${side}${concurrency}.${r}`, r, count, concurrency);
    };
    const result = await interleave({
      warmupRounds: profile.warmupRounds,
      rounds: profile.rounds,
      budgetMs: profile.budgetMs,
      ours: round('ours', ours, p8.sagasPerRound, p8.concurrency),
      raw: round('dbos', dbos, p8.sagasPerRound, p8.concurrency),
    });
    // The latency of a saga with no other in flight: the time its steps take, without queueing.
    const alone = await interleave({
      warmupRounds: 0,
      rounds: 2,
      ours: round('ours', ours, p8.aloneSagas, 1),
      raw: round('dbos', dbos, p8.aloneSagas, 1),
    });
    checkTotals('Polystore on PostgreSQL', runs.ours, await ours.totals(), ours.payments);
    checkTotals('DBOS on PostgreSQL', runs.dbos, await dbos.totals(), dbos.payments);
    const oursSide = {
      sagasPerSec: result.ours.opsPerSec,
      roundRates: result.ours.roundRates,
      latencyMs: result.ours.latencyMs,
    };
    const dbosSide = {
      sagasPerSec: result.raw.opsPerSec,
      roundRates: result.raw.roundRates,
      latencyMs: result.raw.latencyMs,
    };
    const dbosRatio = oursSide.sagasPerSec / dbosSide.sagasPerSec;
    const metBy = {
      p50Ms: oursSide.latencyMs.p50 <= TARGETS.p50Ms.value,
      p99Ms: oursSide.latencyMs.p99 <= TARGETS.p99Ms.value,
      sagasPerSec: oursSide.sagasPerSec >= TARGETS.sagasPerSec.value,
      dbosRatio: dbosRatio >= TARGETS.dbosRatio.value,
    };
    return [
      {
        id: 'P8.saga.postgres',
        title: `order saga (4 steps), ${p8.concurrency} in flight, PostgreSQL, against DBOS Transact`,
        kind: 'saga',
        engine: 'postgres',
        concurrency: p8.concurrency,
        sagasPerRound: p8.sagasPerRound,
        ours: oursSide,
        dbos: dbosSide,
        alone: { ours: alone.ours.latencyMs, dbos: alone.raw.latencyMs },
        dbosRatio,
        pairedRatioMedian: median(result.pairedRatios),
        targets: TARGETS,
        metBy,
        met: Object.values(metBy).every(Boolean),
      },
      await pgliteRun(profile),
    ];
  } finally {
    await cleanups.run();
  }
}

/** The same saga on PGlite (ours only: DBOS Transact needs a PostgreSQL server), rounds as on PostgreSQL. */
async function pgliteRun(profile: Profile): Promise<SagaRun> {
  const cleanups = new Cleanups();
  try {
    const pglite = new PGlite(await tempDir(cleanups, 'pglite'));
    await pglite.waitReady;
    cleanups.add('close pglite', () => pglite.close());
    const shop = await openPolystoreShop(pgliteHome({ pglite, schema: 'bench' }), 'bench', cleanups, (sql) =>
      pglite.query<ShopTotals>(sql).then((r) => r.rows[0]!),
    );
    const { p8 } = profile;
    const samples: RoundSample[] = [];
    const deadline = performance.now() + profile.budgetMs;
    let sagas = 0;
    for (let r = -profile.warmupRounds; r < profile.rounds; r++) {
      if (r >= MIN_ROUNDS && performance.now() > deadline) break;
      const sample = await orderRound(shop, `lite${r}`, r, p8.sagasPerRound, p8.concurrency);
      sagas += p8.sagasPerRound;
      if (r >= 0) samples.push(sample);
    }
    const alone = await orderRound(shop, 'lite-alone', 0, p8.aloneSagas, 1);
    sagas += p8.aloneSagas;
    checkTotals('Polystore on PGlite', sagas, await shop.totals(), shop.payments);
    const roundRates = samples.map((s) => (s.ops * 1000) / s.elapsedMs);
    const ours: SagaSide = {
      sagasPerSec: median(roundRates),
      roundRates,
      latencyMs: summarize(samples.flatMap((s) => s.latenciesMs)),
    };
    return {
      id: 'P8.saga.pglite',
      title: `order saga (4 steps), ${p8.concurrency} in flight, PGlite (DBOS Transact does not run on PGlite)`,
      kind: 'saga',
      engine: 'pglite',
      concurrency: p8.concurrency,
      sagasPerRound: p8.sagasPerRound,
      ours,
      dbos: null,
      alone: { ours: summarize(alone.latenciesMs), dbos: null },
      dbosRatio: null,
      pairedRatioMedian: null,
      targets: null,
      metBy: null,
      met: null,
    };
  } finally {
    await cleanups.run();
  }
}

/**
 * A Polystore with the shop's entities and the order saga over `home`, its
 * runner started, the stock seeded; `query` reads the totals (a `pg` client
 * on PostgreSQL by default).
 */
async function openPolystoreShop(
  home: HomeStore,
  schema: string,
  cleanups: Cleanups,
  query?: (sql: string) => Promise<ShopTotals>,
): Promise<OrderRunner> {
  const payments = new Payments();
  const db = createPolystore({
    home,
    entities: ORDER_ENTITIES,
    sagas: [polystoreOrderSaga(payments)],
    logger: silentLogger,
  });
  cleanups.add('close polystore', () => db.close());
  await db.ready();
  const rows = Array.from({ length: SKUS }, (_, i) => ({ id: skuOf(i), qty: STOCK_PER_SKU }));
  for (let i = 0; i < rows.length; i += 500) await db.entity('stock').createMany(rows.slice(i, i + 500));
  let read = query;
  if (!read) {
    const { Client } = await import('pg');
    const pg = new Client({ connectionString: SERVER_URLS.postgres });
    await pg.connect();
    cleanups.add('close pg', () => pg.end());
    read = (sql) => pg.query<ShopTotals>(sql).then((r) => r.rows[0]!);
  }
  const totals = read;
  return {
    payments,
    async order(input) {
      const id = await db.saga('order').start(input, { id: input.orderId });
      const saga = await db.sagas.wait(id);
      if (saga.state !== 'completed') throw new Error(`saga ${id} ended ${saga.state}: ${saga.error ?? ''}`);
    },
    totals: () => totals(totalsSql(schema)),
  };
}

/** `count` orders at `concurrency` in flight (closed loop), ids `<prefix>-<n>`, SKUs spread over the stock. */
function orderRound(
  shop: OrderRunner,
  prefix: string,
  round: number,
  count: number,
  concurrency: number,
): Promise<RoundSample> {
  return closedLoop(count, concurrency, (i) =>
    shop.order({ orderId: `${prefix}-${i}`, sku: skuOf(i * 7919 + (round + 100) * 104_729), qty: 1 }),
  );
}

function log(message: string): void {
  process.stderr.write(`[bench P8] ${message}\n`);
}
