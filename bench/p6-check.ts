import { postgresHome } from '../src/adapters/postgres/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import { bucketAt, idHash } from '../src/contracts/bucket-digest.js';
import type { VersionedChange } from '../src/contracts/view-store.js';
import { createPolystore, silentLogger } from '../src/index.js';
import { Cleanups, SERVER_URLS, serverNamespace } from './bench-env.js';
import { benchCacheView, benchItem, benchItems } from './bench-model.js';
import type { Profile } from './profile.js';
import type { CheckRun } from './report.js';

const TARGETS = {
  checkSeconds: { op: '<=', value: 5 },
  idsMoved: { op: '<=', value: 2000 },
} as const;
/** Rows per INSERT, and changes per apply of the view (the store sends them as scripts of 500). */
const SEED_CHUNK = 5000;
const VIEW = benchCacheView.name;

/**
 * P6: `db.check()` of a `profile.p6.records`-record entity on PostgreSQL
 * with a Redis cache view holding every record at its version, against a raw
 * `SELECT id, _version` scan of the same table. The home is seeded by
 * `unnest` inserts; the view through the store's own apply path, as a
 * projector or a backfill writes it, so its digests are those a user's view
 * has: none until the first check builds them (timed on its own). Then: the
 * clean check (by digests) and the same check listing the view (`scan`);
 * one record whose write never reached the view (its home row moved on a
 * version in SQL, no event): found, and how many ids the check read to find
 * it, by its own count; last, one entry deleted from Redis behind the store,
 * which digests do not see and a scan check finds.
 */
export async function p6Check(profile: Profile): Promise<CheckRun[]> {
  const cleanups = new Cleanups();
  try {
    const { schema, prefix } = serverNamespace(cleanups);
    const { records } = profile.p6;
    const home = postgresHome({ connectionString: SERVER_URLS.postgres, schema });
    const store = redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix });
    const db = createPolystore({
      home,
      stores: { cache: store },
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
    log(`seeding ${records} records into the home and, through its apply path, the view`);
    let homeSeedMs = 0;
    let viewSeedMs = 0;
    for (let i = 0; i < ids.length; i += SEED_CHUNK) {
      const chunk = ids.slice(i, i + SEED_CHUNK);
      const items = chunk.map((rid, k) => benchItem(rid, i + k));
      const homeStarted = performance.now();
      await pg.query(
        `INSERT INTO ${relation} (id, _version, doc) SELECT * FROM unnest($1::text[], $2::bigint[], $3::jsonb[])`,
        [chunk, chunk.map(() => 1), items.map((item) => JSON.stringify(item))],
      );
      homeSeedMs += performance.now() - homeStarted;
      const changes: VersionedChange<unknown>[] = items.map((item) => ({ key: item.id, version: 1, value: item }));
      const viewStarted = performance.now();
      await store.applyIfNewer(VIEW, changes);
      viewSeedMs += performance.now() - viewStarted;
    }
    await pg.query(`ANALYZE ${relation}`);

    const rawStarted = performance.now();
    const { rowCount } = await pg.query(`SELECT id, _version FROM ${relation} ORDER BY id`);
    const rawMs = performance.now() - rawStarted;
    if (rowCount !== records) throw new Error(`the raw scan read ${rowCount} of ${records} rows`);

    const checks = [{ view: VIEW, maxLagSeconds: 5 }];
    const timed = async (options: { scan?: boolean } = {}) => {
      const started = performance.now();
      const [result] = await db.check({ checks, ...options });
      return { result: result!, ms: performance.now() - started };
    };
    log('first check: builds the view digests');
    const first = await timed();
    if (!first.result.ok) throw new Error(`the first check reported ${JSON.stringify(first.result)}`);
    const clean = await timed();
    if (!clean.result.ok || clean.result.checked !== records)
      throw new Error(`the clean check reported ${JSON.stringify(clean.result)}`);
    log('the same check listing the view');
    const scanned = await timed({ scan: true });
    if (!scanned.result.ok) throw new Error(`the scan check reported ${JSON.stringify(scanned.result)}`);

    // Where a digest check's time goes, each part alone.
    const at = async <R>(run: () => Promise<R>) => {
      const started = performance.now();
      const value = await run();
      return { value, ms: performance.now() - started };
    };
    const viewDigests = await at(() => store.bucketDigests!(VIEW));
    const homeDigests = await at(() => home.bucketDigests!(benchItems.table, viewDigests.value!.bits));
    const lost = ids[Math.floor(records / 3)]!;
    const bucket = bucketAt(idHash(lost).top, viewDigests.value!.bits);
    const members = await at(() => home.bucketMembers!(benchItems.table, viewDigests.value!.bits, [bucket]));

    // A write whose event never reached the view: the home row moves on a version, the view keeps version 1.
    await pg.query(`UPDATE ${relation} SET _version = 2 WHERE id = $1`, [lost]);
    const drifted = await timed();
    const found = drifted.result.stale === 1 && drifted.result.sample.stale[0] === lost && drifted.result.missing === 0;
    const idsMoved = drifted.result.idsMoved;
    await db.check({ checks, repair: true });

    // An entry deleted behind the store: its digests still count it.
    const gone = ids[Math.floor((2 * records) / 3)]!;
    await redis.unlink(`${prefix}${VIEW}:${gone}`);
    const unseen = await timed();
    const byScan = await timed({ scan: true });

    const checkSeconds = clean.ms / 1000;
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
        seedMs: { home: homeSeedMs, viewApply: viewSeedMs },
        firstCheckMs: first.ms,
        checkMs: clean.ms,
        method: clean.result.method,
        scanCheckMs: scanned.ms,
        rawScanMs: rawMs,
        rawRatio: clean.ms / rawMs,
        driftMs: drifted.ms,
        driftFound: found,
        idsMoved,
        behindStore: {
          digestFound: unseen.result.missing > 0,
          scanFound: byScan.result.missing === 1 && byScan.result.sample.missing[0] === gone,
          scanMs: byScan.ms,
        },
        breakdownMs: { homeDigests: homeDigests.ms, viewDigests: viewDigests.ms, bucketMembers: members.ms },
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
