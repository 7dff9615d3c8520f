import { api } from '../api.js';
import type { CheckResponse } from '../contract.js';
import { ErrorBox } from '../error-box.js';
import { count, time } from '../format.js';
import { TableHead } from '../table-head.js';
import { useAction } from '../use-action.js';
import { usePoll } from '../use-poll.js';

/** The last drift report per view, and the actions to check again, with or without repair. */
export function DriftPanel() {
  const report = usePoll(() => api<CheckResponse>('/admin/check'), 10_000);
  const action = useAction();
  const check = (repair: boolean) =>
    action.run(async () => {
      const result = await api<CheckResponse>('/admin/check', { method: 'POST', body: { repair } });
      await report.refresh();
      const drift = result.views.reduce((n, v) => n + v.drift, 0);
      return repair ? `checked and repaired: ${drift} drifted records found` : `checked: ${drift} drifted records`;
    });
  return (
    <section class="panel" data-testid="drift">
      <h2>Drift report</h2>
      <div class="actions">
        <button type="button" disabled={action.busy} onClick={() => check(false)}>
          Check now
        </button>
        <button type="button" class="danger" disabled={action.busy} onClick={() => check(true)} data-testid="repair">
          Check and repair
        </button>
        <span class="muted" data-testid="drift-done">
          {action.busy ? 'checking…' : action.done}
        </span>
      </div>
      <ErrorBox error={report.error ?? action.error} />
      <table>
        <TableHead columns={['view', 'checked', '#missing', '#stale', '#extra', '#drift', 'verdict']} />
        <tbody>
          {(report.data?.views ?? []).map((v) => (
            <tr key={v.view} data-view={v.view}>
              <td>{v.view}</td>
              <td>{v.checkedAt ? time(v.checkedAt) : 'never'}</td>
              <td class="num">{count(v.missing)}</td>
              <td class="num">{count(v.stale)}</td>
              <td class="num">{count(v.extra)}</td>
              <td class="num" data-field="drift">
                {count(v.drift)}
              </td>
              <td class={v.checkedAt === null ? 'muted' : v.ok ? 'ok' : 'bad'} data-field="verdict">
                {v.checkedAt === null ? '–' : v.ok ? 'ok' : 'drift'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
