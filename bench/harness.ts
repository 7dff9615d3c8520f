import { median, type Summary, summarize } from './stats.js';

/** What one side did in one round: how many operations, how long the round took, each operation's latency. */
export interface RoundSample {
  readonly ops: number;
  readonly elapsedMs: number;
  /** Per-operation latencies in ms (empty when the round is one bulk operation). */
  readonly latenciesMs: readonly number[];
}

/** One side's work for one round; `round` is negative during warm-up, so keys can stay unique per round. */
export type RoundFn = (round: number) => Promise<RoundSample>;

export interface SideStats {
  /** Operations per second of each measured round. */
  readonly roundRates: readonly number[];
  /** Median of `roundRates`. */
  readonly opsPerSec: number;
  /** Every measured operation's latency, in ms. */
  readonly latencyMs: Summary;
}

export interface Interleaved {
  readonly ours: SideStats;
  readonly raw: SideStats;
  /** ours/raw throughput of each round pair (a drift-resistant view of the ratio). */
  readonly pairedRatios: readonly number[];
}

/** Round pairs measured even when the budget has run out. */
export const MIN_ROUNDS = 3;

export interface InterleaveOptions {
  readonly warmupRounds: number;
  readonly rounds: number;
  /**
   * Stops measuring once this much time has passed (warm-up included) and at
   * least `MIN_ROUNDS` pairs are measured: a loaded machine gets fewer rounds,
   * not a longer run.
   */
  readonly budgetMs?: number;
  readonly ours: RoundFn;
  readonly raw: RoundFn;
  /** Runs after each round pair, untimed (cleanup, resets). */
  readonly between?: (round: number) => Promise<void>;
}

/**
 * Runs both sides in alternating rounds after a warm-up: A B, B A, A B, ... so
 * neither side always goes first (server caches, autovacuum and GC pauses fall
 * on both alike). Each round of a side does the same work as the other's.
 */
export async function interleave(options: InterleaveOptions): Promise<Interleaved> {
  const ours: RoundSample[] = [];
  const raw: RoundSample[] = [];
  const deadline = performance.now() + (options.budgetMs ?? Number.POSITIVE_INFINITY);
  for (let i = -options.warmupRounds; i < options.rounds; i++) {
    if (i >= MIN_ROUNDS && performance.now() > deadline) break;
    const oursFirst = (i + options.warmupRounds) % 2 === 0;
    const pair = oursFirst
      ? { a: await options.ours(i), b: await options.raw(i) }
      : { b: await options.raw(i), a: await options.ours(i) };
    if (i >= 0) {
      ours.push(pair.a);
      raw.push(pair.b);
    }
    await options.between?.(i);
  }
  const oursStats = sideStats(ours);
  const rawStats = sideStats(raw);
  return {
    ours: oursStats,
    raw: rawStats,
    pairedRatios: oursStats.roundRates.map((rate, i) => rate / rawStats.roundRates[i]!),
  };
}

function sideStats(samples: readonly RoundSample[]): SideStats {
  const roundRates = samples.map((s) => (s.ops * 1000) / s.elapsedMs);
  return {
    roundRates,
    opsPerSec: median(roundRates),
    latencyMs: summarize(samples.flatMap((s) => s.latenciesMs)),
  };
}

/**
 * Runs `ops` operations with `concurrency` workers, each starting the next as
 * soon as its previous one finished (closed loop), timing every operation.
 */
export async function closedLoop(
  ops: number,
  concurrency: number,
  op: (index: number) => Promise<unknown>,
): Promise<RoundSample> {
  const latenciesMs: number[] = new Array(ops);
  let next = 0;
  const worker = async () => {
    while (next < ops) {
      const index = next++;
      const started = performance.now();
      await op(index);
      latenciesMs[index] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, ops) }, worker));
  return { ops, elapsedMs: performance.now() - started, latenciesMs };
}

/** Times one bulk operation that does `ops` units of work. */
export async function timed(ops: number, fn: () => Promise<unknown>): Promise<RoundSample> {
  const started = performance.now();
  await fn();
  const elapsedMs = performance.now() - started;
  return { ops, elapsedMs, latenciesMs: [elapsedMs] };
}

/**
 * Runs operations with `concurrency` workers in a closed loop for
 * `durationMs`: each worker starts the next as soon as its previous one
 * finished, until the time is up (operations in flight then are finished and
 * counted). `latenciesMs[i]` is operation `i`'s latency, in the order started.
 */
export async function closedLoopFor(
  durationMs: number,
  concurrency: number,
  op: (index: number) => Promise<unknown>,
): Promise<RoundSample> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const until = started + durationMs;
  const worker = async () => {
    while (performance.now() < until) {
      const index = next++;
      const began = performance.now();
      await op(index);
      latenciesMs[index] = performance.now() - began;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ops: next, elapsedMs: performance.now() - started, latenciesMs };
}
