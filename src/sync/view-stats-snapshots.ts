import type { HomeStore } from '../contracts/home-store.js';
import { describeError, type Logger } from '../runtime/logger.js';
import { addLag, EMPTY_LAG, LAG_STAGES, type LagBucketCounts, type LagStage } from './lag-buckets.js';
import type { Projector } from './projector.js';

/** The home state keys (`<prefix><view>`) where workers keep each view's counters. */
export const VIEW_STATS_PREFIX = 'view-stats/';

/** What every worker projecting a view has counted, summed, as the home keeps it. */
export interface ViewStatsSnapshot {
  readonly applied: number;
  readonly skipped: number;
  readonly deadLettered: number;
  readonly failedAttempts: number;
  /** Lag percentiles of the newest samples of the worker that saved last; null before any. */
  readonly lagP50Ms: number | null;
  readonly lagP99Ms: number | null;
  /** Commit-to-applied lag histograms by stage, summed over workers. */
  readonly lag: Readonly<Record<LagStage, LagBucketCounts>>;
  /** When a worker last saved them (epoch ms, the home's clock); null: never. */
  readonly savedAt: number | null;
}

type Totals = Omit<ViewStatsSnapshot, 'lagP50Ms' | 'lagP99Ms' | 'savedAt'>;

const EMPTY: ViewStatsSnapshot = {
  applied: 0,
  skipped: 0,
  deadLettered: 0,
  failedAttempts: 0,
  lagP50Ms: null,
  lagP99Ms: null,
  lag: Object.fromEntries(LAG_STAGES.map((stage) => [stage, EMPTY_LAG])) as Record<LagStage, LagBucketCounts>,
  savedAt: null,
};

/** Compare-and-set attempts of one save before it waits for the next round. */
const SAVE_ATTEMPTS = 5;

/**
 * Keeps each view's counters (applied, skipped, dead-lettered, failed
 * attempts) and lag histograms durable in the home, so that any process
 * (`polystore status`, a metrics endpoint in a web process) reads what the
 * workers counted. Each worker adds what it counted since its last save to
 * the view's record by compare-and-set, so workers sharing a view add up and
 * a restarted worker continues the totals; a worker killed loses at most one
 * interval of counts.
 */
export class ViewStatsSnapshots {
  /** Per view: this process's totals as last saved (what the next save subtracts). */
  readonly #saved = new Map<string, Totals>();
  #timer: NodeJS.Timeout | undefined;
  #saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly home: HomeStore,
    private readonly projectors: ReadonlyMap<string, Projector>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.#timer || this.intervalMs === 0) return;
    this.#timer = setInterval(() => {
      this.save().catch(() => undefined);
    }, this.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and saves what is left. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.save();
  }

  /** Adds what this process counted since its last save to each view's record (one save at a time). */
  save(): Promise<void> {
    this.#saving = this.#saving.then(async () => {
      for (const projector of this.projectors.values()) {
        await this.#saveView(projector).catch((err: unknown) =>
          this.logger.warn({ view: projector.name, error: describeError(err) }, 'saving view stats failed'),
        );
      }
    });
    return this.#saving;
  }

  /**
   * Every view's counters as the home keeps them, plus what this process
   * counted and has not saved yet: exact in the worker, at most one save
   * interval behind elsewhere.
   */
  async read(): Promise<Map<string, ViewStatsSnapshot>> {
    const stored = new Map(
      (await this.home.listState(VIEW_STATS_PREFIX)).map(({ key, record }) => [
        key.slice(VIEW_STATS_PREFIX.length),
        { ...fromRecord(record.value), savedAt: record.updatedAt },
      ]),
    );
    const out = new Map<string, ViewStatsSnapshot>();
    for (const [name, projector] of this.projectors) {
      const base = stored.get(name) ?? EMPTY;
      const unsaved = this.#unsaved(projector);
      const { lagP50Ms, lagP99Ms } = projector.stats();
      // Percentiles of this process's own samples when it has any.
      const local = projector.lagBuckets().total.count > 0;
      out.set(name, {
        ...add(base, unsaved),
        lagP50Ms: local ? lagP50Ms : base.lagP50Ms,
        lagP99Ms: local ? lagP99Ms : base.lagP99Ms,
        savedAt: base.savedAt,
      });
    }
    return out;
  }

  async #saveView(projector: Projector): Promise<void> {
    const current = totalsOf(projector);
    const delta = this.#unsaved(projector, current);
    if (delta.applied + delta.skipped + delta.deadLettered + delta.failedAttempts + delta.lag.total.count === 0) return;
    const key = `${VIEW_STATS_PREFIX}${projector.name}`;
    const { lagP50Ms, lagP99Ms } = projector.stats();
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const record = await this.home.readState(key);
      const base = record ? fromRecord(record.value) : EMPTY;
      const next = { ...add(base, delta), lagP50Ms, lagP99Ms };
      if ((await this.home.writeState(key, next, record?.revision ?? null)) !== null) {
        this.#saved.set(projector.name, current);
        return;
      }
    }
  }

  #unsaved(projector: Projector, current = totalsOf(projector)): Totals {
    const saved = this.#saved.get(projector.name);
    return saved ? subtract(current, saved) : current;
  }
}

function totalsOf(projector: Projector): Totals {
  const { applied, skipped, deadLettered, failedAttempts } = projector.stats();
  return { applied, skipped, deadLettered, failedAttempts, lag: projector.lagBuckets() };
}

function add(a: Totals, b: Totals): Totals {
  return combine(a, b, 1);
}

function subtract(a: Totals, b: Totals): Totals {
  return combine(a, b, -1);
}

function combine(a: Totals, b: Totals, sign: 1 | -1): Totals {
  const lag = {} as Record<LagStage, LagBucketCounts>;
  for (const stage of LAG_STAGES) lag[stage] = addLag(a.lag[stage], b.lag[stage], sign);
  return {
    applied: a.applied + sign * b.applied,
    skipped: a.skipped + sign * b.skipped,
    deadLettered: a.deadLettered + sign * b.deadLettered,
    failedAttempts: a.failedAttempts + sign * b.failedAttempts,
    lag,
  };
}

/** A stored record read leniently: a field a newer or older version does not write counts as zero. */
function fromRecord(value: unknown): Omit<ViewStatsSnapshot, 'savedAt'> {
  const v = (value ?? {}) as Partial<Record<keyof ViewStatsSnapshot, unknown>>;
  const count = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
  const lagIn = (v.lag ?? {}) as Partial<Record<LagStage, Partial<LagBucketCounts>>>;
  const lag = {} as Record<LagStage, LagBucketCounts>;
  for (const stage of LAG_STAGES) {
    const stored = lagIn[stage];
    lag[stage] = {
      counts: EMPTY_LAG.counts.map((_, i) => count(stored?.counts?.[i])),
      sumSeconds: count(stored?.sumSeconds),
      count: count(stored?.count),
    };
  }
  return {
    applied: count(v.applied),
    skipped: count(v.skipped),
    deadLettered: count(v.deadLettered),
    failedAttempts: count(v.failedAttempts),
    lagP50Ms: typeof v.lagP50Ms === 'number' ? v.lagP50Ms : null,
    lagP99Ms: typeof v.lagP99Ms === 'number' ? v.lagP99Ms : null,
    lag,
  };
}
