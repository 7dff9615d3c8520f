import type { ViewCheckSettings } from '../checker/check-settings.js';
import type { ViewDrift } from '../checker/consistency-checker.js';
import { PolystoreError } from '../errors/index.js';
import type { AnyPolystore } from './load-config.js';
import { ProgressLine, seconds } from './progress-line.js';

export interface CheckCommandOptions {
  readonly view: string | undefined;
  readonly repair: boolean;
  readonly deep: boolean;
  /** List every view whole rather than compare bucket digests. */
  readonly scan: boolean;
  /** With `deep`: compare this many records drawn at random instead of all. */
  readonly sample: string | undefined;
  readonly maxDriftRatio: string | undefined;
  readonly maxLagSeconds: string | undefined;
  readonly json: boolean;
}

/**
 * `polystore check`: compares views with the home (lag is not drift; see
 * `db.check`), one line per view, or one JSON object per line with `--json`.
 * Exit code 0 when every view is ok (or `--repair` ran), 1 otherwise.
 */
export async function checkCommand(db: AnyPolystore, options: CheckCommandOptions): Promise<number> {
  const views = options.view === undefined ? db.views.map((v) => v.view.name) : [options.view];
  const sample = number(options.sample, 'sample');
  const deep = options.deep ? (sample === undefined ? true : { sample }) : undefined;
  const maxDriftRatio = number(options.maxDriftRatio, 'max-drift-ratio');
  const maxLagSeconds = number(options.maxLagSeconds, 'max-lag-seconds');
  const checks: ViewCheckSettings[] | undefined =
    maxDriftRatio === undefined && maxLagSeconds === undefined
      ? undefined
      : views.map((view) => ({
          view,
          ...(maxDriftRatio === undefined ? {} : { maxDriftRatio }),
          ...(maxLagSeconds === undefined ? {} : { maxLagSeconds }),
        }));
  // One view at a time, with progress on stderr (stdout stays the results): records checked of the home's count.
  const entityOf = new Map(db.views.map(({ view }) => [view.name, view.entity]));
  const counts = await Promise.all(
    views.map((view) => (entityOf.has(view) ? db.entity(entityOf.get(view)!).count() : 0)),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  const progress = new ProgressLine(process.stderr, false);
  const started = Date.now();
  const results: ViewDrift[] = [];
  for (const view of views) {
    const [result] = await db.check({
      views: [view],
      repair: options.repair,
      scan: options.scan,
      ...(deep === undefined ? {} : { deep }),
      ...(checks ? { checks } : {}),
    });
    results.push(result!);
    const done = results.reduce((n, r) => n + r.checked, 0);
    progress.update({ label: 'check', done, total, elapsedMs: Date.now() - started }, results.length === views.length);
  }
  process.stdout.write(
    options.json
      ? `${results.map((r) => JSON.stringify(r)).join('\n')}\n`
      : `${results.map((r) => line(r, options.repair)).join('\n')}\n`,
  );
  return options.repair || results.every((r) => r.ok) ? 0 : 1;
}

function line(r: ViewDrift, repair: boolean): string {
  const counts = `missing ${r.missing}  stale ${r.stale}  extra ${r.extra}  changed ${r.changed}  of ${r.checked}`;
  const ratio = `drift ${(r.driftRatio * 100).toFixed(2)}%`;
  const verdict = r.lagging
    ? `LAGGING${r.lagMs === null ? '' : ` ${seconds(r.lagMs)}`} (${r.unresolved} unresolved)`
    : r.ok
      ? 'OK'
      : 'DRIFT';
  const deep = r.deep
    ? r.deep.skipped
      ? `  deep: skipped (${r.deep.skipped})`
      : `  deep: ${r.deep.compared} compared`
    : '';
  const repaired = repair ? `  repaired ${r.repaired}${r.unrepairable ? ` (unrepairable ${r.unrepairable})` : ''}` : '';
  const method = `  by ${r.method}, ${r.idsMoved} ids read${r.listedBecause ? ` (listed: ${r.listedBecause})` : ''}`;
  return `${r.view.padEnd(20)} ${counts}  ${ratio}  in-flight ${r.inFlight}  ${verdict}${deep}${repaired}${method}`;
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `--${flag} must be a number`, {
      field: flag,
      fix: `pass a number, e.g. --${flag} ${flag === 'max-drift-ratio' ? '0.01' : '60'}`,
    });
  }
  return parsed;
}
