import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiKey, setApiKey } from './api.js';
import type { StatusResponse } from './contract.js';
import { ErrorBox } from './error-box.js';
import { time } from './format.js';
import { BackfillsPanel } from './panels/backfills-panel.js';
import { DeadLettersPanel } from './panels/dead-letters-panel.js';
import { DriftPanel } from './panels/drift-panel.js';
import { LagChart } from './panels/lag-chart.js';
import { SagasPanel } from './panels/sagas-panel.js';
import { StoreMetricsPanel } from './panels/store-metrics-panel.js';
import { TopologyPanel } from './panels/topology-panel.js';
import { ViewsPanel } from './panels/views-panel.js';
import { RollingWindow } from './rolling-window.js';
import { usePoll } from './use-poll.js';

const PAGES = [
  ['overview', 'Overview'],
  ['consistency', 'Drift & backfills'],
  ['dead-letters', 'Dead letters'],
  ['sagas', 'Sagas'],
  ['metrics', 'Store metrics'],
] as const;
type Page = (typeof PAGES)[number][0];

function pageOf(hash: string): Page {
  const name = hash.replace(/^#\/?/, '');
  return PAGES.find(([p]) => p === name)?.[0] ?? 'overview';
}

function KeyField() {
  const [key, setKey] = useState(apiKey());
  return (
    <form
      class="key"
      onSubmit={(e) => {
        e.preventDefault();
        setApiKey(key.trim());
      }}
    >
      <label>
        API key{' '}
        <input
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          data-testid="api-key"
        />
      </label>
      <button type="submit">Use</button>
    </form>
  );
}

export function App() {
  const [page, setPage] = useState<Page>(pageOf(location.hash));
  useEffect(() => {
    const follow = () => setPage(pageOf(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  // The lag history lives here, so it survives switching pages.
  const window = useRef(new RollingWindow());
  const [version, setVersion] = useState(0);
  const status = usePoll(() => api<StatusResponse>('/admin/status'), 1000, {
    onData: (s) => {
      window.current.add(s);
      setVersion((v) => v + 1);
    },
  });
  return (
    <>
      <header>
        <h1>Polystore</h1>
        <nav>
          {PAGES.map(([p, label]) => (
            <a key={p} href={`#${p}`} class={p === page ? 'current' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <KeyField />
      </header>
      <main>
        <ErrorBox error={status.error} />
        <p class="muted updated">{status.data ? `updated ${time(status.data.at)}` : 'loading…'}</p>
        {page === 'overview' && status.data ? (
          <>
            <TopologyPanel status={status.data} />
            <section class="panel" data-testid="lag">
              <h2>Lag per view (commit to apply)</h2>
              <div class="charts">
                {status.data.views.map((v) => (
                  <LagChart key={v.view} view={v.view} series={window.current.series(v.view)} version={version} />
                ))}
              </div>
            </section>
            <ViewsPanel status={status.data} />
          </>
        ) : null}
        {page === 'consistency' ? (
          <>
            <DriftPanel />
            <BackfillsPanel />
          </>
        ) : null}
        {page === 'dead-letters' ? <DeadLettersPanel /> : null}
        {page === 'sagas' ? <SagasPanel /> : null}
        {page === 'metrics' ? <StoreMetricsPanel /> : null}
      </main>
    </>
  );
}
