import type { EntityClient } from '../src/index.js';
import { sleep } from './bench-env.js';
import type { BenchItem } from './bench-model.js';
import { closedLoop } from './harness.js';
import { type OpenLoopResult, openLoop } from './open-loop.js';
import type { LiveFreshnessReport } from './report.js';
import { summarize } from './stats.js';
import type { VisibilityRecorder } from './visibility-recorder.js';

/** A committed update: which version of which key, and when `update()` resolved. */
export interface CommittedWrite {
  readonly key: string;
  readonly version: number;
  readonly at: number;
}

/** A prime: the walk visits every id once per round as long as it does not divide the number of ids. */
const STRIDE = 7919;
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Updates of seeded records, each remembered with its commit time and the
 * version it made, so that freshness is measured on keys the view already
 * holds. Ids are walked with a prime stride: no id is written twice within
 * `ids.length` writes, so no update hides an earlier one the projector would
 * skip as superseded.
 */
export class LiveUpdates {
  #serial = 0;

  constructor(
    private readonly client: EntityClient<BenchItem>,
    private readonly ids: readonly string[],
  ) {
    if (ids.length % STRIDE === 0) throw new Error(`LiveUpdates: ${ids.length} ids would repeat within a round`);
  }

  /** Closed-loop updates at concurrency 1 for `ms`: the maximum write rate (per second). */
  async probeRate(ms: number, committed: CommittedWrite[]): Promise<number> {
    const started = performance.now();
    let ops = 0;
    while (performance.now() - started < ms) {
      await closedLoop(20, 1, () => this.write(committed));
      ops += 20;
    }
    return (ops * 1000) / (performance.now() - started);
  }

  /** Updates at `ratePerSec` until `stop` aborts (or `maxMs` passes). */
  async load(
    ratePerSec: number,
    maxMs: number,
    stop: AbortSignal,
    committed: CommittedWrite[],
  ): Promise<OpenLoopResult> {
    return openLoop(ratePerSec, maxMs, () => this.write(committed), stop);
  }

  async write(committed: CommittedWrite[]): Promise<void> {
    const serial = this.#serial++;
    const key = this.ids[(serial * STRIDE) % this.ids.length]!;
    const written = await this.client.update(key, { price: serial % 10_000 });
    committed.push({ key, version: written.$version, at: performance.now() });
  }
}

/** Waits until every write is visible in the view (or the deadline passes); returns how many never showed up. */
export async function untilVisible(
  recorder: VisibilityRecorder,
  committed: readonly CommittedWrite[],
  timeoutMs = DRAIN_TIMEOUT_MS,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const missing = committed.filter((w) => recorder.visibleAt(w.key, w.version) === undefined).length;
    if (missing === 0 || performance.now() > deadline) return missing;
    await sleep(20);
  }
}

/** Commit-to-visible times of writes made under some loads (every write already waited for with `untilVisible`). */
export function freshnessOf(
  recorder: VisibilityRecorder,
  committed: readonly CommittedWrite[],
  loads: readonly OpenLoopResult[],
): Omit<LiveFreshnessReport, 'loopDelayMs'> {
  const latencies: number[] = [];
  for (const w of committed) {
    const visible = recorder.visibleAt(w.key, w.version);
    if (visible !== undefined) latencies.push(visible - w.at);
  }
  return {
    latencyMs: summarize(latencies),
    missing: committed.length - latencies.length,
    issued: loads.reduce((sum, load) => sum + load.issued, 0),
    startLagP99Ms: loads.length === 0 ? Number.NaN : Math.max(...loads.map((load) => load.startLagMs.p99)),
  };
}
