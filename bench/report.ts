import type { CpuShare } from './cpu-window.js';
import { describeCpu } from './cpu-window.js';
import type { Interleaved } from './harness.js';
import type { SearchRun } from './p12-search.js';
import { round3, type Summary } from './stats.js';

export interface Target {
  readonly op: '>=' | '<=';
  readonly value: number;
}

/** One side of a comparison as reported. */
export interface SideReport {
  /** ops/s for throughput comparisons, p50 ms for latency ones. */
  readonly value: number;
  readonly opsPerSec: number;
  readonly latencyMs: Summary;
  readonly roundRates: readonly number[];
}

/** Our layer against the raw driver doing the same work, in the same run. */
export interface Comparison {
  readonly id: string;
  readonly title: string;
  /** `throughput`: ratio = ours/raw ops per second (higher is better). `latency`: ratio = ours/raw p50 (lower is better). */
  readonly metric: 'throughput' | 'latency';
  readonly ours: SideReport;
  readonly raw: SideReport;
  readonly ratio: number;
  /** For latency comparisons: ours p99 / raw p99. */
  readonly p99Ratio: number;
  readonly pairedRatioMedian: number;
  readonly target: Target | null;
  readonly met: boolean | null;
  readonly notes?: string;
}

/** A freshness measurement: commit to visible in one view. */
export interface Freshness {
  readonly id: string;
  readonly title: string;
  readonly mode: string;
  readonly view: string;
  readonly latencyMs: Summary;
  /**
   * The view store's own share, over the applies that started during the
   * load: how long each `applyIfNewer` call took and how many changes it carried.
   */
  readonly applies?: { readonly ms: Summary; readonly changes: Summary };
  /** Writes never seen in the view before the deadline. */
  readonly missing: number;
  /** The open-loop load the writes arrived at. */
  readonly load: {
    /** Closed-loop creates per second at concurrency 1, measured just before. */
    readonly maxRatePerSec: number;
    readonly offeredRatePerSec: number;
    readonly issued: number;
    /** p99 of how late creates started against their schedule. */
    readonly startLagP99Ms: number;
  };
  readonly target: Target;
  readonly met: boolean;
}

/** One view's share of a scale run. */
export interface ScaleView {
  readonly view: string;
  readonly events: number;
  readonly eventsPerSec: number;
  /** From the last write until the view had handled it. */
  readonly catchUpMs: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
}

/** A whole-system run at a data scale: how long after the last write every view has caught up. */
export interface ScaleRun {
  readonly id: string;
  readonly title: string;
  readonly kind: 'scale';
  readonly scale: number;
  readonly writes: number;
  readonly wallMs: number;
  readonly seedMs: number;
  /** From the last write until every view had handled it. */
  readonly catchUpMs: number;
  readonly peakRssMb: number;
  readonly views: readonly ScaleView[];
  readonly target: Target;
  readonly met: boolean;
}

/** One way of copying the records into Redis, measured over its rounds. */
export interface CopySide {
  /** Median of `roundRates`. */
  readonly recordsPerSec: number;
  readonly roundRates: readonly number[];
  /** Where the time went, in ms summed over the rounds (see BackfillBreakdown, RawCopy). */
  readonly breakdownMs: Readonly<Record<string, number>>;
}

/**
 * A backfill of a view while live writes run, against a raw copy of the same
 * records, and the live writes' freshness while each runs and while neither does.
 */
export interface BackfillRun {
  readonly id: string;
  readonly title: string;
  readonly kind: 'backfill';
  readonly records: number;
  readonly backfill: CopySide & {
    /** Records per chunk, and each chunk's time (from one saved chunk to the next). */
    readonly chunkSizes: Summary;
    readonly chunkMs: Summary;
    /** Home scans the backfills made (one per chunk read). */
    readonly scans: number;
  };
  readonly raw: CopySide & { readonly chunkSize: number };
  /** backfill records/s over raw records/s. */
  readonly rawRatio: number;
  readonly live: {
    /** Closed-loop updates per second at concurrency 1, measured before the rounds. */
    readonly maxRatePerSec: number;
    readonly offeredRatePerSec: number;
    readonly baseline: LiveFreshnessReport;
    readonly duringBackfill: LiveFreshnessReport;
    readonly duringRaw: LiveFreshnessReport;
  };
  /** Live p99 during the backfill over the baseline's, over all rounds. */
  readonly liveP99Ratio: number;
  /** The same ratio in each round (a check against one noisy phase). */
  readonly liveP99RatioPerRound: readonly number[];
  readonly targets: { readonly recordsPerSec: Target; readonly rawRatio: Target; readonly liveP99Ratio: Target };
  readonly metBy: { readonly recordsPerSec: boolean; readonly rawRatio: boolean; readonly liveP99Ratio: boolean };
  readonly met: boolean;
}

/** Commit-to-visible times of the live updates made during one kind of phase. */
export interface LiveFreshnessReport {
  readonly latencyMs: Summary;
  /** Writes never seen in the view before the deadline. */
  readonly missing: number;
  readonly issued: number;
  /** p99 of how late updates started against their schedule. */
  readonly startLagP99Ms: number;
  /** The process's event-loop delay (the worst p99 and max of the phase's runs): time the live path waited behind other work. */
  readonly loopDelayMs: { readonly p99: number; readonly max: number };
}

/** A check of a large view with no drift, against a raw version scan, then with one drifted id. */
export interface CheckRun {
  readonly id: string;
  readonly title: string;
  readonly kind: 'check';
  readonly records: number;
  /** Seeding the view through the store's apply path (what a projector or backfill does), and the home by `unnest` inserts. */
  readonly seedMs: { readonly home: number; readonly viewApply: number };
  /** The first `db.check()`, which builds the view's digests (one pass over its entries) and compares. */
  readonly firstCheckMs: number;
  /** `db.check()` of the view with no drift (by digests). */
  readonly checkMs: number;
  /** How that check compared the view: 'digest' or 'scan'. */
  readonly method: 'digest' | 'scan' | 'by-key';
  /** The same check listing the view whole (`scan: true`), as every check did before digests. */
  readonly scanCheckMs: number;
  /** `SELECT id, _version ... ORDER BY id` of the same table, through `pg`. */
  readonly rawScanMs: number;
  /** checkMs over rawScanMs. */
  readonly rawRatio: number;
  /** The check after one record's write never reached the view (its home row moved a version on), and whether it named that id. */
  readonly driftMs: number;
  readonly driftFound: boolean;
  /** Ids read from the home and the view to find it (the check's own count, every read). */
  readonly idsMoved: number;
  /** One view entry deleted behind the store: whether a digest check saw it, and the scan check that finds it. */
  readonly behindStore: { readonly digestFound: boolean; readonly scanFound: boolean; readonly scanMs: number };
  /** Parts of a digest check timed alone: the home's digests in SQL, the view's digests, the ids of one bucket. */
  readonly breakdownMs: { readonly homeDigests: number; readonly viewDigests: number; readonly bucketMembers: number };
  readonly targets: { readonly checkSeconds: Target; readonly idsMoved: Target };
  readonly metBy: { readonly checkSeconds: boolean; readonly idsMoved: boolean };
  readonly met: boolean;
}

/** Metrics scrapes of a worker with many views: how long one takes, and the longest event-loop block meanwhile. */
export interface ScrapeRun {
  readonly id: string;
  readonly title: string;
  readonly kind: 'scrape';
  readonly views: number;
  readonly scrapes: number;
  /** Size of one exposition. */
  readonly bodyBytes: number;
  readonly scrapeMs: Summary;
  /** `monitorEventLoopDelay` max over the scrapes, back to back. */
  readonly loopDelayMaxMs: number;
  /** The same over as long a time without scrapes: what blocks the loop anyway. */
  readonly idleLoopDelayMaxMs: number;
  /** CPU time of this process per scrape (user and system, every thread): a bound on what one scrape can block. */
  readonly cpuMsPerScrape: number;
  readonly targets: { readonly scrapeMs: Target; readonly loopDelayMs: Target };
  readonly metBy: { readonly scrapeMs: boolean; readonly loopDelayMs: boolean };
  readonly met: boolean;
}

/** One engine's side of P8: sagas per second (median of its rounds) and each saga's latency, start to completion. */
export interface SagaSide {
  readonly sagasPerSec: number;
  readonly roundRates: readonly number[];
  readonly latencyMs: Summary;
}

/** The order saga through Polystore's runner, and (on PostgreSQL) the same steps as a DBOS Transact workflow. */
export interface SagaRun {
  readonly id: string;
  readonly title: string;
  readonly kind: 'saga';
  readonly engine: 'postgres' | 'pglite';
  /** Sagas in flight (closed loop). */
  readonly concurrency: number;
  readonly sagasPerRound: number;
  readonly ours: SagaSide;
  /** Null where DBOS does not run (PGlite). */
  readonly dbos: SagaSide | null;
  /** Each saga's latency with no other in flight (concurrency 1): its steps' time without queueing. */
  readonly alone: { readonly ours: Summary; readonly dbos: Summary | null };
  /** Ours over DBOS's sagas per second (higher is better). */
  readonly dbosRatio: number | null;
  /** The median of the per-round-pair ratios. */
  readonly pairedRatioMedian: number | null;
  readonly targets: {
    readonly p50Ms: Target;
    readonly p99Ms: Target;
    readonly sagasPerSec: Target;
    readonly dbosRatio: Target;
  } | null;
  readonly metBy: {
    readonly p50Ms: boolean;
    readonly p99Ms: boolean;
    readonly sagasPerSec: boolean;
    readonly dbosRatio: boolean;
  } | null;
  readonly met: boolean | null;
}

/**
 * P10: a rate reached with `processes` processes doing the work: replicas
 * answering a client's queries, or workers projecting one log into one view.
 */
export interface ScaleOutRun {
  readonly id: string;
  readonly title: string;
  readonly kind: 'scale-out';
  readonly part: 'replicas' | 'workers';
  /** Replica or worker processes; 0 for the baseline, the same queries in the one process holding the views. */
  readonly processes: number;
  readonly unit: 'queries/s' | 'events/s';
  /** The median of `roundRates`. */
  readonly rate: number;
  readonly roundRates: readonly number[];
  /** Each query's latency, over every round; null where a round is one bulk measurement (workers). */
  readonly latencyMs: Summary | null;
  /** Median latency of each kind of query. */
  readonly byKindP50Ms?: Readonly<Record<string, number>>;
  /** Events each worker applied (workers, last round). */
  readonly perProcess?: readonly number[];
  /** Where the CPU went during the last measured round; `children` are the replicas or workers. */
  readonly cpu: CpuShare;
  /** The same for every round, in the order of `roundRates`. */
  readonly roundCpu: readonly CpuShare[];
  /** CPU time per query or event of that round, machine-wide less other work (bench, children, servers), in ms. */
  readonly cpuPerOpMs: number | null;
  /** Overload of one replica (graph queries only): what the window cost the replica in requests. */
  readonly overload?: OverloadShare;
}

/** P10 overload: one replica, `inFlight` queries in flight, for one window. */
export interface OverloadShare {
  readonly inFlight: number;
  /** Requests the replica took during the window (`db.replicas.requests`), and per answer the client got. */
  readonly requests: number;
  readonly requestsPerAnswer: number;
  /** The longest event-loop stall of each process during the window, in ms: heartbeats run late by as much. */
  readonly loopDelayMaxMs: { readonly client: number; readonly replica: number };
}

/** P10: one scale-out rate over another (higher is better), and what the CPU shares measured during the larger run show. */
export interface ScaleOutRatio {
  readonly id: string;
  readonly title: string;
  readonly kind: 'scale-out-ratio';
  /** Ids of the two ScaleOutRuns: `value` = rate of `of` / rate of `over`. */
  readonly of: string;
  readonly over: string;
  readonly value: number;
  /** The same ratio per round pair, where there are several rounds. */
  readonly roundRatios: readonly number[];
  readonly bottleneck: string;
  /**
   * The most `of` could reach over `over` if every query or event kept
   * costing the CPU it did in `over`: the machine's cores over the cores
   * `over` kept busy (other work left out). Null where unmeasured.
   */
  readonly cpuCeiling: number | null;
  readonly target: Target | null;
  readonly met: boolean | null;
}

export type ResultRow =
  | Comparison
  | Freshness
  | ScaleRun
  | BackfillRun
  | CheckRun
  | ScrapeRun
  | SagaRun
  | SearchRun
  | ScaleOutRun
  | ScaleOutRatio;

export function compare(
  id: string,
  title: string,
  metric: Comparison['metric'],
  result: Interleaved,
  target: Target | null,
  notes?: string,
): Comparison {
  const side = (s: Interleaved['ours']): SideReport => ({
    value: metric === 'throughput' ? s.opsPerSec : s.latencyMs.p50,
    opsPerSec: s.opsPerSec,
    latencyMs: s.latencyMs,
    roundRates: s.roundRates,
  });
  const ours = side(result.ours);
  const raw = side(result.raw);
  const ratio = ours.value / raw.value;
  const sortedPairs = [...result.pairedRatios].sort((a, b) => a - b);
  return {
    id,
    title,
    metric,
    ours,
    raw,
    ratio,
    p99Ratio: result.ours.latencyMs.p99 / result.raw.latencyMs.p99,
    pairedRatioMedian: sortedPairs[Math.floor(sortedPairs.length / 2)] ?? Number.NaN,
    target,
    met: target === null ? null : meets(ratio, target),
    ...(notes ? { notes } : {}),
  };
}

export function meets(value: number, target: Target): boolean {
  return target.op === '>=' ? value >= target.value : value <= target.value;
}

export function isComparison(row: ResultRow): row is Comparison {
  return 'ratio' in row;
}

export function isBackfillRun(row: ResultRow): row is BackfillRun {
  return 'kind' in row && row.kind === 'backfill';
}

export function isCheckRun(row: ResultRow): row is CheckRun {
  return 'kind' in row && row.kind === 'check';
}

export function isScrapeRun(row: ResultRow): row is ScrapeRun {
  return 'kind' in row && row.kind === 'scrape';
}

export function isSagaRun(row: ResultRow): row is SagaRun {
  return 'kind' in row && row.kind === 'saga';
}

export function isSearchRun(row: ResultRow): row is SearchRun {
  return 'kind' in row && row.kind === 'search';
}

export function isScaleOutRun(row: ResultRow): row is ScaleOutRun {
  return 'kind' in row && row.kind === 'scale-out';
}

export function isScaleOutRatio(row: ResultRow): row is ScaleOutRatio {
  return 'kind' in row && row.kind === 'scale-out-ratio';
}

export function isScaleRun(row: ResultRow): row is ScaleRun {
  return 'kind' in row && row.kind === 'scale';
}

export function isFreshness(row: ResultRow): row is Freshness {
  return !isComparison(row) && !('kind' in row);
}

/** The stdout table: workload, ours, raw, ratio, target, met. */
export function formatTable(rows: readonly ResultRow[]): string {
  const header = ['workload', 'ours', 'raw', 'ratio', 'target', 'met'];
  const lines = rows.map((row) => {
    if (isComparison(row)) {
      return [
        `${row.id} ${row.title}`,
        describeSide(row.metric, row.ours),
        describeSide(row.metric, row.raw),
        row.metric === 'latency'
          ? `${fmt(row.ratio)}x (p99 ${fmt(row.p99Ratio)}x)`
          : `${fmt(row.ratio)} (pairs ${fmt(row.pairedRatioMedian)})`,
        row.target ? `${row.target.op} ${row.target.value}` : '-',
        row.met === null ? '-' : row.met ? 'yes' : 'MISSED',
      ];
    }
    if (isScaleRun(row)) {
      return [
        `${row.id} ${row.title}`,
        `caught up ${fmt(row.catchUpMs)} ms after the last of ${row.writes} writes; wall ${fmt(row.wallMs / 1000)} s, seed ${fmt(row.seedMs / 1000)} s, peak RSS ${fmt(row.peakRssMb)} MB`,
        '-',
        '-',
        `${row.target.op} ${row.target.value} ms`,
        row.met ? 'yes' : 'MISSED',
      ];
    }
    if (isScaleOutRun(row)) {
      const l = row.latencyMs;
      const kinds = Object.entries(row.byKindP50Ms ?? {})
        .map(([kind, ms]) => `${kind} ${fmt(ms)}`)
        .join(', ');
      return [
        `${row.id} ${row.title}`,
        `${fmt(row.rate)} ${row.unit}${l ? `, p50 ${fmt(l.p50)} p99 ${fmt(l.p99)} ms` : ''}${kinds ? ` (p50 ${kinds} ms)` : ''}${row.perProcess ? ` (applied ${row.perProcess.join(' + ')})` : ''}${row.overload ? `; ${describeOverload(row.overload)}` : ''}; ${describeCpu(row.cpu, row.part)}`,
        '-',
        '-',
        '-',
        '-',
      ];
    }
    if (isScaleOutRatio(row)) {
      return [
        `${row.id} ${row.title}`,
        row.bottleneck,
        '-',
        `${fmt(row.value)}${row.roundRatios.length > 1 ? ` (rounds ${row.roundRatios.map(fmt).join(', ')})` : ''}`,
        row.target ? `${row.target.op} ${row.target.value}` : '-',
        row.met === null ? '-' : row.met ? 'yes' : 'MISSED',
      ];
    }
    if (isSearchRun(row)) {
      const side = (s: SearchRun['sides'][number]) =>
        `${s.store}: p50 ${fmt(s.latencyMs.p50)} p99 ${fmt(s.latencyMs.p99)} ms, ${s.allTermsTop10}/10 hits with every term (${s.allTermsTop10Filtered} with the filter)`;
      return [`${row.id} ${row.title}`, row.sides.map(side).join('; '), '-', '-', '-', '-'];
    }
    if (isCheckRun(row)) {
      const mark = (met: boolean) => (met ? '' : ' MISSED');
      return [
        `${row.id} ${row.title}`,
        `${fmt(row.checkMs / 1000)} s by ${row.method}${mark(row.metBy.checkSeconds)} (alone: home digests ${fmt(row.breakdownMs.homeDigests / 1000)} s, view digests ${fmt(row.breakdownMs.viewDigests / 1000)} s, one bucket's ids ${fmt(row.breakdownMs.bucketMembers / 1000)} s; by scan ${fmt(row.scanCheckMs / 1000)} s; first check with digest build ${fmt(row.firstCheckMs / 1000)} s); one drifted id ${row.driftFound ? 'found' : 'NOT found'} in ${fmt(row.driftMs / 1000)} s, ${row.idsMoved} ids moved${mark(row.metBy.idsMoved)}; an entry deleted behind the store: digests ${row.behindStore.digestFound ? 'saw it' : 'did not see it'}, scan ${row.behindStore.scanFound ? 'found it' : 'did NOT find it'}`,
        `${fmt(row.rawScanMs / 1000)} s`,
        `${fmt(row.rawRatio)}x the raw scan`,
        `${row.targets.checkSeconds.op} ${row.targets.checkSeconds.value} s, ${row.targets.idsMoved.op} ${row.targets.idsMoved.value} ids`,
        row.met ? 'yes' : 'MISSED',
      ];
    }
    if (isScrapeRun(row)) {
      const mark = (met: boolean) => (met ? '' : ' MISSED');
      return [
        `${row.id} ${row.title}`,
        `p50 ${fmt(row.scrapeMs.p50)} p99 ${fmt(row.scrapeMs.p99)} max ${fmt(row.scrapeMs.max)} ms${mark(row.metBy.scrapeMs)} (${row.scrapes} scrapes, ${row.bodyBytes} bytes); event loop blocked at most ${fmt(row.loopDelayMaxMs)} ms${mark(row.metBy.loopDelayMs)} (${fmt(row.idleLoopDelayMaxMs)} ms without scrapes); ${fmt(row.cpuMsPerScrape)} ms CPU a scrape`,
        '-',
        '-',
        `p50 ${row.targets.scrapeMs.op} ${row.targets.scrapeMs.value} ms, loop ${row.targets.loopDelayMs.op} ${row.targets.loopDelayMs.value} ms`,
        row.met ? 'yes' : 'MISSED',
      ];
    }
    if (isSagaRun(row)) {
      const side = (s: SagaSide, alone: Summary) =>
        `${fmt(s.sagasPerSec)} sagas/s, p50 ${fmt(s.latencyMs.p50)} p99 ${fmt(s.latencyMs.p99)} ms; alone p50 ${fmt(alone.p50)} ms`;
      const t = row.targets;
      return [
        `${row.id} ${row.title}`,
        side(row.ours, row.alone.ours),
        row.dbos && row.alone.dbos ? `DBOS ${side(row.dbos, row.alone.dbos)}` : '-',
        row.dbosRatio === null ? '-' : `${fmt(row.dbosRatio)} (pairs ${fmt(row.pairedRatioMedian ?? Number.NaN)})`,
        t
          ? `p50 ${t.p50Ms.op} ${t.p50Ms.value} ms, p99 ${t.p99Ms.op} ${t.p99Ms.value} ms, ${t.sagasPerSec.op} ${t.sagasPerSec.value}/s, ratio ${t.dbosRatio.op} ${t.dbosRatio.value}`
          : '-',
        row.met === null
          ? '-'
          : row.met
            ? 'yes'
            : `MISSED (${Object.entries(row.metBy ?? {})
                .filter(([, met]) => !met)
                .map(([name]) => name)
                .join(', ')})`,
      ];
    }
    if (isBackfillRun(row)) {
      const { baseline, duringBackfill } = row.live;
      const mark = (met: boolean) => (met ? '' : ' MISSED');
      return [
        `${row.id} ${row.title}`,
        `${fmt(row.backfill.recordsPerSec)} records/s${mark(row.metBy.recordsPerSec)}; live p50 ${fmt(duringBackfill.latencyMs.p50)} p99 ${fmt(duringBackfill.latencyMs.p99)} ms`,
        `${fmt(row.raw.recordsPerSec)} records/s; live without a copy p50 ${fmt(baseline.latencyMs.p50)} p99 ${fmt(baseline.latencyMs.p99)} ms`,
        `${fmt(row.rawRatio)}${mark(row.metBy.rawRatio)}; live p99 ${fmt(row.liveP99Ratio)}x${mark(row.metBy.liveP99Ratio)}`,
        `${row.targets.recordsPerSec.op} ${row.targets.recordsPerSec.value}/s, ${row.targets.rawRatio.op} ${row.targets.rawRatio.value}, p99 ${row.targets.liveP99Ratio.op} ${row.targets.liveP99Ratio.value}x`,
        row.met ? 'yes' : 'MISSED',
      ];
    }
    const l = row.latencyMs;
    return [
      `${row.id} ${row.title}`,
      `p50 ${fmt(l.p50)} p99 ${fmt(l.p99)} max ${fmt(l.max)} ms (n ${l.n}${row.missing ? `, ${row.missing} missing` : ''})`,
      row.applies
        ? `apply p50 ${fmt(row.applies.ms.p50)} p99 ${fmt(row.applies.ms.p99)} ms, ${fmt(row.applies.changes.p50)} changes`
        : '-',
      '-',
      `p99 ${row.target.op} ${row.target.value} ms`,
      row.met ? 'yes' : 'MISSED',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const render = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ');
  return [render(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...lines.map(render)].join('\n');
}

function describeOverload(o: OverloadShare): string {
  const stalls = `longest loop stall ${fmt(o.loopDelayMaxMs.client)} ms client, ${fmt(o.loopDelayMaxMs.replica)} ms replica`;
  return `${o.requests} requests taken, ${fmt(o.requestsPerAnswer)} per answer; ${stalls}`;
}

function describeSide(metric: Comparison['metric'], side: SideReport): string {
  const l = side.latencyMs;
  const lat = `p50 ${fmt(l.p50)} p99 ${fmt(l.p99)} ms`;
  return metric === 'throughput' ? `${fmt(side.opsPerSec)}/s ${lat}` : lat;
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const r = round3(value);
  return Math.abs(r) >= 10_000 ? `${round3(r / 1000)}k` : String(r);
}
