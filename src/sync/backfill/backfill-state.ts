import type { FilterNode } from '../../contracts/filter-ast.js';
import { PolystoreError } from '../../errors/index.js';

/**
 * A backfill's life: `running` (a worker holding the lease copies chunks),
 * `paused` (kept where it stopped until resumed), and the two ends, `done`
 * and `cancelled`. A crashed worker leaves `running` with a lease that
 * expires; any worker may then claim it and go on from the saved cursor.
 */
export type BackfillStatus = 'running' | 'paused' | 'done' | 'cancelled';

/** Rows first, then tombstones (so that a late, older event cannot bring a deleted record back). */
export type BackfillPhase = 'rows' | 'tombstones';

/** Why a backfill started. */
export type BackfillReason = 'new-view' | 'pruned' | 'requested';

/** A view's backfill as the home keeps it (`readState('backfill/<view>')`), readable from any process. */
export interface BackfillRecord {
  readonly view: string;
  readonly entity: string;
  readonly status: BackfillStatus;
  readonly reason: BackfillReason;
  readonly phase: BackfillPhase;
  /** The last id handled in the current phase (exclusive start of the next chunk); null: from the first. */
  readonly after: string | null;
  /** Greatest live id when the backfill started: rows after it were created later and reach the view through the log. */
  readonly endRow: string | null;
  /** Greatest tombstone id when the backfill started. */
  readonly endTombstone: string | null;
  /** Only the records matching this filter (a partial backfill); null: all. */
  readonly filter: FilterNode | null;
  /** The outbox's pruned horizon when it started (outbox mode), so a finished backfill is not run again for it. */
  readonly horizon: string | null;
  /** Records and tombstones read from the home so far. */
  readonly examined: number;
  /** Of those, the ones the view took (newer than what it held). */
  readonly applied: number;
  /** Records whose projection throws (the view's poison; its dead letters tell the projector's side). */
  readonly unprojectable: number;
  /** Live records when it started: the denominator of progress. */
  readonly total: number;
  /** The worker holding the lease, or null. */
  readonly owner: string | null;
  /** Milliseconds since the epoch when the lease ends (0: none). */
  readonly leaseUntil: number;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** The last error a chunk failed with (the worker retries it). */
  readonly error: string | null;
}

/** What can happen to a backfill; `transition` says what each does in each status. */
export type BackfillEvent =
  | { readonly kind: 'claim'; readonly owner: string; readonly now: number; readonly leaseMs: number }
  | {
      readonly kind: 'chunk';
      readonly owner: string;
      readonly now: number;
      readonly leaseMs: number;
      /** The last id of the chunk, or null when the phase has no more ids. */
      readonly last: string | null;
      readonly examined: number;
      readonly applied: number;
      readonly unprojectable: number;
    }
  | { readonly kind: 'fail'; readonly owner: string; readonly error: string }
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'cancel'; readonly now: number };

/** The transitions as a table: the status after each event, or `refuse` (the event is a coded error there). */
export const BACKFILL_TRANSITIONS: Readonly<
  Record<BackfillStatus, Readonly<Record<BackfillEvent['kind'], BackfillStatus | 'refuse'>>>
> = {
  running: {
    claim: 'running',
    chunk: 'running',
    fail: 'running',
    pause: 'paused',
    resume: 'running',
    cancel: 'cancelled',
  },
  paused: { claim: 'refuse', chunk: 'refuse', fail: 'refuse', pause: 'paused', resume: 'running', cancel: 'cancelled' },
  done: { claim: 'refuse', chunk: 'refuse', fail: 'refuse', pause: 'refuse', resume: 'refuse', cancel: 'refuse' },
  cancelled: { claim: 'refuse', chunk: 'refuse', fail: 'refuse', pause: 'refuse', resume: 'refuse', cancel: 'refuse' },
};

/** A new backfill, running and unowned. */
export function newBackfill(init: {
  view: string;
  entity: string;
  reason: BackfillReason;
  endRow: string | null;
  endTombstone: string | null;
  filter: FilterNode | null;
  horizon: string | null;
  total: number;
  now: number;
}): BackfillRecord {
  const { now, ...fields } = init;
  return {
    ...fields,
    status: 'running',
    phase: 'rows',
    after: null,
    examined: 0,
    applied: 0,
    unprojectable: 0,
    owner: null,
    leaseUntil: 0,
    startedAt: now,
    finishedAt: null,
    error: null,
  };
}

/** Running or paused: the view is still being filled (status reports it; a new request returns it). */
export function isUnfinished(record: BackfillRecord): boolean {
  return record.status === 'running' || record.status === 'paused';
}

/** Whether `owner` may work on the backfill at `now`: it is running and unleased, leased to it, or its lease ran out. */
export function claimable(record: BackfillRecord, owner: string, now: number): boolean {
  return record.status === 'running' && (record.owner === null || record.owner === owner || record.leaseUntil <= now);
}

/**
 * The pure transition function of a backfill. Invariants (each tested in
 * test/sync/backfill-state.test.ts):
 * 1. `done` and `cancelled` are final: every event is refused there.
 * 2. Only the lease holder moves the cursor (`chunk`) or records a failure;
 *    a claim succeeds only when the lease is free, its own, or expired.
 * 3. The phases go rows → tombstones → done, the cursor restarts at each
 *    phase, and the counters never decrease. (That the cursor moves forward
 *    within a phase is the keyset read's: ids compare in the home's order.)
 * 4. `pause` and `cancel` drop the lease, so the worker that held it stops at
 *    its next save (its compare-and-set fails) and never writes after them.
 */
export function transition(record: BackfillRecord, event: BackfillEvent): BackfillRecord {
  const next = BACKFILL_TRANSITIONS[record.status][event.kind];
  if (next === 'refuse') throw refused(record, event.kind);
  switch (event.kind) {
    case 'claim':
      if (!claimable(record, event.owner, event.now)) throw leased(record);
      return { ...record, owner: event.owner, leaseUntil: event.now + event.leaseMs };
    case 'chunk': {
      if (record.owner !== event.owner) throw leased(record);
      const counted = {
        examined: record.examined + event.examined,
        applied: record.applied + event.applied,
        unprojectable: record.unprojectable + event.unprojectable,
        leaseUntil: event.now + event.leaseMs,
        error: null,
      };
      if (event.last !== null) return { ...record, ...counted, after: event.last };
      if (record.phase === 'rows') return { ...record, ...counted, phase: 'tombstones', after: null };
      return {
        ...record,
        ...counted,
        status: 'done',
        after: null,
        owner: null,
        leaseUntil: 0,
        finishedAt: event.now,
      };
    }
    case 'fail':
      if (record.owner !== event.owner) throw leased(record);
      return { ...record, error: event.error };
    case 'pause':
      return { ...record, status: next, owner: null, leaseUntil: 0 };
    case 'resume':
      return { ...record, status: next };
    case 'cancel':
      return { ...record, status: next, owner: null, leaseUntil: 0, finishedAt: event.now };
  }
}

function refused(record: BackfillRecord, kind: BackfillEvent['kind']): PolystoreError {
  return new PolystoreError(
    'PS_ERR_BACKFILL_STATE',
    `The backfill of ${record.view} is ${record.status}: cannot ${kind} it`,
    {
      field: 'view',
      fix:
        record.status === 'paused'
          ? `resume it first (polystore backfill ${record.view} --resume)`
          : `start a new backfill (polystore backfill ${record.view})`,
      details: { status: record.status },
    },
  );
}

function leased(record: BackfillRecord): PolystoreError {
  return new PolystoreError('PS_ERR_BACKFILL_STATE', `Another worker holds the backfill of ${record.view}`, {
    field: 'view',
    fix: 'wait for it to finish, or for its lease to expire if that worker is gone',
    details: { owner: record.owner, leaseUntil: record.leaseUntil },
  });
}
