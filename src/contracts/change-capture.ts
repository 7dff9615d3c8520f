import type { Logger } from '../runtime/logger.js';
import type { RetryPolicy } from '../runtime/retry-policy.js';
import type { EventPublisher } from './event-log.js';
import type { HomeStore } from './home-store.js';
import type { LogPosition } from './log-position.js';

/** What a change capture reports (`polystore status`, metrics). */
export interface CaptureStats {
  /** `outbox` (the polling relay) or `cdc` (logical replication). */
  readonly mode: 'outbox' | 'cdc';
  /** Events handed to the broker (a redelivered event counts again). */
  readonly published: number;
  /** Publish attempts or streams that failed; each was retried. */
  readonly failures: number;
  /** CDC: WAL the replication slot holds back, at the last heartbeat (null until one ran). */
  readonly retainedWalBytes?: number | null;
}

/**
 * Moves committed outbox events from the home to a broker log: the polling
 * outbox relay (the default) or change data capture. Whichever runs, events
 * are only ever taken from committed transactions and published at least
 * once; the broker de-duplicates by event id and projectors' version guards
 * make a duplicate harmless.
 */
export interface ChangeCapture {
  readonly name: string;
  start(): Promise<void>;
  /** Finishes what is in flight (published and acknowledged), then stops. */
  stop(): Promise<void>;
  /** A local commit happened: a polling capture reads at once. */
  wake(): void;
  /** Outbox events at or before this position are no longer needed by the capture; null: none yet. */
  prunablePosition(): Promise<LogPosition | null>;
  stats(): CaptureStats;
  /**
   * Asks the capture to publish a watermark covering every transaction that
   * ended before the call (CDC: one WAL message), so progress reaches a write
   * without waiting for the next heartbeat. Callable from any process, whether
   * this one runs the capture or not. Absent where progress needs no help
   * (the polling relay publishes a watermark whenever it drains the outbox).
   */
  settle?(): Promise<void>;
  /** Deploy-time setup the capture needs (CDC: its slot and publication); explicit, never implicit. */
  readonly admin?: CaptureAdmin;
}

/** Explicit setup and teardown of what a capture streams from (`polystore cdc create|drop|status`). */
export interface CaptureAdmin {
  /** Creates what is missing; idempotent. */
  create(): Promise<Record<string, unknown>>;
  /** Drops what `create()` made; idempotent. */
  drop(): Promise<void>;
  status(): Promise<Record<string, unknown>>;
}

/** What the sync engine hands a capture when it builds one. */
export interface ChangeCaptureContext {
  readonly home: HomeStore;
  readonly publisher: EventPublisher;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
}

/**
 * Builds the capture of a deployment; pass it as `sync.capture`.
 *
 * @example
 * import { postgresCdc } from 'polystore/postgres-cdc';
 * createPolystore({ ..., log: jetstreamLog({...}), sync: { capture: postgresCdc({ connectionString, schema: 'app', slot: 'app_cdc', publication: 'app_outbox' }) } });
 */
export type ChangeCaptureFactory = (context: ChangeCaptureContext) => ChangeCapture;
