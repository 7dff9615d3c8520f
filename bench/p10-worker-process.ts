/**
 * A worker process of P10 (bench/p10-workers.ts): the Redis cache view's
 * projector (and with `--relay` the outbox relay) on the shop `--id`, opened
 * with sync stopped. Over IPC: `start` starts sync, `applied` tells the
 * events its projector handled, `cpu` its CPU time.
 */
import { parseArgs } from 'node:util';
import { serveIpc } from '../test/support/ipc-child.js';
import { openWorkerShop } from './p10-workers.js';

const { values } = parseArgs({
  options: { id: { type: 'string' }, relay: { type: 'boolean', default: false } },
});
const db = openWorkerShop(values.id!, { relay: values.relay, projectors: true });
await db.ready({ sync: false });

serveIpc({
  start: () => db.sync.start(),
  applied: async () => {
    const view = (await db.sync.stats()).views[0]!;
    return view.applied + view.skipped;
  },
  cpu: async () => process.cpuUsage(),
});
process.on('SIGTERM', async () => {
  await db.close();
  process.exit(0);
});
