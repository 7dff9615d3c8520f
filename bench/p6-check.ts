import { postgresHome } from '../src/adapters/postgres/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import { createPolystore, silentLogger } from '../src/index.js';
import { Cleanups, SERVER_URLS, serverNamespace } from './bench-env.js';
import { benchCacheView, benchItem, benchItems } from './bench-model.js';
import type { Profile } from './profile.js';
import type { CheckRun } from './report.js';

const TARGETS = {
  checkSeconds: { op: '<=', value: 5 },
  idsMoved: { op: '<=', value: 2000 },
} as const;
/** Rows per INSERT and entries per Redis pipeline while seeding. */
const SEED_CHUNK = 5000;
const VIEW = benchCacheView.name;

/**
 * P6: `db.check()` of a `profile.p6.records`-record entity on PostgreSQL
 * with a Redis cache view holding every record at its version (seeded
 * directly, in the entries the view stores), against a raw
 * `SELECT id, _version` scan of the same table; then the same check after one
 * entry is deleted from Redis behind the projector's back: found, and how
 * many ids the check moved (read from the home and from the view) to find it.
 */
export async function p6Check(profile: Profile): Promise<CheckRun[]> {
  const cleanups = new Cleanups();
  try {
    const { schema, prefix } = serverNamespace(cleanups);
    const { records } = profile.p6;
    const home = postgresHome({ connectionString: SERVER_URLS.postgres, schema });
    const db = createPolystore({
      home,
      stores: { cache: redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix }) },
      entities: [benchItems],
      views: [benchCacheView],
      sync: { autoStart: false },
      logger: silentLogger,
    });
    cleanups.add('close polystore', () => db.close());
    await db.ready();

    const { Client } = await import('pg');
    const pg = new Client({ connectionString: SERVER_URLS.postgres });
    await pg.connect();
    cleanups.add('close pg', () => pg.end());
    const { Redis } = await import('ioredis');
    const redis = new Redis(SERVER_URLS.redis);
    cleanups.add('close redis', async () => void (await redis.quit()));
    const relation = `"${schema}"."${benchItems.table.table}"`;
    const ids = Array.from({ length: records }, (_, i) => `r${String(i).padStart(7, '0')}`);
    log(`seeding ${records} records into the home and the view`);
    for (let i = 0; i < ids.length; i += SEED_CHUNK) {
      const chunk = ids.slice(i, i + SEED_CHUNK);
      const docs = chunk.map((rid, k) => JSON.stringify(benchItem(rid, i + k)));
      await pg.query(
        `INSERT INTO ${relation} (id, _version, doc) SELECT * FROM unnest($1::text[], $2::bigint[], $3::jsonb[])`,
        [chunk, chunk.map(() => 1), docs],
      );
      const pipeline = redis.pipeline();
      for (const [k, rid] of chunk.entries()) pipeline.set(`${prefix}${VIEW}:${rid}`, `#1|${docs[k]}`);
      await pipeline.exec();
    }
    await pg.query(`ANALYZE ${relation}`);

    const rawStarted = performance.now();
    const { rowCount } = await pg.query(`SELECT id, _version FROM ${relation} ORDER BY id`);
    const rawMs = performance.now() - rawStarted;
    if (rowCount !== records) throw new Error(`the raw scan read ${rowCount} of ${records} rows`);

    const checks = [{ view: VIEW, maxLagSeconds: 5 }];
    const cleanStarted = performance.now();
    const [clean] = await db.check({ checks });
    const checkMs = performance.now() - cleanStarted;
    if (!clean?.ok || clean.checked !== records) throw new Error(`the clean check reported ${JSON.stringify(clean)}`);

    // Where a check's time goes: listing the view, and walking the home's versions in the checker's chunks.
    const listStarted = performance.now();
    const listed = await db.views[0]!.store.listVersions(VIEW);
    const viewListMs = performance.now() - listStarted;
    if (listed.length !== records) throw new Error(`the view listed ${listed.length} of ${records} entries`);
    const walkStarted = performance.now();
    for (let after: string | null = null; ; ) {
      const chunk = await home.scanVersions(benchItems.table, { after, limit: 5000 });
      if (chunk.length === 0) break;
      after = chunk.at(-1)!.id;
    }
    const homeWalkMs = performance.now() - walkStarted;

    const lost = ids[Math.floor(records / 3)]!;
    await redis.unlink(`${prefix}${VIEW}:${lost}`);
    const driftStarted = performance.now();
    const [drifted] = await db.check({ checks });
    const driftMs = performance.now() - driftStarted;
    const found = drifted?.missing === 1 && drifted.sample.missing[0] === lost;
    // The check reads every home id and version (in chunks) and lists every view entry: both are moved.
    const idsMoved = (drifted?.checked ?? 0) + (records - 1);
    const checkSeconds = checkMs / 1000;
    const metBy = {
      checkSeconds: checkSeconds <= TARGETS.checkSeconds.value,
      idsMoved: idsMoved <= TARGETS.idsMoved.value,
    };
    return [
      {
        id: 'P6.check.redis',
        title: `check ${records} records (PostgreSQL home, Redis view) against a raw SELECT id, _version`,
        kind: 'check',
        records,
        checkMs,
        rawScanMs: rawMs,
        rawRatio: checkMs / rawMs,
        driftMs,
        driftFound: found,
        idsMoved,
        breakdownMs: { viewList: viewListMs, homeWalk: homeWalkMs },
        targets: TARGETS,
        metBy,
        met: found && metBy.checkSeconds && metBy.idsMoved,
      },
    ];
  } finally {
    await cleanups.run();
  }
}

function log(message: string): void {
  process.stderr.write(`[bench P6] ${message}\n`);
}
