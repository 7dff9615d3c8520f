import { api } from '../api.js';
import type { DeadLettersResponse } from '../contract.js';
import { ErrorBox } from '../error-box.js';
import { count, time } from '../format.js';
import { TableHead } from '../table-head.js';
import { useAction } from '../use-action.js';
import { usePoll } from '../use-poll.js';

/** Dead letters grouped by view and error signature, each group replayable at once. */
export function DeadLettersPanel() {
  const list = usePoll(() => api<DeadLettersResponse>('/admin/dead-letters'), 5000);
  const action = useAction();
  const replay = (view: string, signature: string) =>
    action.run(async () => {
      const { replayed } = await api<{ replayed: number }>('/admin/dead-letters/replay', {
        method: 'POST',
        body: { view, signature },
      });
      await list.refresh();
      return `replayed ${replayed} of ${view}`;
    });
  const groups = list.data?.groups ?? [];
  return (
    <section class="panel" data-testid="dead-letters">
      <h2>Dead letters</h2>
      <ErrorBox error={list.error ?? action.error} />
      <p class="muted" data-testid="replay-done">
        {action.done}
      </p>
      {list.data && groups.length === 0 ? <p class="ok">No dead letters.</p> : null}
      <table>
        <TableHead columns={['view', 'error signature', '#count', 'sample', '']} />
        <tbody>
          {groups.map((g) => (
            <tr key={`${g.view}\u0000${g.signature}`} data-view={g.view} data-testid="dead-letter-group">
              <td>{g.view}</td>
              <td>
                <code>{g.signature}</code>
              </td>
              <td class="num" data-field="count">
                {count(g.count)}
              </td>
              <td class="muted">
                {g.sample.entity}
                {g.sample.key ? ` ${g.sample.key}` : ''} at {time(g.sample.at)}: {g.sample.error}
              </td>
              <td>
                <button type="button" disabled={action.busy} onClick={() => replay(g.view, g.signature)}>
                  Replay {count(g.count)}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
