/**
 * `npm run bench [-- --quick] [--only=P1,P3,E1] [--json]`: runs each workload
 * (ours against the raw driver, interleaved, in one process), prints a table
 * and writes bench/results/latest.json. Exits non-zero only on errors (and,
 * with `CI` set, when a server is unreachable); missed targets are reported.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { redactSecrets } from '../src/errors/index.js';
import { describeServer, type ServerKind, serverReachable } from './bench-env.js';
import { describeMachine } from './machine.js';
import { p1MariadbCreateMany } from './p1-mariadb.js';
import { e1PgliteWritePath, p1WritePath } from './p1-write-path.js';
import { e2Freshness, p2Freshness } from './p2-modes.js';
import { e3LmdbProjector, p3RedisProjector } from './p3-projector.js';
import { e4LmdbCacheGet, p4RedisCacheGet } from './p4-cache-get.js';
import { p5Backfill } from './p5-backfill.js';
import { p6Check } from './p6-check.js';
import { p8Saga } from './p8-saga.js';
import { p9ApiGet } from './p9-api.js';
import { p9Scrape } from './p9-scrape.js';
import { p10Replicas } from './p10-replicas.js';
import { p10Workers } from './p10-workers.js';
import { p11Flatness } from './p11-flatness.js';
import { p11Projectors } from './p11-projector.js';
import { p12Search } from './p12-search.js';
import { p13Archive } from './p13-archive.js';
import { p14Graphql } from './p14-graphql.js';
import { FULL, type Profile, QUICK } from './profile.js';
import { formatTable, isComparison, type ResultRow } from './report.js';
import { s10Scale } from './s10-scale.js';
import { summarize } from './summary.js';

interface Workload {
  readonly id: string;
  readonly title: string;
  /** Servers without which the workload is skipped. */
  readonly needs: readonly ServerKind[];
  run(profile: Profile, reachable: ReadonlySet<ServerKind>): Promise<ResultRow[]>;
}

const WORKLOADS: readonly Workload[] = [
  {
    id: 'P1',
    title: 'write path (PostgreSQL; createMany on MariaDB too when reachable)',
    needs: ['postgres'],
    run: async (p, reachable) => [
      ...(await p1WritePath(p)),
      ...(reachable.has('mysql') ? await p1MariadbCreateMany(p) : skipped('P1.createMany.100.mariadb', 'mysql')),
    ],
  },
  {
    id: 'P2',
    title: 'freshness (PostgreSQL, Redis, Orama; JetStream and CDC modes need NATS)',
    needs: ['postgres', 'redis'],
    run: (p, reachable) => p2Freshness(p, reachable),
  },
  { id: 'P3', title: 'projector throughput (Redis)', needs: ['redis'], run: (p) => p3RedisProjector(p) },
  { id: 'P4', title: 'cache-hit read (Redis)', needs: ['postgres', 'redis'], run: (p) => p4RedisCacheGet(p) },
  {
    id: 'P5',
    title: 'backfill into a Redis view under live updates, against a raw copy (PostgreSQL, Redis)',
    needs: ['postgres', 'redis'],
    run: (p) => p5Backfill(p),
  },
  {
    id: 'P6',
    title: 'check of a large view with no drift and with one drifted id (PostgreSQL, Redis)',
    needs: ['postgres', 'redis'],
    run: (p) => p6Check(p),
  },
  {
    id: 'P8',
    title: 'order saga at concurrency 8 (PostgreSQL, against DBOS Transact; PGlite)',
    needs: ['postgres'],
    run: (p) => p8Saga(p),
  },
  {
    id: 'P9',
    title: 'HTTP API GET of a Redis-cached record against a bare Fastify route doing the raw GET (PostgreSQL, Redis)',
    needs: ['postgres', 'redis'],
    run: (p) => p9ApiGet(p),
  },
  {
    id: 'P9S',
    title: 'metrics scrape of a worker with 20 views (PostgreSQL, Redis)',
    needs: ['postgres', 'redis'],
    run: (p) => p9Scrape(p),
  },
  {
    id: 'P10',
    title:
      'scale-out: replica query throughput (Kuzu/DuckDB/Orama over NATS) and Redis projector workers (PostgreSQL, NATS, Redis)',
    needs: ['postgres', 'nats', 'redis'],
    run: async (p) => [...(await p10Replicas(p)), ...(await p10Workers(p))],
  },
  { id: 'E1', title: 'write path (PGlite)', needs: [], run: (p) => e1PgliteWritePath(p) },
  { id: 'E2', title: 'freshness (PGlite, LMDB, Orama)', needs: [], run: (p) => e2Freshness(p) },
  { id: 'E3', title: 'projector throughput (LMDB)', needs: [], run: (p) => e3LmdbProjector(p) },
  { id: 'E4', title: 'cache-hit read (LMDB)', needs: [], run: (p) => e4LmdbCacheGet(p) },
  {
    id: 'P11',
    title: 'projector throughput and flatness per view kind (Kuzu, DuckDB, Orama, LMDB; Redis when reachable)',
    needs: [],
    run: async (p, reachable) => [
      ...(await p11Projectors(p, reachable.has('redis'))),
      ...(await p11Flatness(p, reachable.has('redis'))),
    ],
  },
  {
    id: 'P12',
    title: 'search of the e-commerce catalog: Orama against the postgres search store (latency, relevance)',
    needs: ['postgres'],
    run: (p) => p12Search(p),
  },
  {
    id: 'P13',
    title: 'event archive throughput into a local S3-compatible server (s3rver), against PutObject of the same batches',
    needs: [],
    run: (p) => p13Archive(p),
  },
  {
    id: 'P14',
    title: 'GraphQL tree read against the same reads through the entity API (PGlite, LMDB)',
    needs: [],
    run: (p) => p14Graphql(p),
  },
  {
    id: 'S10',
    title: 'e-commerce demo at 10x its data (1x with --quick) on embedded stores: catch-up after the last write',
    needs: [],
    run: (p) => s10Scale(p),
  },
];

const started = performance.now();

/** No rows for a comparison whose server is unreachable, with the reason printed. */
function skipped(id: string, kind: ServerKind): ResultRow[] {
  log(`skipping ${id}: needs ${describeServer(kind)}, unreachable`);
  return [];
}

function log(message: string): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`[bench ${seconds.padStart(6)}s] ${message}\n`);
}

function parseFlags(argv: readonly string[]): { quick: boolean; json: boolean; only: Set<string> | null } {
  let quick = false;
  let json = false;
  let only: Set<string> | null = null;
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--json') json = true;
    else if (arg.startsWith('--only=')) only = new Set(arg.slice(7).toUpperCase().split(',').filter(Boolean));
    else
      throw new Error(
        `unknown flag ${arg}; use --quick, --only=P1,P2,P3,P4,P5,P6,P8,P9,P9S,P10,E1,E2,E3,E4,P11,P12,P13,P14,S10 or --json`,
      );
  }
  const unknown = [...(only ?? [])].filter((id) => !WORKLOADS.some((w) => w.id === id));
  if (unknown.length > 0) throw new Error(`--only names unknown workloads: ${unknown.join(', ')}`);
  return { quick, json, only };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const profile = flags.quick ? QUICK : FULL;
  const reachable = new Set<ServerKind>();
  for (const kind of ['postgres', 'mysql', 'redis', 'nats'] as const) {
    if (await serverReachable(kind)) reachable.add(kind);
    else log(`unreachable: ${describeServer(kind)}; workloads that need it are skipped`);
  }
  const machine = await describeMachine(reachable);
  log(`${profile.name} run on ${machine.cpus.count} x ${machine.cpus.model}, node ${machine.node}`);

  const rows: ResultRow[] = [];
  const skipped: { workload: string; missing: string[] }[] = [];
  const errors: { workload: string; error: string }[] = [];
  for (const workload of WORKLOADS) {
    if (flags.only && !flags.only.has(workload.id)) continue;
    const missing = workload.needs.filter((kind) => !reachable.has(kind));
    if (missing.length > 0) {
      log(`skipping ${workload.id} ${workload.title}: needs ${missing.map(describeServer).join(', ')}`);
      skipped.push({ workload: workload.id, missing });
      continue;
    }
    log(`${workload.id} ${workload.title}`);
    try {
      const result = await workload.run(profile, reachable);
      rows.push(...result);
      for (const row of result) log(`  ${row.id}: ${isComparison(row) ? `ratio ${row.ratio.toFixed(3)}` : 'done'}`);
    } catch (err) {
      const error = redactSecrets(err instanceof Error ? (err.stack ?? err.message) : String(err));
      log(`${workload.id} failed: ${error}`);
      errors.push({ workload: workload.id, error });
    }
  }

  const wallSeconds = (performance.now() - started) / 1000;
  const report = {
    timestamp: new Date().toISOString(),
    quick: flags.quick,
    profile,
    command: `npm run bench${flags.quick ? ' -- --quick' : ''}`,
    wallSeconds: Math.round(wallSeconds * 10) / 10,
    machine,
    ...summarize(rows),
    skipped,
    errors,
    workloads: rows,
  };
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(new URL('./results/latest.json', import.meta.url), text);
  await writeFile(new URL(`./results/latest-${profile.name}.json`, import.meta.url), text);

  const table = formatTable(rows);
  if (flags.json) process.stdout.write(text);
  else process.stdout.write(`\n${table}\n\n`);
  const misses = rows.filter((row) => ('met' in row ? row.met === false : false));
  for (const row of misses) log(`target missed: ${row.id} ${row.title}`);
  log(`wrote bench/results/latest.json in ${wallSeconds.toFixed(1)} s`);
  if (errors.length > 0) return 1;
  if (skipped.length > 0 && process.env.CI) {
    log('CI is set and some servers were unreachable: failing');
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${redactSecrets(String(err instanceof Error ? (err.stack ?? err) : err))}\n`);
    process.exit(1);
  },
);
