import { describe, expect, it } from 'vitest';
import { type Sample, ScrapeRound } from '../../src/metrics/scrape-round.js';

const sample = (value: number): Sample => ({ family: 'polystore_outbox_events', labels: { store: 'home' }, value });
const sampleValue = (samples: Map<string, Sample[]>, family: string, store: string) =>
  samples.get(family)?.find((s) => s.labels.store === store)?.value;

describe('a scrape round', () => {
  it('leaves a collector that misses its budget out, without waiting for it or calling it again while it hangs', async () => {
    let calls = 0;
    let release!: () => void;
    const hung = new Promise<readonly Sample[]>((resolve) => {
      release = () => resolve([sample(7)]);
    });
    const round = new ScrapeRound(
      [
        { name: 'home', collect: async () => [sample(3)] },
        {
          name: 'slow',
          collect: () => {
            calls++;
            return hung;
          },
        },
        {
          name: 'failing',
          collect: async () => {
            throw new Error('down');
          },
        },
      ],
      50,
    );
    const started = performance.now();
    const first = await round.samples();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000);
    expect(sampleValue(first, 'polystore_outbox_events', 'home')).toBe(3);
    expect(sampleValue(first, 'polystore_scrape_collector_up', 'home')).toBe(1);
    expect(sampleValue(first, 'polystore_scrape_collector_up', 'slow')).toBe(0);
    expect(sampleValue(first, 'polystore_scrape_collector_up', 'failing')).toBe(0);
    expect(sampleValue(first, 'polystore_scrape_collector_duration_seconds', 'slow')).toBeGreaterThanOrEqual(0.045);

    const second = await round.samples();
    expect(calls).toBe(1);
    expect(sampleValue(second, 'polystore_scrape_collector_up', 'slow')).toBe(0);

    // Once it answers, the next scrape calls it again.
    release();
    await hung;
    await new Promise((resolve) => setImmediate(resolve));
    const third = await round.samples();
    expect(calls).toBe(2);
    expect(sampleValue(third, 'polystore_scrape_collector_up', 'slow')).toBe(1);
  });

  it('shares one collection between scrapes that arrive together', async () => {
    let calls = 0;
    const round = new ScrapeRound([{ name: 'home', collect: async () => [sample(++calls)] }], 1000);
    const [a, b] = await Promise.all([round.samples(), round.samples()]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
    await round.samples();
    expect(calls).toBe(2);
  });
});
