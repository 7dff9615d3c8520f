/**
 * A replica process of P10 (bench/p10-replicas.ts): keeps a replica of the
 * replica shop's embedded views (test/support/replica-shop.ts) in
 * `--data-dir` under the name `--replica` and answers other processes'
 * queries over NATS. Over IPC it tells whether it serves and how many
 * requests it took, reports its CPU time and its longest event-loop stall,
 * and runs the query mix against its own stores (the in-process baseline).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { serveIpc } from '../test/support/ipc-child.js';
import { openReplicaShop } from '../test/support/replica-shop.js';
import { closedLoopFor } from './harness.js';
import { queryMix } from './p10-query-mix.js';

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    replica: { type: 'string' },
    'data-dir': { type: 'string' },
    users: { type: 'string' },
  },
});
const db = openReplicaShop(
  { id: values.id! },
  { kind: 'replica', name: values.replica!, dataDir: values['data-dir']! },
);
try {
  await db.ready();
} catch (err) {
  process.stderr.write(`ready failed: ${String(err)}\n`);
  await db.close().catch(() => undefined);
  process.exit(3);
}
const mix = queryMix(db, Number(values.users));
// Timers run late by as much as the loop stalls: the heartbeats of the requests this replica works on too.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

serveIpc({
  replicas: async () => db.replicas,
  cpu: async () => process.cpuUsage(),
  /** The longest event-loop stall (ms) since the last call. */
  loopDelayMax: async () => {
    const max = loopDelay.max / 1e6;
    loopDelay.reset();
    return max;
  },
  catchUp: () => db.sync.catchUp(120_000),
  loop: async (args) => {
    const { durationMs, concurrency } = args as { durationMs: number; concurrency: number };
    return closedLoopFor(durationMs, concurrency, mix);
  },
});
process.on('SIGTERM', async () => {
  await db.close();
  process.exit(0);
});
