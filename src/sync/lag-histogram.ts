/**
 * Commit-to-apply lag samples with exact percentiles over a bounded window
 * (the newest `capacity` samples).
 */
export class LagHistogram {
  readonly #samples: Float64Array;
  #count = 0;
  #next = 0;

  constructor(capacity = 50_000) {
    this.#samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.#samples[this.#next] = Math.max(0, ms);
    this.#next = (this.#next + 1) % this.#samples.length;
    this.#count = Math.min(this.#count + 1, this.#samples.length);
  }

  get count(): number {
    return this.#count;
  }

  /** The p-th percentile (0..100) by nearest rank; 0 when empty. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const sorted = this.#samples.slice(0, this.#count).sort();
    const rank = Math.min(this.#count - 1, Math.max(0, Math.ceil((p / 100) * this.#count) - 1));
    return sorted[rank]!;
  }
}
