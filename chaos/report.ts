import type { FaultEvent } from './faults.js';
import { DUPLICATE_P } from './faulty-log.js';
import type { OrderReport } from './order-check.js';
import { type Profile, restartsServers } from './profile.js';
import type { RaceLedger } from './racer.js';
import type { SagaVerdict } from './saga-check.js';
import type { ServerName } from './servers.js';
import type { Verdict } from './verifier.js';
import type { Ledger } from './workload.js';
import type { WriterStats } from './writer.js';

export interface RunSummary {
  readonly profile: Profile;
  readonly seed: number;
  readonly runId: string;
  readonly elapsedMs: number;
  readonly ledger: Ledger;
  readonly races: RaceLedger;
  /** Whether `db.transaction` existed, so the workload wrote multi-entity transactions. */
  readonly transactions: boolean;
  readonly writer: WriterStats;
  readonly writerMismatches: readonly string[];
  readonly faults: readonly FaultEvent[];
  readonly kills: number;
  readonly incarnations: number;
  /** Worker exits nobody asked for (a crash of the worker itself). */
  readonly workerCrashes: number;
  readonly restarts: Readonly<Record<ServerName, number>>;
  readonly downtimeMs: Readonly<Record<ServerName, number>>;
  readonly duplicates: number;
  readonly caughtUp: boolean;
  readonly closedCleanly: boolean;
  readonly verdict: Verdict;
  readonly order: OrderReport;
  readonly sagas: SagaVerdict;
  /** Whether every saga left running or compensating ended before the worker stopped. */
  readonly sagasEnded: boolean;
}

export interface Totals {
  readonly lost: number;
  readonly divergent: number;
  readonly outOfOrder: number;
  readonly dlq: number;
  readonly sagasOpen: number;
  readonly doubleEffects: number;
  readonly passed: boolean;
}

/** The run's outcome: every count that must be zero, and whether the DLQ holds exactly the poison events. */
export function totals(run: RunSummary): Totals {
  const views = Object.values(run.verdict.views);
  const { home, races } = run.verdict;
  const lost = home.lost + races.lost + views.reduce((n, v) => n + v.lost, 0);
  const divergent =
    home.divergent + races.divergent + views.reduce((n, v) => n + v.divergent, 0) + run.writer.versionMismatches;
  const outOfOrder = run.order.outOfOrder;
  const dlq = run.verdict.dlq.count;
  const sagasOpen = run.sagas.open;
  const doubleEffects = run.sagas.doubleEffects;
  return {
    lost,
    divergent,
    outOfOrder,
    dlq,
    sagasOpen,
    doubleEffects,
    passed:
      lost === 0 &&
      divergent === 0 &&
      outOfOrder === 0 &&
      run.verdict.dlq.exact &&
      sagasOpen === 0 &&
      doubleEffects === 0 &&
      run.sagas.unbalanced === 0,
  };
}

/** The report lines; the last one is exactly `lost=<n> divergent=<n> out_of_order=<n> dlq=<n> sagas_open=<n> double_effects=<n>`. */
export function formatReport(run: RunSummary): string[] {
  const t = totals(run);
  const { ledger, writer, verdict, order } = run;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const row = (label: string, text: string) => `  ${label.padEnd(13)}${text}`;
  const { counts } = ledger;
  const restarts = Object.entries(run.restarts).map(
    ([name, n]) => `${name} ${n} (${seconds(run.downtimeMs[name as ServerName])} down)`,
  );
  const lines = [
    `chaos ${run.profile.name}: seed ${run.seed}, run ${run.runId}, elapsed ${seconds(run.elapsedMs)}`,
    row(
      'writes',
      `${ledger.committed} committed by ${run.profile.lanes} lanes: ${counts.create} creates (${counts.poison} poison), ` +
        `${counts.update} updates, ${counts.delete} deletes; ${verdict.liveRecords} live records at the end`,
    ),
    row(
      'batches',
      `${counts.batches} createMany of ${counts.batched} records; ` +
        (run.transactions
          ? `${counts.transactions} transactions (an item and a note each)`
          : 'no transactions (db.transaction does not exist in this build)'),
    ),
    row(
      'races',
      `${run.races.groups} groups on ${run.races.keys.size} shared ids: ${run.races.count('acked')} acknowledged, ` +
        `${run.races.count('refused')} refused, ${run.races.count('unknown')} unknown, ${run.races.count('unexpected')} unexpected errors; ` +
        `${verdict.races.lost} lost, ${verdict.races.divergent} divergent`,
    ),
    row(
      'outcomes',
      `${writer.unknownOutcomes} unknown after a failure: ${writer.committedAfterAll} had committed, ${writer.retried} repeated`,
    ),
    row(
      'worker',
      `${run.kills} SIGKILLs, ${run.incarnations} incarnations (spares included), ${run.workerCrashes} crashes of its own; ` +
        `${run.caughtUp ? 'caught up' : 'did NOT catch up'}, final stop ${run.closedCleanly ? 'clean' : 'NOT clean'}`,
    ),
    row(
      'servers',
      restartsServers(run.profile) ? `restarts: ${restarts.join(', ')}` : 'none restarted (--no-restarts)',
    ),
    row('deliveries', `${run.duplicates} events delivered again (p = ${DUPLICATE_P} per fetch; every batch reordered)`),
    ...run.faults.map((f) => `${' '.repeat(15)}+${seconds(f.atMs).padStart(7)}  ${f.what}, took ${seconds(f.tookMs)}`),
    row(
      'home',
      `${verdict.home.lost} lost, ${verdict.home.divergent} divergent against the ledger of committed writes; ` +
        `${writer.versionMismatches} version mismatches while writing`,
    ),
    ...Object.entries(verdict.views).map(([view, v]) =>
      row(view, `${v.held} live entries, ${v.lost} lost, ${v.divergent} divergent`),
    ),
    row(
      'order',
      `${order.observations} held versions recorded over ${order.incarnations} incarnations, ${order.resets} view resets, ` +
        `${order.busyKeys} keys seen at 3+ versions; ${order.outOfOrder} out of order`,
    ),
    row(
      'sagas',
      `${run.sagas.started} order sagas started: ${run.sagas.completed} completed, ${run.sagas.compensated} compensated, ` +
        `${run.sagas.open} open${run.sagasEnded ? '' : ' (did NOT all end in time)'}; ${run.sagas.doubleEffects} double effects, ` +
        `${run.sagas.unbalanced} unbalanced against the home`,
    ),
    row(
      'dlq',
      `${verdict.dlq.count} dead letters for ${counts.poison} poison events: ` +
        `${verdict.dlq.exact ? 'exactly the poison events' : 'NOT exactly the poison events'}`,
    ),
  ];
  const samples = [
    ...run.writerMismatches,
    ...verdict.home.samples,
    ...verdict.races.samples,
    ...Object.values(verdict.views).flatMap((v) => v.samples),
    ...order.samples,
    ...verdict.dlq.samples,
    ...run.sagas.samples,
  ];
  if (samples.length > 0) lines.push(row('samples', ''), ...samples.slice(0, 30).map((s) => `    ${s}`));
  lines.push(
    `lost=${t.lost} divergent=${t.divergent} out_of_order=${t.outOfOrder} dlq=${t.dlq} ` +
      `sagas_open=${t.sagasOpen} double_effects=${t.doubleEffects}`,
  );
  return lines;
}
