/** One value of a family: `suffix` names a histogram's `_bucket`, `_sum` or `_count` series. */
export interface Sample {
  readonly family: string;
  readonly suffix?: '_bucket' | '_sum' | '_count';
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Reads a group of figures at scrape time; `name` is its `store` label in `polystore_scrape_collector_up`. */
export interface Collector {
  readonly name: string;
  collect(): Promise<readonly Sample[]>;
}

/**
 * Runs every collector at once, each within `budgetMs`: a collector that
 * has not answered by then is left out of this scrape (`up` 0) and is not
 * started again while its call is still running, so a hung store costs one
 * budget per scrape and never piles calls up. Scrapes that arrive while one
 * is collecting share it.
 *
 * @example
 * const round = new ScrapeRound([{ name: 'home', collect: async () => [] }], 1000);
 * const byFamily = await round.samples();
 */
export class ScrapeRound {
  #current: Promise<Map<string, Sample[]>> | undefined;
  readonly #busy = new Set<string>();

  constructor(
    private readonly collectors: readonly Collector[],
    private readonly budgetMs: number,
  ) {}

  /** The samples of the scrape in progress (or a new one), grouped by family. */
  samples(): Promise<Map<string, Sample[]>> {
    this.#current ??= this.#collect().finally(() => {
      this.#current = undefined;
    });
    return this.#current;
  }

  async #collect(): Promise<Map<string, Sample[]>> {
    const results = await Promise.all(this.collectors.map((collector) => this.#run(collector)));
    const out = new Map<string, Sample[]>();
    for (const samples of results) {
      for (const sample of samples) {
        const list = out.get(sample.family);
        if (list) list.push(sample);
        else out.set(sample.family, [sample]);
      }
    }
    return out;
  }

  async #run(collector: Collector): Promise<readonly Sample[]> {
    const started = performance.now();
    let up = 0;
    let samples: readonly Sample[] = [];
    if (!this.#busy.has(collector.name)) {
      this.#busy.add(collector.name);
      const call = collector.collect().finally(() => this.#busy.delete(collector.name));
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.budgetMs);
      });
      try {
        const answer = await Promise.race([call, late]);
        if (answer !== undefined) {
          samples = answer;
          up = 1;
        } else {
          call.catch(() => undefined);
        }
      } catch {
        // A failing store is reported by `up` 0; its error would only repeat every scrape.
      } finally {
        clearTimeout(timer);
      }
    }
    const labels = { store: collector.name };
    return [
      ...samples,
      { family: 'polystore_scrape_collector_up', labels, value: up },
      {
        family: 'polystore_scrape_collector_duration_seconds',
        labels,
        value: (performance.now() - started) / 1000,
      },
    ];
  }
}
