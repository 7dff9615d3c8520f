import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPolystoreError } from '../../src/errors/index.js';
import {
  BACKFILL_TRANSITIONS,
  type BackfillEvent,
  type BackfillRecord,
  type BackfillStatus,
  newBackfill,
  transition,
} from '../../src/sync/backfill/backfill-state.js';

const start = (): BackfillRecord =>
  newBackfill({
    view: 'v',
    entity: 'e',
    reason: 'new-view',
    endRow: 'z',
    endTombstone: 'z',
    filter: null,
    horizon: null,
    total: 10,
    now: 0,
  });

const STATUSES: readonly BackfillStatus[] = ['running', 'paused', 'done', 'cancelled'];
const KINDS: readonly BackfillEvent['kind'][] = ['claim', 'chunk', 'fail', 'pause', 'resume', 'cancel'];

function eventOf(kind: BackfillEvent['kind'], owner = 'w1', now = 1, last: string | null = 'k'): BackfillEvent {
  switch (kind) {
    case 'claim':
      return { kind, owner, now, leaseMs: 100 };
    case 'chunk':
      return { kind, owner, now, leaseMs: 100, last, examined: 2, applied: 1, unprojectable: 0 };
    case 'fail':
      return { kind, owner, error: 'boom' };
    case 'cancel':
      return { kind, now };
    default:
      return { kind };
  }
}

function tryTransition(record: BackfillRecord, event: BackfillEvent): BackfillRecord | 'refused' {
  try {
    return transition(record, event);
  } catch (err) {
    if (isPolystoreError(err, 'PS_ERR_BACKFILL_STATE')) return 'refused';
    throw err;
  }
}

describe('backfill state machine', () => {
  it('does what its table says for every (status, event) pair, and nothing leaves done or cancelled', () => {
    for (const status of STATUSES) {
      for (const kind of KINDS) {
        // The record in `status`, leased to w1 so that lease checks do not mask the table.
        const record: BackfillRecord = { ...start(), status, owner: 'w1', leaseUntil: 1000 };
        const expected = BACKFILL_TRANSITIONS[status][kind];
        const outcome = tryTransition(record, eventOf(kind));
        expect({ status, kind, outcome: outcome === 'refused' ? 'refuse' : outcome.status }).toEqual({
          status,
          kind,
          outcome: expected,
        });
      }
    }
    for (const final of ['done', 'cancelled'] as const)
      expect(Object.values(BACKFILL_TRANSITIONS[final]).every((next) => next === 'refuse')).toBe(true);
  });

  it('lets only the lease holder move the cursor, and a claim only when the lease is free, its own or expired', () => {
    const leased = transition(start(), eventOf('claim', 'w1', 0));
    expect(leased).toMatchObject({ owner: 'w1', leaseUntil: 100 });
    expect(tryTransition(leased, eventOf('chunk', 'w2', 1))).toBe('refused');
    expect(tryTransition(leased, eventOf('fail', 'w2'))).toBe('refused');
    expect(tryTransition(leased, eventOf('claim', 'w2', 99))).toBe('refused');
    expect(tryTransition(leased, eventOf('claim', 'w2', 100))).toMatchObject({ owner: 'w2', leaseUntil: 200 });
    expect(tryTransition(leased, eventOf('claim', 'w1', 50))).toMatchObject({ owner: 'w1', leaseUntil: 150 });
    // Pause and cancel drop the lease: the former holder's next save is refused.
    const paused = transition(leased, eventOf('pause'));
    expect(paused).toMatchObject({ status: 'paused', owner: null, leaseUntil: 0 });
    expect(tryTransition(paused, eventOf('chunk', 'w1', 2))).toBe('refused');
  });

  it('keeps its invariants on any sequence of events from several workers (fast-check)', () => {
    const event = fc.oneof(
      fc.record({
        kind: fc.constantFrom(...KINDS),
        owner: fc.constantFrom('w1', 'w2'),
        dt: fc.nat({ max: 150 }),
        end: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        let record = start();
        let now = 0;
        let cursorSeq = 0;
        for (const e of events) {
          now += e.dt;
          const next = tryTransition(record, eventOf(e.kind, e.owner, now, e.end ? null : `k${++cursorSeq}`));
          if (next === 'refused') {
            // Refusals happen only where the table refuses, or for a worker without the lease.
            const table = BACKFILL_TRANSITIONS[record.status][e.kind];
            const lease =
              (e.kind === 'chunk' || e.kind === 'fail') && record.owner !== e.owner
                ? true
                : e.kind === 'claim' && record.owner !== null && record.owner !== e.owner && record.leaseUntil > now;
            expect(table === 'refuse' || lease).toBe(true);
            continue;
          }
          // Counters never decrease; phases go rows → tombstones → done; final states stay final.
          expect(next.examined).toBeGreaterThanOrEqual(record.examined);
          expect(next.applied).toBeGreaterThanOrEqual(record.applied);
          if (record.phase === 'tombstones') expect(next.phase).toBe('tombstones');
          if (next.status === 'done') expect(record.phase).toBe('tombstones');
          if (next.status === 'done' || next.status === 'cancelled') {
            expect(next.owner).toBeNull();
            expect(next.finishedAt).not.toBeNull();
          }
          if (next.status !== 'running') expect(next.owner).toBeNull();
          if (next.phase !== record.phase) expect(next.after).toBeNull();
          record = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
