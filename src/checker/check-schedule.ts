import { randomUUID } from 'node:crypto';
import type { HomeStore } from '../contracts/home-store.js';
import { describeError, type Logger } from '../runtime/logger.js';
import type { ViewDrift } from './consistency-checker.js';

/** The last scheduled check of one view, as the home keeps it (`check/<view>`), readable from any process. */
export interface ScheduledCheck {
  readonly checkedAt: number;
  readonly durationMs: number;
  readonly result: ViewDrift;
}

const LEASE_KEY = 'check/schedule';

function resultKey(view: string): string {
  return `check/${view}`;
}

/** The last scheduled check of `view` recorded in the home (by any process), or null. */
export async function readLastCheck(home: HomeStore, view: string): Promise<ScheduledCheck | null> {
  const stored = await home.readState(resultKey(view));
  return stored ? (stored.value as ScheduledCheck) : null;
}

/** The last scheduled check of every view that has one, in one read of the home. */
export async function readLastChecks(home: HomeStore): Promise<Map<string, ScheduledCheck>> {
  const prefix = resultKey('');
  return new Map(
    (await home.listState(prefix))
      .filter(({ key }) => key !== LEASE_KEY)
      .map(({ key, record }) => [key.slice(prefix.length), record.value as ScheduledCheck]),
  );
}

/**
 * Runs `db.check()` every `everyMs` in one process of the deployment at a
 * time (a lease in the home, held while checks run and renewed by each), and
 * records each view's result in the home, so that `polystore status` (and
 * metrics) read the last check from any process. A failed check is logged
 * and tried again at the next interval.
 */
export class CheckSchedule {
  readonly #owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly home: HomeStore,
    private readonly check: () => Promise<ViewDrift[]>,
    readonly everyMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.runOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ error: describeError(err) }, 'a scheduled check failed'))
        .finally(() => {
          this.#running = undefined;
        });
    }, this.everyMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Checks now if this process holds (or takes) the lease; false when another process holds it. */
  async runOnce(): Promise<boolean> {
    if (!(await this.#lease())) return false;
    const started = Date.now();
    const results = await this.check();
    const durationMs = Date.now() - started;
    for (const result of results) {
      const record: ScheduledCheck = { checkedAt: started, durationMs, result };
      const key = resultKey(result.view);
      const stored = await this.home.readState(key);
      await this.home.writeState(key, record, stored?.revision ?? null);
    }
    return true;
  }

  /** Takes or renews the lease for two intervals (a holder that died is replaced after them). */
  async #lease(): Promise<boolean> {
    const now = Date.now();
    const stored = await this.home.readState(LEASE_KEY);
    const lease = stored?.value as { owner: string; until: number } | undefined;
    if (lease && lease.owner !== this.#owner && lease.until > now) return false;
    const next = { owner: this.#owner, until: now + 2 * this.everyMs };
    return (await this.home.writeState(LEASE_KEY, next, stored?.revision ?? null)) !== null;
  }
}
