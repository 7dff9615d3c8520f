import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { SAGA_STATES, type SagaAction, type SagaStep, type SagaSummary } from '../contract.js';
import { ErrorBox } from '../error-box.js';
import { duration, time } from '../format.js';
import { TableHead } from '../table-head.js';
import { useAction } from '../use-action.js';
import { usePoll } from '../use-poll.js';

interface Filter {
  state: string;
  type: string;
  olderThanSeconds: string;
  error: boolean;
}

function query(filter: Filter): string {
  const params = new URLSearchParams();
  if (filter.state) params.set('state', filter.state);
  if (filter.type.trim()) params.set('type', filter.type.trim());
  const older = Number(filter.olderThanSeconds);
  if (filter.olderThanSeconds.trim() && Number.isFinite(older))
    params.set('olderThanMs', String(Math.round(older * 1000)));
  if (filter.error) params.set('error', 'true');
  params.set('limit', '200');
  return params.toString();
}

function batchFilter(filter: Filter) {
  const older = Number(filter.olderThanSeconds);
  return {
    ...(filter.state ? { state: filter.state } : {}),
    ...(filter.type.trim() ? { type: filter.type.trim() } : {}),
    ...(filter.olderThanSeconds.trim() && Number.isFinite(older) ? { olderThanMs: Math.round(older * 1000) } : {}),
    ...(filter.error ? { error: true } : {}),
  };
}

/** Sagas filtered by state, type, age and error; one saga's step timeline; resume, retry and cancel, one or all matching. */
export function SagasPanel() {
  const [filter, setFilter] = useState<Filter>({ state: '', type: '', olderThanSeconds: '', error: false });
  const [selected, setSelected] = useState<string | null>(null);
  const q = query(filter);
  const list = usePoll(() => api<{ sagas: SagaSummary[] }>(`/admin/sagas?${q}`), 3000, { key: q });
  const detail = usePoll(
    () =>
      selected === null
        ? Promise.resolve(undefined)
        : api<{ saga: SagaSummary; timeline: SagaStep[] }>(`/admin/sagas/${encodeURIComponent(selected)}`),
    3000,
    { key: selected ?? '' },
  );
  const action = useAction();
  const act = (id: string, what: SagaAction) =>
    action.run(async () => {
      const { saga } = await api<{ saga: SagaSummary }>(`/admin/sagas/${encodeURIComponent(id)}/${what}`, {
        method: 'POST',
      });
      await Promise.all([list.refresh(), detail.refresh()]);
      return `${what}: saga ${saga.id} is ${saga.state}`;
    });
  const batch = (what: SagaAction) =>
    action.run(async () => {
      const result = await api<{ done: number; failed: { id: string; error: string }[] }>('/admin/sagas/batch', {
        method: 'POST',
        body: { action: what, filter: batchFilter(filter) },
      });
      await list.refresh();
      return `${what}: ${result.done} done, ${result.failed.length} failed`;
    });
  const set = (patch: Partial<Filter>) => setFilter({ ...filter, ...patch });
  const sagas = list.data?.sagas ?? [];
  const shown = detail.data && detail.data.saga.id === selected ? detail.data : undefined;
  return (
    <section class="panel" data-testid="sagas">
      <h2>Sagas</h2>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          state{' '}
          <select
            value={filter.state}
            onChange={(e) => set({ state: (e.target as HTMLSelectElement).value })}
            data-testid="saga-state"
          >
            <option value="">any</option>
            {SAGA_STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          type <input value={filter.type} onInput={(e) => set({ type: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          older than (s){' '}
          <input
            size={6}
            value={filter.olderThanSeconds}
            onInput={(e) => set({ olderThanSeconds: (e.target as HTMLInputElement).value })}
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={filter.error}
            onChange={(e) => set({ error: (e.target as HTMLInputElement).checked })}
          />{' '}
          with error
        </label>
        <span class="batch">
          all matching:{' '}
          {(['resume', 'retry', 'cancel'] as const).map((what) => (
            <button key={what} type="button" disabled={action.busy || sagas.length === 0} onClick={() => batch(what)}>
              {what}
            </button>
          ))}
        </span>
      </form>
      <ErrorBox error={list.error ?? detail.error ?? action.error} />
      <p class="muted" data-testid="saga-done">
        {action.done}
      </p>
      <table>
        <TableHead columns={['id', 'type', 'state', '#step', 'age', 'error']} />
        <tbody>
          {sagas.map((s) => (
            <tr
              key={s.id}
              class={s.id === selected ? 'selected clickable' : 'clickable'}
              onClick={() => setSelected(s.id)}
              data-saga={s.id}
            >
              <td>
                <code>{s.id}</code>
              </td>
              <td>
                {s.name} v{s.version}
              </td>
              <td class={`saga-${s.state}`} data-field="state">
                {s.state}
                {s.cancelling ? ' (cancelling)' : ''}
              </td>
              <td class="num">{s.stepIndex}</td>
              <td>{duration(Date.now() - s.createdAt)}</td>
              <td class="muted">{s.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown ? (
        <div class="timeline" data-testid="saga-timeline">
          <h3>
            Saga <code>{shown.saga.id}</code>: {shown.saga.state}
          </h3>
          <div class="actions">
            {(['resume', 'retry', 'cancel'] as const).map((what) => (
              <button
                key={what}
                type="button"
                class={what === 'cancel' ? 'danger' : ''}
                disabled={action.busy}
                onClick={() => act(shown.saga.id, what)}
                data-testid={`saga-${what}`}
              >
                {what}
              </button>
            ))}
          </div>
          <ol>
            {shown.timeline.map((step) => (
              <li
                key={`${step.stepIndex}-${step.phase}`}
                class={`step step-${step.status} phase-${step.phase}`}
                data-testid="saga-step"
              >
                <span class="muted">{time(step.startedAt)}</span> <strong>{step.step}</strong> {step.phase}{' '}
                <span class={`status-${step.status}`}>{step.status}</span>
                {step.attempts > 1 ? ` after ${step.attempts} attempts` : ''}
                {step.error ? <span class="muted"> — {step.error}</span> : null}
              </li>
            ))}
          </ol>
        </div>
      ) : null}
    </section>
  );
}
