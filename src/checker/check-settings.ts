import { PolystoreError } from '../errors/index.js';

/**
 * How `check()` judges one view, from the config's `checks` or a call's own.
 *
 * @example
 * createPolystore({ ..., checks: [{ view: 'products_cache', maxDriftRatio: 0.01, maxLagSeconds: 60 }] });
 * const [drift] = await db.check({ checks: [{ view: 'products_cache', deep: { sample: 1000 } }] });
 */
export interface ViewCheckSettings {
  /** The view's name. */
  readonly view: string;
  /** Largest share of drifted records (of the home records checked) still `ok`, from 0 to 1 (default 0). */
  readonly maxDriftRatio?: number;
  /**
   * Longest wait, in seconds, for the view to apply the changes in flight when
   * the check runs (default 60). A view still behind after it is reported
   * `lagging`, and its unsettled records are not counted as drift.
   */
  readonly maxLagSeconds?: number;
  /** Compares content too: every record (`true`) or `sample` records chosen at random (default off). */
  readonly deep?: DeepCheck;
}

export type DeepCheck = boolean | { readonly sample: number };

/** What one `db.check()` call checks and how (see `Polystore.check`). */
export interface CheckOptions {
  /** Only these views (default: all). */
  readonly views?: readonly string[];
  /** Write the home's state of each drifted record. */
  readonly repair?: boolean;
  /** Per-view settings for this call, over the config's `checks`. */
  readonly checks?: readonly ViewCheckSettings[];
  /** Compare content too, for every view of this call. */
  readonly deep?: DeepCheck;
  /**
   * List every view whole and walk the home, rather than compare bucket
   * digests where the store keeps them (default false). Digests follow the
   * store's own writes; a scan also finds entries removed or changed behind
   * the store (another client's DEL, an eviction), at the cost of reading
   * every id of both sides.
   */
  readonly scan?: boolean;
}

/** One view's settings with every default filled in; `deep.sample` null compares every record. */
export interface CheckSettings {
  readonly maxDriftRatio: number;
  readonly maxLagSeconds: number;
  readonly deep: { readonly sample: number | null } | null;
}

export const DEFAULT_CHECK_SETTINGS: CheckSettings = { maxDriftRatio: 0, maxLagSeconds: 60, deep: null };

type Refuse = (message: string, field: string, fix: string) => PolystoreError;

/**
 * Checks a list of per-view settings (the config's `checks`, or a call's):
 * each names a declared view once, with a ratio from 0 to 1, a wait of 0
 * seconds or more and a deep mode of true, false or `{ sample: n }` (n a
 * positive integer). Returns the settings by view name.
 */
export function readCheckSettings(
  input: unknown,
  views: ReadonlySet<string>,
  field: string,
  refuse: Refuse,
): Map<string, ViewCheckSettings> {
  const out = new Map<string, ViewCheckSettings>();
  if (input === undefined) return out;
  if (!Array.isArray(input))
    throw refuse(`${field} must be an array`, field, 'pass [{ view, maxDriftRatio, maxLagSeconds }], or leave it out');
  input.forEach((entry: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw refuse(`${at} must be an object`, at, 'pass { view, ... }');
    const { view, maxDriftRatio, maxLagSeconds, deep } = entry as Record<string, unknown>;
    if (typeof view !== 'string' || !views.has(view))
      throw refuse(`${at}.view names no declared view`, `${at}.view`, `use one of: ${[...views].join(', ')}`);
    if (out.has(view)) throw refuse(`${at} sets the view "${view}" again`, `${at}.view`, 'give each view one entry');
    if (maxDriftRatio !== undefined && !(typeof maxDriftRatio === 'number' && maxDriftRatio >= 0 && maxDriftRatio <= 1))
      throw refuse(`${at}.maxDriftRatio must be a number from 0 to 1`, `${at}.maxDriftRatio`, 'pass e.g. 0.01 for 1 %');
    if (
      maxLagSeconds !== undefined &&
      !(typeof maxLagSeconds === 'number' && Number.isFinite(maxLagSeconds) && maxLagSeconds >= 0)
    )
      throw refuse(`${at}.maxLagSeconds must be a number of 0 or more`, `${at}.maxLagSeconds`, 'pass seconds, e.g. 60');
    readDeep(deep, `${at}.deep`, refuse);
    out.set(view, entry as ViewCheckSettings);
  });
  return out;
}

/** Checks a deep option (true, false or `{ sample: n }`); undefined passes. */
export function readDeep(deep: unknown, field: string, refuse: Refuse): void {
  if (deep === undefined || typeof deep === 'boolean') return;
  const sample = (deep as { sample?: unknown } | null)?.sample;
  if (!(typeof sample === 'number' && Number.isSafeInteger(sample) && sample >= 1))
    throw refuse(
      `${field} must be true, false or { sample: n }`,
      field,
      'pass n as a positive whole number of records',
    );
}

/** One view's settings: the call's over the config's over the defaults; a call's `deep` applies to every view. */
export function settingsFor(
  configured: ViewCheckSettings | undefined,
  call: ViewCheckSettings | undefined,
  deepForAll: DeepCheck | undefined,
): CheckSettings {
  const pick = <K extends keyof ViewCheckSettings>(key: K) => call?.[key] ?? configured?.[key];
  const deep = deepForAll ?? pick('deep') ?? false;
  return {
    maxDriftRatio: pick('maxDriftRatio') ?? DEFAULT_CHECK_SETTINGS.maxDriftRatio,
    maxLagSeconds: pick('maxLagSeconds') ?? DEFAULT_CHECK_SETTINGS.maxLagSeconds,
    deep: deep === false ? null : { sample: deep === true ? null : deep.sample },
  };
}

/** Refuses a bad `check()` argument with `PS_ERR_INVALID_ARGUMENT`. */
export const refuseArgument: Refuse = (message, field, fix) =>
  new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, { field, fix });
