import { parseArgs } from 'node:util';
import { isPolystoreError, redactSecrets } from '../errors/index.js';
import { inspectOnly } from '../replicas/process-role.js';
import { adviseCommand } from './advise-command.js';
import { backfillCommand } from './backfill-command.js';
import { checkCommand } from './check-command.js';
import { dumpCommand } from './dump-command.js';
import { keysCommand } from './keys-command.js';
import { type AnyPolystore, loadConfig } from './load-config.js';
import { migrateCommand } from './migrate-command.js';
import { migrateHomeCommand } from './migrate-home-command.js';
import { rebuildCommand } from './rebuild-command.js';
import { replayCommand } from './replay-command.js';
import { sagaCommand } from './saga-command.js';
import { serveCommand } from './serve-command.js';
import { STATUS_EXIT, statusCommand } from './status-command.js';

const HELP = `polystore <command> [--config polystore.config.ts]

Commands:
  status [--watch] [--max-lag-seconds S]
                      per view, read durably from any process: state, events applied, lag (age of
                      the oldest unhandled event, p50/p99 of applied events), backlog, checkpoint
                      age, applied-through position; dead letters, stuck sagas. --watch refreshes
                      every second until Ctrl-C. Exit 0 healthy; 1 unhealthy (a view lags over S
                      seconds, default 60, holds dead letters or failed its last check, or a saga
                      is stuck); 3 a store is unreachable
  check [--view V] [--repair] [--deep [--sample N]] [--max-drift-ratio R] [--max-lag-seconds S] [--scan]
                      compare views with the home by version (and content with --deep); changes still
                      in flight are waited for, not counted as drift; exit 1 unless every view is ok;
                      by bucket digests where the store keeps them, --scan lists every view whole
  backfill VIEW [--filter JSON] [--detach]
                      fill a view from the home in resumable chunks, with progress (records/s, ETA);
                      --detach records it for the workers instead of running it here
  backfill VIEW --pause | --resume | --cancel
                      act on the view's recorded backfill
  migrate --plan | --apply
                      per entity: the recorded schema version and the changes ready() would make
                      (the SQL) or refuse (with expand/contract steps); --apply applies the additive
                      ones and records the new versions; exit 1 when a change is breaking
  migrate-home --to URL [--to-schema NAME]
                      move the home (postgres://..., mysql://..., pglite:DIR) while applications write:
                      copy, catch up, verify, cut over; old-home writers get PS_ERR_HOME_MOVED
  export --out DIR    every entity's rows and tombstones, with versions, as NDJSON files
  import --in DIR     restore such a dump into the home (the newer version of each id wins)
  rebuild VIEW        rebuild a key-value or search view beside itself and switch reads to it
                      (no downtime); runs the projectors here meanwhile; resumes after a crash
  replay --from-archive --until TIME --view V [--scope S]
                      build view V as it was at TIME (ISO 8601) from its entity's event archive,
                      beside the live view (in <scope>_asof, or S); the live view is not written
  dlq list [--view V] list dead-lettered events
  dlq replay [--view V]
                      apply dead-lettered events again (version-guarded) and remove those that succeed
  saga list [--state S,...] [--name N] [--older-than SECONDS] [--errors]
                      sagas newest first, filtered by state, definition, age and error
  saga show ID        a saga and its step timeline (forward steps and compensations)
  saga resume|retry|cancel ID
                      drop a running saga's lease (a worker takes it now), retry a stuck saga's
                      compensation, or cancel (a running saga compensates; a stuck one ends as is)
  serve [--port N] [--host H]
                      the HTTP API (entity and admin routes, /openapi.json) until SIGINT/SIGTERM;
                      options from the config module's \`serve\` export (keys, renderMetrics, dashboardDir)
  keys create --scopes S,...
                      mint an API key: prints the key once and the { id, hash, scopes } entry for \`serve.keys\`
  worker              run the projectors, the sagas (and the change capture) until SIGINT/SIGTERM
  replicas [forget NAME]
                      every embedded view by the replica keeping it (host, pid, alive, backlog, lag);
                      forget removes a dead replica's leases, durable consumers and backfill records
  cdc create|drop|status
                      CDC mode: create or drop the replication slot and publication
                      the capture streams from, or show the slot and its retained WAL
  advise --workload FILE.yaml [--prices FILE.yaml] [--out FILE.ts]
                      which stores a workload needs: per entity the ranking with every rule's
                      contribution, its home and views; the migration strategy (when the file has
                      one), the TCO comparison (with --prices), warnings, and a configuration
                      skeleton (also written to --out); needs no --config
  advise --interactive
                      the same, answering the calculator's questions in the terminal
  advise --tree       the data-storage decision tree
  --json              machine-readable output

The config module's default export is a Polystore instance or a function returning one.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', default: process.env.POLYSTORE_CONFIG ?? 'polystore.config.ts' },
      json: { type: 'boolean', default: false },
      repair: { type: 'boolean', default: false },
      deep: { type: 'boolean', default: false },
      scan: { type: 'boolean', default: false },
      sample: { type: 'string' },
      'max-drift-ratio': { type: 'string' },
      'max-lag-seconds': { type: 'string' },
      view: { type: 'string' },
      filter: { type: 'string' },
      detach: { type: 'boolean', default: false },
      pause: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      cancel: { type: 'boolean', default: false },
      plan: { type: 'boolean', default: false },
      apply: { type: 'boolean', default: false },
      to: { type: 'string' },
      'to-schema': { type: 'string' },
      out: { type: 'string' },
      in: { type: 'string' },
      state: { type: 'string' },
      name: { type: 'string' },
      'older-than': { type: 'string' },
      errors: { type: 'boolean', default: false },
      port: { type: 'string' },
      host: { type: 'string' },
      scopes: { type: 'string' },
      watch: { type: 'boolean', default: false },
      workload: { type: 'string' },
      prices: { type: 'string' },
      interactive: { type: 'boolean', default: false },
      tree: { type: 'boolean', default: false },
      'from-archive': { type: 'boolean', default: false },
      until: { type: 'string' },
      scope: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub, third] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return command || values.help ? 0 : 2;
  }
  const print = (human: string, data: unknown) =>
    process.stdout.write(values.json ? `${JSON.stringify(data)}\n` : `${human}\n`);
  // Minting a key needs no model: nothing is opened.
  if (command === 'keys') return keysCommand(sub, values.scopes, values.json);
  // The advisor plans stores that do not exist yet: it loads no configuration.
  if (command === 'advise')
    return adviseCommand({
      workload: values.workload,
      prices: values.prices,
      out: values.out,
      interactive: values.interactive,
      tree: values.tree,
      json: values.json,
    });
  // Only a worker, a rebuild and a server project here: the other commands keep no replica of the
  // embedded views (a worker holds their files) and ask the replicas, when the config has them.
  inspectOnly(!['worker', 'rebuild', 'serve'].includes(command));
  const db = await loadConfig(values.config);
  try {
    // Before ready(): with schema.apply "manual", ready() refuses the very changes migrate applies.
    if (command === 'migrate')
      return await migrateCommand(db, { plan: values.plan, apply: values.apply, json: values.json });
    if (command === 'status') {
      const options = { json: values.json, watch: values.watch, maxLagSeconds: values['max-lag-seconds'] };
      return await db
        .ready({ sync: false })
        .then(() => statusCommand(db, options))
        .catch((err: unknown) => {
          // Scripts tell "cannot tell" from "unhealthy".
          if (!isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE')) throw err;
          process.stderr.write(`polystore: ${redactSecrets(`${err.code}: ${err.message}`)}\n`);
          return STATUS_EXIT.unreachable;
        });
    }
    // `cdc` reaches the slot without the views; `create` needs the home's outbox table first.
    if (command !== 'cdc' || (sub === 'create' && db.sync.capture?.admin))
      // A rebuild catches its new generation up through the projectors: they run here meanwhile.
      // A server runs the projectors as the config says (an embedded deployment has no other process).
      await db.ready(command === 'serve' ? {} : { sync: command === 'worker' || command === 'rebuild' });
    switch (command) {
      case 'check':
        return await checkCommand(db, {
          view: values.view,
          repair: values.repair,
          deep: values.deep,
          scan: values.scan,
          sample: values.sample,
          maxDriftRatio: values['max-drift-ratio'],
          maxLagSeconds: values['max-lag-seconds'],
          json: values.json,
        });
      case 'backfill':
        return await backfillCommand(db, {
          view: sub,
          action: values.pause ? 'pause' : values.resume ? 'resume' : values.cancel ? 'cancel' : undefined,
          filter: values.filter,
          detach: values.detach,
          json: values.json,
        });
      case 'dlq': {
        if (sub === 'replay') {
          const result = await db.sync.replayDeadLetters(values.view);
          print(`replayed ${result.replayed}, still failing ${result.failed}`, result);
          return result.failed === 0 ? 0 : 1;
        }
        const letters = await db.sync.deadLetters(values.view);
        print(
          letters
            .map((l) => `${l.id}  ${l.consumer}  ${l.event.eventId}  attempts ${l.attempts}  ${l.error}`)
            .join('\n') || 'no dead letters',
          letters,
        );
        return 0;
      }
      case 'cdc':
        return await cdc(db, sub, print);
      case 'rebuild':
        return await rebuildCommand(db, sub, values.json);
      case 'replay':
        return await replayCommand(db, {
          fromArchive: values['from-archive'],
          until: values.until,
          view: values.view,
          scope: values.scope,
          json: values.json,
        });
      case 'saga':
        return await sagaCommand(db, {
          action: sub,
          id: third,
          state: values.state,
          name: values.name,
          olderThan: values['older-than'],
          errors: values.errors,
          json: values.json,
        });
      case 'migrate-home':
        return await migrateHomeCommand(db, { to: values.to, toSchema: values['to-schema'], json: values.json });
      case 'export':
        return await dumpCommand(db, 'export', { dir: values.out, json: values.json });
      case 'import':
        return await dumpCommand(db, 'import', { dir: values.in, json: values.json });
      case 'serve':
        return await serveCommand(db, { config: values.config, port: values.port, host: values.host });
      case 'replicas': {
        if (sub === 'forget') {
          const forgotten = await db.forgetReplica(third ?? '');
          print(`forgot ${forgotten.join(', ')}`, { forgotten });
          return 0;
        }
        const kept = await db.replicaViews();
        print(
          kept
            .map(
              (r) =>
                `${r.view}  ${r.replica ?? '(no replica)'}  ${r.host} pid ${r.pid}  ${r.alive ? 'alive' : 'GONE'}  backlog ${r.progress.backlog ?? '?'}  through ${r.progress.through ?? '-'}`,
            )
            .join('\n') || 'no embedded view is kept by any process',
          kept,
        );
        return 0;
      }
      case 'worker':
        process.stderr.write('polystore worker running; Ctrl-C to stop\n');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        return 0;
      default:
        process.stderr.write(`unknown command "${command}"\n${HELP}\n`);
        return 2;
    }
  } finally {
    await db.close();
  }
}

async function cdc(
  db: AnyPolystore,
  action: string | undefined,
  print: (human: string, data: unknown) => void,
): Promise<number> {
  const admin = db.sync.capture?.admin;
  if (!admin) {
    process.stderr.write(
      'polystore: this configuration has no CDC capture (set sync.capture to postgresCdc(...) with a broker log)\n',
    );
    return 2;
  }
  if (action === 'create') await admin.create();
  else if (action === 'drop') await admin.drop();
  else if (action !== 'status') {
    process.stderr.write(`unknown cdc action "${action ?? ''}": use create, drop or status\n`);
    return 2;
  }
  const state = await admin.status();
  print(
    state.exists
      ? `slot ${state.active ? 'streaming' : 'idle'}   confirmed ${state.confirmedFlushLsn}   retained WAL ${state.retainedWalBytes} bytes`
      : 'no slot',
    state,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    let text = isPolystoreError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    // A config module that fails to load is the user's own code: its error is what they need.
    if (isPolystoreError(err, 'PS_ERR_INVALID_CONFIG') && err.cause instanceof Error)
      text += `\n  caused by: ${err.cause.message}`;
    process.stderr.write(`polystore: ${redactSecrets(text)}\n`);
    process.exitCode = 1;
  },
);
