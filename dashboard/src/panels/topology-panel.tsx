import type { Health, StatusResponse } from '../contract.js';

function Node({ label, detail, health }: { label: string; detail: string; health: Health }) {
  return (
    <div class={`node health-${health}`} title={`${detail}: ${health}`}>
      <strong>{label}</strong>
      <span class="muted">{detail}</span>
    </div>
  );
}

/** Entities → home → log → views → stores, each box coloured by its health. */
export function TopologyPanel({ status }: { status: StatusResponse }) {
  const { topology, views } = status;
  const viewHealth = (state: string): Health =>
    state === 'up-to-date' ? 'up' : state === 'failed' ? 'down' : 'degraded';
  return (
    <section class="panel" data-testid="topology">
      <h2>Topology</h2>
      <div class="topology">
        <div class="column">
          <h3>Entities</h3>
          {topology.entities.map((e) => (
            <Node key={e.name} label={e.name} detail={`${e.views.length} views`} health="up" />
          ))}
        </div>
        <div class="arrow">→</div>
        <div class="column">
          <h3>Home</h3>
          <Node label={topology.home.kind} detail="home" health={topology.home.health} />
        </div>
        <div class="arrow">→</div>
        <div class="column">
          <h3>Log</h3>
          {topology.log ? (
            <Node label={topology.log.kind} detail="log" health={topology.log.health} />
          ) : (
            <Node label="outbox" detail="read in place" health={topology.home.health} />
          )}
        </div>
        <div class="arrow">→</div>
        <div class="column">
          <h3>Views</h3>
          {views.map((v) => (
            <Node key={v.view} label={v.view} detail={`${v.entity} · ${v.state}`} health={viewHealth(v.state)} />
          ))}
        </div>
        <div class="arrow">→</div>
        <div class="column">
          <h3>Stores</h3>
          {topology.stores.map((s) => (
            <Node key={s.name} label={s.name} detail={s.kind} health={s.health} />
          ))}
        </div>
      </div>
    </section>
  );
}
