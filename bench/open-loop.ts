import { type Summary, summarize } from './stats.js';

export interface OpenLoopResult {
  readonly issued: number;
  readonly elapsedMs: number;
  /** How late each operation started against its schedule (timer granularity, a busy event loop). */
  readonly startLagMs: Summary;
}

/**
 * Starts `op(i)` at fixed intervals for `durationMs` (open loop: the next
 * operation never waits for the previous one), then waits for all of them.
 * Operations whose time has come while the loop slept start together.
 * `stop` ends the schedule early (a load that lasts as long as some other work).
 */
export async function openLoop(
  ratePerSec: number,
  durationMs: number,
  op: (index: number) => Promise<unknown>,
  stop?: AbortSignal,
): Promise<OpenLoopResult> {
  const interval = 1000 / ratePerSec;
  const total = Math.max(1, Math.floor(durationMs / interval));
  const startLag: number[] = [];
  const pending: Promise<unknown>[] = [];
  const t0 = performance.now();
  let next = 0;
  while (next < total && !stop?.aborted) {
    const now = performance.now();
    for (; next < total && t0 + next * interval <= now; next++) {
      startLag.push(now - (t0 + next * interval));
      pending.push(op(next));
    }
    const wait = t0 + next * interval - performance.now();
    if (next < total && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await Promise.all(pending);
  return { issued: next, elapsedMs: performance.now() - t0, startLagMs: summarize(startLag) };
}
