/**
 * The admin HTTP contract the dashboard reads (`/admin/*`), shared with the
 * server's routes. Shapes only: the server owns the meaning of each figure.
 */

export type Health = 'up' | 'down' | 'degraded';

export interface StatusResponse {
  readonly at: string;
  readonly topology: {
    readonly home: { readonly kind: string; readonly health: Health };
    readonly log: { readonly kind: string; readonly health: Health } | null;
    readonly entities: readonly { readonly name: string; readonly views: readonly string[] }[];
    readonly stores: readonly { readonly name: string; readonly kind: string; readonly health: Health }[];
  };
  readonly views: readonly ViewStatus[];
  readonly sagas: Readonly<Record<SagaState, number>>;
}

export interface ViewStatus {
  readonly view: string;
  readonly entity: string;
  readonly store: string;
  readonly state: string;
  readonly applied: number;
  readonly skipped: number;
  readonly failed: number;
  readonly deadLetters: number;
  readonly backlog: number;
  readonly lagMs: { readonly p50: number | null; readonly p99: number | null };
  readonly checkpointAgeMs: number | null;
}

export interface CheckResponse {
  readonly views: readonly {
    readonly view: string;
    readonly checkedAt: string | null;
    readonly missing: number;
    readonly stale: number;
    readonly extra: number;
    readonly drift: number;
    readonly ok: boolean;
  }[];
}

export interface BackfillsResponse {
  readonly backfills: readonly {
    readonly view: string;
    readonly state: 'running' | 'done' | 'idle';
    readonly examined: number;
    readonly total: number;
    readonly ratePerSec: number | null;
    readonly etaSeconds: number | null;
  }[];
}

export interface DeadLetterGroup {
  readonly view: string;
  readonly signature: string;
  readonly count: number;
  readonly sample: { readonly entity: string; readonly key?: string; readonly error: string; readonly at: string };
}

export interface DeadLettersResponse {
  readonly groups: readonly DeadLetterGroup[];
}

export type SagaState = 'running' | 'compensating' | 'stuck' | 'completed' | 'compensated' | 'cancelled';
export const SAGA_STATES: readonly SagaState[] = [
  'running',
  'compensating',
  'stuck',
  'completed',
  'compensated',
  'cancelled',
];

/** A saga as `db.sagas.list` returns it (times in ms since the epoch). */
export interface SagaSummary {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly state: SagaState;
  readonly stepIndex: number;
  readonly owner: string | null;
  readonly attempts: number;
  readonly error: string | null;
  readonly cancelling: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One row of a saga's timeline, as `db.sagas.timeline` returns it. */
export interface SagaStep {
  readonly stepIndex: number;
  readonly step: string;
  readonly phase: 'forward' | 'compensate';
  readonly status: 'pending' | 'done' | 'failed' | 'skipped';
  readonly attempts: number;
  readonly error: string | null;
  readonly startedAt: number;
  readonly updatedAt: number;
}

export type SagaAction = 'resume' | 'retry' | 'cancel';
