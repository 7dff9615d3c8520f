import { describe, expect, it } from 'vitest';
import { histogramSeries, parsePrometheusText, quantile } from '../../dashboard/src/prometheus-text.js';
import { RollingWindow } from '../../dashboard/src/rolling-window.js';

const TEXT = `# HELP polystore_store_operation_duration_seconds Store operation durations.
# TYPE polystore_store_operation_duration_seconds histogram
polystore_store_operation_duration_seconds_bucket{store="cache",operation="get",le="0.001"} 90
polystore_store_operation_duration_seconds_bucket{store="cache",operation="get",le="0.01"} 98
polystore_store_operation_duration_seconds_bucket{store="cache",operation="get",le="0.1"} 100
polystore_store_operation_duration_seconds_bucket{store="cache",operation="get",le="+Inf"} 100
polystore_store_operation_duration_seconds_sum{store="cache",operation="get"} 0.2
polystore_store_operation_duration_seconds_count{store="cache",operation="get"} 100
# TYPE polystore_redis_memory_bytes gauge
polystore_redis_memory_bytes{store="redis"} 1.5e6
polystore_hit_ratio{store="cache",note="a \\"quoted\\" value, with a comma"} 0.75
this line is not a sample
process_cpu_seconds_total 12
`;

describe('the dashboard reading /metrics', () => {
  it('parses families with their types, labels (escapes included) and values, skipping what it cannot read', () => {
    const families = parsePrometheusText(TEXT);
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['polystore_store_operation_duration_seconds', 'histogram', 6],
      ['polystore_redis_memory_bytes', 'gauge', 1],
      ['polystore_hit_ratio', 'untyped', 1],
      ['process_cpu_seconds_total', 'untyped', 1],
    ]);
    expect(families[1]!.samples[0]!.value).toBe(1_500_000);
    expect(families[2]!.samples[0]!.labels).toEqual({ store: 'cache', note: 'a "quoted" value, with a comma' });
  });

  it('estimates a histogram p99 by interpolating inside its bucket, as histogram_quantile does', () => {
    const [series] = histogramSeries(parsePrometheusText(TEXT)[0]!);
    expect(series).toMatchObject({ labels: { store: 'cache', operation: 'get' }, count: 100, sum: 0.2 });
    // Rank 99 of 100 falls in (0.01, 0.1], which holds ranks 99 and 100: halfway through it.
    expect(series!.p99).toBeCloseTo(0.055, 6);
    expect(quantile(0.99, [])).toBeNull();
    expect(quantile(0.5, [[Infinity, 4]])).toBe(0);
  });
});

describe('the lag window', () => {
  const status = (at: number, p99: number | null) =>
    ({
      at: new Date(at).toISOString(),
      views: [{ view: 'v', lagMs: { p50: p99 === null ? null : p99 / 2, p99 } }],
    }) as never;

  it('keeps the samples of the last window seconds, in time order, gaps as null', () => {
    const window = new RollingWindow(10);
    for (const [at, p99] of [
      [0, 4],
      [5_000, null],
      [4_000, 9],
      [12_000, 8],
      [16_000, 6],
    ] as const)
      window.add(status(at, p99));
    expect(window.series('v')).toEqual({ t: [12, 16], p50: [4, 3], p99: [8, 6] });
    window.add(status(17_000, null));
    expect(window.series('v')!.p99).toEqual([8, 6, null]);
  });
});
