import type { StatusResponse } from '../contract.js';
import { count, duration } from '../format.js';
import { TableHead } from '../table-head.js';

/** Per view: state, counters, backlog, lag percentiles and checkpoint age, as of the last poll. */
export function ViewsPanel({ status }: { status: StatusResponse }) {
  const { sagas } = status;
  return (
    <section class="panel" data-testid="views">
      <h2>Views</h2>
      <table>
        <TableHead
          columns={[
            'view',
            'store',
            'state',
            '#applied',
            '#skipped',
            '#failed',
            '#dead letters',
            '#backlog',
            '#lag p50',
            '#lag p99',
            '#checkpoint age',
          ]}
        />
        <tbody>
          {status.views.map((v) => (
            <tr key={v.view} data-view={v.view}>
              <td>{v.view}</td>
              <td>{v.store}</td>
              <td>{v.state}</td>
              <td class="num" data-field="applied">
                {count(v.applied)}
              </td>
              <td class="num">{count(v.skipped)}</td>
              <td class="num">{count(v.failed)}</td>
              <td class="num" data-field="deadLetters">
                {count(v.deadLetters)}
              </td>
              <td class="num" data-field="backlog">
                {count(v.backlog)}
              </td>
              <td class="num">{duration(v.lagMs.p50)}</td>
              <td class="num">{duration(v.lagMs.p99)}</td>
              <td class="num">{duration(v.checkpointAgeMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted" data-testid="saga-counts">
        sagas:{' '}
        {Object.entries(sagas)
          .map(([state, n]) => `${state} ${n}`)
          .join(' · ')}
      </p>
    </section>
  );
}
