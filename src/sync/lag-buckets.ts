/**
 * Upper bounds, in seconds, of the commit-to-applied lag histogram (the
 * OpenTelemetry latency buckets, extended to five minutes: a view behind a
 * stopped worker lags by minutes, not milliseconds).
 */
export const LAG_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 300,
];

/**
 * The stages of an event's way into a view that its timestamps can tell apart.
 * An event carries its commit time only, so `delivery` (commit to the
 * projector's fetch) covers the capture, the relay and the log together;
 * `apply` is fetch to applied in the view; `total` is commit to applied.
 */
export const LAG_STAGES = ['delivery', 'apply', 'total'] as const;
export type LagStage = (typeof LAG_STAGES)[number];

/** Counts per bucket (not cumulative; the last one is above the greatest bound), their sum and count. */
export interface LagBucketCounts {
  readonly counts: readonly number[];
  readonly sumSeconds: number;
  readonly count: number;
}

export const EMPTY_LAG: LagBucketCounts = {
  counts: LAG_BUCKETS_SECONDS.map(() => 0).concat(0),
  sumSeconds: 0,
  count: 0,
};

/** A histogram of lag samples over {@link LAG_BUCKETS_SECONDS}, counting since it was made. */
export class LagBuckets {
  readonly #counts = new Float64Array(LAG_BUCKETS_SECONDS.length + 1);
  #sum = 0;
  #count = 0;

  record(ms: number): void {
    const seconds = Math.max(0, ms) / 1000;
    let i = 0;
    while (i < LAG_BUCKETS_SECONDS.length && seconds > LAG_BUCKETS_SECONDS[i]!) i++;
    this.#counts[i]!++;
    this.#sum += seconds;
    this.#count++;
  }

  snapshot(): LagBucketCounts {
    return { counts: [...this.#counts], sumSeconds: this.#sum, count: this.#count };
  }
}

/** `a + sign * b`, bucket by bucket (a delta when sign is -1). */
export function addLag(a: LagBucketCounts, b: LagBucketCounts, sign: 1 | -1 = 1): LagBucketCounts {
  return {
    counts: a.counts.map((n, i) => n + sign * (b.counts[i] ?? 0)),
    sumSeconds: a.sumSeconds + sign * b.sumSeconds,
    count: a.count + sign * b.count,
  };
}
