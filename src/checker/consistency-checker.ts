import type { HomeStore, StoredRow } from '../contracts/home-store.js';
import { type Logger, silentLogger } from '../runtime/logger.js';
import type { CheckSettings } from './check-settings.js';
import { compareContent, contentUnreadable, IdSample } from './content-check.js';
import { repairDrift } from './drift-repair.js';
import { firstPass } from './first-pass.js';
import { IdMeter } from './id-meter.js';
import { settleCandidates, type ViewProgress } from './settle-candidates.js';
import type { CheckedView } from './view-entries.js';

export type { ViewProgress } from './settle-candidates.js';

export interface ViewDrift {
  readonly view: string;
  readonly entity: string;
  /** Live home records the view lacks. */
  readonly missing: number;
  /** Records the view holds at an older version than the home. */
  readonly stale: number;
  /** Records the view holds (live) that the home no longer has. */
  readonly extra: number;
  /** Deep mode: entries at the home's version whose content differs from the record projected again (not repaired: see `check`). */
  readonly changed: number;
  /** Live home records walked. */
  readonly checked: number;
  /** Up to 20 ids of each kind, for a look. */
  readonly sample: {
    readonly missing: string[];
    readonly stale: string[];
    readonly extra: string[];
    readonly changed: string[];
  };
  /** Ids that looked drifted while the check walked but were changes in flight: the view caught up with them. */
  readonly inFlight: number;
  /** The view did not apply the home's in-flight changes within `maxLagSeconds`: `unresolved` ids are not counted as drift. */
  readonly lagging: boolean;
  /** When lagging: the age in ms of the oldest event the view has not handled; otherwise null. */
  readonly lagMs: number | null;
  /** Ids that looked drifted and could not be settled because the view is lagging (0 unless lagging). */
  readonly unresolved: number;
  /** (missing + stale + extra + changed) / checked (checked counted as 1 when 0). */
  readonly driftRatio: number;
  /** The tolerance applied: `maxDriftRatio` and `maxLagSeconds` of the view's check settings. */
  readonly maxDriftRatio: number;
  readonly maxLagSeconds: number;
  /** Deep mode: records compared by content, or why the store's content could not be read; null when not deep. */
  readonly deep: { readonly compared: number; readonly skipped: string | null } | null;
  /** Not lagging, and the drift ratio is within `maxDriftRatio`. */
  readonly ok: boolean;
  /** Records written back by `repair` (0 unless repairing). */
  readonly repaired: number;
  /** Drifted records `repair` could not write because their projection throws (poison; fix the view's projection). */
  readonly unrepairable: number;
  /**
   * How the view was compared: `digest`, per-bucket digests of the view's
   * store against the home's, reading the ids of differing buckets only;
   * `scan`, the home walked against the view listed whole; `by-key`, the
   * home walked and each id read back from a key-value view that cannot list
   * its keys (Memcached): extra entries are found only among the home's
   * tombstones.
   */
  readonly method: 'digest' | 'scan' | 'by-key';
  /** Why the view was listed whole (every `scan`, and a `digest` check that had to); null when it was not. */
  readonly listedBecause: string | null;
  /** Ids (each with its version or entry) the check read from the home and the view, every read counted. */
  readonly idsMoved: number;
}

export interface CheckTarget extends CheckedView {
  readonly settings: CheckSettings;
}

export interface CheckRun {
  /** The views' progress, from the sync engine (`Polystore.check` passes it). */
  readonly progress: ViewProgress;
  readonly repair?: boolean;
  readonly logger?: Logger;
  /** Home records per keyset chunk (default 5000). */
  readonly chunkSize?: number;
  /** List each view whole rather than compare digests (see `CheckOptions.scan`). */
  readonly scan?: boolean;
}

const DEFAULT_CHUNK = 5000;
/** Ids per home read when comparing a deep sample. */
const SAMPLE_READ = 500;
const SAMPLE_IDS = 20;

/**
 * Compares each view with the home. Where the view's store keeps bucket
 * digests and the home computes them, they are compared bucket by bucket and
 * only the ids of differing buckets are read (digest-walk.ts); otherwise the
 * home is walked in keyset chunks (`scanVersions`; `scanRows` in deep mode)
 * against the view listed whole (`listVersions`), which is what such a check
 * holds in memory: one entry per view key (first-pass.ts). Ids that look drifted are
 * then settled against the view's progress (settle-candidates.ts), so a
 * write in flight is not drift, and a view that lags more than
 * `maxLagSeconds` is reported `lagging` instead. Deep mode compares content
 * where the store reads entries back by key. With `repair`, writes the home's
 * state of exactly the drifted ids (drift-repair.ts); a content mismatch at
 * the home's version cannot be written back version-guarded and is only
 * reported (an update of the record, or a rebuild into an empty store, fixes it).
 */
export async function checkConsistency(
  home: HomeStore,
  targets: readonly CheckTarget[],
  run: CheckRun,
): Promise<ViewDrift[]> {
  const out: ViewDrift[] = [];
  for (const target of targets) out.push(await checkView(home, target, run));
  return out;
}

async function checkView(origin: HomeStore, target: CheckTarget, run: CheckRun): Promise<ViewDrift> {
  const { view, entity, settings } = target;
  // Every read of the check goes through the meter; the repair's writes do not.
  const meter = new IdMeter();
  const home = meter.home(origin);
  const metered: CheckTarget = { ...target, store: meter.store(target.store) };
  const skipped = settings.deep ? contentUnreadable(target.store) : null;
  const deep = settings.deep && !skipped ? settings.deep : null;
  let compared = 0;
  const changed: string[] = [];
  const compare = async (rows: readonly StoredRow[]) => {
    const result = await compareContent(metered, rows);
    compared += result.compared;
    changed.push(...result.changed);
  };
  const sample = deep?.sample ? new IdSample(deep.sample) : null;
  const walk = await firstPass(home, metered, {
    chunkSize: run.chunkSize ?? DEFAULT_CHUNK,
    compare: deep && !sample ? compare : null,
    sample,
    scan: run.scan === true,
  });
  for (let i = 0; sample && i < sample.ids.length; i += SAMPLE_READ)
    await compare(await home.getMany(entity.table, sample.ids.slice(i, i + SAMPLE_READ)));

  const settled = await settleCandidates(home, metered, walk.candidates, run.progress, settings.maxLagSeconds * 1000);
  const ids = { missing: [] as string[], stale: [] as string[], extra: [] as string[] };
  for (const [id, { kind }] of settled.drift) ids[kind].push(id);
  const { repaired, unrepairable } =
    run.repair && settled.drift.size > 0
      ? await repairDrift(origin, target, settled.drift, run.logger ?? silentLogger)
      : { repaired: 0, unrepairable: 0 };
  const driftRatio = (settled.drift.size + changed.length) / Math.max(walk.checked, 1);
  return {
    view: view.name,
    entity: entity.name,
    missing: ids.missing.length,
    stale: ids.stale.length,
    extra: ids.extra.length,
    changed: changed.length,
    checked: walk.checked,
    sample: {
      missing: ids.missing.slice(0, SAMPLE_IDS),
      stale: ids.stale.slice(0, SAMPLE_IDS),
      extra: ids.extra.slice(0, SAMPLE_IDS),
      changed: changed.slice(0, SAMPLE_IDS),
    },
    inFlight: settled.inFlight,
    lagging: settled.lagging,
    lagMs: settled.lagging ? await run.progress.lagMs(view.name) : null,
    unresolved: settled.unresolved,
    driftRatio,
    maxDriftRatio: settings.maxDriftRatio,
    maxLagSeconds: settings.maxLagSeconds,
    deep: settings.deep ? { compared, skipped } : null,
    ok: !settled.lagging && driftRatio <= settings.maxDriftRatio,
    repaired,
    unrepairable,
    method: walk.method,
    listedBecause: walk.listedBecause,
    idsMoved: meter.moved,
  };
}
