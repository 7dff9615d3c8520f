import type { MetricFamily } from './metric-families.js';
import type { ScrapeRound } from './scrape-round.js';

/** The value list prom-client's registry formats (its `MetricObjectWithValues`). */
interface MetricValues {
  readonly name: string;
  readonly help: string;
  readonly type: MetricFamily['type'];
  readonly aggregator: 'sum';
  readonly values: { metricName: string; labels: Record<string, string>; value: number }[];
}

/**
 * A family whose values are read at scrape time (from the home, a store, the
 * log), registered in a prom-client registry as a custom metric: every family
 * of one scrape reads the same {@link ScrapeRound}.
 */
export class ScrapedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricFamily['type'];
  readonly aggregator = 'sum' as const;

  constructor(
    family: MetricFamily,
    private readonly round: ScrapeRound,
  ) {
    this.name = family.name;
    this.help = family.help;
    this.type = family.type;
  }

  async get(): Promise<MetricValues> {
    const samples = (await this.round.samples()).get(this.name) ?? [];
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: samples.map((s) => ({
        metricName: this.name + (s.suffix ?? ''),
        labels: { ...s.labels },
        value: s.value,
      })),
    };
  }

  /** Nothing is kept between scrapes. */
  reset(): void {}
}
