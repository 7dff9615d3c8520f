import type { ConsumerProgress } from '../contracts/event-log.js';
import { PolystoreError } from '../errors/index.js';

/** Where a staleness-bounded read was served, counted per view (for metrics and `db.routes()`). */
export interface StalenessRoutes {
  /** Served by the view: it was fresh enough. */
  readonly view: number;
  /** Served by the home instead: the view was too stale. */
  readonly home: number;
  /** Waited for the view to become fresh enough. */
  readonly waited: number;
  /** The view was fresh enough but the home was measured faster, so the home served it. */
  readonly cheaperHome: number;
}

/**
 * How stale each view can be, from its durable progress (readable from any
 * process): a view holds every change committed before its oldest unhandled
 * event, so it is stale by at most `now - oldestUnhandledAt`, or, with
 * nothing unhandled when progress was read at `t`, by at most `now - t`.
 * Progress is read again when a snapshot is older than `refreshMs`, and once
 * more before a view is judged too stale, so the bound stays tight; it never
 * understates (commit times are the home's, compared with this clock).
 */
export class StalenessGauge {
  readonly #snapshots = new Map<string, { readonly takenAt: number; readonly oldest: number | null }>();
  readonly #routes = new Map<string, { view: number; home: number; waited: number; cheaperHome: number }>();

  constructor(
    private readonly progress: (view: string) => Promise<ConsumerProgress>,
    private readonly now: () => number = Date.now,
    private readonly refreshMs = 50,
  ) {}

  /** An upper bound, in ms, of how old the data `view` serves now is. */
  async bound(view: string, fresh = false): Promise<number> {
    let snapshot = this.#snapshots.get(view);
    if (fresh || !snapshot || this.now() - snapshot.takenAt > this.refreshMs) {
      // Taken before the read: progress seen after this instant covers everything committed before it.
      const takenAt = this.now();
      snapshot = { takenAt, oldest: (await this.progress(view)).oldestUnhandledAt };
      this.#snapshots.set(view, snapshot);
    }
    return Math.max(0, this.now() - (snapshot.oldest ?? snapshot.takenAt));
  }

  /** Whether every one of `views` is at most `maxMs` stale (progress read again before saying no). */
  async fresh(views: readonly string[], maxMs: number): Promise<boolean> {
    for (const view of views) {
      if ((await this.bound(view)) <= maxMs) continue;
      if ((await this.bound(view, true)) > maxMs) return false;
    }
    return true;
  }

  /** Waits until `views` are at most `maxMs` stale; `PS_ERR_CONSISTENCY_TIMEOUT` after `timeoutMs`. */
  async waitFresh(views: readonly string[], maxMs: number, timeoutMs: number): Promise<void> {
    const deadline = this.now() + timeoutMs;
    while (!(await this.fresh(views, maxMs))) {
      if (this.now() >= deadline) {
        throw new PolystoreError(
          'PS_ERR_CONSISTENCY_TIMEOUT',
          `The views ${views.join(', ')} were not within ${maxMs} ms of the home after ${timeoutMs} ms`,
          {
            field: 'maxStalenessMs',
            fix: "allow more staleness, wait longer (timeoutMs), or read the home (onStale: 'home' where the home can answer)",
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Counts where a staleness-bounded read of `view` went. */
  count(view: string, route: keyof StalenessRoutes): void {
    let counts = this.#routes.get(view);
    if (!counts) {
      counts = { view: 0, home: 0, waited: 0, cheaperHome: 0 };
      this.#routes.set(view, counts);
    }
    counts[route]++;
  }

  /** The counts so far, by view. */
  routes(): Record<string, StalenessRoutes> {
    return Object.fromEntries([...this.#routes].map(([view, counts]) => [view, { ...counts }]));
  }
}

/** Checks `maxStalenessMs` and `onStale` of a read. */
export function checkStaleness(options: { maxStalenessMs?: number; onStale?: string } | undefined): void {
  if (
    options?.maxStalenessMs !== undefined &&
    !(Number.isFinite(options.maxStalenessMs) && options.maxStalenessMs >= 0)
  )
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'maxStalenessMs must be a number of ms, 0 or more', {
      field: 'maxStalenessMs',
      fix: 'pass e.g. { maxStalenessMs: 500 }',
    });
  if (options?.onStale !== undefined && options.onStale !== 'home' && options.onStale !== 'wait')
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', "onStale must be 'home' or 'wait'", {
      field: 'onStale',
      fix: "pass 'home' (read the home instead) or 'wait' (until the view is fresh enough)",
    });
}
