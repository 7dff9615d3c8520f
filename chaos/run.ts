/**
 * `npm run chaos [-- --quick] [-- --seed=N] [-- --no-restarts]`: fault
 * injection against the server deployment (PostgreSQL home -> outbox relay ->
 * JetStream -> Redis cache views and an Orama search view). A writer in this
 * process commits a known workload (per-lane creates, updates, deletes and
 * re-creates over hot and cold ids, some of them odd: newlines, spaces,
 * unicode, 300 bytes; createMany batches; item-and-note transactions when
 * `db.transaction` exists; concurrent delete/create/update races on shared
 * ids) while the sync worker, a child process, is SIGKILLed at random points
 * and Redis, NATS and PostgreSQL are restarted (not with `--no-restarts`);
 * the log the worker reads duplicates and reorders deliveries, and poison
 * records are fed in. Order sagas started here run in the worker, through the
 * kills and restarts. Then every view is compared with the home by version
 * and content, each view's per-key version history is checked, and every
 * saga's outcome is checked against the home's stock, records and the
 * participant's effects. The last line reads
 * `lost=<n> divergent=<n> out_of_order=<n> dlq=<n> sagas_open=<n> double_effects=<n>`;
 * the exit code is 0 only when every count but dlq is 0 and the DLQ holds
 * exactly the poison events.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPolystoreError } from '../src/index.js';
import { describeError, silentLogger, stderrLogger } from '../src/runtime/logger.js';
import {
  CACHE_VIEW,
  cacheStoreOf,
  homeOf,
  logOf,
  NOTES_VIEW,
  openWriter,
  runNames,
  SEARCH_INDEX,
  SEARCH_VIEW,
  searchStoreOf,
  VIEWS,
} from './deployment.js';
import { type FaultEvent, planFaults, runFaults } from './faults.js';
import { DUPLICATE_P } from './faulty-log.js';
import { checkOrder, orderLogFile } from './order-check.js';
import { type Profile, parseRunOptions, restartsServers } from './profile.js';
import { RaceLedger, Racer } from './racer.js';
import { derive } from './random.js';
import { formatReport, type RunSummary, totals } from './report.js';
import { removeRunResources } from './resources.js';
import { checkSagas, SagaStarter, waitForSagas } from './saga-check.js';
import type { SagaDb } from './saga-workload.js';
import { SERVER_URLS, Servers, sleep, waitFor } from './servers.js';
import { verify } from './verifier.js';
import { WorkerSupervisor } from './worker-supervisor.js';
import { Lane, Ledger } from './workload.js';
import { transactionRunner, Writer } from './writer.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

const { profile, seed } = parseRunOptions(process.argv.slice(2));
say(
  `chaos: ${profile.name} profile, seed ${seed} (repeat with: npm run chaos -- --seed=${seed}` +
    `${profile.name === 'quick' ? ' --quick' : ''}${restartsServers(profile) ? '' : ' --no-restarts'})`,
);

const servers = new Servers(SERVER_URLS);
const down = await servers.probe(SERVER_URLS);
if (down.length > 0) {
  const reason = `unreachable: ${down.join(', ')}`;
  if (process.env.CI) {
    say(`chaos: FAILED, ${reason}; CI requires them (start them, or set POLYSTORE_*_URL)`);
    process.exit(1);
  }
  say(`chaos: skipped, ${reason} (start them, or set POLYSTORE_*_URL, to run it)`);
  process.exit(0);
}

const names = runNames(randomBytes(5).toString('hex'), tmpdir());
const ordersDir = join(names.dir, 'orders');
await mkdir(ordersDir, { recursive: true });
const supervisor = new WorkerSupervisor(
  (incarnation) => ({
    names,
    urls: SERVER_URLS,
    incarnation,
    seed,
    p: DUPLICATE_P,
    orderLog: orderLogFile(ordersDir, incarnation),
  }),
  profile.spares,
  (worker) => say(`chaos: worker ${worker.incarnation} exited by itself (see ${names.dir}); a spare takes over`),
);
const state: { aborted: boolean; cleaned?: Promise<void> } = { aborted: false };

/** Idempotent: kills the workers, restores every server that was up, removes the run's names. */
function cleanup(keepDir: boolean): Promise<void> {
  state.cleaned ??= (async () => {
    await supervisor.killAll().catch(() => undefined);
    // Without restarts this run never stopped a server: whatever state they are in is not its doing.
    if (restartsServers(profile))
      for (const failure of await servers.restore()) say(`chaos: could not restore ${failure}`);
    for (const failure of await removeRunResources(names, SERVER_URLS, keepDir)) say(`chaos: cleanup: ${failure}`);
    if (keepDir) say(`chaos: run files kept in ${names.dir}`);
  })();
  return state.cleaned;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    state.aborted = true;
    say(`chaos: ${signal}, restoring servers and cleaning up`);
    void cleanup(true).finally(() => process.exit(130));
  });
}

let exitCode = 2;
try {
  const summary = await runChaos(profile);
  for (const line of formatReport(summary)) say(line);
  exitCode = totals(summary).passed ? 0 : 1;
} catch (err) {
  say(`chaos: the run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  if (!state.aborted) await cleanup(exitCode !== 0);
}
process.exit(exitCode);

async function runChaos(profile: Profile): Promise<RunSummary> {
  const began = Date.now();
  const home = homeOf(names, SERVER_URLS);
  const writerDb = openWriter(home, stderrLogger);
  try {
    // The worker loads (slowly, under tsx) while the writes begin; faults start once it syncs.
    const started = supervisor.start();
    await writerDb.ready();
    const ledger = new Ledger();
    const transaction = transactionRunner(writerDb);
    const shape = { ...profile, transactionEvery: transaction ? profile.transactionEvery : 0 };
    const lanes = Array.from({ length: profile.lanes }, (_, i) => new Lane(i, shape, seed, ledger));
    const clients = { items: writerDb.entity('items'), notes: writerDb.entity('notes'), transaction };
    const writer = new Writer(clients, ledger, lanes, profile.writesPerSecond);
    const races = new RaceLedger();
    const racer = new Racer(clients.items, races, profile.raceKeys, profile.raceEveryMs, derive(seed, 'races'));
    // Order sagas, started here and run by the worker: SIGKILLs and restarts land inside their steps.
    const sagaDb = writerDb as unknown as SagaDb;
    const sagas = new SagaStarter(sagaDb, profile.sagaEveryMs, derive(seed, 'sagas'));
    await sagas.start();
    writer.start();
    racer.start();
    await started;
    say(`chaos: worker syncing after ${seconds(Date.now() - began)}; injecting faults while writing`);
    const faults: FaultEvent[] = [];
    await runFaults(
      planFaults(profile, derive(seed, 'faults')),
      profile,
      derive(seed, 'fault-timing'),
      {
        killWorker: () => supervisor.kill(),
        restartServer: (server, downMs) => servers.restart(server, downMs),
      },
      () => state.aborted,
      (event) => {
        faults.push(event);
        say(`chaos: +${seconds(event.atMs)} ${event.what}, ${event.tookMs} ms; ${ledger.committed} writes so far`);
      },
    );
    await sleep(profile.settleMs);
    for (let waited = 0; !writer.poisonDone && waited < 60_000; waited += 100) await sleep(100);
    await writer.stop();
    await racer.stop();
    await sagas.stop();

    const head = await retrying(() => home.outboxHead());
    say(`chaos: writes stopped after ${ledger.committed} commits; waiting for the worker to catch up`);
    const caughtUp = await waitFor(async () => {
      const status = supervisor.active.status;
      return (
        head === null ||
        (status !== undefined &&
          status.rebuilding.length === 0 &&
          VIEWS.every((view) => (status.positions[view] ?? '') >= head))
      );
    }, profile.catchUpMs);
    // Positions alone can pass the head while older events wait in the broker: those a killed
    // worker fetched and never acked come back only after the consumer's ack wait. Caught up
    // means every view's durable consumer has acknowledged the whole log.
    const log = logOf(names, SERVER_URLS, silentLogger);
    const drained = caughtUp && (await waitFor(() => logAcknowledged(log).catch(() => false), profile.catchUpMs));
    await log.close();
    const sagasEnded = await waitForSagas(sagaDb, profile.catchUpMs);
    const closedCleanly = await supervisor.stop(30_000);
    const sagaVerdict = await checkSagas(sagaDb, sagas.started);

    const cache = cacheStoreOf(names, SERVER_URLS);
    const search = searchStoreOf(names);
    await search.ensureIndex(SEARCH_INDEX);
    try {
      const verdict = await verify(home, cache, search, ledger, races);
      const order = await checkOrder(ordersDir, {
        [CACHE_VIEW]: 'immediate',
        [SEARCH_VIEW]: 'on-flush',
        [NOTES_VIEW]: 'immediate',
      });
      return {
        profile,
        seed,
        runId: names.runId,
        elapsedMs: Date.now() - began,
        ledger,
        races,
        transactions: transaction !== undefined,
        writer: writer.stats,
        writerMismatches: writer.mismatches,
        faults,
        kills: supervisor.kills,
        incarnations: supervisor.incarnations,
        workerCrashes: supervisor.crashes,
        restarts: servers.restarts,
        downtimeMs: servers.downtimeMs,
        duplicates: supervisor.duplicates,
        caughtUp: drained,
        closedCleanly,
        verdict,
        order,
        sagas: sagaVerdict,
        sagasEnded,
      };
    } finally {
      await cache.close();
      await search.close();
    }
  } finally {
    await writerDb.close();
  }
}

/** Whether each view's durable consumer has acknowledged every event in the log. */
async function logAcknowledged(log: ReturnType<typeof logOf>): Promise<boolean> {
  for (const view of VIEWS) {
    const consumer = await log.consumer(view);
    try {
      const [acknowledged, head] = [await consumer.acknowledged(), await consumer.head()];
      if (head !== null && (acknowledged === null || acknowledged < head)) return false;
    } finally {
      await consumer.close();
    }
  }
  return true;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Retries a home read for a while (a restart may have just happened). */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 100 || !isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE')) throw err;
      stderrLogger.warn({ error: describeError(err) }, 'chaos: home read failed, retrying');
      await sleep(200);
    }
  }
}
