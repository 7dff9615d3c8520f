import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { HomeStore } from '../contracts/home-store.js';
import { PolystoreError } from '../errors/index.js';
import { describeError, type Logger } from '../runtime/logger.js';

/** How often a holder renews its lease; one unrenewed for {@link DEAD_AFTER_MS} belongs to a dead process. */
export const RENEW_EVERY_MS = 2_000;
export const DEAD_AFTER_MS = 7_000;
const LOOK_EVERY_MS = 250;

interface Holder {
  readonly owner: string;
  readonly host: string;
  readonly pid: number;
  readonly since: number;
}

/** The home key of the lease on an embedded view's consumer. */
export function embeddedLeaseKey(view: string): string {
  return `embedded-view/${view}`;
}

/**
 * One live process per embedded view consumer. An embedded view (Orama, Kuzu,
 * DuckDB) lives in the process that projects it; two processes projecting it
 * under one consumer would each receive part of its events and each hold an
 * incomplete view. So a process starting its projectors takes a lease in the
 * home on each embedded view it projects, renews it every
 * {@link RENEW_EVERY_MS}, and drops it when it stops. A lease held by a live
 * process (one renewed while this one watches) refuses the start with
 * `PS_ERR_EMBEDDED_VIEW_SHARED`; one left by a dead process (its pid gone on
 * this host, or not renewed for {@link DEAD_AFTER_MS}, measured by revisions,
 * not clocks) is taken over.
 */
export class EmbeddedViewLeases {
  readonly #me: Holder = { owner: randomUUID(), host: hostname(), pid: process.pid, since: Date.now() };
  /** View → the revision of the lease this process last wrote. */
  readonly #held = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<void> | undefined;

  constructor(
    private readonly home: HomeStore,
    private readonly views: readonly string[],
    private readonly logger: Logger,
  ) {}

  /** Takes every lease, or throws `PS_ERR_EMBEDDED_VIEW_SHARED` (taking none). */
  async claim(): Promise<void> {
    if (this.views.length === 0) return;
    try {
      for (const view of this.views) this.#held.set(view, await this.#claim(view));
    } catch (err) {
      await this.release();
      throw err;
    }
    this.#timer = setInterval(() => {
      this.#renewing ??= this.#renew().finally(() => {
        this.#renewing = undefined;
      });
    }, RENEW_EVERY_MS);
    this.#timer.unref();
  }

  /** Stops renewing and removes this process's leases. */
  async release(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#renewing;
    await Promise.all(
      [...this.#held.keys()].map(async (view) => {
        const stored = await this.home.readState(embeddedLeaseKey(view)).catch(() => null);
        if ((stored?.value as Holder | undefined)?.owner === this.#me.owner)
          await this.home.deleteState(embeddedLeaseKey(view)).catch(() => false);
      }),
    );
    this.#held.clear();
  }

  async #claim(view: string): Promise<number> {
    const key = embeddedLeaseKey(view);
    let watched: { revision: number; since: number } | undefined;
    for (;;) {
      const stored = await this.home.readState(key);
      const holder = stored?.value as Holder | undefined;
      const free = !stored || holder?.owner === this.#me.owner || (holder !== undefined && this.#deadHere(holder));
      const abandoned = stored && watched?.revision === stored.revision && Date.now() - watched.since >= DEAD_AFTER_MS;
      if (free || abandoned) {
        const revision = await this.home.writeState(key, this.#me, stored?.revision ?? null);
        if (revision !== null) {
          if (abandoned || (stored && holder?.owner !== this.#me.owner))
            this.logger.info({ view, from: holder }, 'took over the lease of an embedded view from a dead process');
          return revision;
        }
        watched = undefined;
        continue;
      }
      if (watched && watched.revision !== stored!.revision) throw shared(view, holder);
      watched ??= { revision: stored!.revision, since: Date.now() };
      await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
    }
  }

  async #renew(): Promise<void> {
    for (const [view, revision] of this.#held) {
      try {
        const next = await this.home.writeState(embeddedLeaseKey(view), this.#me, revision);
        if (next !== null) {
          this.#held.set(view, next);
          continue;
        }
        const stored = await this.home.readState(embeddedLeaseKey(view));
        const holder = stored?.value as Holder | undefined;
        if (stored && holder?.owner === this.#me.owner) this.#held.set(view, stored.revision);
        else
          this.logger.error(
            { view, holder },
            'another process took over the lease of this embedded view (this one stalled): stop one of them',
          );
      } catch (err) {
        this.logger.warn({ view, error: describeError(err) }, 'could not renew the lease of an embedded view');
      }
    }
  }

  /** A holder on this host whose process is gone. */
  #deadHere(holder: Holder): boolean {
    if (holder.host !== this.#me.host || holder.pid === this.#me.pid) return false;
    try {
      process.kill(holder.pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
}

function shared(view: string, holder: Holder | undefined): PolystoreError {
  const where = holder ? `${holder.host} (pid ${holder.pid})` : 'another process';
  return new PolystoreError(
    'PS_ERR_EMBEDDED_VIEW_SHARED',
    `The embedded view "${view}" is already projected by ${where}: two workers sharing its consumer would each receive part of its events and each hold an incomplete view`,
    {
      field: 'replicas',
      fix: "run it in one worker, or give each worker its own replica of the view: replicas: natsReplicas({ servers, replica }) from 'polystore/nats', with a distinct `replica` (or POLYSTORE_REPLICA) per process; other processes then query the replicas",
      details: { view, holder: holder ? { host: holder.host, pid: holder.pid } : null },
    },
  );
}
