import { apiText } from '../api.js';
import { ErrorBox } from '../error-box.js';
import { count, duration } from '../format.js';
import { histogramSeries, type MetricFamily, parsePrometheusText } from '../prometheus-text.js';
import { usePoll } from '../use-poll.js';

const PREFIX = 'polystore_';

function labelText(labels: Readonly<Record<string, string>>, skip: string): string {
  return Object.entries(labels)
    .filter(([k]) => k !== skip)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** A family's figures for one store: histograms as count and p99, others as their values. */
function FamilyRows({ family, store }: { family: MetricFamily; store: string }) {
  const mine = { ...family, samples: family.samples.filter((s) => (s.labels.store ?? '') === store) };
  if (mine.samples.length === 0) return null;
  const seconds = family.name.endsWith('_seconds');
  if (family.type === 'histogram' || family.type === 'summary') {
    return (
      <>
        {histogramSeries(mine).map((h) => (
          <tr key={`${family.name}${JSON.stringify(h.labels)}`} data-family={family.name}>
            <td>{family.name}</td>
            <td class="muted">{labelText(h.labels, 'store')}</td>
            <td class="num">count {count(h.count)}</td>
            <td class="num">p99 ≈ {h.p99 === null ? '–' : seconds ? duration(h.p99 * 1000) : h.p99.toPrecision(3)}</td>
          </tr>
        ))}
      </>
    );
  }
  return (
    <>
      {mine.samples.map((s) => (
        <tr key={`${s.name}${JSON.stringify(s.labels)}`} data-family={family.name}>
          <td>{s.name}</td>
          <td class="muted">{labelText(s.labels, 'store')}</td>
          <td class="num">{family.name.includes('ratio') ? `${(s.value * 100).toFixed(1)} %` : count(s.value)}</td>
          <td />
        </tr>
      ))}
    </>
  );
}

/** Whatever `polystore_*` families `/metrics` exposes, grouped by their `store` label. */
export function StoreMetricsPanel() {
  const metrics = usePoll(() => apiText('/metrics'), 5000);
  const families = metrics.data ? parsePrometheusText(metrics.data).filter((f) => f.name.startsWith(PREFIX)) : [];
  const stores = [...new Set(families.flatMap((f) => f.samples.map((s) => s.labels.store ?? '')))].sort();
  return (
    <section class="panel" data-testid="store-metrics">
      <h2>Store metrics</h2>
      <ErrorBox error={metrics.error} />
      {metrics.data !== undefined && families.length === 0 ? <p class="muted">No polystore_ metrics exposed.</p> : null}
      {stores.map((store) => (
        <div key={store} class="store-metrics" data-store={store || 'none'}>
          <h3>{store ? `store ${store}` : 'not per store'}</h3>
          <table class="fixed">
            <tbody>
              {families.map((f) => (
                <FamilyRows key={f.name} family={f} store={store} />
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
