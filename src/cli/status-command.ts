import type { ScheduledCheck } from '../checker/check-schedule.js';
import { redactSecrets } from '../errors/index.js';
import type { BackfillRecord } from '../sync/backfill/backfill-state.js';
import { BACKLOG_CAP } from '../sync/outbox-event-log.js';
import type { AnyPolystore } from './load-config.js';
import { seconds } from './progress-line.js';

/** `polystore status` exit codes (documented in its help and the README). */
export const STATUS_EXIT = { healthy: 0, unhealthy: 1, usage: 2, unreachable: 3 } as const;

/** Sagas counted as stuck, at most. */
const STUCK_CAP = 1000;

export interface StatusOptions {
  readonly json: boolean;
  readonly watch: boolean;
  /** A view lagging more than this is unhealthy (default 60). */
  readonly maxLagSeconds: string | undefined;
}

/**
 * Per view, durable facts only (read from the log and the home, and the
 * counters workers save there), so any process reports the same. Exit 0
 * when healthy; 1 when a view lags over `--max-lag-seconds`, holds dead
 * letters or failed its last check, or a saga is stuck; 3 when a store
 * cannot be reached (see main.ts). `--watch` refreshes every second until
 * Ctrl-C: redrawn in place on a terminal, a block of plain lines (or one
 * JSON object) per refresh otherwise.
 */
export async function statusCommand(db: AnyPolystore, options: StatusOptions): Promise<number> {
  const maxLagMs = parseMaxLag(options.maxLagSeconds);
  if (maxLagMs === null) {
    process.stderr.write('polystore: --max-lag-seconds must be a positive number\n');
    return STATUS_EXIT.usage;
  }
  const out = process.stdout;
  if (!options.watch) return print(await readStatus(db, maxLagMs), options.json, false);
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let code: number = STATUS_EXIT.healthy;
  try {
    while (!stopped) {
      const report = await readStatus(db, maxLagMs);
      if (out.isTTY && !options.json) out.write('\u001b[H\u001b[2J');
      code = print(report, options.json, !out.isTTY && !options.json);
      for (let waited = 0; waited < 1000 && !stopped; waited += 50) await sleep(50);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return code;
}

type StatusReport = Awaited<ReturnType<typeof readStatus>>;

async function readStatus(db: AnyPolystore, maxLagMs: number) {
  const now = Date.now();
  const [stats, counters, checks, checkpointTimes, stuck, replicas] = await Promise.all([
    db.sync.stats(),
    db.sync.viewStats(),
    db.lastChecks(),
    db.sync.checkpointTimes(),
    db.sagas.list({ states: ['stuck'], limit: STUCK_CAP }).then((sagas) => sagas.length),
    db.replicaViews(),
  ]);
  // Inspecting, this process keeps no replica: the views it would keep as one are not shown, the replicas are.
  const own = db.replicas;
  const notKept = (view: string) => own.replica !== null && !db.sync.running && view.endsWith(`__${own.replica}`);
  const backfills = new Map(stats.backfills.map((b) => [b.view, b]));
  const letters = new Map<string, number>();
  for (const letter of await db.sync.deadLetters())
    letters.set(letter.consumer, (letters.get(letter.consumer) ?? 0) + 1);
  const views = stats.views
    .filter(({ view }) => !notKept(view))
    .map(({ view, progress }) => {
      const caughtUp = progress.head === null || (progress.through !== null && progress.through >= progress.head);
      const backfill = backfills.get(view);
      // A view being filled from the home is never up to date, whatever its log position says.
      const state = backfill
        ? backfill.status === 'paused'
          ? 'backfill-paused'
          : 'backfilling'
        : caughtUp
          ? 'up-to-date'
          : 'behind';
      const generation = db.generations(view);
      const counted = counters.get(view);
      const acked = progress.updatedAt ?? checkpointTimes.get(view) ?? null;
      const lagMs = progress.oldestUnhandledAt === null ? 0 : Math.max(0, now - progress.oldestUnhandledAt);
      const lastCheck = checkSummary(checks.get(view) ?? null, now);
      const deadLetters = letters.get(view) ?? 0;
      const problems = [
        ...(lagMs > maxLagMs ? [`lag over ${seconds(maxLagMs)}`] : []),
        ...(deadLetters > 0 ? [`${deadLetters} dead letters`] : []),
        ...(lastCheck && !lastCheck.ok ? ['last check not ok'] : []),
      ];
      return {
        view,
        state: generation.building === null ? state : `rebuilding`,
        healthy: problems.length === 0,
        problems,
        generation,
        lastCheck,
        ...(backfill ? { backfill: backfillProgress(backfill, now) } : {}),
        applied: counted?.applied ?? 0,
        skipped: counted?.skipped ?? 0,
        deadLetters,
        lagP50Ms: counted?.lagP50Ms ?? null,
        lagP99Ms: counted?.lagP99Ms ?? null,
        through: progress.through,
        checkpoint: progress.through,
        backlog: progress.backlog,
        pending: progress.pending,
        lagMs,
        checkpointAgeMs: acked === null ? null : Math.max(0, now - acked),
        head: progress.head,
        progress,
      };
    });
  const capture = await db.sync.capture?.admin
    ?.status()
    .catch((err: unknown): Record<string, unknown> => ({ error: redactSecrets(String(err)) }));
  const healthy = views.every((v) => v.healthy) && stuck === 0;
  return {
    healthy,
    ...(capture ? { cdc: capture } : {}),
    head: stats.head,
    deadLetters: stats.deadLetters,
    stuckSagas: stuck,
    views,
    replicas: replicas.map(({ progress, ...replica }) => ({
      ...replica,
      through: progress.through,
      backlog: progress.backlog,
      lagMs: progress.oldestUnhandledAt === null ? 0 : Math.max(0, now - progress.oldestUnhandledAt),
    })),
  };
}

function print(report: StatusReport, json: boolean, stamped: boolean): number {
  const code = report.healthy ? STATUS_EXIT.healthy : STATUS_EXIT.unhealthy;
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return code;
  }
  const lines = report.views.map((v) => {
    const backlog = v.backlog === null ? '?' : v.backlog >= BACKLOG_CAP ? `${BACKLOG_CAP}+` : String(v.backlog);
    const age = v.checkpointAgeMs === null ? '' : `   checkpoint age ${seconds(v.checkpointAgeMs)}`;
    const filling = v.backfill
      ? `   backfill ${v.backfill.examined}/${v.backfill.total} (${v.backfill.percent}%) ${v.backfill.recordsPerSec}/s${v.backfill.etaMs === null ? '' : ` ETA ${seconds(v.backfill.etaMs)}`}`
      : '';
    const { active, building } = v.generation;
    const gen =
      active === 0 && building === null
        ? ''
        : `   generation ${active}${building === null ? '' : ` (building ${building})`}`;
    const checked = v.lastCheck
      ? `   last check ${seconds(v.lastCheck.ageMs)} ago: ${v.lastCheck.ok ? 'ok' : v.lastCheck.lagging ? 'lagging' : `drift ${(v.lastCheck.driftRatio * 100).toFixed(2)}%`}`
      : '';
    const percentiles = v.lagP50Ms === null ? '' : ` (p50 ${seconds(v.lagP50Ms)}, p99 ${seconds(v.lagP99Ms ?? 0)})`;
    const problems = v.healthy ? '' : `   UNHEALTHY: ${v.problems.join(', ')}`;
    return `${v.view.padEnd(20)} ${v.state.padEnd(15)}${filling}${gen}${checked} backlog ${backlog.padEnd(6)} lag ${seconds(v.lagMs).padEnd(8)}${percentiles} applied ${v.applied} through ${v.through ?? '-'}${age}${problems}`;
  });
  if (report.replicas.length > 0) lines.push('embedded views, by the process keeping each:');
  for (const r of report.replicas) {
    const who = r.replica === null ? 'no replica' : `replica ${r.replica}`;
    const backlog = r.backlog === null ? '?' : String(r.backlog);
    lines.push(
      `  ${r.view.padEnd(20)} ${who.padEnd(16)} ${r.host ?? '?'} pid ${r.pid ?? '?'}   ${r.alive ? 'alive' : `GONE (no renewal for ${seconds(r.renewedAgoMs)})`}   backlog ${backlog.padEnd(6)} lag ${seconds(r.lagMs)} through ${r.through ?? '-'}`,
    );
  }
  if (report.cdc) {
    const capture = report.cdc as { error?: string; exists?: boolean; retainedWalBytes?: number };
    const slot = capture.error ?? (capture.exists ? `retained WAL ${capture.retainedWalBytes} bytes` : 'missing');
    lines.push(`cdc slot: ${slot}`);
  }
  lines.push(
    `dead letters: ${report.deadLetters}   stuck sagas: ${report.stuckSagas}   outbox head: ${report.head ?? '-'}`,
  );
  if (stamped) lines.unshift(`-- ${new Date().toISOString()} ${report.healthy ? 'healthy' : 'UNHEALTHY'}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return code;
}

/** The last scheduled check of a view for `status` (null: none recorded). */
function checkSummary(last: ScheduledCheck | null, now: number) {
  if (!last) return null;
  const { ok, lagging, driftRatio, missing, stale, extra, changed, checked } = last.result;
  return { ageMs: Math.max(0, now - last.checkedAt), ok, lagging, driftRatio, missing, stale, extra, changed, checked };
}

/** A backfill's progress for `status`: how far, how fast, how long left (rows counted at its start). */
function backfillProgress(record: BackfillRecord, now: number) {
  const elapsed = Math.max(1, now - record.startedAt);
  const rate = (record.examined * 1000) / elapsed;
  const left = Math.max(0, record.total - record.examined);
  return {
    status: record.status,
    reason: record.reason,
    phase: record.phase,
    examined: record.examined,
    total: record.total,
    percent: record.total > 0 ? Math.min(100, Math.floor((record.examined / record.total) * 100)) : 0,
    recordsPerSec: Math.round(rate),
    etaMs: record.status === 'running' && rate > 0 ? Math.round((left / rate) * 1000) : null,
    owner: record.owner,
    error: record.error,
  };
}

function parseMaxLag(value: string | undefined): number | null {
  if (value === undefined) return 60_000;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n * 1000 : null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
