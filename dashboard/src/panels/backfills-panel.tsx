import { api } from '../api.js';
import type { BackfillsResponse } from '../contract.js';
import { ErrorBox } from '../error-box.js';
import { count, duration } from '../format.js';
import { TableHead } from '../table-head.js';
import { useAction } from '../use-action.js';
import { usePoll } from '../use-poll.js';

/** Backfills per view: progress, rate and ETA, and the action that starts one. */
export function BackfillsPanel() {
  const list = usePoll(() => api<BackfillsResponse>('/admin/backfills'), 2000);
  const action = useAction();
  const start = (view: string) =>
    action.run(async () => {
      await api('/admin/backfill', { method: 'POST', body: { view } });
      await list.refresh();
      return `backfill of ${view} requested`;
    });
  return (
    <section class="panel" data-testid="backfills">
      <h2>Backfills</h2>
      <ErrorBox error={list.error ?? action.error} />
      <p class="muted">{action.done}</p>
      <table>
        <TableHead columns={['view', 'state', 'progress', '#rate', '#ETA', '']} />
        <tbody>
          {(list.data?.backfills ?? []).map((b) => {
            const percent = b.total > 0 ? Math.min(100, (b.examined / b.total) * 100) : b.state === 'done' ? 100 : 0;
            return (
              <tr key={b.view} data-view={b.view}>
                <td>{b.view}</td>
                <td data-field="state">{b.state}</td>
                <td>
                  <progress max={100} value={percent} /> {count(b.examined)} / {count(b.total)}
                </td>
                <td class="num">{b.ratePerSec === null ? '–' : `${count(b.ratePerSec)}/s`}</td>
                <td class="num">{b.etaSeconds === null ? '–' : duration(b.etaSeconds * 1000)}</td>
                <td>
                  <button type="button" disabled={action.busy || b.state === 'running'} onClick={() => start(b.view)}>
                    Backfill
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
