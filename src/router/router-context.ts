import type { HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';
import { PolystoreError } from '../errors/index.js';
import type { RecordLimits } from '../model/validate-record.js';
import type { ReplicaClient } from '../replicas/replica-client.js';
import type { ReplicaRead } from '../replicas/replica-protocol.js';
import type { Logger } from '../runtime/logger.js';
import type { MeterSlot } from '../runtime/operation-meter.js';
import type { SyncEngine } from '../sync/sync-engine.js';
import type { AccessStats } from './access-stats.js';
import type { ReadOptions } from './read-options.js';
import type { RouteCosts } from './route-costs.js';
import { checkStaleness, type StalenessGauge } from './staleness-gauge.js';

/** What every client of a Polystore shares: the home, the engine, limits and the write token. */
export interface RouterContext {
  readonly home: HomeStore;
  readonly sync: SyncEngine;
  readonly readTimeoutMs: number;
  readonly limits: RecordLimits;
  readonly logger: Logger;
  /** The meter attached with `db.instrument` (none: nothing is measured). */
  readonly meter: MeterSlot;
  /** The newest write token this Polystore handed out (read-your-writes waits for it by default). */
  lastWrite(): LogPosition | null;
  recordWrite(position: LogPosition): void;
  /** A local commit happened: wake this process's relay and projectors. */
  afterCommit(): void;
  /** How stale each view is, for reads with `maxStalenessMs`. */
  readonly staleness: StalenessGauge;
  /** What reads and writes each entity gets: the input of placement advice. */
  readonly access: AccessStats;
  /** Measured latency of the cache and the home, for bounded reads either can answer. */
  readonly costs: RouteCosts;
  /** Embedded stores this process queries through their replicas in other processes (none without `replicas`). */
  readonly replicas?: { readonly client: ReplicaClient; readonly remote: ReadonlySet<string> };
}

/** The replica client when `store` is an embedded store this process queries through replicas elsewhere. */
export function remoteStore(ctx: RouterContext, store: string): ReplicaClient | undefined {
  return ctx.replicas?.remote.has(store) ? ctx.replicas.client : undefined;
}

/**
 * The read options a query sends to a replica: read-your-writes names the
 * token to wait for (the caller's, or this process's newest write; none:
 * nothing to wait for), so the replica never waits for a write of its own.
 */
export function replicaRead(ctx: RouterContext, options: ReadOptions | undefined): ReplicaRead {
  checkStaleness(options);
  const timeoutMs = options?.timeoutMs ?? ctx.readTimeoutMs;
  const after = options?.consistency === 'read-your-writes' ? (options.after ?? ctx.lastWrite()) : null;
  return {
    timeoutMs,
    ...(after === null ? {} : { consistency: 'read-your-writes' as const, after }),
    ...(options?.maxStalenessMs === undefined ? {} : { maxStalenessMs: options.maxStalenessMs }),
    ...(options?.onStale === undefined ? {} : { onStale: options.onStale }),
  };
}

/**
 * For a read with `maxStalenessMs`: whether `views` may serve it. Fresh
 * enough: true. Too stale: false when the caller lets the home answer
 * (`canUseHome` and `onStale` not `'wait'`), else waits until they are fresh
 * (`PS_ERR_CONSISTENCY_TIMEOUT`) and says true.
 */
export async function freshEnough(
  ctx: RouterContext,
  views: readonly string[],
  options: ReadOptions | undefined,
  canUseHome: boolean,
): Promise<boolean> {
  checkStaleness(options);
  const max = options?.maxStalenessMs;
  if (max === undefined || views.length === 0) return true;
  const gauge = ctx.staleness;
  if (await gauge.fresh(views, max)) {
    for (const view of views) gauge.count(view, 'view');
    return true;
  }
  if (canUseHome && options?.onStale !== 'wait') {
    for (const view of views) gauge.count(view, 'home');
    return false;
  }
  await gauge.waitFresh(views, max, options?.timeoutMs ?? ctx.readTimeoutMs);
  for (const view of views) gauge.count(view, 'waited');
  return true;
}

/** For read-your-writes, waits until `views` have applied the awaited write. */
export async function awaitConsistency(
  ctx: RouterContext,
  views: readonly string[],
  options: ReadOptions | undefined,
): Promise<void> {
  if (options?.consistency !== 'read-your-writes' || views.length === 0) return;
  const position = options.after ?? ctx.lastWrite();
  if (position === null) return;
  await ctx.sync.waitFor(position, views, options.timeoutMs ?? ctx.readTimeoutMs);
}

export function strongUnsupported(what: string): PolystoreError {
  return new PolystoreError(
    'PS_ERR_UNSUPPORTED_READ',
    `${what} cannot be read with 'strong' consistency: only the home is strong`,
    {
      field: 'consistency',
      fix: "use 'read-your-writes' to wait for your own writes, or query the home with find()",
    },
  );
}
