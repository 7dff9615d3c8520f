import type { MetricFamily } from './metric-families.js';
import type { Sample } from './scrape-round.js';

/** The value list prom-client's registry formats (its `MetricObjectWithValues`). */
interface MetricValues {
  readonly name: string;
  readonly help: string;
  readonly type: MetricFamily['type'];
  readonly aggregator: 'sum';
  readonly values: { metricName: string; labels: Record<string, string>; value: number }[];
}

/**
 * A family registered in a prom-client registry as a custom metric, whose
 * samples `read` gives at each scrape: figures read from the home or a store
 * (a {@link ScrapeRound}), or kept by Polystore's own counters.
 */
export class CustomFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricFamily['type'];
  readonly aggregator = 'sum' as const;

  constructor(
    family: MetricFamily,
    private readonly read: () => Promise<readonly Sample[]>,
  ) {
    this.name = family.name;
    this.help = family.help;
    this.type = family.type;
  }

  async get(): Promise<MetricValues> {
    const samples = await this.read();
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

  /** Nothing to reset: the figures belong to their sources. */
  reset(): void {}
}
