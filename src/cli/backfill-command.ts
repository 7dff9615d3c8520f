import { PolystoreError } from '../errors/index.js';
import type { BackfillRecord } from '../sync/backfill/backfill-state.js';
import type { AnyPolystore } from './load-config.js';
import { ProgressLine, type ProgressStep } from './progress-line.js';

export interface BackfillCommandOptions {
  readonly view: string | undefined;
  /** `pause`, `resume`, `cancel`, or undefined to start (or go on with) a backfill. */
  readonly action: 'pause' | 'resume' | 'cancel' | undefined;
  /** A JSON filter in the entity's find syntax. */
  readonly filter: string | undefined;
  /** Record the backfill for the workers and return, instead of running it here. */
  readonly detach: boolean;
  readonly json: boolean;
}

/** A backfill record as a progress display shows it: records read of those counted at its start, since it started. */
export function backfillStep(label: string, record: BackfillRecord): ProgressStep {
  return { label, done: record.examined, total: record.total, elapsedMs: Date.now() - record.startedAt };
}

/**
 * `polystore backfill VIEW`: starts a backfill of the view from the home (or
 * goes on with the one recorded) and runs it in this process with a progress
 * display, unless `--detach` leaves it to the workers. `--pause`, `--resume`
 * and `--cancel` act on the recorded one. Exit code 0 when it ends done (or
 * the action was taken), 1 otherwise.
 */
export async function backfillCommand(db: AnyPolystore, options: BackfillCommandOptions): Promise<number> {
  const { view } = options;
  if (!view) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'backfill needs the name of a view', {
      field: 'view',
      fix: `run polystore backfill <view>, with one of ${db.views.map((v) => v.view.name).join(', ')}`,
    });
  }
  const backfills = db.sync.backfills;
  const say = (human: string, record: BackfillRecord | null) =>
    process.stdout.write(options.json ? `${JSON.stringify({ backfill: record })}\n` : `${human}\n`);
  if (options.action) {
    const record = await backfills[options.action](view);
    say(record ? `${view}: backfill ${record.status}` : `${view}: no backfill recorded`, record);
    return record ? 0 : 1;
  }
  let filter: unknown;
  if (options.filter !== undefined) {
    try {
      filter = JSON.parse(options.filter);
    } catch {
      throw new PolystoreError('PS_ERR_INVALID_FILTER', '--filter is not valid JSON', {
        field: 'filter',
        fix: `pass the filter as JSON, e.g. --filter '{"category":"audio"}'`,
      });
    }
  }
  const requested = await backfills.request(view, { filter });
  if (requested.status === 'paused') {
    say(`${view}: a backfill is paused; resume it with --resume`, requested);
    return 1;
  }
  if (options.detach) {
    say(`${view}: backfill recorded (${requested.total} records); a worker runs it`, requested);
    return 0;
  }
  const progress = new ProgressLine(process.stdout, options.json);
  const step = (record: BackfillRecord) => backfillStep(`${view} ${record.phase}`, record);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const record = await backfills.run(view, { signal: abort.signal, onProgress: (r) => progress.update(step(r)) });
    if (record) progress.update(step(record), true);
    progress.end();
    const status = record?.status ?? 'missing';
    const human =
      status === 'done'
        ? `${view}: done, ${record!.examined} read, ${record!.applied} written, ${record!.unprojectable} unprojectable`
        : `${view}: backfill ${status}${record?.owner ? ` (held by worker ${record.owner})` : ''}`;
    say(human, record);
    return status === 'done' ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
